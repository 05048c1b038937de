/* test_kcore_ipc.c: the kernel core on the host: handles, channels and calls, event queues, timers. */
#include "karch/kharness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <handle.h>
#include <string.h>

#define SYS0(nr) kh_sys(nr, 0, 0, 0, 0, 0, 0)
#define SYS1(nr, a) kh_sys(nr, (uint64_t)(a), 0, 0, 0, 0, 0)
#define SYS2(nr, a, b) kh_sys(nr, (uint64_t)(a), (uint64_t)(b), 0, 0, 0, 0)
#define SYS3(nr, a, b, c) kh_sys(nr, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c), 0, 0, 0)

/* --- handles --- */
static void prog_handles(uint64_t payload)
{
    (void)payload;
    long t = SYS0(SYS_TIMER_CREATE);
    KH_CHECK(t > 0);
    KH_CHECK_EQ(kh_close((handle_t)t), 0);
    long again = SYS0(SYS_TIMER_CREATE); /* the same slot, a new generation */
    KH_CHECK_EQ(again & 0xfff, t & 0xfff);
    KH_CHECK_EQ(SYS2(SYS_TIMER_SET, t, 5), ERR_BAD_HANDLE); /* the stale value names nothing */
    KH_CHECK_EQ(SYS2(SYS_TIMER_SET, again, karch_now_ns + 5), 0);
    KH_CHECK_EQ(SYS2(SYS_CHANNEL_RECV, again, kh_ualloc(sizeof(struct warp_msg))), ERR_WRONG_TYPE);
    long ro = SYS2(SYS_HANDLE_REDUCE, again, RIGHT_READ);
    KH_CHECK(ro > 0);
    KH_CHECK_EQ(SYS2(SYS_TIMER_SET, ro, 1), ERR_NO_RIGHTS);
    KH_CHECK_EQ(SYS2(SYS_HANDLE_REDUCE, ro, RIGHTS_KNOWN << 1), ERR_INVALID_ARG);
    KH_CHECK_EQ(SYS1(SYS_HANDLE_CLOSE, 0x7fffffff), ERR_BAD_HANDLE);
    KH_CHECK_EQ(SYS1(SYS_HANDLE_CLOSE, 1ul << 40), ERR_BAD_HANDLE); /* junk above 31 bits */
    /* Fill the table: the next handle is refused, and every one closes. */
    long first = 0, last = 0, n = 0;
    for (long h; (h = SYS0(SYS_EVENTQ_CREATE)) > 0; n++)
        last = h, first = first ? first : h;
    KH_CHECK_EQ(SYS0(SYS_EVENTQ_CREATE), ERR_NO_RESOURCES);
    KH_CHECK_EQ(n, HANDLES_MAX - 2);
    (void)first, (void)last;
}

static void test_handles(void **state)
{
    (void)state;
    kh_run_program(prog_handles, 0);
}

/* A slot whose generations run out retires: its last value never names anything new. The table
 * is set just short of the last generation (2^51 reuses would take a while). */
static void prog_retire(uint64_t payload)
{
    (void)payload;
    struct handle_table *t = &proc_current()->handles;
    long first = kh_sys(SYS_TIMER_CREATE, 0, 0, 0, 0, 0, 0);
    uint32_t slot = (uint32_t)(first & ((1 << HANDLE_SLOT_BITS) - 1)) - 1;
    KH_CHECK_EQ(kh_close((handle_t)first), 0);
    t->chunks[slot / HANDLE_CHUNK][slot % HANDLE_CHUNK].gen = HANDLE_GEN_MAX - 1;
    long a = kh_sys(SYS_TIMER_CREATE, 0, 0, 0, 0, 0, 0); /* the slot's second-to-last value */
    KH_CHECK_EQ((a >> HANDLE_SLOT_BITS), (long)HANDLE_GEN_MAX - 1);
    KH_CHECK_EQ(kh_close((handle_t)a), 0);
    long b = kh_sys(SYS_TIMER_CREATE, 0, 0, 0, 0, 0, 0); /* its last */
    KH_CHECK_EQ(b, (long)(HANDLE_GEN_MAX << HANDLE_SLOT_BITS | (slot + 1)));
    KH_CHECK(b > 0);
    uint32_t free_before = handle_free_slots(t);
    KH_CHECK_EQ(kh_close((handle_t)b), 0);
    KH_CHECK_EQ(handle_free_slots(t), free_before); /* retired: not free again */
    long c = kh_sys(SYS_TIMER_CREATE, 0, 0, 0, 0, 0, 0);
    KH_CHECK(c > 0 && c != a && c != b && (c & ((1 << HANDLE_SLOT_BITS) - 1)) != slot + 1);
    KH_CHECK_EQ(kh_sys(SYS_TIMER_SET, (uint64_t)b, 1, 0, 0, 0, 0), ERR_BAD_HANDLE);
    KH_CHECK_EQ(kh_sys(SYS_TIMER_SET, (uint64_t)a, 1, 0, 0, 0, 0), ERR_BAD_HANDLE);
}

static void test_handles_retire(void **state)
{
    (void)state;
    kh_run_program(prog_retire, 0);
}

/* --- channels: messages, backpressure, peers that go --- */
static void prog_channels(uint64_t payload)
{
    (void)payload;
    handle_t ch[2];
    KH_CHECK_EQ(kh_channel_create(ch), 0);
    struct warp_msg m = {.type = MSG_USER, .data_len = 5}, in;
    memcpy(m.data, "hello", 5);
    KH_CHECK_EQ(kh_recv(ch[1], &in), ERR_WOULD_BLOCK);
    for (unsigned i = 0; i < MSG_QUEUE_MAX; i++)
        KH_CHECK_EQ(kh_send(ch[0], &m), 0);
    KH_CHECK_EQ(kh_send(ch[0], &m), ERR_QUEUE_FULL);
    KH_CHECK_EQ(kh_recv(ch[1], &in), 0);
    KH_CHECK(in.data_len == 5 && memcmp(in.data, "hello", 5) == 0);
    m.data_len = MSG_DATA_MAX + 1;
    KH_CHECK_EQ(kh_send(ch[0], &m), ERR_INVALID_ARG);
    m.data_len = 0;
    m.nhandles = 1, m.handles[0] = ch[0];
    KH_CHECK_EQ(kh_send(ch[0], &m), ERR_INVALID_ARG); /* an end inside its own channel */
    m.handles[0] = ch[1];
    KH_CHECK_EQ(kh_send(ch[0], &m), ERR_INVALID_ARG); /* ... or its peer */
    m.nhandles = 0;
    KH_CHECK_EQ(kh_close(ch[1]), 0);
    KH_CHECK_EQ(kh_send(ch[0], &m), ERR_PEER_CLOSED);
    KH_CHECK_EQ(kh_close(ch[0]), 0); /* 63 queued messages go with the closed end */
}

static void test_channels(void **state)
{
    (void)state;
    kh_run_program(prog_channels, 0);
}

/* --- calls: buffers, bounds, replies, a callee that goes --- */
static void prog_calls(uint64_t payload)
{
    (void)payload;
    handle_t ch[2];
    KH_CHECK_EQ(kh_channel_create(ch), 0);
    uaddr_t rbuf = kh_ualloc(100), wbuf = kh_ualloc(100), mine = kh_ualloc(200);
    kh_uput(rbuf, "0123456789", 10);
    struct warp_msg call = {.type = MSG_READ, .flags = MSG_CALL, .call_id = 42, .nbufs = 2}, in;
    call.bufs[0] = (struct msg_buf){.addr = rbuf, .len = 100, .access = BUF_READ};
    call.bufs[1] = (struct msg_buf){.addr = wbuf, .len = 100, .access = BUF_WRITE};
    KH_CHECK_EQ(kh_send(ch[0], &call), 0);
    KH_CHECK_EQ(kh_send(ch[0], &call), ERR_ALREADY_EXISTS); /* the id is pending */
    KH_CHECK_EQ(kh_recv(ch[1], &in), 0);
    KH_CHECK(in.bufs[0].addr == 0 && in.bufs[0].len == 100); /* addresses are not the callee's business */
    KH_CHECK_EQ(kh_sys(SYS_CALL_READ, (uint64_t)ch[1], 42, 0, 4, mine, 200), 96); /* clipped to the buffer */
    KH_CHECK_EQ(kh_sys(SYS_CALL_READ, (uint64_t)ch[1], 42, 0, 101, mine, 1), ERR_INVALID_ARG);
    KH_CHECK_EQ(kh_sys(SYS_CALL_READ, (uint64_t)ch[1], 42, 2, 0, mine, 1), ERR_INVALID_ARG);
    KH_CHECK_EQ(kh_sys(SYS_CALL_WRITE, (uint64_t)ch[1], 42, 0, 0, mine, 1), ERR_PERMISSION);
    KH_CHECK_EQ(kh_sys(SYS_CALL_WRITE, (uint64_t)ch[1], 42, 1, 0, mine, 10), 10);
    KH_CHECK_EQ(kh_sys(SYS_CALL_READ, (uint64_t)ch[1], 43, 0, 0, mine, 1), ERR_NOT_FOUND);
    char got[10];
    kh_uget(got, wbuf, 10);
    KH_CHECK(memcmp(got, "456789", 6) == 0);
    struct warp_msg reply = {.type = MSG_READ, .flags = MSG_REPLY, .call_id = 42, .status = 10};
    KH_CHECK_EQ(kh_send(ch[1], &reply), 0);
    KH_CHECK_EQ(kh_send(ch[1], &reply), ERR_NOT_FOUND); /* answered already */
    KH_CHECK_EQ(kh_sys(SYS_CALL_READ, (uint64_t)ch[1], 42, 0, 0, mine, 1), ERR_NOT_FOUND);
    KH_CHECK_EQ(kh_recv(ch[0], &in), 0);
    KH_CHECK(in.flags == MSG_REPLY && in.call_id == 42 && in.status == 10);
    /* A call whose callee closes before answering fails with ERR_PEER_CLOSED. */
    call.call_id = 7;
    KH_CHECK_EQ(kh_send(ch[0], &call), 0);
    KH_CHECK_EQ(kh_close(ch[1]), 0);
    KH_CHECK_EQ(kh_recv(ch[0], &in), 0);
    KH_CHECK(in.type == MSG_ERROR && in.call_id == 7 && in.status == ERR_PEER_CLOSED);
    KH_CHECK_EQ(kh_recv(ch[0], &in), ERR_PEER_CLOSED);
}

static void test_calls(void **state)
{
    (void)state;
    kh_run_program(prog_calls, 0);
}

/* --- event queues and timers --- */
static void prog_events(uint64_t payload)
{
    (void)payload;
    long eq = SYS0(SYS_EVENTQ_CREATE), t1 = SYS0(SYS_TIMER_CREATE), t2 = SYS0(SYS_TIMER_CREATE);
    struct warp_event ev;
    KH_CHECK_EQ(SYS3(SYS_EVENTQ_ADD, eq, t1, 11), 0);
    KH_CHECK_EQ(SYS3(SYS_EVENTQ_ADD, eq, t1, 11), ERR_ALREADY_EXISTS);
    KH_CHECK_EQ(SYS2(SYS_EVENTQ_REMOVE, eq, t2), ERR_NOT_FOUND);
    KH_CHECK_EQ(SYS3(SYS_EVENTQ_ADD, eq, t2, 22), 0);
    KH_CHECK_EQ(SYS3(SYS_EVENTQ_ADD, eq, eq, 0), ERR_WRONG_TYPE); /* not an event source */
    /* A wait with a deadline and nothing armed ends at the deadline, not before. */
    uint64_t start = karch_now_ns;
    KH_CHECK_EQ(kh_wait((handle_t)eq, &ev, start + 5000000), ERR_TIMED_OUT);
    KH_CHECK(karch_now_ns >= start + 5000000);
    /* Timers fire in deadline order, each once, reporting its deadline. */
    uint64_t now = karch_now_ns;
    KH_CHECK_EQ(SYS2(SYS_TIMER_SET, t1, now + 2000), 0);
    KH_CHECK_EQ(SYS2(SYS_TIMER_SET, t2, now + 1000), 0);
    KH_CHECK_EQ(kh_wait((handle_t)eq, &ev, DEADLINE_FOREVER), 0);
    KH_CHECK(ev.type == EV_TIMER && ev.cookie == 22 && ev.u.deadline == now + 1000);
    KH_CHECK_EQ(kh_wait((handle_t)eq, &ev, DEADLINE_FOREVER), 0);
    KH_CHECK(ev.type == EV_TIMER && ev.cookie == 11 && ev.u.deadline == now + 2000);
    KH_CHECK_EQ(kh_wait((handle_t)eq, &ev, DEADLINE_NONE), ERR_TIMED_OUT);
    /* Re-arming replaces the deadline; 0 disarms; a deadline already past fires at once. */
    KH_CHECK_EQ(SYS2(SYS_TIMER_SET, t1, karch_now_ns + 100), 0);
    KH_CHECK_EQ(SYS2(SYS_TIMER_SET, t1, 0), 0);
    KH_CHECK_EQ(kh_wait((handle_t)eq, &ev, karch_now_ns + 1000), ERR_TIMED_OUT);
    KH_CHECK_EQ(SYS2(SYS_TIMER_SET, t2, 1), 0);
    KH_CHECK_EQ(kh_wait((handle_t)eq, &ev, DEADLINE_NONE), 0);
    KH_CHECK(ev.cookie == 22 && ev.u.deadline == 1);
    /* Closing a source's handle takes it out of the queue. */
    KH_CHECK_EQ(SYS2(SYS_TIMER_SET, t1, 1), 0);
    KH_CHECK_EQ(kh_close((handle_t)t1), 0);
    KH_CHECK_EQ(kh_wait((handle_t)eq, &ev, DEADLINE_NONE), ERR_TIMED_OUT);
}

static void test_events(void **state)
{
    (void)state;
    kh_run_program(prog_events, 0);
}

/* Many timers armed at once, some cancelled: the rest fire in deadline order (the pairing heap). */
static void prog_many_timers(uint64_t payload)
{
    enum { N = 300 };
    long eq = SYS0(SYS_EVENTQ_CREATE), t[N];
    uint64_t base = karch_now_ns, x = payload;
    for (long i = 0; i < N; i++) {
        t[i] = SYS0(SYS_TIMER_CREATE);
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        KH_CHECK_EQ(SYS3(SYS_EVENTQ_ADD, eq, t[i], i), 0);
        KH_CHECK_EQ(SYS2(SYS_TIMER_SET, t[i], base + 1000 + (x >> 40) % 100000), 0);
    }
    for (long i = 0; i < N; i += 3)
        KH_CHECK_EQ(SYS2(SYS_TIMER_SET, t[i], 0), 0);
    uint64_t last = 0;
    long fired = 0;
    struct warp_event ev;
    while (kh_wait((handle_t)eq, &ev, base + 200000) == 0) {
        KH_CHECK(ev.cookie % 3 != 0);
        KH_CHECK(ev.u.deadline >= last);
        last = ev.u.deadline;
        fired++;
    }
    KH_CHECK_EQ(fired, N - (N + 2) / 3);
}

static void test_many_timers(void **state)
{
    (void)state;
    kh_run_program(prog_many_timers, 12345);
}

/* A chain of channels, each end carried in the next channel's queue, all freed by closing. */
static void prog_gc_chain(uint64_t payload)
{
    handle_t prev[2];
    KH_CHECK_EQ(kh_channel_create(prev), 0);
    for (uint64_t i = 0; i < payload; i++) {
        handle_t next[2];
        KH_CHECK_EQ(kh_channel_create(next), 0);
        struct warp_msg m = {.type = MSG_USER, .nhandles = 2, .handles = {prev[0], prev[1]}};
        KH_CHECK_EQ(kh_send(next[0], &m), 0);
        prev[0] = next[0], prev[1] = next[1];
    }
    KH_CHECK_EQ(kh_close(prev[0]), 0);
    KH_CHECK_EQ(kh_close(prev[1]), 0);
}

static void test_gc_chain(void **state)
{
    (void)state;
    kh_run_program(prog_gc_chain, 200);
}

/* Send a's two ends through b[0]; 0 or the send's error. */
static long send_pair(handle_t into, const handle_t pair[2])
{
    struct warp_msg m = {.type = MSG_USER, .nhandles = 2, .handles = {pair[0], pair[1]}};
    return kh_send(into, &m);
}

/*
 * The collector looks only at ends no handle names: one such end waiting in a held end's queue is
 * live, and so is what waits in its own queue (a dead-looking cycle inside it). Other closes run
 * the collector meanwhile; afterwards both ends still work, and closing the holder frees it all.
 */
static void prog_gc_in_flight(uint64_t payload)
{
    (void)payload;
    handle_t holder[2], carried[2], inner[2];
    KH_CHECK_EQ(kh_channel_create(holder), 0);
    KH_CHECK_EQ(kh_channel_create(carried), 0);
    KH_CHECK_EQ(kh_channel_create(inner), 0);
    KH_CHECK_EQ(send_pair(carried[0], inner), 0);  /* inner waits in carried's queue */
    KH_CHECK_EQ(send_pair(holder[0], carried), 0); /* carried waits in holder's queue */
    for (int i = 0; i < 3; i++) {                  /* closes that each run the collector */
        handle_t junk[2];
        KH_CHECK_EQ(kh_channel_create(junk), 0);
        KH_CHECK_EQ(kh_close(junk[0]), 0);
        KH_CHECK_EQ(kh_close(junk[1]), 0);
    }
    struct warp_msg outer, in;
    KH_CHECK_EQ(kh_recv(holder[1], &outer), 0);
    KH_CHECK_EQ(outer.nhandles, 2u);
    KH_CHECK_EQ(kh_recv(outer.handles[1], &in), 0); /* carried's queue kept inner's ends */
    KH_CHECK_EQ(in.nhandles, 2u);
    struct warp_msg ping = {.type = MSG_USER, .data_len = 1, .data = {7}};
    KH_CHECK_EQ(kh_send(in.handles[0], &ping), 0);
    KH_CHECK_EQ(kh_recv(in.handles[1], &ping), 0);
    KH_CHECK_EQ(ping.data[0], 7);
    /* Park inner in carried again, carried in holder, and close every handle: all of it goes
     * (kh_check_clean finds no end left). */
    KH_CHECK_EQ(send_pair(outer.handles[0], in.handles), 0);
    KH_CHECK_EQ(send_pair(holder[0], outer.handles), 0);
    KH_CHECK_EQ(kh_close(holder[0]), 0);
    KH_CHECK_EQ(kh_close(holder[1]), 0);
}

static void test_gc_in_flight(void **state)
{
    (void)state;
    kh_run_program(prog_gc_in_flight, 0);
}

/* Two channels each carried in the other's queue: no handle reaches either, so both go. */
static void prog_gc_cycle(uint64_t payload)
{
    (void)payload;
    handle_t a[2], b[2];
    KH_CHECK_EQ(kh_channel_create(a), 0);
    KH_CHECK_EQ(kh_channel_create(b), 0);
    struct warp_msg m = {.type = MSG_USER, .nhandles = 1, .handles = {b[1]}};
    KH_CHECK_EQ(kh_send(a[0], &m), 0); /* b's reader waits at a[1] */
    m = (struct warp_msg){.type = MSG_USER, .nhandles = 2, .handles = {a[0], a[1]}};
    KH_CHECK_EQ(kh_send(b[0], &m), 0); /* both of a's ends wait at b[1] */
    KH_CHECK_EQ(kh_close(b[0]), 0);    /* now a and b only hold each other */
}

static void test_gc_cycle(void **state)
{
    (void)state;
    kh_run_program(prog_gc_cycle, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handles),  cmocka_unit_test(test_handles_retire),
        cmocka_unit_test(test_channels), cmocka_unit_test(test_calls),
        cmocka_unit_test(test_events),   cmocka_unit_test(test_many_timers),
        cmocka_unit_test(test_gc_chain), cmocka_unit_test(test_gc_in_flight),
        cmocka_unit_test(test_gc_cycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
