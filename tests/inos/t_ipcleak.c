/* t_ipcleak.c: tests that IPC objects are freed: queued messages with handles, pending calls, queues, timers. */
#include "tests.h"

#include <warp/string.h>

#define LEAK_ROUNDS 100
#define LEAK_CHILD_ROUNDS 10

/* One round: a channel closed with queued messages that hold handles (channel ends, timers, queues). */
static void leak_queued_handles(void)
{
    handle_t a[2], b[2];
    if (warp_channel_create(a) != 0 || warp_channel_create(b) != 0)
        return;
    long eq = warp_eventq_create(), t = warp_timer_create(), t2 = warp_timer_create();
    warp_timer_set((handle_t)t, warp_clock() + 1000 * TESTS_MS);
    warp_eventq_add((handle_t)eq, (handle_t)t2, 1);
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, "cargo");
    m.nhandles = 4;
    m.handles[0] = b[0];
    m.handles[1] = b[1];
    m.handles[2] = (handle_t)eq;
    m.handles[3] = (handle_t)t;
    warp_channel_send(a[0], &m);
    m.nhandles = 1;
    m.handles[0] = (handle_t)t2;
    warp_channel_send(a[0], &m);
    tests_send_call(a[0], MSG_USER, 1); /* a call never received */
    tests_send_call(a[1], MSG_USER, 2); /* a call received, never answered */
    struct warp_msg got;
    warp_channel_recv(a[0], &got);
    warp_handle_close(a[1]);
    warp_handle_close(a[0]);
}

/* One round: an event queue closed with members and ready events; sources closed afterwards. */
static void leak_eventq(void)
{
    handle_t ch[2];
    if (warp_channel_create(ch) != 0)
        return;
    long eq = warp_eventq_create(), t = warp_timer_create();
    warp_eventq_add((handle_t)eq, ch[1], 1);
    warp_eventq_add((handle_t)eq, (handle_t)t, 2);
    warp_timer_set((handle_t)t, 1);
    tests_send_text(ch[0], "ready");
    warp_handle_close((handle_t)eq);
    warp_handle_close((handle_t)t);
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

static unsigned leak_cycle_sends; /* sends of leak_cycle that worked */

/*
 * One round: two channels, each carrying the other's receiving end in its queue, then both sending
 * ends closed. Nothing can reach those two ends any more; only the messages refer to them:
 *
 *   a[0] --(msg holding b[1])--> a[1]      b[0] --(msg holding a[1])--> b[1]
 */
static void leak_cycle(void)
{
    handle_t a[2], b[2];
    if (warp_channel_create(a) != 0)
        return;
    if (warp_channel_create(b) != 0) {
        warp_handle_close(a[0]);
        warp_handle_close(a[1]);
        return;
    }
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, "cycle");
    m.nhandles = 1;
    m.handles[0] = b[1];
    long r1 = warp_channel_send(a[0], &m);
    m.handles[0] = a[1];
    long r2 = warp_channel_send(b[0], &m);
    leak_cycle_sends += (r1 == 0) + (r2 == 0);
    if (r1 != 0)
        warp_handle_close(b[1]);
    if (r2 != 0)
        warp_handle_close(a[1]);
    warp_handle_close(a[0]);
    warp_handle_close(b[0]);
}

/* One round: a child makes IPC objects in every state and exits without closing any. */
static void leak_child_exits(void)
{
    struct exit_info ei;
    tests_wait_close(tests_spawn("litter", TESTS_IPC_LITTER, 0, 0), &ei);
    if (ei.reason != EXIT_NORMAL || ei.code != 0)
        tap_exit(&ei, EXIT_NORMAL, 0, "a littering child ran to its end");
}

/* One round: the same, but the child is killed while it blocks with everything open. */
static void leak_child_killed(void)
{
    handle_t ch[2];
    if (warp_channel_create(ch) != 0)
        return;
    long p = tests_spawn_with("litter", TESTS_IPC_LITTER, 1, 0, &ch[1], 1);
    struct warp_msg m;
    uint64_t deadline = warp_clock() + 5000 * TESTS_MS;
    while (warp_channel_recv(ch[0], &m) == ERR_WOULD_BLOCK && warp_clock() < deadline)
        warp_yield();
    warp_kill((handle_t)p);
    struct exit_info ei;
    tests_wait_close(p, &ei);
    if (ei.reason != EXIT_KILLED)
        tap_exit(&ei, EXIT_KILLED, 0, "a littering child was killed while blocked");
    warp_handle_close(ch[0]);
}

/* Closes a fresh channel: a channel-end handle closing is when the kernel collects unreachable ends. */
static void leak_collect(void)
{
    handle_t ch[2];
    if (warp_channel_create(ch) == 0) {
        warp_handle_close(ch[0]);
        warp_handle_close(ch[1]);
    }
}

/* Sends a one-way note moving handle h on ch; 0 or an ERR_*. */
static long leak_send_handle(handle_t ch, handle_t h)
{
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, "carried");
    m.nhandles = 1;
    m.handles[0] = h;
    return warp_channel_send(ch, &m);
}

/* Receives one message carrying one handle at ch; the handle or an ERR_*. */
static long leak_recv_handle(handle_t ch)
{
    struct warp_msg m;
    long r = warp_channel_recv(ch, &m);
    if (r == 0 && m.nhandles != 1)
        r = ERR_BAD_FORMAT;
    return r < 0 ? r : m.handles[0];
}

/* Ends that can still be reached survive a collection: in queues we can read, nested, in a reply. */
static void leak_reachable(void)
{
    handle_t a[2], b[2], c[2], d[2], e[2];
    if (tests_channel(a) != 0 || tests_channel(b) != 0 || tests_channel(c) != 0 || tests_channel(d) != 0 ||
        tests_channel(e) != 0)
        return;
    leak_send_handle(b[0], c[1]); /* c[1] waits in b[1]'s queue ... */
    leak_send_handle(a[0], b[1]); /* ... and b[1] in a[1]'s queue, which we hold */
    tests_send_call(d[0], MSG_USER, 1);
    struct warp_msg m;
    warp_channel_recv(d[1], &m);
    struct warp_msg r = tests_msg(MSG_USER, MSG_REPLY, 1, NULL);
    r.nhandles = 1;
    r.handles[0] = e[1];
    warp_channel_send(d[1], &r); /* e[1] waits in a reply at d[0], which we hold */
    leak_collect();
    long b1 = leak_recv_handle(a[1]), c1 = b1 > 0 ? leak_recv_handle((handle_t)b1) : b1;
    tap_ok(b1 > 0 && c1 > 0,
           "after a collection, ends waiting in queues we can read (nested two deep) are received");
    tap_eq(tests_send_text(c[0], "alive"), 0,
           "... and the innermost one was not closed: its peer still sends");
    tap_ok(c1 > 0 && warp_channel_recv((handle_t)c1, &m) == 0 && tests_msg_is(&m, TESTS_OP_NOTE, "alive"),
           "... and it receives");
    long e1 = leak_recv_handle(d[0]);
    tap_ok(e1 > 0 && tests_send_text(e[0], "reply") == 0 && warp_channel_recv((handle_t)e1, &m) == 0,
           "an end waiting in a reply survives a collection too");
    handle_t all[] = {a[0], a[1], b[0], c[0], d[0], d[1], e[0], (handle_t)b1, (handle_t)c1, (handle_t)e1};
    for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i] > 0)
            warp_handle_close(all[i]);
}

/* Ends held by another process, or waiting in a queue only it can read, survive a collection. */
static void leak_reachable_elsewhere(void)
{
    handle_t a[2], b[2], s[2];
    if (tests_channel(a) != 0 || tests_channel(b) != 0 || tests_channel(s) != 0)
        return;
    leak_send_handle(a[0], b[1]); /* b[1] waits in a[1]'s queue; a[1] goes to a child that never reads */
    long p = tests_spawn_with("late", TESTS_SEND_LATE, 300, 0, &a[1], 1);
    long srv = tests_spawn_with("server", TESTS_SERVER, 0, 0, &s[1], 1);
    leak_collect();
    tap_eq(tests_send_text(b[0], "still there"), 0,
           "after a collection, an end waiting in a queue held by another process is still open");
    struct warp_msg m = tests_msg(TESTS_OP_ECHO, MSG_CALL, 1, "echo"), got;
    warp_channel_send(s[0], &m);
    long r;
    uint64_t deadline = warp_clock() + 5000 * TESTS_MS;
    while ((r = warp_channel_recv(s[0], &got)) == ERR_WOULD_BLOCK && warp_clock() < deadline)
        warp_yield();
    tap_ok(r == 0 && got.flags == MSG_REPLY && tests_msg_is(&got, TESTS_OP_ECHO, "echo"),
           "... and an end moved into a child at spawn still serves (%ld)", r);
    struct exit_info ei;
    tests_wait_close(p, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0, "the child holding the queue exits");
    tap_eq(warp_channel_recv(b[0], &got), ERR_PEER_CLOSED, "... and the end in its queue is closed with it");
    warp_handle_close(s[0]);
    tests_wait_close(srv, &ei);
    warp_handle_close(a[0]);
    warp_handle_close(b[0]);
}

/* Runs round `rounds` times after one warm-up round; true if the free-page count is back exactly. */
static bool leak_rounds(void (*round)(void), int rounds, uint64_t *lost)
{
    round();
    uint64_t before = tests_free_pages();
    for (int i = 0; i < rounds; i++)
        round();
    uint64_t after = tests_free_pages();
    *lost = before > after ? before - after : 0;
    return after == before;
}

/* Everything IPC makes is freed when its handles close, whatever state it was left in. */
void test_ipc_leaks(void)
{
    unsigned handles = tests_handles_free();
    uint64_t lost;
    bool ok = leak_rounds(leak_queued_handles, LEAK_ROUNDS, &lost);
    tap_ok(
        ok,
        "%d channels closed with queued messages holding handles and pending calls free every page (%lu lost)",
        LEAK_ROUNDS, (unsigned long)lost);
    ok = leak_rounds(leak_eventq, LEAK_ROUNDS, &lost);
    tap_ok(ok, "%d event queues closed with members and ready events free every page (%lu lost)", LEAK_ROUNDS,
           (unsigned long)lost);
    ok = leak_rounds(leak_child_exits, LEAK_CHILD_ROUNDS, &lost);
    tap_ok(ok,
           "%d children exiting with channels, calls, queues and timers in every state open free every page "
           "(%lu lost)",
           LEAK_CHILD_ROUNDS, (unsigned long)lost);
    ok = leak_rounds(leak_child_killed, LEAK_CHILD_ROUNDS, &lost);
    tap_ok(ok, "%d such children killed while blocked free every page (%lu lost)", LEAK_CHILD_ROUNDS,
           (unsigned long)lost);
    tap_eq(tests_handles_free(), handles, "no handle is left over");
    ok = leak_rounds(leak_cycle, LEAK_ROUNDS, &lost);
    tap_eq(leak_cycle_sends, 2 * (LEAK_ROUNDS + 1), "each channel end can be sent through the other channel");
    tap_ok(
        ok,
        "%d pairs of channels holding each other's receiving end, senders closed, free every page (%lu lost)",
        LEAK_ROUNDS, (unsigned long)lost);
    tap_eq(tests_handles_free(), handles, "no handle is left over");
    leak_reachable();
    leak_reachable_elsewhere();
    tap_eq(tests_handles_free(), handles, "no handle is left over");
}
