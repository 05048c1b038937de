/* t_handle.c: tests of SYS_HANDLE_CLOSE, SYS_HANDLE_INFO and SYS_HANDLE_REDUCE, stale handles and a full handle table. */
#include "tests.h"

#include <warp/string.h>

static struct handle_info handle_hi;

/* SYS_HANDLE_INFO on a raw handle value. */
static long handle_info_fn(long h, void *ctx)
{
    (void)ctx;
    return warp_syscall6(SYS_HANDLE_INFO, h, (long)&handle_hi, 0, 0, 0, 0);
}

/* SYS_HANDLE_CLOSE on a raw handle value. */
static long handle_close_fn(long h, void *ctx)
{
    (void)ctx;
    return warp_syscall6(SYS_HANDLE_CLOSE, h, 0, 0, 0, 0, 0);
}

/* SYS_HANDLE_REDUCE(h, RIGHT_READ) on a raw handle value; a handle made by mistake is closed. */
static long handle_reduce_fn(long h, void *ctx)
{
    (void)ctx;
    long r = warp_syscall6(SYS_HANDLE_REDUCE, h, RIGHT_READ, 0, 0, 0, 0);
    if (r > 0)
        warp_handle_close((handle_t)r);
    return r;
}

/* New objects: positive, distinct handles with their type and all rights. */
static void handle_new_objects(void)
{
    handle_t ch[2] = {0, 0};
    tap_eq(warp_channel_create(ch), 0, "channel_create returns 0");
    long eq = warp_eventq_create(), t = warp_timer_create();
    tap_ok(ch[0] > 0 && ch[1] > 0 && eq > 0 && t > 0, "new handles are > 0 (%ld %ld %ld %ld)", ch[0], ch[1],
           eq, t);
    tap_ok(ch[0] != ch[1] && ch[0] != eq && ch[1] != eq && t != eq && t != ch[0] && t != ch[1],
           "new handles are distinct");
    tap_ok(tests_handle_is(ch[0], OBJ_CHANNEL, RIGHTS_ALL) && tests_handle_is(ch[1], OBJ_CHANNEL, RIGHTS_ALL),
           "handle_info: both channel ends are OBJ_CHANNEL with all rights");
    tap_ok(tests_handle_is((handle_t)eq, OBJ_EVENTQ, RIGHTS_ALL), "handle_info: OBJ_EVENTQ with all rights");
    tap_ok(tests_handle_is((handle_t)t, OBJ_TIMER, RIGHTS_ALL), "handle_info: OBJ_TIMER with all rights");
    uint8_t unaligned[sizeof(struct handle_info) + 1];
    tap_eq(warp_handle_info((handle_t)t, (struct handle_info *)(unaligned + 1)), 0,
           "handle_info into an unaligned buffer works");
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(warp_handle_info((handle_t)t, (struct handle_info *)tests_bad_ptrs[i].addr), ERR_BAD_ADDRESS,
               "handle_info into %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    static const struct handle_info ro;
    tap_eq(warp_handle_info((handle_t)t, (struct handle_info *)(uintptr_t)&ro), ERR_BAD_ADDRESS,
           "handle_info into read-only data gives ERR_BAD_ADDRESS");
    tap_eq(warp_handle_info((handle_t)t, (struct handle_info *)(uintptr_t)main), ERR_BAD_ADDRESS,
           "handle_info into the text segment gives ERR_BAD_ADDRESS");
    uint8_t *top = tests_stack_top_poison();
    long r = warp_handle_info((handle_t)t, (struct handle_info *)(top + 12));
    bool untouched = tests_stack_top_untouched();
    tap_eq(r, ERR_BAD_ADDRESS, "handle_info running off the stack top gives ERR_BAD_ADDRESS");
    tap_ok(untouched, "... and writes none of the 4 bytes below the guard page");
    tap_eq(warp_handle_close(ch[0]), 0, "handle_close of a channel end returns 0");
    tap_eq(warp_handle_close(ch[0]), ERR_BAD_HANDLE, "a second close of it gives ERR_BAD_HANDLE");
    tap_eq(warp_handle_info(ch[0], &handle_hi), ERR_BAD_HANDLE,
           "handle_info of the closed handle gives ERR_BAD_HANDLE");
    tap_eq(warp_handle_close(ch[1]), 0, "handle_close of the other end returns 0");
    tap_eq(warp_handle_close((handle_t)eq), 0, "handle_close of an event queue returns 0");
    tap_eq(warp_handle_close((handle_t)t), 0, "handle_close of a timer returns 0");
}

/* A closed handle's value stays dead after its slot is reused; the new handle differs. */
static void handle_stale(void)
{
    long a = warp_timer_create();
    warp_handle_close((handle_t)a);
    long b = warp_eventq_create(); /* takes the freed slot */
    tap_ok(b > 0 && b != a, "an object made after a close gets a different value (%ld, was %ld)", b, a);
    tap_eq(warp_handle_info((handle_t)a, &handle_hi), ERR_BAD_HANDLE,
           "the closed value still gives ERR_BAD_HANDLE after its slot is reused");
    tap_eq(warp_handle_close((handle_t)a), ERR_BAD_HANDLE, "closing the stale value gives ERR_BAD_HANDLE");
    tap_ok(tests_handle_is((handle_t)b, OBJ_EVENTQ, RIGHTS_ALL), "... and leaves the new handle alone");
    warp_handle_close((handle_t)b);
    /* Many rounds of close and reuse never bring an old value back. */
    long first = warp_timer_create(), prev = first;
    bool fresh = first > 0;
    for (int i = 0; i < 200 && fresh; i++) {
        warp_handle_close((handle_t)prev);
        long next = warp_timer_create();
        fresh = next > 0 && next != prev && next != first;
        prev = next;
    }
    tap_ok(fresh, "200 rounds of close and create in one slot never repeat a value");
    if (prev > 0)
        warp_handle_close((handle_t)prev);
}

/* handle_reduce: the rights are the intersection; bad rights are refused. */
static void handle_reduce(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    long r = warp_handle_reduce(ch[0], RIGHT_READ);
    tap_ok(r > 0 && r != ch[0], "handle_reduce returns a new handle (%ld)", r);
    tap_ok(tests_handle_is((handle_t)r, OBJ_CHANNEL, RIGHT_READ), "... to the channel, with RIGHT_READ only");
    long r2 = warp_handle_reduce((handle_t)r, RIGHT_READ | RIGHT_WRITE);
    tap_ok(r2 > 0 && tests_handle_is((handle_t)r2, OBJ_CHANNEL, RIGHT_READ),
           "reducing that to READ|WRITE gives READ only (rights never grow)");
    long all = warp_handle_reduce(ch[0], RIGHTS_ALL);
    tap_ok(all > 0 && all != ch[0] && tests_handle_is((handle_t)all, OBJ_CHANNEL, RIGHTS_ALL),
           "handle_reduce with RIGHTS_ALL makes a full second handle");
    tap_ok(tests_handle_is(ch[0], OBJ_CHANNEL, RIGHTS_ALL), "the original keeps all its rights");
    static const struct {
        long rights;
        const char *what;
    } bad[] = {
        {0, "0"},
        {16, "unknown bit 16"},
        {RIGHTS_KNOWN | 16, "RIGHTS_KNOWN | 16"},
        {1l << 31, "bit 31"},
        {(1l << 32) | RIGHT_READ, "RIGHT_READ with bit 32 of the register"},
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long x = warp_syscall6(SYS_HANDLE_REDUCE, ch[0], bad[i].rights, 0, 0, 0, 0);
        tap_eq(x, ERR_INVALID_ARG, "handle_reduce to rights %s gives ERR_INVALID_ARG", bad[i].what);
        if (x > 0)
            warp_handle_close((handle_t)x);
    }
    /* The object lives while any handle does: close the original, the reduced copies still work. */
    warp_handle_close(ch[0]);
    tap_eq(tests_send_text(ch[1], "via copy"), 0, "after closing the original end, its peer still sends");
    struct warp_msg m;
    tap_eq(warp_channel_recv((handle_t)all, &m), 0, "... and the full copy receives it");
    tap_ok(tests_msg_is(&m, TESTS_OP_NOTE, "via copy"), "... intact");
    warp_handle_close((handle_t)all);
    tap_eq(tests_send_text(ch[1], "via read"), 0, "with only a RIGHT_READ copy left, the peer still sends");
    tap_eq(warp_channel_recv((handle_t)r, &m), 0, "... and the RIGHT_READ copy receives");
    warp_handle_close((handle_t)r);
    warp_handle_close((handle_t)r2);
    tap_eq(warp_channel_recv(ch[1], &m), ERR_PEER_CLOSED,
           "once the last handle to an end is closed, its peer sees ERR_PEER_CLOSED");
    warp_handle_close(ch[1]);
}

/* Every handle call refuses bad handle values. */
static void handle_bad_values(void)
{
    long t = warp_timer_create();
    tests_bad_handles("handle_info", handle_info_fn, NULL, (handle_t)t);
    tests_bad_handles("handle_reduce", handle_reduce_fn, NULL, (handle_t)t);
    tests_bad_handles("handle_close", handle_close_fn, NULL, (handle_t)t);
    tap_ok(tests_handle_is((handle_t)t, OBJ_TIMER, RIGHTS_ALL), "the valid handle used above is untouched");
    warp_handle_close((handle_t)t);
}

static handle_t handle_fill[HANDLES_MAX + 1];

/* Fills the table with timers; returns how many were made. */
static unsigned handle_fill_table(void)
{
    unsigned n = 0;
    long t;
    while (n <= HANDLES_MAX && (t = warp_timer_create()) > 0)
        handle_fill[n++] = (handle_t)t;
    return n;
}

/* A full table: every call that makes a handle gives ERR_NO_RESOURCES and changes nothing. */
static void handle_table_full(void)
{
    handle_t a[2];
    if (tests_channel(a) != 0)
        return;
    long moved = warp_timer_create();
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, "with a handle");
    m.nhandles = 1;
    m.handles[0] = (handle_t)moved;
    tap_eq(warp_channel_send(a[0], &m), 0, "a message moving a timer is queued before the table fills");
    unsigned n = handle_fill_table();
    tap_eq(n + 2, HANDLES_MAX, "the table holds HANDLES_MAX handles (%u timers + 2 channel ends)", n);
    tap_eq(warp_timer_create(), ERR_NO_RESOURCES, "timer_create with the table full gives ERR_NO_RESOURCES");
    tap_eq(warp_eventq_create(), ERR_NO_RESOURCES,
           "eventq_create with the table full gives ERR_NO_RESOURCES");
    handle_t c[2] = {0, 0};
    tap_eq(warp_channel_create(c), ERR_NO_RESOURCES,
           "channel_create with the table full gives ERR_NO_RESOURCES");
    tap_eq(warp_handle_reduce(a[0], RIGHT_READ), ERR_NO_RESOURCES,
           "handle_reduce with the table full gives ERR_NO_RESOURCES");
    uint64_t nprocs = tests_nprocs();
    long p = tests_spawn("full", TESTS_EXIT_42, 0, 0);
    tap_eq(p, ERR_NO_RESOURCES, "spawn with the table full gives ERR_NO_RESOURCES");
    if (p > 0)
        tests_wait_close(p, &(struct exit_info){0});
    tap_eq((long)tests_nprocs(), (long)nprocs, "... and starts no process");
    memset(&m, 0, sizeof(m));
    tap_eq(warp_channel_recv(a[1], &m), ERR_NO_RESOURCES,
           "recv of a message carrying a handle with the table full gives ERR_NO_RESOURCES");
    warp_handle_close(handle_fill[--n]);
    tap_eq(warp_channel_create(c), ERR_NO_RESOURCES,
           "with one slot free, channel_create (two ends) still fails");
    tap_eq(warp_channel_recv(a[1], &m), 0, "with one slot free, the message is received (it stayed queued)");
    tap_ok(tests_msg_is(&m, TESTS_OP_NOTE, "with a handle") && m.nhandles == 1 &&
               tests_handle_is(m.handles[0], OBJ_TIMER, RIGHTS_ALL),
           "... with its timer handle installed");
    tap_eq(warp_timer_create(), ERR_NO_RESOURCES, "that took the last slot: timer_create fails again");
    warp_handle_close(m.handles[0]);
    warp_handle_close(handle_fill[--n]);
    tap_eq(warp_channel_create(c), 0, "with two slots free, channel_create works");
    warp_handle_close(c[0]);
    warp_handle_close(c[1]);
    while (n > 0)
        warp_handle_close(handle_fill[--n]);
    warp_handle_close(a[0]);
    warp_handle_close(a[1]);
    tap_eq(tests_handles_free(), HANDLES_MAX,
           "after closing everything all HANDLES_MAX slots are free again");
}

/* With the table full, a reply or an event carrying a handle waits, queued, until there is room. */
static void handle_table_full_delivery(void)
{
    handle_t a[2], b[2];
    if (tests_channel(a) != 0 || tests_channel(b) != 0)
        return;
    long eq = warp_eventq_create();
    warp_eventq_add((handle_t)eq, b[1], 1);
    struct warp_msg m;
    tests_send_call(a[0], MSG_USER, 1);
    warp_channel_recv(a[1], &m);
    struct warp_msg r = tests_msg(MSG_USER, MSG_REPLY, 1, "reply");
    r.nhandles = 1;
    r.handles[0] = (handle_t)warp_timer_create();
    tap_eq(warp_channel_send(a[1], &r), 0, "a reply moving a timer is sent before the table fills");
    m = tests_msg(TESTS_OP_NOTE, 0, 0, "event");
    m.nhandles = 1;
    m.handles[0] = (handle_t)warp_timer_create();
    tap_eq(warp_channel_send(b[0], &m), 0, "a message moving a timer is queued at an event-queue member");
    unsigned n = handle_fill_table();
    tap_eq(n + 5, HANDLES_MAX, "the table is full (%u timers + 4 channel ends + 1 event queue)", n);
    tap_eq(warp_channel_recv(a[0], &m), ERR_NO_RESOURCES,
           "recv of a reply carrying a handle with the table full gives ERR_NO_RESOURCES");
    struct warp_event ev;
    tap_eq(warp_eventq_wait((handle_t)eq, &ev, DEADLINE_NONE), ERR_NO_RESOURCES,
           "eventq_wait for a message carrying a handle with the table full gives ERR_NO_RESOURCES");
    warp_handle_close(handle_fill[--n]);
    tap_ok(warp_channel_recv(a[0], &m) == 0 && m.flags == MSG_REPLY && tests_msg_is(&m, MSG_USER, "reply") &&
               m.nhandles == 1 && tests_handle_is(m.handles[0], OBJ_TIMER, RIGHTS_ALL),
           "with a slot free, the reply is received with its handle (it stayed queued)");
    warp_handle_close(m.handles[0]);
    tap_ok(warp_eventq_wait((handle_t)eq, &ev, DEADLINE_NONE) == 0 && ev.type == EV_MESSAGE &&
               tests_msg_is(&ev.u.msg, TESTS_OP_NOTE, "event") && ev.u.msg.nhandles == 1 &&
               tests_handle_is(ev.u.msg.handles[0], OBJ_TIMER, RIGHTS_ALL),
           "... and then the event, with its handle (it stayed ready)");
    warp_handle_close(ev.u.msg.handles[0]);
    while (n > 0)
        warp_handle_close(handle_fill[--n]);
    warp_handle_close((handle_t)eq);
    warp_handle_close(a[0]);
    warp_handle_close(a[1]);
    warp_handle_close(b[0]);
    warp_handle_close(b[1]);
    tap_eq(tests_handles_free(), HANDLES_MAX,
           "after closing everything all HANDLES_MAX slots are free again");
}

/* Handles: info, reduce, close, stale values, a full table. */
void test_handles(void)
{
    tap_eq(tests_handles_free(), HANDLES_MAX, "the suite starts with an empty handle table (%d slots)",
           HANDLES_MAX);
    handle_new_objects();
    handle_stale();
    handle_reduce();
    handle_bad_values();
    handle_table_full();
    handle_table_full_delivery();
}
