/* t_sendwait.c: tests of SYS_SEND_WAIT: the wait's checks, the send's errors (at once), then the wait. */
#include "tests.h"

#include <warp/fmt.h>
#include <warp/string.h>

#define SW_SAFETY_MS 2000 /* see struct sw_env */

/*
 * What the refusal tests share. Messages go from a[0] to a[1]. The queue eq holds only a timer,
 * re-armed SW_SAFETY_MS ahead before every call: a call that should return its error at once
 * (with DEADLINE_FOREVER) but waits anyway comes back with 0 and that timer's event instead of
 * hanging the suite, and fails its check.
 */
struct sw_env {
    handle_t a[2];
    handle_t eq;
    handle_t timer;
    struct warp_msg note; /* a valid one-way message */
    unsigned calls;       /* refused calls made through sw_call */
    unsigned leaked;      /* ... whose message reached a[1] anyway */
};

static struct warp_event sw_ev;
static handle_t sw_fill[HANDLES_MAX + 1];

/* Makes the channel, the queue and its safety timer; false (with a TAP failure) if any fails. */
static bool sw_env_make(struct sw_env *e)
{
    memset(e, 0, sizeof(*e));
    long r = warp_channel_create(e->a), eq = warp_eventq_create(), t = warp_timer_create();
    e->eq = eq > 0 ? (handle_t)eq : 0;
    e->timer = t > 0 ? (handle_t)t : 0;
    e->note = tests_msg(TESTS_OP_NOTE, 0, 0, "must not arrive");
    bool ok = r == 0 && e->eq && e->timer && warp_eventq_add(e->eq, e->timer, 's') == 0;
    if (!ok)
        tap_ok(false, "a channel and a queue holding a timer for the send_wait tests (%ld %ld %ld)", r, eq,
               t);
    return ok;
}

/* Closes what sw_env_make made. */
static void sw_env_close(struct sw_env *e)
{
    handle_t all[] = {e->a[0], e->a[1], e->eq, e->timer};
    for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i] > 0)
            warp_handle_close(all[i]);
}

/*
 * SYS_SEND_WAIT with raw arguments and DEADLINE_FOREVER, the safety timer armed; then checks that
 * a[1] holds nothing (channel_recv gives ERR_WOULD_BLOCK), as the callers expect a refusal, and
 * reports a failure otherwise. Returns the call's result.
 */
static long sw_call(struct sw_env *e, long ch, long msg, long eq, long out)
{
    warp_timer_set(e->timer, warp_clock() + SW_SAFETY_MS * TESTS_MS);
    long r = warp_syscall6(SYS_SEND_WAIT, ch, msg, eq, out, (long)DEADLINE_FOREVER, 0);
    struct warp_msg got;
    long q = warp_channel_recv(e->a[1], &got);
    e->calls++;
    if (q != ERR_WOULD_BLOCK) {
        e->leaked++;
        tap_ok(false, "a send_wait that returned %s sent nothing (the peer's recv gave %s)",
               tests_err_name(r), tests_err_name(q));
        for (unsigned i = 0; q == 0 && i < got.nhandles && i < MSG_HANDLES_MAX; i++)
            warp_handle_close(got.handles[i]);
        tests_drain(e->a[1]);
    }
    return r;
}

/* send_wait of the note on a[0] with a raw queue handle value. */
static long sw_queue_fn(long h, void *ctx)
{
    struct sw_env *e = ctx;
    return sw_call(e, e->a[0], (long)&e->note, h, (long)&sw_ev);
}

/* send_wait of the note with a raw channel handle value and the safety queue. */
static long sw_channel_fn(long h, void *ctx)
{
    struct sw_env *e = ctx;
    return sw_call(e, h, (long)&e->note, e->eq, (long)&sw_ev);
}

/* The wait's handle is checked first: bad values, other types, no RIGHT_READ; nothing is sent. */
static void sw_queue_checks(struct sw_env *e)
{
    struct tests_objs o;
    if (!tests_objs_make(&o))
        return;
    tests_bad_handles("send_wait (queue)", sw_queue_fn, e, e->eq);
    tests_wrong_types("send_wait (as the queue)", sw_queue_fn, e, &o, OBJ_EVENTQ);
    tests_no_rights("send_wait (queue)", sw_queue_fn, e, e->eq, RIGHT_READ);
    tap_eq(sw_call(e, 0, (long)&e->note, o.timer, (long)&sw_ev), ERR_WRONG_TYPE,
           "send_wait with a bad channel handle and a timer as the queue gives the queue's ERR_WRONG_TYPE");
    tap_eq(sw_call(e, 0, (long)&e->note, e->eq, 0), ERR_BAD_ADDRESS,
           "send_wait with a bad channel handle and a NULL event gives the event's ERR_BAD_ADDRESS");
    static const struct warp_msg bad = {.type = MSG_USER, .flags = MSG_CALL | MSG_REPLY};
    tap_eq(sw_call(e, e->a[0], (long)&bad, e->eq, 0), ERR_BAD_ADDRESS,
           "send_wait of an invalid message with a NULL event gives ERR_BAD_ADDRESS too");
    long rd = warp_handle_reduce(e->eq, RIGHT_READ);
    warp_timer_set(e->timer, 0);
    tap_eq(
        rd > 0 ? warp_send_wait(e->a[0], &e->note, (handle_t)rd, &sw_ev, DEADLINE_NONE) : rd, ERR_TIMED_OUT,
        "send_wait through a queue handle with only RIGHT_READ passes the checks (polling: ERR_TIMED_OUT)");
    tap_eq(tests_drain(e->a[1]), 1, "... and its message went out");
    warp_handle_close((handle_t)rd);
    tests_objs_close(&o);
}

/* The event pointer is checked before the send: every bad one is refused, nothing sent or written. */
static void sw_bad_events(struct sw_env *e)
{
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(sw_call(e, e->a[0], (long)&e->note, e->eq, (long)tests_bad_ptrs[i].addr), ERR_BAD_ADDRESS,
               "send_wait into %s gives ERR_BAD_ADDRESS, nothing sent", tests_bad_ptrs[i].what);
    static const struct warp_event ro;
    tap_eq(sw_call(e, e->a[0], (long)&e->note, e->eq, (long)&ro), ERR_BAD_ADDRESS,
           "send_wait into read-only data gives ERR_BAD_ADDRESS, nothing sent");
    tap_eq(sw_call(e, e->a[0], (long)&e->note, e->eq, (long)main), ERR_BAD_ADDRESS,
           "send_wait into the text segment gives ERR_BAD_ADDRESS, nothing sent");
    tap_eq(sw_call(e, e->a[0], (long)&e->note, e->eq, (long)tests_env.initfs), ERR_BAD_ADDRESS,
           "send_wait into the shared initfs gives ERR_BAD_ADDRESS, nothing sent");
    long page = warp_vm_map(PAGE_SIZE, PROT_READ);
    tap_eq(page > 0 ? sw_call(e, e->a[0], (long)&e->note, e->eq, page) : page, ERR_BAD_ADDRESS,
           "send_wait into a PROT_READ mapping gives ERR_BAD_ADDRESS, nothing sent");
    tap_ok(page > 0 && tests_all_zero((void *)page, PAGE_SIZE), "... and the page stays zero");
    if (page > 0)
        warp_vm_unmap((void *)page, PAGE_SIZE);
    uint8_t *top = tests_stack_top_poison();
    long r = sw_call(e, e->a[0], (long)&e->note, e->eq, (long)top);
    bool untouched = tests_stack_top_untouched();
    tap_eq(r, ERR_BAD_ADDRESS,
           "send_wait into an event running off the stack top gives ERR_BAD_ADDRESS, nothing sent");
    tap_ok(untouched, "... and writes none of the 16 bytes below the guard page");
}

/* One message the send refuses: its error at once although the wait would be forever, nothing sent. */
static void sw_expect_refused(struct sw_env *e, const struct warp_msg *m, long err, const char *what)
{
    tap_eq(sw_call(e, e->a[0], (long)m, e->eq, (long)&sw_ev), err,
           "send_wait (forever) of %s gives %s at once, nothing sent", what, tests_err_name(err));
}

/* The send's handle and message errors come back at once, without waiting; nothing is sent. */
static void sw_send_refused(struct sw_env *e)
{
    struct tests_objs o;
    if (!tests_objs_make(&o))
        return;
    tests_bad_handles("send_wait (channel)", sw_channel_fn, e, e->a[0]);
    tests_wrong_types("send_wait (as the channel)", sw_channel_fn, e, &o, OBJ_CHANNEL);
    tests_no_rights("send_wait (channel)", sw_channel_fn, e, e->a[0], RIGHT_WRITE);
    tests_objs_close(&o);
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(sw_call(e, e->a[0], (long)tests_bad_ptrs[i].addr, e->eq, (long)&sw_ev), ERR_BAD_ADDRESS,
               "send_wait (forever) of a message at %s gives ERR_BAD_ADDRESS at once",
               tests_bad_ptrs[i].what);
    tap_eq(sw_call(e, e->a[0], (long)(USER_STACK_TOP - 16), e->eq, (long)&sw_ev), ERR_BAD_ADDRESS,
           "send_wait (forever) of a message running off the stack top gives ERR_BAD_ADDRESS at once");
    struct warp_msg m = tests_msg(MSG_USER, MSG_CALL | MSG_REPLY, 1, "x");
    sw_expect_refused(e, &m, ERR_INVALID_ARG, "flags MSG_CALL|MSG_REPLY");
    m = tests_msg(MSG_USER, 0, 0, NULL);
    m.data_len = MSG_DATA_MAX + 1;
    sw_expect_refused(e, &m, ERR_INVALID_ARG, "data_len MSG_DATA_MAX + 1");
    m = tests_msg(MSG_USER, 0, 0, NULL);
    m.nhandles = MSG_HANDLES_MAX + 1;
    sw_expect_refused(e, &m, ERR_INVALID_ARG, "nhandles MSG_HANDLES_MAX + 1");
    static uint8_t buf[16];
    m = tests_msg(MSG_USER, 0, 0, NULL);
    m.nbufs = 1;
    m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)buf, .len = sizeof(buf), .access = BUF_READ};
    sw_expect_refused(e, &m, ERR_INVALID_ARG, "a one-way message with a buffer");
    m.flags = MSG_CALL;
    m.call_id = 2;
    m.bufs[0].addr = 0xffff800000000000;
    sw_expect_refused(e, &m, ERR_BAD_ADDRESS, "a call with a buffer in the kernel half");
    m = tests_msg(TESTS_OP_NOTE, 0, 0, "move");
    m.nhandles = 1;
    m.handles[0] = e->a[0];
    sw_expect_refused(e, &m, ERR_INVALID_ARG, "a message moving the channel it is sent on");
    m.handles[0] = e->a[1];
    sw_expect_refused(e, &m, ERR_INVALID_ARG, "a message moving the channel's own peer end");
    long t = warp_timer_create(), closed = warp_timer_create();
    long nt = warp_handle_reduce((handle_t)t, RIGHT_READ | RIGHT_WRITE);
    m.handles[0] = (handle_t)nt;
    sw_expect_refused(e, &m, ERR_NO_RIGHTS, "a message moving a handle without RIGHT_TRANSFER");
    warp_handle_close((handle_t)closed);
    m.nhandles = 2;
    m.handles[0] = (handle_t)t;
    m.handles[1] = (handle_t)closed;
    sw_expect_refused(e, &m, ERR_BAD_HANDLE, "a message moving a valid handle and a closed one");
    /* The queue's own handle, without RIGHT_TRANSFER: the wait's checks pass, the send's do not. */
    long eqr = warp_handle_reduce(e->eq, RIGHT_READ | RIGHT_WRITE);
    m.nhandles = 1;
    m.handles[0] = (handle_t)eqr;
    tap_eq(
        sw_call(e, e->a[0], (long)&m, eqr, (long)&sw_ev), ERR_NO_RIGHTS,
        "send_wait (forever) moving the queue's own handle without RIGHT_TRANSFER gives ERR_NO_RIGHTS at once");
    tap_ok(tests_handle_is((handle_t)t, OBJ_TIMER, RIGHTS_ALL) &&
               tests_handle_is((handle_t)nt, OBJ_TIMER, RIGHT_READ | RIGHT_WRITE) &&
               tests_handle_is((handle_t)eqr, OBJ_EVENTQ, RIGHT_READ | RIGHT_WRITE) &&
               tests_handle_is(e->a[0], OBJ_CHANNEL, RIGHTS_ALL) &&
               tests_handle_is(e->a[1], OBJ_CHANNEL, RIGHTS_ALL),
           "after the refused send_waits every handle is still ours");
    warp_handle_close((handle_t)t);
    warp_handle_close((handle_t)nt);
    warp_handle_close((handle_t)eqr);
}

/* Refused calls and replies, a closed peer and a full queue: the error at once, nothing sent. */
static void sw_send_refused_ipc(struct sw_env *e)
{
    handle_t c[2];
    if (tests_channel(c) != 0)
        return;
    struct warp_msg m = tests_msg(MSG_USER, MSG_CALL, 7, "call");
    tests_send_call(c[0], MSG_USER, 7);
    tap_eq(sw_call(e, c[0], (long)&m, e->eq, (long)&sw_ev), ERR_ALREADY_EXISTS,
           "send_wait (forever) of a call with an id already pending gives ERR_ALREADY_EXISTS at once");
    tap_eq(tests_drain(c[1]), 1, "... only the first call 7 reached the peer");
    tests_reply(c[1], 7, 0);
    tests_drain(c[0]);
    unsigned sent = 0;
    for (unsigned i = 1; i <= CALLS_MAX; i++)
        sent += tests_send_call(c[0], MSG_USER, i) == 0;
    tests_drain(c[1]); /* received, left unanswered */
    m.call_id = 1000;
    tap_eq(sw_call(e, c[0], (long)&m, e->eq, (long)&sw_ev), ERR_QUEUE_FULL,
           "send_wait (forever) of a call beyond CALLS_MAX unanswered ones gives ERR_QUEUE_FULL at once");
    tap_eq(tests_drain(c[1]), 0, "... and the call was not sent");
    for (unsigned i = 1; i <= CALLS_MAX; i++)
        tests_reply(c[1], i, 0);
    tap_eq(tests_drain(c[0]), sent, "all %u calls are answered", sent);
    struct warp_msg r = tests_msg(MSG_USER, MSG_REPLY, 99, NULL);
    tap_eq(sw_call(e, c[1], (long)&r, e->eq, (long)&sw_ev), ERR_NOT_FOUND,
           "send_wait (forever) of a reply to an unknown call id gives ERR_NOT_FOUND at once");
    tests_send_call(c[0], MSG_USER, 5);
    tests_drain(c[1]);
    r.call_id = 5;
    tap_eq(sw_call(e, c[0], (long)&r, e->eq, (long)&sw_ev), ERR_NOT_FOUND,
           "send_wait (forever) of a reply by the caller's own end gives ERR_NOT_FOUND at once");
    static uint8_t buf[16];
    r.nbufs = 1;
    r.bufs[0] = (struct msg_buf){.addr = (uaddr_t)buf, .len = sizeof(buf), .access = BUF_READ};
    tap_eq(sw_call(e, c[1], (long)&r, e->eq, (long)&sw_ev), ERR_INVALID_ARG,
           "send_wait (forever) of a reply with a buffer gives ERR_INVALID_ARG at once");
    tap_eq(tests_drain(c[0]) + tests_drain(c[1]), 0, "none of the refused replies arrived");
    r.nbufs = 0;
    warp_handle_close(c[0]);
    tap_eq(sw_call(e, c[1], (long)&r, e->eq, (long)&sw_ev), ERR_PEER_CLOSED,
           "send_wait (forever) of a reply to a caller that closed gives ERR_PEER_CLOSED at once");
    tap_eq(sw_call(e, c[1], (long)&e->note, e->eq, (long)&sw_ev), ERR_PEER_CLOSED,
           "send_wait (forever) of a message to a closed peer gives ERR_PEER_CLOSED at once");
    warp_handle_close(c[1]);
    if (tests_channel(c) != 0)
        return;
    unsigned queued = 0;
    for (unsigned i = 0; i < MSG_QUEUE_MAX; i++)
        queued += tests_send_text(c[0], "filler") == 0;
    tap_eq(sw_call(e, c[0], (long)&e->note, e->eq, (long)&sw_ev), ERR_QUEUE_FULL,
           "send_wait (forever) to a queue holding MSG_QUEUE_MAX messages gives ERR_QUEUE_FULL at once");
    tap_ok(queued == MSG_QUEUE_MAX && tests_drain(c[1]) == MSG_QUEUE_MAX,
           "... and the refused message was not queued");
    warp_handle_close(c[0]);
    warp_handle_close(c[1]);
}

/* Success in one process: the message goes out, then the wait returns the next event of the queue. */
static void sw_success(void)
{
    handle_t a[2], b[2];
    if (tests_channel(a) != 0 || tests_channel(b) != 0)
        return;
    long eq = warp_eventq_create(), t = warp_timer_create();
    warp_eventq_add((handle_t)eq, a[1], 0xa1);
    warp_eventq_add((handle_t)eq, b[1], 0xb1);
    struct warp_msg m = tests_msg(MSG_USER + 9, 0, 0, "one entry"), x;
    m.status = 99;
    m.nhandles = 1;
    m.handles[0] = (handle_t)t;
    struct warp_event ev;
    memset(&ev, 0, sizeof(ev));
    tap_eq(warp_send_wait(a[0], &m, (handle_t)eq, &ev, DEADLINE_FOREVER), 0,
           "send_wait of a message to an end in the queue returns 0");
    tap_ok(ev.type == EV_MESSAGE && ev.handle == a[1] && ev.cookie == 0xa1,
           "... with the peer's EV_MESSAGE, its handle and cookie");
    tap_ok(tests_msg_is(&ev.u.msg, MSG_USER + 9, "one entry") && ev.u.msg.flags == 0 &&
               ev.u.msg.status == 99 && ev.u.msg.nhandles == 1 &&
               tests_handle_is(ev.u.msg.handles[0], OBJ_TIMER, RIGHTS_ALL),
           "... carrying the message, its moved timer installed");
    tap_eq(warp_handle_info((handle_t)t, &(struct handle_info){0, 0}), ERR_BAD_HANDLE,
           "the moved timer left the sender");
    warp_handle_close(ev.u.msg.handles[0]);
    tap_eq(tests_wait_event((handle_t)eq, &ev, 0), ERR_TIMED_OUT,
           "the event was taken: nothing else is ready");
    tap_eq(warp_channel_recv(a[1], &x), ERR_WOULD_BLOCK, "... and the message is not left at the peer");
    m = tests_msg(TESTS_OP_NOTE, 0, 0, "polled");
    tap_eq(warp_send_wait(a[0], &m, (handle_t)eq, &ev, DEADLINE_NONE), 0,
           "send_wait with DEADLINE_NONE returns 0: the send comes before the poll");
    tap_ok(ev.type == EV_MESSAGE && ev.handle == a[1] && tests_msg_is(&ev.u.msg, TESTS_OP_NOTE, "polled"),
           "... which finds the message just sent");
    tests_send_text(b[0], "earlier");
    m = tests_msg(TESTS_OP_NOTE, 0, 0, "later");
    tap_ok(warp_send_wait(a[0], &m, (handle_t)eq, &ev, DEADLINE_FOREVER) == 0 && ev.type == EV_MESSAGE &&
               ev.handle == b[1] && ev.cookie == 0xb1 && tests_msg_is(&ev.u.msg, TESTS_OP_NOTE, "earlier"),
           "an event ready before the send comes first (the wait is SYS_EVENTQ_WAIT's, round robin)");
    tap_ok(tests_wait_event((handle_t)eq, &ev, 0) == 0 && ev.handle == a[1] &&
               tests_msg_is(&ev.u.msg, TESTS_OP_NOTE, "later"),
           "... then the message sent");
    long w = warp_handle_reduce(a[0], RIGHT_WRITE), rd = warp_handle_reduce((handle_t)eq, RIGHT_READ);
    m = tests_msg(TESTS_OP_NOTE, 0, 0, "reduced");
    tap_ok(
        w > 0 && rd > 0 && warp_send_wait((handle_t)w, &m, (handle_t)rd, &ev, DEADLINE_FOREVER) == 0 &&
            ev.handle == a[1] && tests_msg_is(&ev.u.msg, TESTS_OP_NOTE, "reduced"),
        "send_wait through a channel handle with only RIGHT_WRITE and a queue handle with only RIGHT_READ works");
    warp_handle_close((handle_t)w);
    warp_handle_close((handle_t)rd);
    long page = warp_vm_map(PAGE_SIZE, PROT_READ | PROT_WRITE);
    struct warp_event *edge = (struct warp_event *)(page + PAGE_SIZE - sizeof(struct warp_event));
    m = tests_msg(TESTS_OP_NOTE, 0, 0, "edge");
    tap_ok(page > 0 && warp_send_wait(a[0], &m, (handle_t)eq, edge, DEADLINE_FOREVER) == 0 &&
               edge->type == EV_MESSAGE && tests_msg_is(&edge->u.msg, TESTS_OP_NOTE, "edge"),
           "send_wait into an event that ends exactly at the end of a mapped page works");
    if (page > 0)
        warp_vm_unmap((void *)page, PAGE_SIZE);
    warp_handle_close((handle_t)eq);
    warp_handle_close(a[0]);
    warp_handle_close(a[1]);
    warp_handle_close(b[0]);
    warp_handle_close(b[1]);
}

/*
 * A call and its reply in one process, both sent with send_wait: the client's waits on the server's
 * queue, the server's on the client's. The server's second send_wait replies and takes the next call
 * in one entry, as a server loop does.
 */
static void sw_round_trip_local(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    long client = warp_eventq_create(), server = warp_eventq_create();
    warp_eventq_add((handle_t)client, ch[0], 'c');
    warp_eventq_add((handle_t)server, ch[1], 's');
    struct warp_event ev;
    struct warp_msg m = tests_msg(MSG_USER + 1, MSG_CALL, 41, "question");
    tap_ok(
        warp_send_wait(ch[0], &m, (handle_t)server, &ev, DEADLINE_FOREVER) == 0 && ev.type == EV_MESSAGE &&
            ev.handle == ch[1] && ev.cookie == 's' && ev.u.msg.flags == MSG_CALL && ev.u.msg.call_id == 41 &&
            tests_msg_is(&ev.u.msg, MSG_USER + 1, "question"),
        "send_wait of a call, waiting on the server's queue, returns the call as EV_MESSAGE on the server's end");
    tests_send_call(ch[0], MSG_USER + 1, 42);
    struct warp_msg r = tests_msg(MSG_USER + 2, MSG_REPLY, 41, "answer");
    r.status = 410;
    tap_ok(warp_send_wait(ch[1], &r, (handle_t)server, &ev, DEADLINE_FOREVER) == 0 && ev.type == EV_MESSAGE &&
               ev.u.msg.flags == MSG_CALL && ev.u.msg.call_id == 42,
           "the server's send_wait replies to call 41 and returns the next call, 42");
    r = tests_msg(MSG_USER + 2, MSG_REPLY, 42, "second");
    r.status = 420;
    tap_ok(
        warp_send_wait(ch[1], &r, (handle_t)client, &ev, DEADLINE_FOREVER) == 0 && ev.type == EV_REPLY &&
            ev.handle == ch[0] && ev.cookie == 'c' && ev.u.msg.flags == MSG_REPLY && ev.u.msg.call_id == 41 &&
            ev.u.msg.status == 410 && tests_msg_is(&ev.u.msg, MSG_USER + 2, "answer"),
        "a reply by send_wait on the client's queue returns the first reply as EV_REPLY, with its status and data");
    tap_ok(tests_wait_event((handle_t)client, &ev, 0) == 0 && ev.type == EV_REPLY && ev.u.msg.call_id == 42 &&
               ev.u.msg.status == 420,
           "... and the second reply follows");
    long rc = tests_wait_event((handle_t)client, &ev, 0), rs = tests_wait_event((handle_t)server, &ev, 0);
    tap_ok(rc == ERR_TIMED_OUT && rs == ERR_TIMED_OUT, "nothing else is ready on either queue (%ld, %ld)", rc,
           rs);
    warp_handle_close((handle_t)client);
    warp_handle_close((handle_t)server);
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

/* Calls to a child that answers with send_wait; each of ours is a send_wait blocking for the reply. */
static void sw_round_trip_child(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    long eq = warp_eventq_create();
    warp_eventq_add((handle_t)eq, ch[0], 0xca11);
    long p = tests_spawn_with("swserver", TESTS_SW_SERVER, 0, 0, &ch[1], 1);
    if (p < 0)
        warp_handle_close(ch[1]); /* a refused spawn moves nothing */
    struct warp_event ev;
    unsigned rounds = 0;
    for (unsigned i = 1; p > 0 && i <= 20; i++) {
        char text[16];
        fmt_snprintf(text, sizeof(text), "round %u", i);
        struct warp_msg m = tests_msg(TESTS_OP_ECHO, MSG_CALL, 1000 + i, text);
        long r = warp_send_wait(ch[0], &m, (handle_t)eq, &ev, warp_clock() + 10000 * TESTS_MS);
        if (r != 0 || ev.type != EV_REPLY || ev.handle != ch[0] || ev.cookie != 0xca11 ||
            ev.u.msg.call_id != 1000 + i || ev.u.msg.status != (int64_t)i ||
            !tests_msg_is(&ev.u.msg, TESTS_OP_ECHO, text)) {
            tap_diag("round %u: %ld, event %u, call id %lu, status %ld", i, r, ev.type,
                     (unsigned long)ev.u.msg.call_id, (long)ev.u.msg.status);
            break;
        }
        rounds++;
    }
    tap_eq(
        rounds, 20,
        "20 calls to a child server, each a send_wait blocking until its reply (the child answers with send_wait)");
    tests_send_call(ch[0], TESTS_OP_ECHO, 1);
    struct warp_msg m = tests_msg(TESTS_OP_ECHO, MSG_CALL, 2, NULL);
    long r = p > 0 ? warp_send_wait(ch[0], &m, (handle_t)eq, &ev, warp_clock() + 10000 * TESTS_MS) : p;
    tap_ok(r == 0 && ev.type == EV_REPLY && ev.u.msg.call_id == 1 && ev.u.msg.status == 21,
           "with a call already outstanding, send_wait of a second returns the first's reply (%ld)", r);
    tap_ok(tests_wait_event((handle_t)eq, &ev, 10000) == 0 && ev.type == EV_REPLY && ev.u.msg.call_id == 2 &&
               ev.u.msg.status == 22,
           "... then the second's");
    warp_handle_close(ch[0]);
    struct exit_info ei;
    tests_wait_close(p, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0, "the child server exits 0 when we close our end");
    warp_handle_close((handle_t)eq);
}

/* ERR_TIMED_OUT comes after the send: the message went out, and the call stays pending. */
static void sw_timed_out(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    long eq = warp_eventq_create();
    warp_eventq_add((handle_t)eq, ch[0], 1); /* the caller's end: replies come there */
    struct warp_event ev;
    struct warp_msg m = tests_msg(MSG_USER, MSG_CALL, 5, "poll"), got;
    tap_eq(warp_send_wait(ch[0], &m, (handle_t)eq, &ev, DEADLINE_NONE), ERR_TIMED_OUT,
           "send_wait of a call with DEADLINE_NONE and no event ready gives ERR_TIMED_OUT");
    tap_ok(warp_channel_recv(ch[1], &got) == 0 && got.call_id == 5 && tests_msg_is(&got, MSG_USER, "poll"),
           "... after sending: the peer receives the call");
    m = tests_msg(MSG_USER, MSG_CALL, 6, "past");
    tap_eq(warp_send_wait(ch[0], &m, (handle_t)eq, &ev, 1), ERR_TIMED_OUT,
           "... and with a deadline in the past");
    tap_ok(warp_channel_recv(ch[1], &got) == 0 && got.call_id == 6, "... the peer receives that call too");
    m = tests_msg(MSG_USER, MSG_CALL, 7, "soon");
    uint64_t t0 = warp_clock(), deadline = t0 + 50 * TESTS_MS;
    long r = warp_send_wait(ch[0], &m, (handle_t)eq, &ev, deadline);
    uint64_t t1 = warp_clock();
    tap_eq(r, ERR_TIMED_OUT,
           "send_wait of a call with a deadline 50 ms ahead and no reply gives ERR_TIMED_OUT");
    tap_ok(t1 >= deadline && t1 < deadline + 100 * TESTS_MS,
           "... not before the deadline and within 100 ms of it (%lu ms)",
           (unsigned long)((t1 - t0) / TESTS_MS));
    tap_ok(warp_channel_recv(ch[1], &got) == 0 && got.call_id == 7 && tests_msg_is(&got, MSG_USER, "soon"),
           "... and the call went out");
    unsigned replies = 0;
    for (uint64_t id = 5; id <= 7; id++)
        tests_reply(ch[1], id, (int64_t)id);
    for (uint64_t id = 5; id <= 7; id++)
        replies += tests_wait_event((handle_t)eq, &ev, 1000) == 0 && ev.type == EV_REPLY &&
                   ev.u.msg.call_id == id && ev.u.msg.status == (int64_t)id;
    tap_eq(replies, 3, "the three calls stayed pending: their replies come as events");
    warp_handle_close((handle_t)eq);
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

/* ERR_NO_RESOURCES comes after the send: the wait found a message with a handle and no free slot. */
static void sw_no_resources(void)
{
    handle_t a[2];
    if (tests_channel(a) != 0)
        return;
    long eq = warp_eventq_create();
    warp_eventq_add((handle_t)eq, a[1], 1);
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, "with a handle"), got;
    m.nhandles = 1;
    m.handles[0] = (handle_t)warp_timer_create();
    warp_channel_send(a[0], &m);
    unsigned n = 0;
    long t;
    while (n <= HANDLES_MAX && (t = warp_timer_create()) > 0)
        sw_fill[n++] = (handle_t)t;
    m = tests_msg(TESTS_OP_NOTE, 0, 0, "after");
    struct warp_event ev;
    tap_eq(
        warp_send_wait(a[0], &m, (handle_t)eq, &ev, DEADLINE_FOREVER), ERR_NO_RESOURCES,
        "send_wait whose wait meets a message carrying a handle, with the table full, gives ERR_NO_RESOURCES");
    if (n > 0)
        warp_handle_close(sw_fill[--n]);
    tap_ok(warp_channel_recv(a[1], &got) == 0 && tests_msg_is(&got, TESTS_OP_NOTE, "with a handle") &&
               got.nhandles == 1 && tests_handle_is(got.handles[0], OBJ_TIMER, RIGHTS_ALL),
           "with a slot free, the waiting message is received with its handle");
    warp_handle_close(got.handles[0]);
    tap_ok(warp_channel_recv(a[1], &got) == 0 && tests_msg_is(&got, TESTS_OP_NOTE, "after"),
           "... and behind it the message send_wait sent before the wait failed");
    while (n > 0)
        warp_handle_close(sw_fill[--n]);
    warp_handle_close((handle_t)eq);
    warp_handle_close(a[0]);
    warp_handle_close(a[1]);
}

/* The message moves the queue's own handle to a member of that queue: the wait delivers it back. */
static void sw_move_queue_home(void)
{
    handle_t b[2];
    if (tests_channel(b) != 0)
        return;
    long eq = warp_eventq_create();
    warp_eventq_add((handle_t)eq, b[1], 0xb1);
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, "the queue"), got;
    m.nhandles = 1;
    m.handles[0] = (handle_t)eq;
    struct warp_event ev;
    memset(&ev, 0, sizeof(ev));
    tap_eq(warp_send_wait(b[0], &m, (handle_t)eq, &ev, warp_clock() + 5000 * TESTS_MS), 0,
           "send_wait moving the queue's own handle to an end in that queue returns 0");
    handle_t moved = ev.u.msg.handles[0];
    bool got_queue =
        ev.type == EV_MESSAGE && ev.u.msg.nhandles == 1 && tests_handle_is(moved, OBJ_EVENTQ, RIGHTS_ALL);
    tap_ok(got_queue && ev.handle == b[1] && ev.cookie == 0xb1 &&
               tests_msg_is(&ev.u.msg, TESTS_OP_NOTE, "the queue"),
           "... the wait ran on the queue anyway: EV_MESSAGE with the queue as a new handle");
    tap_eq(warp_eventq_wait((handle_t)eq, &ev, DEADLINE_NONE), ERR_BAD_HANDLE,
           "the sender's queue handle is gone: eventq_wait on it gives ERR_BAD_HANDLE");
    m = tests_msg(TESTS_OP_NOTE, 0, 0, "lost");
    tap_eq(warp_send_wait(b[0], &m, (handle_t)eq, &ev, DEADLINE_NONE), ERR_BAD_HANDLE,
           "... and so does send_wait with it");
    tap_eq(warp_channel_recv(b[1], &got), ERR_WOULD_BLOCK, "... which sent nothing");
    tests_send_text(b[0], "again");
    tap_ok(got_queue && tests_wait_event(moved, &ev, 1000) == 0 && ev.type == EV_MESSAGE &&
               ev.handle == b[1] && ev.cookie == 0xb1 && tests_msg_is(&ev.u.msg, TESTS_OP_NOTE, "again"),
           "the new handle names the same queue, its member still in it");
    if (got_queue)
        warp_handle_close(moved);
    warp_handle_close(b[0]);
    warp_handle_close(b[1]);
}

/* The message moves the queue's handle elsewhere: the wait still blocks on that queue. */
static void sw_move_queue_away(void)
{
    handle_t c[2], x[2];
    if (tests_channel(c) != 0 || tests_channel(x) != 0)
        return;
    long eq = warp_eventq_create();
    warp_eventq_add((handle_t)eq, c[0], 0xc0);
    uint64_t t0 = warp_clock();
    long p = tests_spawn_with("late", TESTS_SEND_LATE, 100, 0, &c[1], 1);
    if (p < 0)
        warp_handle_close(c[1]);
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, "carrier"), got;
    m.nhandles = 1;
    m.handles[0] = (handle_t)eq;
    struct warp_event ev;
    /* Without the child nothing would ever come: do not wait then. */
    long r = warp_send_wait(x[0], &m, (handle_t)eq, &ev, p > 0 ? t0 + 5000 * TESTS_MS : DEADLINE_NONE);
    uint64_t took = warp_clock() - t0;
    tap_ok(
        r == 0 && ev.type == EV_MESSAGE && ev.handle == c[0] && ev.cookie == 0xc0 &&
            tests_msg_is(&ev.u.msg, TESTS_OP_NOTE, "late"),
        "send_wait moving the queue's handle away blocks on that queue until a child's message comes (%ld)",
        r);
    tap_ok(took >= 100 * TESTS_MS && took < 5000 * TESTS_MS, "... after blocking until it was sent (%lu ms)",
           (unsigned long)(took / TESTS_MS));
    tap_eq(warp_eventq_wait((handle_t)eq, &ev, DEADLINE_NONE), ERR_BAD_HANDLE,
           "the sender's queue handle is gone");
    bool got_queue = warp_channel_recv(x[1], &got) == 0 && tests_msg_is(&got, TESTS_OP_NOTE, "carrier") &&
                     got.nhandles == 1 && tests_handle_is(got.handles[0], OBJ_EVENTQ, RIGHTS_ALL);
    tap_ok(got_queue, "the queue arrives at the other end of the channel it was sent on");
    handle_t moved = got_queue ? got.handles[0] : 0;
    tap_ok(got_queue && tests_wait_event(moved, &ev, 5000) == 0 && ev.type == EV_PEER_CLOSED &&
               ev.handle == c[0],
           "... and works: it reports the child's end closing as the child exits");
    struct exit_info ei;
    tests_wait_close(p, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0, "the child sent its message and exited");
    if (got_queue)
        warp_handle_close(moved);
    long empty = warp_eventq_create();
    m = tests_msg(TESTS_OP_NOTE, 0, 0, "polled");
    m.nhandles = 1;
    m.handles[0] = (handle_t)empty;
    got.nhandles = 0;
    tap_eq(warp_send_wait(x[0], &m, (handle_t)empty, &ev, DEADLINE_NONE), ERR_TIMED_OUT,
           "send_wait moving the handle of an empty queue, polling it, gives ERR_TIMED_OUT");
    tap_ok(warp_channel_recv(x[1], &got) == 0 && got.nhandles == 1 &&
               tests_handle_is(got.handles[0], OBJ_EVENTQ, RIGHTS_ALL),
           "... and the message with the queue went out");
    if (got.nhandles == 1)
        warp_handle_close(got.handles[0]);
    warp_handle_close(c[0]);
    warp_handle_close(x[0]);
    warp_handle_close(x[1]);
}

/* SYS_SEND_WAIT: checks, refusals at once, success, round trips, errors after the send, a moved queue. */
void test_send_wait(void)
{
    unsigned free0 = tests_handles_free();
    struct sw_env e;
    if (sw_env_make(&e)) {
        sw_queue_checks(&e);
        sw_bad_events(&e);
        sw_send_refused(&e);
        sw_send_refused_ipc(&e);
        tap_ok(
            e.calls > 0 && e.leaked == 0,
            "after each of the %u refused send_waits above the peer's recv gave ERR_WOULD_BLOCK (%u did not)",
            e.calls, e.leaked);
    }
    sw_env_close(&e);
    sw_success();
    sw_round_trip_local();
    sw_round_trip_child();
    sw_timed_out();
    sw_no_resources();
    sw_move_queue_home();
    sw_move_queue_away();
    tap_eq(tests_handles_free(), free0, "the send_wait tests leave no handle behind");
}
