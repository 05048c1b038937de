/* fake_loop_ops.c: the fake kernel's system calls (fake_loop_ops.h), recording what the loop asks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fake_loop_ops.h"

#include <warp/msg.h>

struct fake_kernel fake;

/* SYS_EVENTQ_ADD: one registration per handle; a handle added again is open again. */
static long fake_add(handle_t eq, handle_t h, uint64_t cookie)
{
    assert_int_equal(eq, FAKE_EQ);
    assert_true(h > 0 && h < FAKE_HANDLES);
    assert_true(cookie != 0);
    if (fake.add_err) {
        long r = fake.add_err;
        fake.add_err = 0;
        return r;
    }
    if (fake.cookie[h])
        return ERR_ALREADY_EXISTS;
    fake.cookie[h] = cookie;
    fake.closed[h] = false;
    return 0;
}

/* SYS_EVENTQ_REMOVE. */
static long fake_remove(handle_t eq, handle_t h)
{
    assert_int_equal(eq, FAKE_EQ);
    if (h <= 0 || h >= FAKE_HANDLES || !fake.cookie[h])
        return ERR_NOT_FOUND;
    fake.cookie[h] = 0;
    return 0;
}

/* SYS_EVENTQ_WAIT: the next scripted event; with none left, a timeout at the deadline. */
static long fake_wait(handle_t eq, struct warp_event *out, uint64_t deadline)
{
    assert_int_equal(eq, FAKE_EQ);
    assert_true(fake.nwaits < FAKE_WAITS);
    fake.deadlines[fake.nwaits++] = deadline;
    if (fake.next_event < fake.nevents) {
        *out = fake.events[fake.next_event++];
        return 0;
    }
    if (deadline == DEADLINE_FOREVER)
        return fake.wait_err_when_empty;
    if (deadline > fake.now)
        fake.now = deadline;
    return ERR_TIMED_OUT;
}

/* SYS_CHANNEL_SEND: recorded; a call stays pending until the test answers it. */
static long fake_send(handle_t ch, const struct warp_msg *m)
{
    if (fake.send_err)
        return fake.send_err;
    assert_true(ch > 0 && ch < FAKE_HANDLES);
    if (fake.closed[ch])
        return ERR_BAD_HANDLE;
    assert_true(fake.nsent < FAKE_SENT);
    fake.sent_on[fake.nsent] = ch;
    fake.call_pending[fake.nsent] = (m->flags & MSG_CALL) != 0;
    fake.sent[fake.nsent++] = *m;
    return 0;
}

/* SYS_HANDLE_CLOSE: removes the handle from the queue and drops its pending calls. */
static long fake_close(handle_t h)
{
    fake.nclosed++;
    if (h <= 0 || h >= FAKE_HANDLES)
        return 0;
    assert_false(fake.closed[h]);
    fake.closed[h] = true;
    fake.cookie[h] = 0;
    for (unsigned i = 0; i < fake.nsent; i++)
        if (fake.sent_on[i] == h)
            fake.call_pending[i] = false;
    return 0;
}

/* SYS_CLOCK. */
static uint64_t fake_clock(void)
{
    fake.clock_reads++;
    return fake.now;
}

static const struct loop_ops fake_ops = {
    .eventq_add = fake_add,
    .eventq_remove = fake_remove,
    .eventq_wait = fake_wait,
    .channel_send = fake_send,
    .handle_close = fake_close,
    .clock = fake_clock,
};

/* Clears the fake kernel and starts l over it. */
void fake_loop_init(struct loop *l)
{
    memset(&fake, 0, sizeof(fake));
    loop_init_ops(l, FAKE_EQ, &fake_ops);
}

/* The first pending call of type on ch; see fake_loop_ops.h. */
struct warp_msg *fake_pending(handle_t ch, uint32_t type)
{
    for (unsigned i = 0; i < fake.nsent; i++)
        if (fake.call_pending[i] && fake.sent_on[i] == ch && fake.sent[i].type == type)
            return &fake.sent[i];
    return NULL;
}

/* A reply to a pending call; see fake_loop_ops.h. */
void fake_reply_msg(struct loop *l, handle_t ch, struct warp_msg *m, struct warp_msg *r)
{
    struct warp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_REPLY;
    ev.handle = ch;
    ev.cookie = fake.cookie[ch];
    r->call_id = m->call_id;
    r->flags = MSG_REPLY;
    ev.u.msg = *r;
    fake.call_pending[m - fake.sent] = false;
    loop_dispatch(l, &ev);
}

/* A status reply to a pending call; see fake_loop_ops.h. */
void fake_reply(struct loop *l, handle_t ch, struct warp_msg *m, int64_t status)
{
    struct warp_msg r;
    if (status < 0)
        msg_reply_error(&r, m->call_id, status);
    else
        msg_reply(&r, m->type, m->call_id, status);
    fake_reply_msg(l, ch, m, &r);
}
