/* t_service.c: the supervisor test: open service/pong through init, use it, crash it, and find it restarted. */
#include "tests.h"

#include <warp/fmt.h>
#include <warp/proto/pong.h>
#include <warp/string.h>

#define SVC_INIT_CH 1            /* every service's channel to init (docs/userspace.md) */
#define SVC_TIMEOUT_MS 10000     /* for each reply, and for pong to come back */
#define SVC_WRITE_LEN 10000      /* crosses pages in both processes */
#define SVC_READ_LEN 9000

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

/* OPENs service/pong through init; the connection (added to the queue) or an ERR_*. */
static long svc_open(void)
{
    struct warp_msg m = tests_msg(MSG_OPEN, MSG_CALL, 0, PONG_URI), reply;
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
    m.bufs[0] = (struct msg_buf){ .addr = (uaddr_t)svc_out, .len = SVC_WRITE_LEN, .access = BUF_READ };
    long r = svc_call(conn, &m, &reply);
    tap_ok(r == 0 && reply.type == MSG_WRITE && reply.status == SVC_WRITE_LEN,
           "%s: WRITE of %d bytes to pong is answered with their count (%ld, status %ld)", when, SVC_WRITE_LEN, r,
           (long)reply.status);
    m = tests_msg(MSG_GETATTR, MSG_CALL, 0, "checksum");
    r = svc_call(conn, &m, &reply);
    char want[16];
    fmt_snprintf(want, sizeof(want), "%08x", pong_checksum(PONG_CHECKSUM_INIT, svc_out, SVC_WRITE_LEN));
    tap_ok(r == 0 && tests_msg_is(&reply, MSG_GETATTR, want),
           "%s: GETATTR checksum gives the FNV-1a of what this connection wrote (%s)", when, want);
    memset(svc_in, 0, sizeof(svc_in));
    m = tests_msg(MSG_READ, MSG_CALL, 0, NULL);
    m.nbufs = 1;
    m.bufs[0] = (struct msg_buf){ .addr = (uaddr_t)svc_in, .len = SVC_READ_LEN, .access = BUF_WRITE };
    r = svc_call(conn, &m, &reply);
    bool same = true;
    for (unsigned i = 0; i < SVC_READ_LEN; i++)
        same = same && svc_in[i] == pong_pattern(i);
    tap_ok(r == 0 && reply.type == MSG_READ && reply.status == SVC_READ_LEN && same && svc_in[SVC_READ_LEN] == 0,
           "%s: READ of %d bytes fills our buffer with pong's pattern, no more (%ld, status %ld)", when, SVC_READ_LEN, r,
           (long)reply.status);
}

/* Crashes pong with a call: the call completes as an error and the connection closes. */
static void svc_crash(handle_t conn)
{
    struct warp_msg m = tests_msg(PONG_MSG_CRASH, MSG_CALL, 0, NULL), reply;
    long r = svc_call(conn, &m, &reply);
    tap_eq(r, 0, "the crash call gets a reply (pong died holding it)");
    tap_ok(r == 0 && reply.type == MSG_ERROR && reply.status == ERR_PEER_CLOSED,
           "... a MSG_ERROR reply with ERR_PEER_CLOSED (type %u, status %ld)", reply.type, (long)reply.status);
    struct warp_event ev;
    r = warp_eventq_wait(svc_eq, &ev, warp_clock() + SVC_TIMEOUT_MS * TESTS_MS);
    tap_ok(r == 0 && ev.type == EV_PEER_CLOSED && ev.handle == conn, "then EV_PEER_CLOSED on the connection (%ld)", r);
    tap_eq(tests_wait_event(svc_eq, &ev, 0), ERR_TIMED_OUT, "... once");
}

/* The supervisor test: init serves service/pong and restarts it after a crash. */
void test_service(void)
{
    tap_ok(tests_handle_is(SVC_INIT_CH, OBJ_CHANNEL, RIGHTS_ALL), "the tests service holds a channel to init as handle 1");
    long eq = warp_eventq_create();
    if (eq < 0 || warp_eventq_add((handle_t)eq, SVC_INIT_CH, 1) < 0) {
        tap_ok(false, "an event queue watching init's channel (%ld)", eq);
        return;
    }
    svc_eq = (handle_t)eq;
    long conn = svc_open();
    tap_ok(conn > 0 && tests_handle_is((handle_t)conn, OBJ_CHANNEL, RIGHTS_ALL),
           "OPEN service/pong through init gives a channel (%ld)", conn);
    if (conn > 0) {
        svc_use((handle_t)conn, 1, "first connection");
        struct warp_msg m = tests_msg(MSG_READ, MSG_CALL, 0, NULL), reply;
        m.nbufs = 1;
        m.bufs[0] = (struct msg_buf){ .addr = (uaddr_t)svc_in, .len = 64, .access = BUF_READ };
        long r = svc_call((handle_t)conn, &m, &reply);
        tap_ok(r == 0 && reply.type == MSG_ERROR && reply.status == ERR_PERMISSION,
               "a READ granting a read-only buffer is answered with MSG_ERROR ERR_PERMISSION (%ld)", (long)reply.status);
        svc_crash((handle_t)conn);
        warp_handle_close((handle_t)conn);
    }
    uint64_t t0 = warp_clock();
    long again = svc_open();
    tap_ok(again > 0, "OPEN service/pong again works: init restarted it (%ld, after %lu ms)", again,
           (unsigned long)((warp_clock() - t0) / TESTS_MS));
    if (again > 0) {
        svc_use((handle_t)again, 2, "after the restart");
        struct warp_msg m = tests_msg(MSG_CLOSE, MSG_CALL, 0, NULL), reply;
        tap_ok(svc_call((handle_t)again, &m, &reply) == 0 && reply.status == 0, "CLOSE is answered with status 0");
        warp_handle_close((handle_t)again);
    }
    warp_handle_close(svc_eq);
}
