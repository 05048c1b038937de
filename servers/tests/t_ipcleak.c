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
    tap_ok(ok, "%d channels closed with queued messages holding handles and pending calls free every page (%lu lost)",
           LEAK_ROUNDS, (unsigned long)lost);
    ok = leak_rounds(leak_eventq, LEAK_ROUNDS, &lost);
    tap_ok(ok, "%d event queues closed with members and ready events free every page (%lu lost)", LEAK_ROUNDS,
           (unsigned long)lost);
    ok = leak_rounds(leak_child_exits, LEAK_CHILD_ROUNDS, &lost);
    tap_ok(ok, "%d children exiting with channels, calls, queues and timers in every state open free every page "
           "(%lu lost)", LEAK_CHILD_ROUNDS, (unsigned long)lost);
    ok = leak_rounds(leak_child_killed, LEAK_CHILD_ROUNDS, &lost);
    tap_ok(ok, "%d such children killed while blocked free every page (%lu lost)", LEAK_CHILD_ROUNDS,
           (unsigned long)lost);
    tap_eq(tests_handles_free(), handles, "no handle is left over");
    ok = leak_rounds(leak_cycle, LEAK_ROUNDS, &lost);
    tap_eq(leak_cycle_sends, 2 * (LEAK_ROUNDS + 1), "each channel end can be sent through the other channel");
    tap_ok(ok, "%d pairs of channels holding each other's receiving end, senders closed, free every page (%lu lost)",
           LEAK_ROUNDS, (unsigned long)lost);
    tap_eq(tests_handles_free(), handles, "no handle is left over");
}
