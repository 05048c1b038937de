/* intruder.c: an unprivileged process tries what the manifest does not allow it (docs/security.md). */
#include "intruder.h"

#include <warp/fmt.h>
#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/proto/tcpip.h>
#include <warp/string.h>
#include <warp/user.h>

/*
 * The adversary's manifest entry says uses = tcpip, ports = 81, admin = no. So init must refuse it
 * every other service (existing or not, with the same ERR_PERMISSION), and its privileged request;
 * tcpip must refuse it SETATTR, every port but 81, and control channels past its cap. Each attempt
 * is logged as "intruder: <what>: <error> (refused|NOT REFUSED ...)"; the tally is the answer.
 */
#define INTRUDER_INIT_CH 1
#define INTRUDER_SESSIONS_TRY 40             /* control channels asked for: well past any cap */
#define INTRUDER_REFUSE_NS 5000000000ull     /* how long one refusal may take to arrive: 5 s */
#define INTRUDER_FLOOD 48                    /* OPENs of one "openflood" (below CALLS_MAX) */
#define INTRUDER_FLOOD_ID (1ull << 40)       /* their call ids (ipc_call_sync's start at 2^62) */
#define INTRUDER_FLOOD_WAIT_NS 1000000000ull /* how long "openflood" counts the answers: 1 s */

static struct {
    unsigned refused;
    char miss[64]; /* the first attempt that was not refused as it should be */
} intr;

/* Records one attempt: got must be want. */
static void intruder_expect(const char *what, long got, long want)
{
    bool ok = got == want;
    printf("intruder: %s: %s (%s%s)\n", what, got >= 0 ? "allowed" : err_str(got),
           ok ? "refused" : "NOT REFUSED, wanted ", ok ? "" : err_str(want));
    if (ok)
        intr.refused++;
    else if (!intr.miss[0])
        fmt_snprintf(intr.miss, sizeof(intr.miss), "%s: %s", what, got >= 0 ? "allowed" : err_str(got));
}

/* Calls m on ch and waits for the reply: its status, the ERROR's code, or a system call's error. */
static long intruder_call(handle_t ch, struct warp_msg *m)
{
    struct warp_msg reply;
    long r = ipc_call_sync(ch, m, &reply);
    for (unsigned i = 0; r >= 0 && i < reply.nhandles && i < MSG_HANDLES_MAX; i++)
        warp_handle_close(reply.handles[i]);
    return r;
}

/* Services through init: none but tcpip, and no privileged request. */
static void intruder_init(void)
{
    static const char *const uris[] = {"service/ethernet", "service/http_server", "service/adversary",
                                       "service/nosuch"};
    char what[64];
    for (unsigned i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
        long ch = ipc_open_sync(INTRUDER_INIT_CH, uris[i]);
        fmt_snprintf(what, sizeof(what), "OPEN %s", uris[i]);
        intruder_expect(what, ch, ERR_PERMISSION);
        if (ch >= 0)
            warp_handle_close((handle_t)ch);
    }
    struct warp_msg m;
    msg_setattr(&m, "restart", "tcpip");
    intruder_expect("SETATTR restart=tcpip on init", intruder_call(INTRUDER_INIT_CH, &m), ERR_PERMISSION);
}

/* On a tcpip control channel: no address change, no port but ours. */
static void intruder_tcpip(handle_t ctl)
{
    static const char *const set[] = {"10.0.2.99/24 via 10.0.2.2", "dhcp"};
    static const char *const ports[] = {"0.0.0.0:80", "0.0.0.0:82", "0.0.0.0:8080", "10.0.2.15:443"};
    char what[64];
    struct warp_msg m;
    for (unsigned i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
        msg_setattr(&m, "ipv4", set[i]);
        fmt_snprintf(what, sizeof(what), "SETATTR ipv4=%s on tcpip", set[i]);
        intruder_expect(what, intruder_call(ctl, &m), ERR_PERMISSION);
    }
    for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        fmt_snprintf(what, sizeof(what), TCPIP_LISTEN_PREFIX "%s", ports[i]);
        long l = ipc_open_sync(ctl, what);
        intruder_expect(what, l, ERR_PERMISSION);
        if (l >= 0)
            warp_handle_close((handle_t)l);
    }
}

/*
 * Whether tcpip kept control channel ch: a GETATTR call on it is answered (0), or tcpip refused the
 * channel: the one-way ERROR it sent first (its status), then the channel closed.
 */
static long intruder_session_status(handle_t eq, handle_t ch)
{
    struct warp_msg m;
    msg_getattr(&m, "mac");
    m.call_id = 1;
    long r = warp_eventq_add(eq, ch, 0);
    if (r == 0 && warp_channel_send(ch, &m) == ERR_PEER_CLOSED)
        r = 0; /* refused before our call: the notice still waits in the queue */
    long notice = 0;
    uint64_t deadline = warp_clock() + INTRUDER_REFUSE_NS;
    struct warp_event ev;
    while (r == 0 && (r = warp_eventq_wait(eq, &ev, deadline)) == 0) {
        if (ev.type == EV_MESSAGE && ev.u.msg.type == MSG_ERROR && !(ev.u.msg.flags & MSG_REPLY))
            notice = ev.u.msg.status;
        else if (ev.type == EV_PEER_CLOSED)
            return notice ? notice : ERR_PEER_CLOSED;
        else if (ev.type == EV_REPLY && msg_result(&ev.u.msg, MSG_GETATTR) != ERR_PEER_CLOSED)
            return 0; /* an answer: the channel is served (a MAC, or ERR_WOULD_BLOCK before it) */
    }
    return r;
}

/* Control channels until tcpip refuses one (it must, at its per-client cap), then more: all refused. */
static void intruder_sessions(void)
{
    long held[INTRUDER_SESSIONS_TRY];
    unsigned n = 0, kept = 0, first_refusal = 0; /* kept after a refusal would be a miss */
    long eq = warp_eventq_create(), last = 0;
    for (; eq >= 0 && n < INTRUDER_SESSIONS_TRY; n++) {
        held[n] = ipc_open_sync(INTRUDER_INIT_CH, TCPIP_URI);
        last = held[n] < 0 ? held[n] : intruder_session_status((handle_t)eq, (handle_t)held[n]);
        if (last == 0)
            kept++;
        else if (!first_refusal)
            first_refusal = n + 1;
    }
    char what[80];
    fmt_snprintf(what, sizeof(what), "%u control channels of tcpip (%u kept, first refusal: #%u)", n, kept,
                 first_refusal);
    intruder_expect(what, first_refusal && kept == first_refusal - 1 ? last : 0, ERR_NO_RESOURCES);
    for (unsigned i = 0; i < n; i++)
        if (held[i] >= 0)
            warp_handle_close((handle_t)held[i]);
    if (eq >= 0)
        warp_handle_close((handle_t)eq);
}

/* "intrude": every attempt; the tally. */
static void intruder_run(char *out, size_t size)
{
    intr.refused = 0;
    intr.miss[0] = '\0';
    intruder_init();
    long ctl = ipc_open_sync(INTRUDER_INIT_CH, TCPIP_URI);
    if (ctl < 0 && !intr.miss[0])
        fmt_snprintf(intr.miss, sizeof(intr.miss), "OPEN service/tcpip (declared): %s", err_str(ctl));
    if (ctl >= 0) {
        intruder_tcpip((handle_t)ctl);
        warp_handle_close((handle_t)ctl);
    }
    intruder_sessions();
    if (intr.miss[0])
        fmt_snprintf(out, size, "error intrude: %s\n", intr.miss);
    else
        fmt_snprintf(out, size, "ok intrude %u refused\n", intr.refused);
}

/*
 * "openflood NAME": INTRUDER_FLOOD OPEN calls of service/NAME at init at once, without waiting
 * between them; the answers that come within INTRUDER_FLOOD_WAIT_NS are counted (channels got are
 * closed at once). Init must cap what it holds for one client, so the rest are refused at once and
 * the OPENs of other clients go on. Those still unanswered stay with init; their late replies are
 * dropped by the next ipc_call_sync on handle 1.
 */
static void intruder_openflood(const char *name, char *out, size_t size)
{
    char uri[80];
    struct warp_msg m;
    fmt_snprintf(uri, sizeof(uri), "service/%s", name);
    long r = msg_open(&m, uri), eq = r < 0 ? r : warp_eventq_create();
    if (eq >= 0 && (r = warp_eventq_add((handle_t)eq, INTRUDER_INIT_CH, 0)) < 0) {
        warp_handle_close((handle_t)eq);
        eq = r;
    }
    if (eq < 0) {
        fmt_snprintf(out, size, "error openflood %s: %s\n", name, err_str(eq));
        return;
    }
    static uint64_t next_id = INTRUDER_FLOOD_ID;
    uint64_t first_id = next_id; /* replies to an earlier flood's calls may still come: not counted */
    next_id += INTRUDER_FLOOD;
    unsigned sent = 0, opened = 0, refused = 0, full = 0, other = 0;
    for (; sent < INTRUDER_FLOOD; sent++) {
        m.flags = MSG_CALL;
        m.call_id = first_id + sent;
        if ((r = warp_channel_send(INTRUDER_INIT_CH, &m)) < 0)
            break;
    }
    uint64_t deadline = warp_clock() + INTRUDER_FLOOD_WAIT_NS;
    struct warp_event ev;
    while (opened + refused + full + other < sent && warp_eventq_wait((handle_t)eq, &ev, deadline) == 0) {
        if (ev.type != EV_REPLY && ev.type != EV_MESSAGE)
            continue;
        for (unsigned i = 0; i < ev.u.msg.nhandles && i < MSG_HANDLES_MAX; i++)
            warp_handle_close(ev.u.msg.handles[i]);
        long got = msg_result(&ev.u.msg, MSG_OPEN);
        if (ev.type != EV_REPLY || ev.u.msg.call_id < first_id)
            continue;
        if (got >= 0)
            opened++;
        else if (got == ERR_NO_RESOURCES)
            refused++;
        else if (got == ERR_QUEUE_FULL)
            full++;
        else
            other++;
    }
    warp_eventq_remove((handle_t)eq, INTRUDER_INIT_CH);
    warp_handle_close((handle_t)eq);
    unsigned waiting = sent - opened - refused - full - other;
    printf("intruder: openflood %s: %u sent (%s), %u opened, %u ERR_NO_RESOURCES, %u ERR_QUEUE_FULL, "
           "%u other errors, %u waiting\n",
           name, sent, sent == INTRUDER_FLOOD ? "all" : err_str(r), opened, refused, full, other, waiting);
    fmt_snprintf(out, size, "ok openflood %s sent %u opened %u refused %u full %u other %u waiting %u\n",
                 name, sent, opened, refused, full, other, waiting);
}

/* "open NAME": one OPEN of service/NAME through init, timed; the channel is closed again. */
static void intruder_open(const char *name, char *out, size_t size)
{
    char uri[80];
    fmt_snprintf(uri, sizeof(uri), "service/%s", name);
    uint64_t start = warp_clock();
    long ch = ipc_open_sync(INTRUDER_INIT_CH, uri);
    unsigned ms = (unsigned)((warp_clock() - start) / 1000000);
    if (ch >= 0)
        warp_handle_close((handle_t)ch);
    printf("intruder: open %s: %s after %u ms\n", uri, ch >= 0 ? "opened" : err_str(ch), ms);
    if (ch >= 0)
        fmt_snprintf(out, size, "ok open %s in %u ms\n", name, ms);
    else
        fmt_snprintf(out, size, "error open %s: %s after %u ms\n", name, err_str(ch), ms);
}

/* "restart NAME": init's admin-only request. */
static void intruder_restart(const char *name, char *out, size_t size)
{
    struct warp_msg m;
    long r = msg_setattr(&m, "restart", name);
    if (r >= 0)
        r = intruder_call(INTRUDER_INIT_CH, &m);
    fmt_snprintf(out, size, "%s restart %s%s%s\n", r < 0 ? "error" : "ok", name, r < 0 ? ": " : "",
                 r < 0 ? err_str(r) : "");
}

/* A command the adversary's own dispatch did not take (intruder.h). */
void intruder_command(const char *cmd, char *out, size_t size)
{
    if (strcmp(cmd, "intrude") == 0)
        intruder_run(out, size);
    else if (strncmp(cmd, "restart ", 8) == 0)
        intruder_restart(cmd + 8, out, size);
    else if (strncmp(cmd, "openflood ", 10) == 0)
        intruder_openflood(cmd + 10, out, size);
    else if (strncmp(cmd, "open ", 5) == 0)
        intruder_open(cmd + 5, out, size);
    else
        fmt_snprintf(out, size, "error unknown command\n");
}
