/* t_service.c: the supervisor tests of services through init: pong (used, crashed, restarted) and upper. */
#include "tests.h"

#include <warp/fmt.h>
#include <warp/proto/pong.h>
#include <warp/string.h>

#define SVC_INIT_CH 1        /* every service's channel to init (docs/userspace.md) */
#define SVC_TIMEOUT_MS 10000 /* for each reply, and for pong to come back */
#define SVC_WRITE_LEN 10000  /* crosses pages in both processes */
#define SVC_READ_LEN 9000
#define SVC_UPPER_MSG (MSG_USER + 1) /* UPPER_MSG of the example service (docs/userspace.md) */

static handle_t svc_eq;
static uint64_t svc_next_id = 1;
static uint8_t svc_out[SVC_WRITE_LEN];
static uint8_t svc_in[SVC_READ_LEN + 16];

/* Sends call m on ch and waits for its reply (other events on the queue are dropped); 0 or an ERR_*. */
static long svc_call(handle_t ch, struct warp_msg *m, struct warp_msg *reply)
{
    m->flags = MSG_CALL;
    m->call_id = svc_next_id++;
    long r = warp_channel_send(ch, m);
    uint64_t deadline = warp_clock() + SVC_TIMEOUT_MS * TESTS_MS;
    struct warp_event ev;
    while (r == 0) {
        r = warp_eventq_wait(svc_eq, &ev, deadline);
        if (r == 0 && ev.type == EV_REPLY && ev.handle == ch && ev.u.msg.call_id == m->call_id) {
            *reply = ev.u.msg;
            return 0;
        }
        if (r == 0 && ev.type == EV_PEER_CLOSED && ev.handle == ch)
            return ERR_PEER_CLOSED;
    }
    return r;
}

/* OPENs uri through init; the connection (added to the queue) or an ERR_*. */
static long svc_open(const char *uri)
{
    struct warp_msg m = tests_msg(MSG_OPEN, MSG_CALL, 0, uri), reply;
    long r = svc_call(SVC_INIT_CH, &m, &reply);
    if (r < 0)
        return r;
    if (reply.type == MSG_ERROR)
        return reply.status < 0 ? reply.status : ERR_BAD_FORMAT;
    if (reply.type != MSG_OPEN || reply.status != 0 || reply.nhandles != 1)
        return ERR_BAD_FORMAT;
    r = warp_eventq_add(svc_eq, reply.handles[0], 2);
    return r < 0 ? r : reply.handles[0];
}

/* WRITE of SVC_WRITE_LEN bytes (pattern seed), then GETATTR checksum against our own FNV-1a; READ of a pattern. */
static void svc_use(handle_t conn, unsigned seed, const char *when)
{
    struct warp_msg m, reply;
    for (unsigned i = 0; i < SVC_WRITE_LEN; i++)
        svc_out[i] = (uint8_t)(i * 13 + seed);
    m = tests_msg(MSG_WRITE, MSG_CALL, 0, NULL);
    m.nbufs = 1;
    m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)svc_out, .len = SVC_WRITE_LEN, .access = BUF_READ};
    long r = svc_call(conn, &m, &reply);
    tap_ok(r == 0 && reply.type == MSG_WRITE && reply.status == SVC_WRITE_LEN,
           "%s: WRITE of %d bytes to pong is answered with their count (%ld, status %ld)", when,
           SVC_WRITE_LEN, r, (long)reply.status);
    m = tests_msg(MSG_GETATTR, MSG_CALL, 0, "checksum");
    r = svc_call(conn, &m, &reply);
    char want[16];
    fmt_snprintf(want, sizeof(want), "%08x", pong_checksum(PONG_CHECKSUM_INIT, svc_out, SVC_WRITE_LEN));
    tap_ok(r == 0 && tests_msg_is(&reply, MSG_GETATTR, want),
           "%s: GETATTR checksum gives the FNV-1a of what this connection wrote (%s)", when, want);
    memset(svc_in, 0, sizeof(svc_in));
    m = tests_msg(MSG_READ, MSG_CALL, 0, NULL);
    m.nbufs = 1;
    m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)svc_in, .len = SVC_READ_LEN, .access = BUF_WRITE};
    r = svc_call(conn, &m, &reply);
    bool same = true;
    for (unsigned i = 0; i < SVC_READ_LEN; i++)
        same = same && svc_in[i] == pong_pattern(i);
    tap_ok(r == 0 && reply.type == MSG_READ && reply.status == SVC_READ_LEN && same &&
               svc_in[SVC_READ_LEN] == 0,
           "%s: READ of %d bytes fills our buffer with pong's pattern, no more (%ld, status %ld)", when,
           SVC_READ_LEN, r, (long)reply.status);
}

/* Crashes pong with a call: the call completes as an error and the connection closes. */
static void svc_crash(handle_t conn)
{
    struct warp_msg m = tests_msg(PONG_MSG_CRASH, MSG_CALL, 0, NULL), reply;
    long r = svc_call(conn, &m, &reply);
    tap_eq(r, 0, "the crash call gets a reply (pong died holding it)");
    tap_ok(r == 0 && reply.type == MSG_ERROR && reply.status == ERR_PEER_CLOSED,
           "... a MSG_ERROR reply with ERR_PEER_CLOSED (type %u, status %ld)", reply.type,
           (long)reply.status);
    struct warp_event ev;
    r = warp_eventq_wait(svc_eq, &ev, warp_clock() + SVC_TIMEOUT_MS * TESTS_MS);
    tap_ok(r == 0 && ev.type == EV_PEER_CLOSED && ev.handle == conn,
           "then EV_PEER_CLOSED on the connection (%ld)", r);
    tap_eq(tests_wait_event(svc_eq, &ev, 0), ERR_TIMED_OUT, "... once");
}

/* Calls upper with text (n bytes) on conn; the reply's status, its error, or a call's error. */
static long svc_upper(handle_t conn, const char *text, size_t n, struct warp_msg *reply)
{
    struct warp_msg m = tests_msg(SVC_UPPER_MSG, MSG_CALL, 0, NULL);
    memcpy(m.data, text, n);
    m.data_len = (uint32_t)n;
    long r = svc_call(conn, &m, reply);
    if (r < 0)
        return r;
    return reply->type == MSG_ERROR       ? reply->status
           : reply->type == SVC_UPPER_MSG ? reply->status
                                          : ERR_BAD_FORMAT;
}

/* Text, long text and text with handles come back in capitals; the handles are not kept. */
static void svc_upper_texts(handle_t conn)
{
    struct warp_msg reply;
    long r = svc_upper(conn, "Hello, Warp 1.0!", 16, &reply);
    tap_ok(r == 16 && tests_msg_is(&reply, SVC_UPPER_MSG, "HELLO, WARP 1.0!"),
           "upper answers \"Hello, Warp 1.0!\" with \"HELLO, WARP 1.0!\" (%ld)", r);
    char big[MSG_DATA_MAX + 1];
    for (unsigned i = 0; i < MSG_DATA_MAX; i++)
        big[i] = (char)('a' + i % 26);
    big[MSG_DATA_MAX] = '\0';
    r = svc_upper(conn, big, MSG_DATA_MAX, &reply);
    bool caps = r == MSG_DATA_MAX && reply.data_len == MSG_DATA_MAX;
    for (unsigned i = 0; caps && i < MSG_DATA_MAX; i++)
        caps = reply.data[i] == 'A' + i % 26;
    tap_ok(caps, "... and %d bytes of a-z with as many capitals (%ld)", MSG_DATA_MAX, r);
    handle_t pair[2];
    if (tests_channel(pair) < 0)
        return;
    struct warp_msg m = tests_msg(SVC_UPPER_MSG, MSG_CALL, 0, "with a handle");
    m.handles[0] = pair[1];
    m.nhandles = 1;
    r = svc_call(conn, &m, &reply);
    tap_ok(r == 0 && tests_msg_is(&reply, SVC_UPPER_MSG, "WITH A HANDLE") && reply.nhandles == 0,
           "... a call carrying a handle too, which does not come back (%ld)", r);
    struct warp_msg note = tests_msg(MSG_USER, 0, 0, "x");
    tap_eq(warp_channel_send(pair[0], &note), ERR_PEER_CLOSED,
           "upper closed the handle it was sent (our end's peer is gone)");
    warp_handle_close(pair[0]);
}

/* Bad input gets an error reply each time, and upper keeps answering. */
static void svc_upper_errors(handle_t conn)
{
    struct warp_msg reply;
    tap_eq(svc_upper(conn, "bad\x01text", 8, &reply), ERR_BAD_FORMAT,
           "upper answers text with a control byte with ERROR(ERR_BAD_FORMAT)");
    tap_eq(svc_upper(conn, "caf\xc3\xa9", 5, &reply), ERR_BAD_FORMAT,
           "... and text with non-ASCII bytes too");
    tap_eq(svc_upper(conn, "nul\0inside", 10, &reply), ERR_BAD_FORMAT, "... and text with a NUL inside");
    struct warp_msg m = tests_msg(MSG_READ, MSG_CALL, 0, NULL);
    long r = svc_call(conn, &m, &reply);
    tap_ok(r == 0 && reply.type == MSG_ERROR && reply.status == ERR_NOT_SUPPORTED,
           "a READ call gets ERROR(ERR_NOT_SUPPORTED) (%ld, type %u, status %ld)", r, reply.type,
           (long)reply.status);
    m = tests_msg(SVC_UPPER_MSG, 0, 0, "one-way");
    tap_eq(warp_channel_send(conn, &m), 0, "a one-way UPPER message is sent (upper ignores it)");
    r = svc_upper(conn, "still here", 10, &reply);
    tap_ok(r == 10 && tests_msg_is(&reply, SVC_UPPER_MSG, "STILL HERE"),
           "after all that, upper still answers (%ld)", r);
}

/* The example service of docs/userspace.md (bin/upper, built from the page) through init. */
static void test_example_service(void)
{
    long conn = svc_open("service/upper");
    tap_ok(conn > 0, "OPEN service/upper (docs/userspace.md's example) through init gives a channel (%ld)",
           conn);
    if (conn <= 0)
        return;
    svc_upper_texts((handle_t)conn);
    svc_upper_errors((handle_t)conn);
    struct warp_msg m = tests_msg(MSG_CLOSE, MSG_CALL, 0, NULL), reply;
    long r = svc_call((handle_t)conn, &m, &reply);
    tap_ok(r == 0 && reply.type == MSG_CLOSE && reply.status == 0,
           "CLOSE to upper is answered with status 0 (%ld)", r);
    struct warp_event ev;
    r = warp_eventq_wait(svc_eq, &ev, warp_clock() + SVC_TIMEOUT_MS * TESTS_MS);
    tap_ok(r == 0 && ev.type == EV_PEER_CLOSED && ev.handle == (handle_t)conn,
           "then upper closes the connection (EV_PEER_CLOSED, %ld)", r);
    warp_handle_close((handle_t)conn);
}

/* Access control (docs/security.md): the manifest lets tests open pong and upper only, so init refuses
 * every other name with ERR_PERMISSION, the same for a service that exists and one that does not;
 * and it is no admin. pong learns who we are from init's grant notice. */
static void test_access(void)
{
    static const char *const denied[] = {"service/ethernet", "service/tests", "service/nosuch",
                                         "service/PONG"};
    for (unsigned i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
        tap_eq(svc_open(denied[i]), ERR_PERMISSION, "OPEN %s (not in our uses) gives ERR_PERMISSION",
               denied[i]);
    struct warp_msg m = tests_msg(MSG_SETATTR, MSG_CALL, 0, "restart=pong"), reply;
    long r = svc_call(SVC_INIT_CH, &m, &reply);
    tap_ok(r == 0 && reply.type == MSG_ERROR && reply.status == ERR_PERMISSION,
           "SETATTR restart=pong on init (admin = no) gives ERR_PERMISSION (%ld, status %ld)", r,
           (long)reply.status);
    long conn = svc_open(PONG_URI);
    tap_ok(conn > 0, "OPEN service/pong (in our uses) still works (%ld)", conn);
    if (conn <= 0)
        return;
    m = tests_msg(MSG_GETATTR, MSG_CALL, 0, "client");
    r = svc_call((handle_t)conn, &m, &reply);
    tap_ok(r == 0 && tests_msg_is(&reply, MSG_GETATTR, "client=tests admin=no ports="),
           "pong got init's grant notice: GETATTR client is 'client=tests admin=no ports=' (%ld)", r);
    warp_handle_close((handle_t)conn);
}

/* The supervisor test: init serves service/pong and restarts it after a crash. */
void test_service(void)
{
    tap_ok(tests_handle_is(SVC_INIT_CH, OBJ_CHANNEL, RIGHTS_ALL),
           "the tests service holds a channel to init as handle 1");
    long eq = warp_eventq_create();
    if (eq < 0 || warp_eventq_add((handle_t)eq, SVC_INIT_CH, 1) < 0) {
        tap_ok(false, "an event queue watching init's channel (%ld)", eq);
        return;
    }
    svc_eq = (handle_t)eq;
    long conn = svc_open(PONG_URI);
    tap_ok(conn > 0 && tests_handle_is((handle_t)conn, OBJ_CHANNEL, RIGHTS_ALL),
           "OPEN service/pong through init gives a channel (%ld)", conn);
    if (conn > 0) {
        svc_use((handle_t)conn, 1, "first connection");
        struct warp_msg m = tests_msg(MSG_READ, MSG_CALL, 0, NULL), reply;
        m.nbufs = 1;
        m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)svc_in, .len = 64, .access = BUF_READ};
        long r = svc_call((handle_t)conn, &m, &reply);
        tap_ok(r == 0 && reply.type == MSG_ERROR && reply.status == ERR_PERMISSION,
               "a READ granting a read-only buffer is answered with MSG_ERROR ERR_PERMISSION (%ld)",
               (long)reply.status);
        svc_crash((handle_t)conn);
        warp_handle_close((handle_t)conn);
    }
    uint64_t t0 = warp_clock();
    long again = svc_open(PONG_URI);
    tap_ok(again > 0, "OPEN service/pong again works: init restarted it (%ld, after %lu ms)", again,
           (unsigned long)((warp_clock() - t0) / TESTS_MS));
    if (again > 0) {
        svc_use((handle_t)again, 2, "after the restart");
        struct warp_msg m = tests_msg(MSG_CLOSE, MSG_CALL, 0, NULL), reply;
        tap_ok(svc_call((handle_t)again, &m, &reply) == 0 && reply.status == 0,
               "CLOSE is answered with status 0");
        warp_handle_close((handle_t)again);
    }
    test_example_service();
    test_access();
    warp_handle_close(svc_eq);
}
