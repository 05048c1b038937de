/* tcptest: tcpip's outbound side: tcp-connect to an echo server, refused and unanswered connects, resolve. */
#include <warp/clock.h>
#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/proto/tcpip.h>
#include <warp/string.h>
#include <warp/tap.h>
#include <warp/user.h>

/*
 * Runs on tests/e2e/netns.py's network (tests/e2e/case_tcpip.py): dnsmasq on the gateway 198.18.0.1
 * leases 198.18.0.2 and answers echo.test.warp (198.18.0.3) and nothing else under test.warp; an
 * echo server listens on 198.18.0.3:7777 and nothing on :7778; 198.18.0.4 never answers (the
 * namespace does not forward). arg 0: tcptest, whose manifest says connect = yes; arg 1: tcpdeny,
 * the same program without it. TAP on the console, exit code 0 or 1.
 */
#define TT_INIT_CH 1
#define TT_ECHO_NAME "echo.test.warp"
#define TT_ECHO_IP "198.18.0.3"
#define TT_ECHO_PORT "7777"
#define TT_CLOSED "tcp-connect:198.18.0.3:7778"
#define TT_SILENT "tcp-connect:198.18.0.4:7"
#define TT_LEASE_MS 60000     /* DHCP under TCG */
#define TT_BIG (48 * 1024)    /* bytes sent and echoed in one WRITE: several segments and windows */
#define TT_DIALS_PER_CLIENT 8 /* tcpip's ACCESS_DIALS_PER_CLIENT */

static uint8_t tt_out[TT_BIG], tt_in[TT_BIG];

/* Waits ms milliseconds. */
static void tt_sleep(uint64_t ms)
{
    static long eq;
    struct warp_event ev;
    if (eq == 0)
        eq = warp_eventq_create();
    if (eq > 0)
        warp_eventq_wait((handle_t)eq, &ev, clock_ns() + ms * CLOCK_NS_PER_MS);
}

/* OPEN uri on ch; the reply's status (the handle is in reply->handles[0], text in its data). */
static long tt_open(handle_t ch, const char *uri, struct warp_msg *reply)
{
    struct warp_msg m;
    msg_open(&m, uri);
    return ipc_call_sync(ch, &m, reply);
}

/* GETATTR name on ch as text into value; its length or the error. */
static long tt_getattr(handle_t ch, const char *name, char *value, size_t size)
{
    struct warp_msg m, reply;
    msg_getattr(&m, name);
    long r = ipc_call_sync(ch, &m, &reply);
    return r < 0 ? r : msg_get_text(&reply, value, size);
}

/* resolve:<name> on ch; the error, or 0 with the address text in addr. */
static long tt_resolve(handle_t ch, const char *name, char *addr, size_t size)
{
    char uri[MSG_DATA_MAX + 1];
    struct warp_msg reply;
    fmt_snprintf(uri, sizeof(uri), TCPIP_RESOLVE_PREFIX "%s", name);
    long r = tt_open(ch, uri, &reply);
    addr[0] = '\0';
    if (r < 0)
        return r;
    return msg_get_text(&reply, addr, size) < 0 ? ERR_BAD_FORMAT : 0;
}

/* tcp-connect:<uri tail> on ch: the connection channel or the error. */
static long tt_connect(handle_t ch, const char *uri)
{
    struct warp_msg reply;
    long r = tt_open(ch, uri, &reply);
    if (r < 0)
        return r;
    return reply.type == MSG_OPEN && reply.nhandles == 1 ? (long)reply.handles[0] : ERR_BAD_FORMAT;
}

/* Waits up to TT_LEASE_MS for tcpip's address; true once it has one. */
static bool tt_wait_lease(handle_t ctl)
{
    char v[MSG_DATA_MAX + 1];
    long r = ERR_WOULD_BLOCK;
    for (uint64_t end = clock_ms() + TT_LEASE_MS; clock_ms() < end; tt_sleep(200))
        if ((r = tt_getattr(ctl, "ipv4", v, sizeof(v))) >= 0)
            break;
    tap_ok(r >= 0, "tcpip has an address: %s", r >= 0 ? v : err_str(r));
    return r >= 0;
}

/* The value of field key in a stats text ("dials=0 ..."), or -1. */
static long tt_stat(const char *stats, const char *key)
{
    size_t n = strlen(key);
    for (const char *s = stats; *s; s++)
        if ((s == stats || s[-1] == ' ') && strncmp(s, key, n) == 0 && s[n] == '=') {
            long v = 0;
            for (s += n + 1; *s >= '0' && *s <= '9'; s++)
                v = v * 10 + (*s - '0');
            return v;
        }
    return -1;
}

/* Names: DHCP's DNS server, a dotted quad, a name dnsmasq knows, one it does not, bad ones. */
static void tt_names(handle_t ctl, char *echo_ip, size_t size)
{
    char v[MSG_DATA_MAX + 1];
    long r = tt_getattr(ctl, "dns", v, sizeof(v));
    tap_ok(r > 0 && strcmp(v, "198.18.0.1") == 0, "GETATTR dns gives DHCP's server 198.18.0.1 (%s)",
           r < 0 ? err_str(r) : v);
    r = tt_resolve(ctl, "198.18.0.9", v, sizeof(v));
    tap_ok(r == 0 && strcmp(v, "198.18.0.9") == 0, "resolve:198.18.0.9 answers itself (%s)",
           r < 0 ? err_str(r) : v);
    r = tt_resolve(ctl, TT_ECHO_NAME, echo_ip, size);
    tap_ok(r == 0 && strcmp(echo_ip, TT_ECHO_IP) == 0, "resolve:" TT_ECHO_NAME " gives " TT_ECHO_IP " (%s)",
           r < 0 ? err_str(r) : echo_ip);
    r = tt_resolve(ctl, TT_ECHO_NAME, v, sizeof(v));
    tap_ok(r == 0 && strcmp(v, TT_ECHO_IP) == 0, "resolve:" TT_ECHO_NAME " again (cached) gives " TT_ECHO_IP);
    tap_eq(tt_resolve(ctl, "nope.test.warp", v, sizeof(v)), ERR_NOT_FOUND,
           "resolve:nope.test.warp gives ERR_NOT_FOUND (NXDOMAIN)");
    tap_eq(tt_resolve(ctl, "bad..name", v, sizeof(v)), ERR_INVALID_ARG,
           "resolve:bad..name gives ERR_INVALID_ARG");
    tap_eq(tt_resolve(ctl, "1.2.3", v, sizeof(v)), ERR_INVALID_ARG, "resolve:1.2.3 gives ERR_INVALID_ARG");
    struct warp_msg reply;
    tap_eq(tt_open(ctl, "tcp-connect:0.0.0.0:7", &reply), ERR_INVALID_ARG,
           "tcp-connect:0.0.0.0:7 gives ERR_INVALID_ARG");
    tap_eq(tt_open(ctl, "tcp-connect:" TT_ECHO_IP ":0", &reply), ERR_INVALID_ARG,
           "tcp-connect with port 0 gives ERR_INVALID_ARG");
}

/* Reads from conn until len bytes are in buf or the stream ends; the bytes read or an error. */
static long tt_read_all(handle_t conn, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        struct warp_msg m;
        msg_read(&m, buf + got, len - got);
        long r = ipc_call_sync(conn, &m, NULL);
        if (r <= 0)
            return got ? (long)got : r;
        got += (size_t)r;
    }
    return (long)got;
}

/* A connection to the echo server: a line and a large block come back as sent; CLOSE. */
static void tt_echo(handle_t ctl, const char *ip)
{
    char uri[MSG_DATA_MAX + 1];
    fmt_snprintf(uri, sizeof(uri), TCPIP_CONNECT_PREFIX "%s:" TT_ECHO_PORT, ip);
    long conn = tt_connect(ctl, uri);
    if (!tap_ok(conn > 0, "%s gives a connection channel (%s)", uri, conn > 0 ? "ok" : err_str(conn)))
        return;
    static const char hello[] = "hello from warp\n";
    struct warp_msg m;
    msg_write(&m, hello, sizeof(hello) - 1);
    tap_eq(ipc_call_sync((handle_t)conn, &m, NULL), sizeof(hello) - 1, "WRITE of a line on it");
    long r = tt_read_all((handle_t)conn, tt_in, sizeof(hello) - 1);
    tap_ok(r == sizeof(hello) - 1 && memcmp(tt_in, hello, sizeof(hello) - 1) == 0,
           "READ gives the line back from the echo server (%ld bytes)", r);
    for (size_t i = 0; i < TT_BIG; i++)
        tt_out[i] = (uint8_t)(i * 7 + i / 251);
    msg_write(&m, tt_out, TT_BIG);
    tap_eq(ipc_call_sync((handle_t)conn, &m, NULL), TT_BIG, "WRITE of %u bytes", TT_BIG);
    r = tt_read_all((handle_t)conn, tt_in, TT_BIG);
    tap_ok(r == TT_BIG && memcmp(tt_in, tt_out, TT_BIG) == 0, "the %u bytes come back unchanged (%ld)",
           TT_BIG, r);
    msg_close(&m);
    tap_eq(ipc_call_sync((handle_t)conn, &m, NULL), 0, "CLOSE gives 0");
    r = tt_read_all((handle_t)conn, tt_in, 1);
    tap_ok(r == 0 || r == ERR_PEER_CLOSED, "then the connection channel is closed (%s)", err_str(r));
    warp_handle_close((handle_t)conn);
}

/* Refused and unanswered connects; connects pending when their control channel closes. */
static void tt_failures(handle_t ctl)
{
    tap_eq(tt_connect(ctl, TT_CLOSED), ERR_REFUSED, "a connect to a closed port gives ERR_REFUSED");
    uint64_t t0 = clock_ms();
    tap_eq(tt_connect(ctl, TT_SILENT), ERR_TIMED_OUT, "a connect nobody answers gives ERR_TIMED_OUT");
    tap_diag("after %llu ms", (unsigned long long)(clock_ms() - t0));

    long ctl2 = ipc_open_sync(TT_INIT_CH, TCPIP_URI);
    if (!tap_ok(ctl2 > 0, "a second control channel (%s)", ctl2 > 0 ? "ok" : err_str(ctl2)))
        return;
    for (unsigned i = 0; i < TT_DIALS_PER_CLIENT; i++) {
        struct warp_msg m;
        msg_open(&m, TT_SILENT);
        m.flags = MSG_CALL;
        m.call_id = 1000 + i;
        if (warp_channel_send((handle_t)ctl2, &m) < 0)
            tap_diag("connect %u could not be sent", i);
    }
    struct warp_msg reply;
    tap_eq(tt_open((handle_t)ctl2, TT_SILENT, &reply), ERR_NO_RESOURCES,
           "connect %u while %u are pending gives ERR_NO_RESOURCES", TT_DIALS_PER_CLIENT + 1,
           TT_DIALS_PER_CLIENT);
    char v[MSG_DATA_MAX + 1];
    long r = tt_getattr(ctl, "stats", v, sizeof(v));
    tap_ok(r > 0 && tt_stat(v, "dials") == TT_DIALS_PER_CLIENT, "stats show %u pending connects (%s)",
           TT_DIALS_PER_CLIENT, r > 0 ? v : err_str(r));
    warp_handle_close((handle_t)ctl2);
    tt_sleep(200);
    r = tt_getattr(ctl, "stats", v, sizeof(v));
    tap_ok(r > 0 && tt_stat(v, "dials") == 0 && tt_stat(v, "conns") == 0 &&
               tt_stat(v, "pcbs") == tt_stat(v, "tw"),
           "closing their control channel ends them: no dial, connection or live pcb left (%s)",
           r > 0 ? v : err_str(r));
}

/* tcpdeny: without connect = yes, tcp-connect and resolve are refused. */
static void tt_deny(handle_t ctl)
{
    char v[MSG_DATA_MAX + 1];
    tap_eq(tt_connect(ctl, "tcp-connect:" TT_ECHO_IP ":" TT_ECHO_PORT), ERR_PERMISSION,
           "tcp-connect without connect = yes gives ERR_PERMISSION");
    tap_eq(tt_resolve(ctl, TT_ECHO_NAME, v, sizeof(v)), ERR_PERMISSION,
           "resolve without connect = yes gives ERR_PERMISSION");
}

int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)initfs;
    (void)initfs_size;
    const char *me = arg == 1 ? "tcpdeny" : "tcptest";
    char prefix[16];
    fmt_snprintf(prefix, sizeof(prefix), "%s: ", me);
    tap_set_prefix(prefix);
    long ctl = ipc_open_sync(TT_INIT_CH, TCPIP_URI);
    if (tap_ok(ctl > 0, "service/tcpip opened (%s)", ctl > 0 ? "ok" : err_str(ctl))) {
        if (arg == 1) {
            tt_deny((handle_t)ctl);
        } else if (tt_wait_lease((handle_t)ctl)) {
            char ip[MSG_DATA_MAX + 1];
            tt_names((handle_t)ctl, ip, sizeof(ip));
            tt_echo((handle_t)ctl, ip[0] ? ip : TT_ECHO_IP);
            tt_failures((handle_t)ctl);
        }
    }
    tap_plan();
    tap_summary(me);
    return tap_failed() ? 1 : 0;
}
