/* t_eventq.c: tests of event queues: add, remove, wait and its deadlines, each event type, fairness. */
#include "tests.h"

#include <warp/string.h>

static struct warp_event eq_ev;

/* Arguments for the bad-handle drivers: the other handle of the call. */
struct eq_ctx {
    handle_t eq, source;
};

/* SYS_EVENTQ_ADD with a raw event-queue handle value. */
static long eq_add_eq_fn(long h, void *ctx)
{
    const struct eq_ctx *c = ctx;
    return warp_syscall6(SYS_EVENTQ_ADD, h, c->source, 5, 0, 0, 0);
}

/* SYS_EVENTQ_ADD with a raw source handle value; undone if it worked. */
static long eq_add_source_fn(long h, void *ctx)
{
    const struct eq_ctx *c = ctx;
    long r = warp_syscall6(SYS_EVENTQ_ADD, c->eq, h, 5, 0, 0, 0);
    if (r == 0)
        warp_syscall6(SYS_EVENTQ_REMOVE, c->eq, h, 0, 0, 0, 0);
    return r;
}

/* SYS_EVENTQ_REMOVE with a raw event-queue handle value. */
static long eq_remove_eq_fn(long h, void *ctx)
{
    const struct eq_ctx *c = ctx;
    return warp_syscall6(SYS_EVENTQ_REMOVE, h, c->source, 0, 0, 0, 0);
}

/* SYS_EVENTQ_REMOVE with a raw source handle value. */
static long eq_remove_source_fn(long h, void *ctx)
{
    const struct eq_ctx *c = ctx;
    return warp_syscall6(SYS_EVENTQ_REMOVE, c->eq, h, 0, 0, 0, 0);
}

/* SYS_EVENTQ_WAIT (polling) with a raw handle value. */
static long eq_wait_fn(long h, void *ctx)
{
    (void)ctx;
    return warp_syscall6(SYS_EVENTQ_WAIT, h, (long)&eq_ev, DEADLINE_NONE, 0, 0, 0);
}

/* Registration: add, remove, double add, membership of one queue, event queues refused. */
static void eq_membership(void)
{
    struct tests_objs o;
    if (!tests_objs_make(&o))
        return;
    long eq2 = warp_eventq_create();
    tap_eq(warp_eventq_add(o.eq, o.chan[0], 1), 0, "eventq_add of a channel end returns 0");
    tap_eq(warp_eventq_add(o.eq, o.timer, 2), 0, "eventq_add of a timer returns 0");
    tap_eq(warp_eventq_add(o.eq, o.proc, 3), 0, "eventq_add of a process returns 0");
    tap_eq(warp_eventq_add(o.eq, o.chan[0], 1), ERR_ALREADY_EXISTS,
           "adding the same source again gives ERR_ALREADY_EXISTS");
    tap_eq(warp_eventq_add((handle_t)eq2, o.chan[0], 1), ERR_ALREADY_EXISTS,
           "adding it to a second queue gives ERR_ALREADY_EXISTS");
    tap_eq(warp_eventq_add(o.eq, (handle_t)eq2, 1), ERR_WRONG_TYPE,
           "adding an event queue gives ERR_WRONG_TYPE");
    tap_eq(warp_eventq_add(o.eq, o.eq, 1), ERR_WRONG_TYPE, "adding a queue to itself gives ERR_WRONG_TYPE");
    tap_eq(warp_eventq_remove((handle_t)eq2, o.chan[0]), ERR_NOT_FOUND,
           "removing a source from a queue it is not in gives ERR_NOT_FOUND");
    tap_eq(warp_eventq_remove(o.eq, o.chan[1]), ERR_NOT_FOUND,
           "removing a source never added gives ERR_NOT_FOUND");
    tap_eq(warp_eventq_remove(o.eq, o.chan[0]), 0, "eventq_remove returns 0");
    tap_eq(warp_eventq_remove(o.eq, o.chan[0]), ERR_NOT_FOUND, "a second remove gives ERR_NOT_FOUND");
    tap_eq(warp_eventq_add((handle_t)eq2, o.chan[0], 1), 0,
           "once removed, the source can join another queue");
    tap_eq(warp_eventq_remove((handle_t)eq2, o.chan[0]), 0, "... and leave it");
    struct eq_ctx c = {o.eq, o.chan[1]};
    tests_bad_handles("eventq_add (queue)", eq_add_eq_fn, &c, o.eq);
    tests_bad_handles("eventq_add (source)", eq_add_source_fn, &c, o.chan[1]);
    tests_bad_handles("eventq_remove (queue)", eq_remove_eq_fn, &c, o.eq);
    c.source = o.timer;
    tests_bad_handles("eventq_remove (source)", eq_remove_source_fn, &c, o.timer);
    c.source = o.chan[1];
    tests_wrong_types("eventq_add (as the queue)", eq_add_eq_fn, &c, &o, OBJ_EVENTQ);
    tests_wrong_types("eventq_remove (as the queue)", eq_remove_eq_fn, &c, &o, OBJ_EVENTQ);
    tests_wrong_types("eventq_wait", eq_wait_fn, NULL, &o, OBJ_EVENTQ);
    tests_no_rights("eventq_add (queue)", eq_add_eq_fn, &c, o.eq, RIGHT_WRITE);
    tests_no_rights("eventq_add (source)", eq_add_source_fn, &c, o.chan[1], RIGHT_READ);
    tests_no_rights("eventq_wait", eq_wait_fn, NULL, o.eq, RIGHT_READ);
    tests_bad_handles("eventq_wait", eq_wait_fn, NULL, o.eq);
    long w = warp_handle_reduce(o.chan[1], RIGHT_READ);
    tap_eq(w > 0 ? warp_eventq_add(o.eq, (handle_t)w, 9) : w, 0,
           "a source handle with only RIGHT_READ can be added");
    warp_handle_close((handle_t)w);
    warp_handle_close((handle_t)eq2);
    tests_objs_close(&o);
}

/* Waits with no event ready: polling, a past deadline, a near deadline; a bad out pointer. */
static void eq_deadlines(void)
{
    long eq = warp_eventq_create();
    struct warp_event ev;
    tap_eq(warp_eventq_wait((handle_t)eq, &ev, DEADLINE_NONE), ERR_TIMED_OUT,
           "eventq_wait on an empty queue with DEADLINE_NONE gives ERR_TIMED_OUT");
    tap_eq(warp_eventq_wait((handle_t)eq, &ev, 1), ERR_TIMED_OUT, "... and with a deadline in the past");
    uint64_t t0 = warp_clock(), deadline = t0 + 50 * TESTS_MS;
    long r = warp_eventq_wait((handle_t)eq, &ev, deadline);
    uint64_t t1 = warp_clock();
    tap_eq(r, ERR_TIMED_OUT, "eventq_wait with a deadline 50 ms ahead gives ERR_TIMED_OUT");
    tap_ok(t1 >= deadline && t1 < deadline + 100 * TESTS_MS,
           "... not before the deadline and within 100 ms of it (%lu ms)",
           (unsigned long)((t1 - t0) / TESTS_MS));
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    warp_eventq_add((handle_t)eq, ch[1], 1);
    tests_send_text(ch[0], "kept");
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(warp_eventq_wait((handle_t)eq, (struct warp_event *)tests_bad_ptrs[i].addr, DEADLINE_NONE),
               ERR_BAD_ADDRESS, "eventq_wait into %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    static const struct warp_event ro;
    tap_eq(warp_eventq_wait((handle_t)eq, (struct warp_event *)(uintptr_t)&ro, DEADLINE_NONE),
           ERR_BAD_ADDRESS, "eventq_wait into read-only data gives ERR_BAD_ADDRESS");
    uint8_t *top = tests_stack_top_poison();
    r = warp_eventq_wait((handle_t)eq, (struct warp_event *)top, DEADLINE_NONE);
    bool untouched = tests_stack_top_untouched();
    tap_eq(r, ERR_BAD_ADDRESS, "eventq_wait running off the stack top gives ERR_BAD_ADDRESS");
    tap_ok(untouched, "... and writes none of the 16 bytes below the guard page");
    memset(&ev, 0xa5, sizeof(ev));
    tap_eq(warp_eventq_wait((handle_t)eq, &ev, DEADLINE_NONE), 0, "the event survived the refused waits");
    tap_ok(ev.type == EV_MESSAGE && tests_msg_is(&ev.u.msg, TESTS_OP_NOTE, "kept"), "... with its message");
    tap_eq(ev.reserved, 0, "... and its head's reserved word is 0 (nothing of the kernel's stack)");
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
    warp_handle_close((handle_t)eq);
}

/* EV_MESSAGE, EV_REPLY and EV_PEER_CLOSED: what they carry, and how often. */
static void eq_channel_events(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    long eq = warp_eventq_create();
    warp_eventq_add((handle_t)eq, ch[0], 0xc0ffee0000000001ull);
    warp_eventq_add((handle_t)eq, ch[1], 0xc0ffee0000000002ull);
    struct warp_event ev;
    long t = warp_timer_create();
    struct warp_msg m = tests_msg(MSG_USER + 3, MSG_CALL, 21, "event");
    m.nhandles = 1;
    m.handles[0] = (handle_t)t;
    warp_channel_send(ch[0], &m);
    tap_eq(tests_wait_event((handle_t)eq, &ev, 1000), 0, "a call to a member end makes an event");
    tap_ok(ev.type == EV_MESSAGE && ev.handle == ch[1] && ev.cookie == 0xc0ffee0000000002ull,
           "... EV_MESSAGE naming the receiving end, with its cookie");
    tap_ok(tests_msg_is(&ev.u.msg, MSG_USER + 3, "event") && ev.u.msg.flags == MSG_CALL &&
               ev.u.msg.call_id == 21 && ev.u.msg.nhandles == 1 &&
               tests_handle_is(ev.u.msg.handles[0], OBJ_TIMER, RIGHTS_ALL),
           "... carrying the message, its moved handle installed");
    warp_handle_close(ev.u.msg.handles[0]);
    tap_eq(tests_wait_event((handle_t)eq, &ev, 0), ERR_TIMED_OUT,
           "the message was taken: nothing else is ready");
    struct warp_msg x;
    tap_eq(warp_channel_recv(ch[1], &x), ERR_WOULD_BLOCK, "... and channel_recv finds nothing either");
    struct warp_msg r = tests_msg(MSG_USER + 4, MSG_REPLY, 21, "answer");
    r.status = 5;
    warp_channel_send(ch[1], &r);
    tap_eq(tests_wait_event((handle_t)eq, &ev, 1000), 0, "the reply makes an event");
    tap_ok(ev.type == EV_REPLY && ev.handle == ch[0] && ev.cookie == 0xc0ffee0000000001ull &&
               ev.u.msg.call_id == 21 && ev.u.msg.status == 5 && ev.u.msg.flags == MSG_REPLY &&
               tests_msg_is(&ev.u.msg, MSG_USER + 4, "answer"),
           "... EV_REPLY on the caller's end with its cookie, the call id, status and data");
    tests_send_text(ch[0], "recv still works");
    tap_ok(warp_channel_recv(ch[1], &x) == 0 && tests_msg_is(&x, TESTS_OP_NOTE, "recv still works"),
           "channel_recv still works on a member end");
    tap_eq(tests_wait_event((handle_t)eq, &ev, 0), ERR_TIMED_OUT,
           "... and the message it took makes no event");
    tests_send_text(ch[0], "last words");
    warp_handle_close(ch[0]);
    tap_eq(tests_wait_event((handle_t)eq, &ev, 1000), 0,
           "after the peer closes, the queued message comes first");
    tap_ok(ev.type == EV_MESSAGE && tests_msg_is(&ev.u.msg, TESTS_OP_NOTE, "last words"),
           "... as EV_MESSAGE");
    tap_eq(tests_wait_event((handle_t)eq, &ev, 1000), 0, "then an event for the close");
    tap_ok(ev.type == EV_PEER_CLOSED && ev.handle == ch[1] && ev.cookie == 0xc0ffee0000000002ull,
           "... EV_PEER_CLOSED naming the end and its cookie");
    tap_eq(tests_wait_event((handle_t)eq, &ev, 30), ERR_TIMED_OUT, "EV_PEER_CLOSED comes only once");
    tap_eq(warp_channel_recv(ch[1], &x), ERR_PEER_CLOSED,
           "channel_recv on the end still says ERR_PEER_CLOSED");
    warp_handle_close(ch[1]);
    warp_handle_close((handle_t)eq);
}

/* A channel whose peer is already closed when it is added reports EV_PEER_CLOSED once. */
static void eq_add_late(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    long eq = warp_eventq_create();
    tests_send_text(ch[0], "early");
    warp_handle_close(ch[0]);
    warp_eventq_add((handle_t)eq, ch[1], 7);
    struct warp_event ev;
    tap_ok(tests_wait_event((handle_t)eq, &ev, 1000) == 0 && ev.type == EV_MESSAGE && ev.cookie == 7,
           "a message queued before the end was added is reported as EV_MESSAGE");
    tap_ok(tests_wait_event((handle_t)eq, &ev, 1000) == 0 && ev.type == EV_PEER_CLOSED,
           "a peer that closed before the end was added is reported as EV_PEER_CLOSED");
    tap_eq(tests_wait_event((handle_t)eq, &ev, 0), ERR_TIMED_OUT, "... once");
    warp_handle_close(ch[1]);
    warp_handle_close((handle_t)eq);
}

/*
 * Member `end` of eq (whose peer is `peer`) is moved away through a channel (as to another process):
 * that removes it too. Returns its new handle, added back to eq with cookie 5.
 */
static handle_t eq_member_moved(handle_t eq, handle_t peer, handle_t end)
{
    handle_t carrier[2];
    if (tests_channel(carrier) != 0)
        return end;
    struct warp_event ev;
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, "moving");
    m.nhandles = 1;
    m.handles[0] = end;
    tap_eq(warp_channel_send(carrier[0], &m), 0, "a member end's handle is moved away in a message");
    tests_send_text(peer, "after the move");
    tap_eq(tests_wait_event(eq, &ev, 0), ERR_TIMED_OUT, "... and it no longer reports here");
    tap_ok(warp_channel_recv(carrier[1], &m) == 0 && m.nhandles == 1, "the moved end arrives");
    end = m.handles[0];
    tap_eq(warp_eventq_add(eq, end, 5), 0, "... and can be added through its new handle");
    tap_ok(tests_wait_event(eq, &ev, 1000) == 0 && ev.type == EV_MESSAGE && ev.cookie == 5 &&
               tests_msg_is(&ev.u.msg, TESTS_OP_NOTE, "after the move"),
           "... and reports the message that waited meanwhile");
    warp_handle_close(carrier[0]);
    warp_handle_close(carrier[1]);
    return end;
}

/* Removing a source or closing its handle stops its events; closing the queue frees its sources. */
static void eq_remove_and_close(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    long eq = warp_eventq_create();
    struct warp_event ev;
    struct warp_msg x;
    warp_eventq_add((handle_t)eq, ch[1], 1);
    tests_send_text(ch[0], "before remove");
    warp_eventq_remove((handle_t)eq, ch[1]);
    tap_eq(tests_wait_event((handle_t)eq, &ev, 0), ERR_TIMED_OUT,
           "a removed source makes no event, even with a message ready");
    tap_eq(warp_channel_recv(ch[1], &x), 0, "... the message is still there for channel_recv");
    long dup = warp_handle_reduce(ch[1], RIGHTS_ALL);
    warp_eventq_add((handle_t)eq, ch[1], 2);
    tests_send_text(ch[0], "before close");
    tap_eq(warp_handle_close(ch[1]), 0, "closing the handle a source was added through returns 0");
    tap_eq(tests_wait_event((handle_t)eq, &ev, 0), ERR_TIMED_OUT,
           "... and removes it: no event although another handle keeps the end open with a message");
    tap_eq(warp_eventq_add((handle_t)eq, (handle_t)dup, 3), 0,
           "the end can be added again through its other handle");
    tap_ok(tests_wait_event((handle_t)eq, &ev, 1000) == 0 && ev.type == EV_MESSAGE && ev.cookie == 3 &&
               ev.handle == dup,
           "... and then reports its message with the new handle and cookie");
    dup = eq_member_moved((handle_t)eq, ch[0], (handle_t)dup);
    long eq2 = warp_eventq_create();
    tap_eq(warp_handle_close((handle_t)eq), 0, "closing an event queue with a member returns 0");
    tap_eq(warp_eventq_add((handle_t)eq2, (handle_t)dup, 4), 0, "its member can then join another queue");
    tests_send_text(ch[0], "to the new queue");
    tap_ok(tests_wait_event((handle_t)eq2, &ev, 1000) == 0 && ev.type == EV_MESSAGE && ev.cookie == 4,
           "... and reports there");
    warp_handle_close((handle_t)dup);
    warp_handle_close(ch[0]);
    warp_handle_close((handle_t)eq2);
}

/* EV_PROC_EXIT: once, with the exit record; also for a process that ended before it was added. */
static void eq_proc_exit(void)
{
    long eq = warp_eventq_create();
    long p = tests_spawn("sleeper", TESTS_SLEEP, 50, 0);
    warp_eventq_add((handle_t)eq, (handle_t)p, 0x5eed);
    struct warp_event ev;
    tap_eq(tests_wait_event((handle_t)eq, &ev, 0), ERR_TIMED_OUT, "a running process makes no event");
    tap_eq(tests_wait_event((handle_t)eq, &ev, 5000), 0, "a process that exits makes an event");
    tap_ok(ev.type == EV_PROC_EXIT && ev.handle == p && ev.cookie == 0x5eed,
           "... EV_PROC_EXIT with its handle and cookie");
    tap_exit(&ev.u.exit, EXIT_NORMAL, 0, "... carrying its exit record");
    tap_eq(tests_wait_event((handle_t)eq, &ev, 30), ERR_TIMED_OUT, "EV_PROC_EXIT comes only once");
    warp_handle_close((handle_t)p);
    p = tests_spawn("exit42", TESTS_EXIT_42, 0, 0);
    struct exit_info ei;
    warp_wait((handle_t)p, &ei);
    warp_eventq_add((handle_t)eq, (handle_t)p, 1);
    tap_ok(tests_wait_event((handle_t)eq, &ev, 1000) == 0 && ev.type == EV_PROC_EXIT,
           "a process that ended before it was added is reported at once");
    tap_exit(&ev.u.exit, EXIT_NORMAL, 42, "... with its record (exit 42)");
    warp_handle_close((handle_t)p);
    p = tests_spawn("spinner", TESTS_SPIN, 0, 0);
    warp_eventq_add((handle_t)eq, (handle_t)p, 2);
    warp_kill((handle_t)p);
    tap_ok(tests_wait_event((handle_t)eq, &ev, 5000) == 0 && ev.type == EV_PROC_EXIT,
           "a killed process is reported");
    tap_exit(&ev.u.exit, EXIT_KILLED, 0, "... as EXIT_KILLED");
    warp_handle_close((handle_t)p);
    warp_handle_close((handle_t)eq);
}

/* A wait blocks until a child sends, then returns that message. */
static void eq_blocking(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    long eq = warp_eventq_create();
    warp_eventq_add((handle_t)eq, ch[0], 1);
    uint64_t t0 = warp_clock();
    long p = tests_spawn_with("late", TESTS_SEND_LATE, 100, 0, &ch[1], 1);
    struct warp_event ev;
    /* Without the child nothing would ever come: do not wait forever then. */
    long r = p > 0 ? warp_eventq_wait((handle_t)eq, &ev, DEADLINE_FOREVER) : p;
    uint64_t took = warp_clock() - t0;
    tap_ok(r == 0 && ev.type == EV_MESSAGE && tests_msg_is(&ev.u.msg, TESTS_OP_NOTE, "late"),
           "eventq_wait with DEADLINE_FOREVER returns a child's message (%ld)", r);
    tap_ok(took >= 100 * TESTS_MS && took < 2000 * TESTS_MS, "... after blocking until it was sent (%lu ms)",
           (unsigned long)(took / TESTS_MS));
    struct exit_info ei;
    tests_wait_close(p, &ei);
    warp_handle_close(ch[0]);
    warp_handle_close((handle_t)eq);
}

/* Two busy channels take turns. */
static void eq_fairness(void)
{
    handle_t a[2], b[2];
    if (tests_channel(a) != 0 || tests_channel(b) != 0)
        return;
    long eq = warp_eventq_create();
    warp_eventq_add((handle_t)eq, a[1], 'a');
    warp_eventq_add((handle_t)eq, b[1], 'b');
    for (unsigned i = 0; i < 10; i++) {
        tests_send_text(a[0], "a");
        tests_send_text(b[0], "b");
    }
    char seq[21] = {0};
    unsigned na = 0, nb = 0;
    bool alternate = true;
    struct warp_event ev;
    for (unsigned i = 0; i < 20; i++) {
        if (tests_wait_event((handle_t)eq, &ev, 1000) != 0)
            break;
        seq[i] = (char)ev.cookie;
        na += seq[i] == 'a';
        nb += seq[i] == 'b';
        alternate = alternate && (i == 0 || seq[i] != seq[i - 1]);
    }
    tap_ok(na == 10 && nb == 10, "twenty events: ten from each channel (%s)", seq);
    tap_ok(alternate, "two channels with messages waiting take turns (round robin)");
    warp_handle_close(a[0]);
    warp_handle_close(a[1]);
    warp_handle_close(b[0]);
    warp_handle_close(b[1]);
    warp_handle_close((handle_t)eq);
}

/* Event queues. */
void test_eventqs(void)
{
    eq_membership();
    eq_deadlines();
    eq_channel_events();
    eq_add_late();
    eq_remove_and_close();
    eq_proc_exit();
    eq_blocking();
    eq_fairness();
}
