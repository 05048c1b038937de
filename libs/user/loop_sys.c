/* loop_sys.c: the event loop over the real system calls, and the blocking ipc_call_sync. */
#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/syscall.h>

/* The loop's system calls: the warp_* wrappers themselves. */
static const struct loop_ops loop_sys_ops = {
    .eventq_add = warp_eventq_add,
    .eventq_remove = warp_eventq_remove,
    .eventq_wait = warp_eventq_wait,
    .channel_send = warp_channel_send,
    .handle_close = warp_handle_close,
    .clock = warp_clock,
};

/* Creates the loop's event queue. */
long loop_init(struct loop *l)
{
    long eq = warp_eventq_create();
    if (eq < 0)
        return eq;
    loop_init_ops(l, (handle_t)eq, &loop_sys_ops);
    return 0;
}

/* ipc_call_sync's event queue, made on first use. */
static handle_t call_sync_eq;
/*
 * Its call ids. They start high so that they cannot meet the small ids a loop hands out on the same
 * channel before or after (a channel in a loop cannot be used here meanwhile anyway).
 */
static uint64_t call_sync_next_id = 1ull << 62;

/* Drops a message that arrived while we wait for a reply: closes its handles, refuses a call. */
static void call_sync_drop(handle_t ch, const struct warp_msg *m, bool is_message)
{
    unsigned n = m->nhandles < MSG_HANDLES_MAX ? m->nhandles : MSG_HANDLES_MAX;
    for (unsigned i = 0; i < n; i++)
        warp_handle_close(m->handles[i]);
    if (is_message && msg_is_call(m)) {
        struct warp_msg r;
        msg_reply_error(&r, m->call_id, ERR_WOULD_BLOCK);
        warp_channel_send(ch, &r);
    }
}

/*
 * Takes events from the private queue until the reply to call_id on ch; returns its result. The
 * first event (r, *ev) is the one SYS_SEND_WAIT returned with the send; later ones are waited for.
 */
static long call_sync_wait(handle_t ch, uint64_t call_id, long r, struct warp_event *ev,
                           struct warp_msg *reply)
{
    for (; r >= 0; r = warp_eventq_wait(call_sync_eq, ev, DEADLINE_FOREVER)) {
        if (ev->handle != ch)
            continue; /* cannot happen: ch is the queue's only source */
        if (ev->type == EV_PEER_CLOSED)
            return ERR_PEER_CLOSED;
        if (ev->type == EV_REPLY && ev->u.msg.call_id == call_id)
            break;
        if (ev->type == EV_MESSAGE || ev->type == EV_REPLY)
            call_sync_drop(ch, &ev->u.msg, ev->type == EV_MESSAGE);
    }
    if (r < 0)
        return r;
    long result = ev->u.msg.type == MSG_ERROR ? msg_result(&ev->u.msg, MSG_ERROR) : ev->u.msg.status;
    if (reply)
        *reply = ev->u.msg;
    else
        call_sync_drop(ch, &ev->u.msg, false);
    return result;
}

/*
 * Sends a call and blocks until its reply. The send and the first wait are one SYS_SEND_WAIT (one
 * kernel entry where the reply is quick); its error, the send's or the wait's, is returned as it is.
 */
long ipc_call_sync(handle_t ch, struct warp_msg *msg, struct warp_msg *reply)
{
    if (call_sync_eq == 0) {
        long eq = warp_eventq_create();
        if (eq < 0)
            return eq;
        call_sync_eq = (handle_t)eq;
    }
    long r = warp_eventq_add(call_sync_eq, ch, 0);
    if (r < 0)
        return r;
    msg->flags = MSG_CALL;
    msg->call_id = call_sync_next_id++;
    struct warp_event ev;
    r = warp_send_wait(ch, msg, call_sync_eq, &ev, DEADLINE_FOREVER);
    r = call_sync_wait(ch, msg->call_id, r, &ev, reply);
    warp_eventq_remove(call_sync_eq, ch);
    return r;
}

long ipc_open_sync(handle_t ch, const char *uri)
{
    struct warp_msg m, reply;
    long r = msg_open(&m, uri);
    if (r >= 0)
        r = ipc_call_sync(ch, &m, &reply);
    if (r >= 0 && (reply.type != MSG_OPEN || reply.nhandles != 1))
        r = ERR_BAD_FORMAT;
    return r < 0 ? r : reply.handles[0];
}
