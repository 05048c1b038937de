/* test_loop.c: unit tests for the event-loop core (libs/user/loop.c) over a fake kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <warp/msg.h>

#include "fake_loop_ops.h"

/* Queues an event of type for h with h's current cookie. */
static struct warp_event *push(uint32_t type, handle_t h)
{
    assert_true(fake.nevents < FAKE_EVENTS);
    struct warp_event *ev = &fake.events[fake.nevents++];
    memset(ev, 0, sizeof(*ev));
    ev->type = type;
    ev->handle = h;
    ev->cookie = fake.cookie[h];
    return ev;
}

/* Queues a message (or reply) event on ch. */
static struct warp_event *push_msg(uint32_t type, handle_t ch, uint32_t msg_type, uint32_t flags,
                                   uint64_t call_id)
{
    struct warp_event *ev = push(type, ch);
    ev->u.msg.type = msg_type;
    ev->u.msg.flags = flags;
    ev->u.msg.call_id = call_id;
    return ev;
}

/* Runs the loop until the scripted events are used up. */
static void drain(struct loop *l)
{
    fake.wait_err_when_empty = ERR_BAD_HANDLE;
    assert_int_equal(loop_run(l), ERR_BAD_HANDLE);
}

static struct loop L;

/* Fresh fake kernel and loop before every test. */
static int setup(void **state)
{
    (void)state;
    fake_loop_init(&L);
    return 0;
}

/* The loop's memory is freed (ASan reports leaks) and the queue closed. */
static int teardown(void **state)
{
    (void)state;
    loop_destroy(&L);
    assert_true(fake.closed[FAKE_EQ]);
    return 0;
}

/* --- what handlers record --- */

struct record {
    unsigned messages, replies, closes, timers, exits, irqs;
    handle_t last_ch;
    uint64_t last_call_id;
    uint32_t last_type;
    int64_t last_status;
    uint64_t last_deadline;
    int32_t last_code;
    void *last_ctx;
};

static struct record rec;

static void on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)l;
    rec.messages++;
    rec.last_ch = ch;
    rec.last_type = m->type;
    rec.last_call_id = m->call_id;
    rec.last_ctx = ctx;
}

static void on_reply(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)l;
    rec.replies++;
    rec.last_ch = ch;
    rec.last_type = m->type;
    rec.last_call_id = m->call_id;
    rec.last_status = m->status;
    rec.last_ctx = ctx;
}

static void on_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)l;
    rec.closes++;
    rec.last_ch = ch;
    rec.last_ctx = ctx;
}

static void on_timer(struct loop *l, handle_t t, uint64_t deadline, void *ctx)
{
    (void)l;
    rec.timers++;
    rec.last_ch = t;
    rec.last_deadline = deadline;
    rec.last_ctx = ctx;
}

static void on_exit_fn(struct loop *l, handle_t p, const struct exit_info *info, void *ctx)
{
    (void)l;
    rec.exits++;
    rec.last_ch = p;
    rec.last_code = info->code;
    rec.last_ctx = ctx;
}

static void on_irq(struct loop *l, handle_t irq, void *ctx)
{
    (void)l;
    rec.irqs++;
    rec.last_ch = irq;
    rec.last_ctx = ctx;
}

static const struct loop_channel_handlers all_handlers = {on_message, on_reply, on_closed};
static const struct loop_channel_handlers no_handlers = {NULL, NULL, NULL};

/* --- tests --- */

/* Messages reach the handler of their channel with its ctx; cookies are distinct and non-zero. */
static void test_dispatch_by_source(void **state)
{
    (void)state;
    int a, b;
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(loop_add_channel(&L, 5, &all_handlers, &a), 0);
    assert_int_equal(loop_add_channel(&L, 6, &all_handlers, &b), 0);
    assert_true(fake.cookie[5] != fake.cookie[6]);
    assert_true(loop_has(&L, 5));
    push_msg(EV_MESSAGE, 6, MSG_READ, MSG_CALL, 3);
    drain(&L);
    assert_int_equal(rec.messages, 1);
    assert_int_equal(rec.last_ch, 6);
    assert_ptr_equal(rec.last_ctx, &b);
    assert_int_equal(rec.last_type, MSG_READ);
    push_msg(EV_MESSAGE, 5, MSG_WRITE, 0, 0);
    drain(&L);
    assert_ptr_equal(rec.last_ctx, &a);
    assert_int_equal(loop_set_ctx(&L, 5, &b), 0);
    push_msg(EV_MESSAGE, 5, MSG_WRITE, 0, 0);
    drain(&L);
    assert_ptr_equal(rec.last_ctx, &b);
    assert_int_equal(loop_set_ctx(&L, 7, &b), ERR_NOT_FOUND);
}

/* Registration errors: duplicates, NULL handlers, kernel refusals (nothing half-registered). */
static void test_add_errors(void **state)
{
    (void)state;
    assert_int_equal(loop_add_channel(&L, 5, &all_handlers, NULL), 0);
    assert_int_equal(loop_add_channel(&L, 5, &all_handlers, NULL), ERR_ALREADY_EXISTS);
    assert_int_equal(loop_add_timer(&L, 5, on_timer, NULL), ERR_ALREADY_EXISTS);
    assert_int_equal(loop_add_channel(&L, 6, NULL, NULL), ERR_INVALID_ARG);
    assert_int_equal(loop_add_timer(&L, 6, NULL, NULL), ERR_INVALID_ARG);
    assert_int_equal(loop_add_process(&L, 6, NULL, NULL), ERR_INVALID_ARG);
    fake.add_err = ERR_WRONG_TYPE;
    assert_int_equal(loop_add_channel(&L, 6, &all_handlers, NULL), ERR_WRONG_TYPE);
    assert_false(loop_has(&L, 6));
    assert_int_equal(loop_remove(&L, 6), ERR_NOT_FOUND);
    assert_int_equal(loop_add_channel(&L, 6, &all_handlers, NULL), 0);
    assert_int_equal(loop_remove(&L, 5), 0);
    assert_int_equal(fake.cookie[5], 0);
    assert_int_equal(loop_remove(&L, 5), ERR_NOT_FOUND);
    /* 0 and negative numbers are never handles (0 marks a free slot in the table). */
    assert_int_equal(loop_add_channel(&L, 0, &all_handlers, NULL), ERR_BAD_HANDLE);
    assert_int_equal(loop_add_process(&L, -3, on_exit_fn, NULL), ERR_BAD_HANDLE);
    assert_false(loop_has(&L, 0));
}

/* Timer and process events reach their handlers; events of the wrong kind are dropped. */
static void test_timer_and_process(void **state)
{
    (void)state;
    int t, p;
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(loop_add_timer(&L, 7, on_timer, &t), 0);
    assert_int_equal(loop_add_process(&L, 8, on_exit_fn, &p), 0);
    push(EV_TIMER, 7)->u.deadline = 12345;
    struct warp_event *ev = push(EV_PROC_EXIT, 8);
    ev->u.exit.reason = EXIT_NORMAL;
    ev->u.exit.code = 42;
    push(EV_MESSAGE, 7)->u.msg.nhandles = 0; /* a message for a timer: dropped */
    push(EV_TIMER, 8);                       /* a timer event for a process: dropped */
    drain(&L);
    assert_int_equal(rec.timers, 1);
    assert_int_equal(rec.last_deadline, 12345);
    assert_int_equal(rec.exits, 1);
    assert_int_equal(rec.last_code, 42);
    assert_ptr_equal(rec.last_ctx, &p);
}

/* An interrupt's events reach its handler; its other events, and EV_IRQ for a timer, are dropped. */
static void test_irq(void **state)
{
    (void)state;
    int i;
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(loop_add_irq(&L, 9, NULL, NULL), ERR_INVALID_ARG);
    assert_int_equal(loop_add_irq(&L, 9, on_irq, &i), 0);
    assert_int_equal(loop_add_irq(&L, 9, on_irq, &i), ERR_ALREADY_EXISTS);
    assert_int_equal(loop_add_timer(&L, 7, on_timer, NULL), 0);
    push(EV_IRQ, 9);
    push(EV_TIMER, 9); /* a timer event for an interrupt: dropped */
    push(EV_IRQ, 7);   /* an interrupt for a timer: dropped */
    push(EV_IRQ, 9);
    drain(&L);
    assert_int_equal(rec.irqs, 2);
    assert_int_equal(rec.timers, 0);
    assert_int_equal(rec.last_ch, 9);
    assert_ptr_equal(rec.last_ctx, &i);
}

/* A handler removing its own source and another: their queued events are dropped, handles closed. */
static void remove_both(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ch;
    (void)m;
    (void)ctx;
    rec.messages++;
    assert_int_equal(loop_remove(l, 5), 0);
    assert_int_equal(loop_close(l, 6), 0);
}

static void test_remove_while_dispatching(void **state)
{
    (void)state;
    static const struct loop_channel_handlers h = {remove_both, on_reply, on_closed};
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(loop_add_channel(&L, 5, &h, NULL), 0);
    assert_int_equal(loop_add_channel(&L, 6, &h, NULL), 0);
    push_msg(EV_MESSAGE, 5, MSG_USER, 0, 0);
    struct warp_event *late5 = push_msg(EV_MESSAGE, 5, MSG_USER, 0, 0);
    late5->u.msg.nhandles = 1;
    late5->u.msg.handles[0] = 40;
    struct warp_event *late6 = push_msg(EV_REPLY, 6, MSG_USER, MSG_REPLY, 1);
    late6->u.msg.nhandles = 2;
    late6->u.msg.handles[0] = 41;
    late6->u.msg.handles[1] = 42;
    push(EV_PEER_CLOSED, 6);
    drain(&L);
    assert_int_equal(rec.messages, 1);
    assert_int_equal(rec.replies, 0);
    assert_int_equal(rec.closes, 0);
    assert_true(fake.closed[6]);
    assert_false(fake.closed[5]);
    assert_true(fake.closed[40]);
    assert_true(fake.closed[41]);
    assert_true(fake.closed[42]);
    assert_false(loop_has(&L, 5));
}

/* An event carrying a freed slot's old cookie does not reach the source that reuses the slot. */
static void test_stale_cookie_after_reuse(void **state)
{
    (void)state;
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(loop_add_channel(&L, 5, &all_handlers, NULL), 0);
    uint64_t old = fake.cookie[5];
    assert_int_equal(loop_remove(&L, 5), 0);
    assert_int_equal(loop_add_channel(&L, 5, &all_handlers, NULL), 0); /* same handle number */
    assert_true(fake.cookie[5] != old);
    assert_int_equal(fake.cookie[5] & 0xffffffffu, old & 0xffffffffu); /* same slot */
    push_msg(EV_MESSAGE, 5, MSG_USER, 0, 0)->cookie = old;
    push_msg(EV_MESSAGE, 5, MSG_USER, 0, 0)->cookie = 0;
    push_msg(EV_MESSAGE, 5, MSG_USER, 0, 0)->cookie = 0xffffffffull;
    push_msg(EV_MESSAGE, 9, MSG_USER, 0, 0)->cookie = fake.cookie[5]; /* wrong handle */
    drain(&L);
    assert_int_equal(rec.messages, 0);
    push_msg(EV_MESSAGE, 5, MSG_USER, 0, 0);
    drain(&L);
    assert_int_equal(rec.messages, 1);
}

/* Without handlers: a call is refused with ERROR(NOT_SUPPORTED), handles are closed, and a closed
 * peer removes and closes the channel. */
static void test_default_handlers(void **state)
{
    (void)state;
    assert_int_equal(loop_add_channel(&L, 5, &no_handlers, NULL), 0);
    struct warp_event *ev = push_msg(EV_MESSAGE, 5, MSG_READ, MSG_CALL, 77);
    ev->u.msg.nhandles = 1;
    ev->u.msg.handles[0] = 30;
    push_msg(EV_MESSAGE, 5, MSG_WRITE, 0, 0);
    ev = push_msg(EV_REPLY, 5, MSG_OPEN, MSG_REPLY, 99);
    ev->u.msg.nhandles = 1;
    ev->u.msg.handles[0] = 31;
    push(EV_PEER_CLOSED, 5);
    drain(&L);
    assert_int_equal(fake.nsent, 1);
    assert_int_equal(fake.sent_on[0], 5);
    assert_int_equal(fake.sent[0].type, MSG_ERROR);
    assert_int_equal(fake.sent[0].flags, MSG_REPLY);
    assert_int_equal(fake.sent[0].call_id, 77);
    assert_int_equal(fake.sent[0].status, ERR_NOT_SUPPORTED);
    assert_true(fake.closed[30]);
    assert_true(fake.closed[31]);
    assert_true(fake.closed[5]);
    assert_false(loop_has(&L, 5));
}

/* A corrupt nhandles never makes the loop read past the handles array. */
static void test_corrupt_nhandles(void **state)
{
    (void)state;
    assert_int_equal(loop_add_channel(&L, 5, &no_handlers, NULL), 0);
    push_msg(EV_MESSAGE, 5, MSG_USER, 0, 0)->u.msg.nhandles = 60000;
    drain(&L);
    assert_int_equal(fake.nclosed, MSG_HANDLES_MAX);
}

/* loop_close_handles closes from index first on, unregisters a handle the loop has, and reads no
 * further than MSG_HANDLES_MAX whatever nhandles says. */
static void test_close_handles(void **state)
{
    (void)state;
    struct warp_msg m;
    msg_init(&m, MSG_OPEN, 0);
    for (unsigned i = 0; i < MSG_HANDLES_MAX; i++)
        m.handles[i] = (handle_t)(40 + i);
    m.nhandles = 3;
    assert_int_equal(loop_add_channel(&L, 41, &no_handlers, NULL), 0);
    loop_close_handles(&L, &m, 1);
    assert_int_equal(fake.nclosed, 2);
    assert_false(fake.closed[40]);
    assert_true(fake.closed[41]);
    assert_true(fake.closed[42]);
    assert_false(fake.closed[43]);
    assert_false(loop_has(&L, 41));

    memset(fake.closed, 0, sizeof(fake.closed));
    fake.nclosed = 0;
    m.nhandles = 60000;
    loop_close_handles(&L, &m, 0);
    assert_int_equal(fake.nclosed, MSG_HANDLES_MAX);
    for (unsigned i = 0; i < MSG_HANDLES_MAX; i++)
        assert_true(fake.closed[40 + i]);

    fake.nclosed = 0;
    m.nhandles = 2;
    loop_close_handles(&L, &m, 2);
    loop_close_handles(&L, &m, MSG_HANDLES_MAX + 1);
    assert_int_equal(fake.nclosed, 0);
}

/* loop_call numbers its calls and routes each reply to its callback, not to on_reply. */
static void call_done(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)l;
    (void)ch;
    int *hits = ctx;
    (*hits)++;
    rec.last_status = m->status;
    rec.last_type = m->type;
}

static void test_call_routing(void **state)
{
    (void)state;
    int hits1 = 0, hits2 = 0;
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(loop_add_channel(&L, 5, &all_handlers, NULL), 0);
    struct warp_msg m;
    msg_getattr(&m, "mac");
    assert_int_equal(loop_call(&L, 5, &m, call_done, &hits1), 0);
    assert_int_equal(m.flags, MSG_CALL);
    uint64_t id1 = m.call_id;
    msg_getattr(&m, "mtu");
    assert_int_equal(loop_call(&L, 5, &m, call_done, &hits2), 0);
    uint64_t id2 = m.call_id;
    assert_true(id1 != id2 && id1 != 0 && id2 != 0);
    assert_int_equal(fake.nsent, 2);
    assert_int_equal(fake.sent[1].call_id, id2);
    assert_int_equal(loop_pending_calls(&L), 2);

    push_msg(EV_REPLY, 5, MSG_GETATTR, MSG_REPLY, id2)->u.msg.status = 22;
    push_msg(EV_REPLY, 5, MSG_GETATTR, MSG_REPLY, id2)->u.msg.status = 23; /* a second: on_reply */
    push_msg(EV_REPLY, 5, MSG_GETATTR, MSG_REPLY, id1)->u.msg.status = 11;
    drain(&L);
    assert_int_equal(hits1, 1);
    assert_int_equal(hits2, 1);
    assert_int_equal(rec.last_status, 11);
    assert_int_equal(rec.replies, 1);
    assert_int_equal(rec.last_call_id, id2);
    assert_int_equal(loop_pending_calls(&L), 0);
}

/* loop_call errors: unregistered or non-channel source, no callback, a failed send. */
static void test_call_errors(void **state)
{
    (void)state;
    int hits = 0;
    struct warp_msg m;
    msg_close(&m);
    assert_int_equal(loop_call(&L, 5, &m, call_done, &hits), ERR_NOT_FOUND);
    assert_int_equal(loop_add_timer(&L, 7, on_timer, NULL), 0);
    assert_int_equal(loop_call(&L, 7, &m, call_done, &hits), ERR_NOT_FOUND);
    assert_int_equal(loop_add_channel(&L, 5, &all_handlers, NULL), 0);
    assert_int_equal(loop_call(&L, 5, &m, NULL, &hits), ERR_INVALID_ARG);
    fake.send_err = ERR_QUEUE_FULL;
    assert_int_equal(loop_call(&L, 5, &m, call_done, &hits), ERR_QUEUE_FULL);
    assert_int_equal(loop_pending_calls(&L), 0);
    fake.send_err = 0;
    assert_int_equal(loop_call(&L, 5, &m, call_done, &hits), 0);
    assert_int_equal(loop_pending_calls(&L), 1);
    assert_int_equal(loop_remove(&L, 5), 0); /* drops the call without calling back */
    assert_int_equal(loop_pending_calls(&L), 0);
    assert_int_equal(hits, 0);
}

/* A peer that closes with calls pending fails them (ERROR, PEER_CLOSED), then on_peer_closed runs. */
static void test_peer_closed_fails_calls(void **state)
{
    (void)state;
    int hits = 0;
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(loop_add_channel(&L, 5, &all_handlers, NULL), 0);
    assert_int_equal(loop_add_channel(&L, 6, &all_handlers, NULL), 0);
    struct warp_msg m;
    for (int i = 0; i < 3; i++) {
        msg_close(&m);
        assert_int_equal(loop_call(&L, 5, &m, call_done, &hits), 0);
    }
    msg_close(&m);
    assert_int_equal(loop_call(&L, 6, &m, call_done, &hits), 0);
    push(EV_PEER_CLOSED, 5);
    drain(&L);
    assert_int_equal(hits, 3);
    assert_int_equal(rec.last_type, MSG_ERROR);
    assert_int_equal(rec.last_status, ERR_PEER_CLOSED);
    assert_int_equal(rec.closes, 1);
    assert_int_equal(rec.last_ch, 5);
    assert_int_equal(loop_pending_calls(&L), 1); /* the call on 6 still waits */
}

/* A failed call's callback that closes its channel: on_peer_closed is then not called. */
static void call_done_close(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)m;
    (void)ctx;
    loop_close(l, ch);
}

static void test_peer_closed_callback_closes(void **state)
{
    (void)state;
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(loop_add_channel(&L, 5, &all_handlers, NULL), 0);
    struct warp_msg m;
    msg_close(&m);
    assert_int_equal(loop_call(&L, 5, &m, call_done_close, NULL), 0);
    msg_close(&m);
    assert_int_equal(loop_call(&L, 5, &m, call_done_close, NULL), 0);
    push(EV_PEER_CLOSED, 5);
    drain(&L);
    assert_int_equal(rec.closes, 0);
    assert_true(fake.closed[5]);
    assert_int_equal(loop_pending_calls(&L), 0);
}

/* A handler that adds many sources (the table moves) while its own event is being dispatched. */
static void add_many(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ch;
    (void)m;
    (void)ctx;
    for (handle_t h = 10; h < 110; h++)
        assert_int_equal(loop_add_channel(l, h, &all_handlers, (void *)(intptr_t)h), 0);
}

static void test_grow_while_dispatching(void **state)
{
    (void)state;
    static const struct loop_channel_handlers h = {add_many, NULL, on_closed};
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(loop_add_channel(&L, 5, &h, NULL), 0);
    push_msg(EV_MESSAGE, 5, MSG_USER, 0, 0);
    drain(&L);
    for (handle_t c = 10; c < 110; c += 33) {
        push_msg(EV_MESSAGE, c, MSG_USER, 0, 0);
        drain(&L);
        assert_int_equal(rec.last_ch, c);
        assert_ptr_equal(rec.last_ctx, (void *)(intptr_t)c);
    }
    for (handle_t c = 10; c < 110; c++)
        assert_int_equal(loop_remove(&L, c), 0);
    assert_int_equal(loop_add_channel(&L, 200, &all_handlers, NULL), 0);
    push(EV_PEER_CLOSED, 5);
    drain(&L);
    assert_int_equal(rec.closes, 1);
}

/* --- timeouts --- */

static unsigned fired_order[16];
static unsigned nfired;

static void timeout_fn(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)l;
    (void)t;
    fired_order[nfired++] = (unsigned)(uintptr_t)ctx;
}

/* Timeouts fire in deadline order (ties in arming order), cancelled ones never. */
static void test_timeouts_order(void **state)
{
    (void)state;
    struct loop_timeout t[5];
    nfired = 0;
    for (unsigned i = 0; i < 5; i++)
        loop_timeout_init(&t[i], timeout_fn, (void *)(uintptr_t)i);
    assert_int_equal(loop_next_deadline(&L), DEADLINE_FOREVER);
    loop_timeout_set(&L, &t[0], 300);
    loop_timeout_set(&L, &t[1], 100);
    loop_timeout_set(&L, &t[2], 200);
    loop_timeout_set(&L, &t[3], 100);
    loop_timeout_set(&L, &t[4], 50);
    loop_timeout_cancel(&L, &t[4]);
    loop_timeout_cancel(&L, &t[4]); /* twice is harmless */
    assert_int_equal(loop_next_deadline(&L), 100);
    assert_int_equal(loop_fire_timeouts(&L, 99), 0);
    assert_int_equal(loop_fire_timeouts(&L, 200), 3);
    assert_int_equal(nfired, 3);
    assert_int_equal(fired_order[0], 1);
    assert_int_equal(fired_order[1], 3);
    assert_int_equal(fired_order[2], 2);
    assert_false(t[1].armed);
    assert_int_equal(loop_next_deadline(&L), 300);
    loop_timeout_set(&L, &t[0], 10); /* re-arming replaces the deadline */
    assert_int_equal(loop_next_deadline(&L), 10);
    assert_int_equal(loop_fire_timeouts(&L, 1000), 1);
    assert_int_equal(loop_fire_timeouts(&L, 1000), 0);
    assert_int_equal(loop_next_deadline(&L), DEADLINE_FOREVER);
}

/* A callback that re-arms itself in the past fires once per pass, not forever. */
static void rearm_fn(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)ctx;
    nfired++;
    loop_timeout_set(l, t, 0);
}

/* A callback that cancels another due timeout: that one does not fire. */
static struct loop_timeout *victim;
static void cancel_fn(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)t;
    (void)ctx;
    nfired++;
    loop_timeout_cancel(l, victim);
}

static void test_timeouts_rearm_and_cancel_in_callback(void **state)
{
    (void)state;
    struct loop_timeout a, b, c;
    nfired = 0;
    loop_timeout_init(&a, rearm_fn, NULL);
    loop_timeout_set(&L, &a, 5);
    assert_int_equal(loop_fire_timeouts(&L, 10), 1);
    assert_int_equal(loop_fire_timeouts(&L, 10), 1);
    assert_true(a.armed);
    loop_timeout_cancel(&L, &a);

    nfired = 0;
    loop_timeout_init(&b, cancel_fn, NULL);
    loop_timeout_init(&c, timeout_fn, (void *)7);
    victim = &c;
    loop_timeout_set(&L, &b, 1);
    loop_timeout_set(&L, &c, 2);
    assert_int_equal(loop_fire_timeouts(&L, 10), 1);
    assert_int_equal(nfired, 1);
    assert_false(c.armed);
}

/* Many timeouts armed, re-armed and cancelled at random against a plain model (an array): the loop
 * always names the model's earliest deadline, and firing takes them in (deadline, arming) order. */
#define HEAP_N 300
static struct loop_timeout heap_t[HEAP_N];
static struct {
    bool armed;
    uint64_t deadline, seq;
} heap_model[HEAP_N];
static uint64_t heap_seq;
static unsigned heap_fired[HEAP_N], heap_nfired; /* what one loop_fire_timeouts fired, in order */

static void heap_fn(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)l;
    (void)t;
    heap_fired[heap_nfired++] = (unsigned)(uintptr_t)ctx;
}

/* The model's earliest armed timeout, or HEAP_N. */
static unsigned heap_model_min(void)
{
    unsigned best = HEAP_N;
    for (unsigned i = 0; i < HEAP_N; i++)
        if (heap_model[i].armed && (best == HEAP_N || heap_model[i].deadline < heap_model[best].deadline ||
                                    (heap_model[i].deadline == heap_model[best].deadline &&
                                     heap_model[i].seq < heap_model[best].seq)))
            best = i;
    return best;
}

static void test_timeouts_heap_model(void **state)
{
    (void)state;
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    memset(heap_model, 0, sizeof(heap_model));
    heap_seq = 0;
    for (unsigned i = 0; i < HEAP_N; i++)
        loop_timeout_init(&heap_t[i], heap_fn, (void *)(uintptr_t)i);
    for (unsigned step = 0; step < 20000; step++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        unsigned i = (unsigned)(rng >> 33) % HEAP_N, op = (unsigned)(rng >> 20) % 8;
        if (op < 5) {
            uint64_t d = (rng >> 40) % 64; /* few distinct deadlines: many ties */
            loop_timeout_set(&L, &heap_t[i], d);
            heap_model[i].armed = true;
            heap_model[i].deadline = d;
            heap_model[i].seq = ++heap_seq;
        } else if (op < 7) {
            loop_timeout_cancel(&L, &heap_t[i]);
            heap_model[i].armed = false;
        } else {
            /* Firing at the earliest deadline takes exactly the model's timeouts due then, in the
             * order they were armed. */
            unsigned want = heap_model_min();
            heap_nfired = 0;
            unsigned fired = loop_fire_timeouts(&L, want == HEAP_N ? 0 : heap_model[want].deadline);
            assert_int_equal(fired, heap_nfired);
            for (unsigned k = 0; k < heap_nfired; k++) {
                unsigned next = heap_model_min();
                assert_int_equal(heap_fired[k], next);
                heap_model[next].armed = false;
            }
            unsigned left = heap_model_min();
            assert_true(want == HEAP_N || fired >= 1);
            assert_true(left == HEAP_N || want == HEAP_N ||
                        heap_model[left].deadline > heap_model[want].deadline);
        }
        unsigned m = heap_model_min();
        assert_int_equal(loop_next_deadline(&L), m == HEAP_N ? DEADLINE_FOREVER : heap_model[m].deadline);
        for (unsigned k = 0; k < HEAP_N; k++)
            assert_int_equal(heap_t[k].armed, heap_model[k].armed);
    }
}

/* loop_run waits until the earliest timeout, fires it, and stops when a handler says so. */
static void stop_fn(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)t;
    (void)ctx;
    nfired++;
    loop_stop(l);
}

static void test_run_waits_for_timeouts(void **state)
{
    (void)state;
    struct loop_timeout a, b;
    nfired = 0;
    fake.now = 1000;
    loop_timeout_init(&a, timeout_fn, (void *)1);
    loop_timeout_init(&b, stop_fn, NULL);
    loop_timeout_after(&L, &a, 500);
    loop_timeout_after(&L, &b, 800);
    assert_int_equal(a.deadline, 1500);
    assert_int_equal(loop_run(&L), 0);
    assert_int_equal(nfired, 2);
    assert_int_equal(fake.nwaits, 3);
    assert_int_equal(fake.deadlines[0], 1500);
    assert_int_equal(fake.deadlines[1], 0); /* a fires: the pass only looks for events */
    assert_int_equal(fake.deadlines[2], 1800);
    loop_timeout_after(&L, &a, UINT64_MAX); /* saturates */
    assert_int_equal(a.deadline, UINT64_MAX);
    loop_timeout_cancel(&L, &a);
}

/* A caller waiting for a flag its timeout sets, with nothing else to wake it: the pass in which the
 * timeout fires returns without blocking, so the caller sees the flag (a blocking wait there would
 * never return). */
static bool flag_set;
static void flag_fn(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)l;
    (void)t;
    (void)ctx;
    flag_set = true;
}

static void test_run_once_returns_after_a_timeout(void **state)
{
    (void)state;
    struct loop_timeout t;
    fake.now = 1000;
    fake.wait_err_when_empty = ERR_INTERRUPTED; /* a wait without deadline would be a hang */
    flag_set = false;
    loop_timeout_init(&t, flag_fn, NULL);
    loop_timeout_after(&L, &t, 100);
    unsigned passes = 0;
    long r = 0;
    while (!flag_set && (r = loop_run_once(&L)) >= 0)
        passes++;
    assert_int_equal(r, 0);
    assert_true(flag_set);
    assert_int_equal(passes, 2);
    assert_int_equal(fake.nwaits, 2);
    assert_int_equal(fake.deadlines[0], 1100);
    assert_int_equal(fake.deadlines[1], 0);
    /* with no timeout armed a pass waits without a deadline and does not read the clock */
    unsigned reads = fake.clock_reads;
    fake.events[fake.nevents++] = (struct warp_event){.type = EV_IRQ, .cookie = 12345};
    assert_int_equal(loop_run_once(&L), 0);
    assert_int_equal(fake.clock_reads, reads);
    assert_int_equal(fake.deadlines[fake.nwaits - 1], DEADLINE_FOREVER);
    /* an event already queued is still taken in a pass where a timeout fired */
    loop_timeout_after(&L, &t, 0);
    fake.events[fake.nevents++] = (struct warp_event){.type = EV_IRQ, .cookie = 12345};
    assert_int_equal(loop_run_once(&L), 0);
    assert_int_equal(fake.next_event, fake.nevents);
    assert_int_equal(fake.deadlines[fake.nwaits - 1], 0);
}

/* A handler's loop_stop ends loop_run after that event; a failed wait ends it with the error. */
static void stop_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ch;
    (void)m;
    (void)ctx;
    rec.messages++;
    loop_stop(l);
}

static void test_stop_from_handler(void **state)
{
    (void)state;
    static const struct loop_channel_handlers h = {stop_on_message, NULL, NULL};
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(loop_add_channel(&L, 5, &h, NULL), 0);
    push_msg(EV_MESSAGE, 5, MSG_USER, 0, 0);
    push_msg(EV_MESSAGE, 5, MSG_USER, 0, 0);
    assert_int_equal(loop_run(&L), 0);
    assert_int_equal(rec.messages, 1);
    assert_int_equal(loop_run(&L), 0);
    assert_int_equal(rec.messages, 2);
    fake.wait_err_when_empty = ERR_NO_RIGHTS;
    assert_int_equal(loop_run(&L), ERR_NO_RIGHTS);
}

/* Runs the tests in this file. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dispatch_by_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_and_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_irq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_while_dispatching, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_cookie_after_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_handlers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_nhandles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_closed_fails_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_closed_callback_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grow_while_dispatching, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts_rearm_and_cancel_in_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts_heap_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_waits_for_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_once_returns_after_a_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_from_handler, setup, teardown),
    };
    return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
