/* channel.c: channels: bounded message queues, calls with reserved replies, copies into callers' buffers. */
#include <arch.h>
#include <channel.h>
#include <eventq.h>
#include <handle.h>
#include <log.h>
#include <mm/mm.h>
#include <proc.h>
#include <quota.h>
#include <vm.h>
#include <warp/error.h>
#include <warp/string.h>

/* The ends no handle table names (hrefs 0): only these can be garbage. Protected by the kernel lock. */
static struct endpoint *unheld_ends;

static void channel_destroy(struct kobj *o);
static void channel_held_changed(struct kobj *o, bool held);
static long channel_take_event(struct kobj *o, struct handle_table *receiver, struct warp_event *ev,
                               bool *more);

static const struct obj_ops channel_ops = {
    .type = OBJ_CHANNEL,
    .name = "channel end",
    .destroy = channel_destroy,
    .link_offset = __builtin_offsetof(struct endpoint, link),
    .take_event = channel_take_event,
    .sweep = channel_gc,
    .held_changed = channel_held_changed,
};

/* Put ep on the list of unheld ends. */
static void unheld_push(struct endpoint *ep)
{
    ep->unheld_prev = NULL;
    ep->unheld_next = unheld_ends;
    if (unheld_ends)
        unheld_ends->unheld_prev = ep;
    unheld_ends = ep;
}

/* Take ep off the list of unheld ends. */
static void unheld_remove(struct endpoint *ep)
{
    if (ep->unheld_prev)
        ep->unheld_prev->unheld_next = ep->unheld_next;
    else
        unheld_ends = ep->unheld_next;
    if (ep->unheld_next)
        ep->unheld_next->unheld_prev = ep->unheld_prev;
}

/* A handle table now names the end (held), or none does any more. */
static void channel_held_changed(struct kobj *o, bool held)
{
    struct endpoint *ep = container_of(o, struct endpoint, obj);
    if (held)
        unheld_remove(ep);
    else
        unheld_push(ep);
}

/* A new end with one reference and no handle yet: on the unheld list until one names it. */
static void endpoint_init(struct endpoint *ep)
{
    obj_init(&ep->obj, &channel_ops);
    ep->link.obj = &ep->obj;
    unheld_push(ep);
}

/* A connected pair. Peers point at each other without a reference, so either end can go first:
 * channel_destroy clears the survivor's peer pointer. */
long channel_create(struct endpoint **a, struct endpoint **b)
{
    /* Both allocations first: an end goes on the global list only once nothing can fail. */
    struct endpoint *x = kzalloc(sizeof(*x)), *y = x ? kzalloc(sizeof(*y)) : NULL;
    if (!y) {
        kfree(x);
        return ERR_NO_MEMORY;
    }
    endpoint_init(x);
    endpoint_init(y);
    x->peer = y;
    y->peer = x;
    *a = x;
    *b = y;
    return 0;
}

#define MSG_HEAD __builtin_offsetof(struct warp_msg, data) /* header and handles */

/* Only the used prefix moves: most of a struct warp_msg is empty data and buffer slots. */
void msg_copy(struct warp_msg *dst, const struct warp_msg *src)
{
    arch_copy(dst, src, MSG_HEAD + src->data_len);
    if (src->nbufs)
        arch_copy(dst->bufs, src->bufs, src->nbufs * sizeof(src->bufs[0]));
}

/* The counts are read once, into kernel memory, and only that copy bounds what follows: a user
 * thread cannot change them between the check and the use. */
long msg_copy_from_user(struct warp_msg *m, uaddr_t u)
{
    long err = copy_from_user(m, u, MSG_HEAD);
    if (err < 0)
        return err;
    if (m->data_len > MSG_DATA_MAX || m->nbufs > MSG_BUFS_MAX)
        return ERR_INVALID_ARG;
    if ((err = copy_from_user(m->data, u + MSG_HEAD, m->data_len)) < 0 || !m->nbufs)
        return err;
    return copy_from_user(m->bufs, u + __builtin_offsetof(struct warp_msg, bufs),
                          m->nbufs * sizeof(m->bufs[0]));
}

/* Two copies at most: the head, header and data are contiguous in both layouts; the buffer
 * descriptors sit at their fixed offset after the full data array. */
long msg_copy_to_user(uaddr_t u, const void *base, const struct warp_msg *m)
{
    size_t lead = (const char *)m - (const char *)base;
    long err = copy_to_user(u, base, lead + MSG_HEAD + m->data_len);
    if (err < 0 || !m->nbufs)
        return err;
    return copy_to_user(u + lead + __builtin_offsetof(struct warp_msg, bufs), m->bufs,
                        m->nbufs * sizeof(m->bufs[0]));
}

/* A queued message leaves its queue: its sender's account gets the charge back. */
static void kmsg_dequeued(struct kmsg *k)
{
    quota_uncharge(k->charged, LIMIT_MESSAGES, k->charged ? 1 : 0);
    quota_put(k->charged);
    k->charged = NULL;
}

/* Drop the object references a message carries. */
static void kmsg_release(struct kmsg *k)
{
    for (uint32_t i = 0; i < k->m.nhandles; i++)
        obj_unref(k->objs[i]);
    k->m.nhandles = 0;
}

/*
 * Free a call record, its unread reply and its hold on the caller. A client making one call after
 * another would allocate and free a record each time: its end keeps one for the next call.
 */
static void call_free(struct call *c)
{
    kmsg_release(&c->reply);
    obj_unref(&c->caller_proc->obj);
    if (c->caller && !c->caller->spare_call)
        c->caller->spare_call = c;
    else
        kfree(c);
}

/* A record for a new call from ep, or NULL when memory is out. */
static struct call *call_alloc(struct endpoint *ep)
{
    struct call *c = ep->spare_call;
    ep->spare_call = NULL;
    return c ? c : kmalloc(sizeof(*c));
}

/* Unlink c from a list threaded through out_next (out = true) or in_next. */
static void call_unlink(struct call **head, struct call *c, bool out)
{
    for (struct call **pp = head; *pp; pp = out ? &(*pp)->out_next : &(*pp)->in_next)
        if (*pp == c) {
            *pp = out ? c->out_next : c->in_next;
            return;
        }
}

/* The call with this id in a list, or NULL. Linear: an end has at most CALLS_MAX calls out, and
 * its peer at most as many in flight to it. */
static struct call *call_find(struct call *head, uint64_t id, bool out)
{
    for (; head; head = out ? head->out_next : head->in_next)
        if (head->id == id)
            return head;
    return NULL;
}

/* Hand an answered call (reply already in c->reply) back to its caller, or free it if none. */
static void call_complete(struct call *c)
{
    struct endpoint *caller = c->caller;
    if (!caller) {
        call_free(c);
        return;
    }
    call_unlink(&caller->out, c, true);
    caller->n_out--;
    c->in_next = NULL;
    if (caller->replies_tail)
        caller->replies_tail->in_next = c;
    else
        caller->replies_head = c;
    caller->replies_tail = c;
    eventq_notify(&caller->link);
}

/* Answer a call on behalf of a callee that went away. */
static void call_fail(struct call *c, long err)
{
    c->reply.m = (struct warp_msg){.type = MSG_ERROR, .flags = MSG_REPLY, .call_id = c->id, .status = err};
    call_complete(c);
}

/* The last reference to an end went: its peer learns, its calls fail, its queues empty. */
static void channel_destroy(struct kobj *o)
{
    struct endpoint *ep = container_of(o, struct endpoint, obj);
    /* The peer holds no reference to us: it learns through peer_closed, after its queue drains. */
    if (ep->peer) {
        ep->peer->peer = NULL;
        ep->peer->peer_closed = true;
        eventq_notify(&ep->peer->link);
    }
    /* Calls we received and had not answered: fail them for their callers. */
    while (ep->in) {
        struct call *c = ep->in;
        ep->in = c->in_next;
        call_fail(c, ERR_PEER_CLOSED);
    }
    while (ep->q_head) {
        struct kmsg *k = ep->q_head;
        ep->q_head = k->next;
        kmsg_dequeued(k);
        kmsg_release(k);
        if (k->call)
            call_fail(k->call, ERR_PEER_CLOSED); /* the message lives inside the call */
        else
            kfree(k);
    }
    /* Calls we sent stay where they are (queued or received at the peer); their replies will find
     * no caller and just free the record. */
    for (struct call *c = ep->out; c; c = c->out_next)
        c->caller = NULL;
    /* Replies nobody will read. call_free parks the first record in spare_call: freed just below. */
    while (ep->replies_head) {
        struct call *c = ep->replies_head;
        ep->replies_head = c->in_next;
        call_free(c);
    }
    kfree(ep->spare_call);
    /* A channel counts against its creator while either end is left: the survivor takes the charge. */
    if (ep->peer && !ep->peer->charged) {
        ep->peer->charged = ep->charged;
    } else if (ep->charged) {
        quota_uncharge(ep->charged, LIMIT_CHANNELS, 1);
        quota_put(ep->charged);
    }
    eventq_unlink(&ep->link);
    unheld_remove(ep); /* its last reference went, so no handle names it */
    kfree(ep);
}

/*
 * Look at the unheld ends a message carries. Counting (work NULL): one more reference from an
 * unheld end's queue for each. Marking: each not yet live is marked live and put on the work list.
 */
static void gc_msg(const struct kmsg *k, struct endpoint **work)
{
    if (!k->nends)
        return;
    for (uint32_t i = 0; i < k->m.nhandles; i++) {
        struct kobj *o = k->objs[i];
        /* The cast is container_of: a struct endpoint starts with its kobj. */
        struct endpoint *ep = (struct endpoint *)o;
        if (o->type != OBJ_CHANNEL || o->hrefs)
            continue;
        if (!work) {
            ep->gc_inner++;
        } else if (!ep->gc_live) {
            ep->gc_live = true;
            ep->gc_work = *work;
            *work = ep;
        }
    }
}

/* gc_msg on what waits for ep's reader: its messages, and the replies to its calls. */
static void gc_scan(const struct endpoint *ep, struct endpoint **work)
{
    for (const struct kmsg *k = ep->q_head; k; k = k->next)
        gc_msg(k, work);
    for (const struct call *c = ep->replies_head; c; c = c->in_next)
        gc_msg(&c->reply, work);
}

/* Drop the messages waiting at an unreachable end; their handles go with them. */
static void gc_purge(struct endpoint *ep)
{
    for (struct kmsg *k = ep->q_head; k; k = k->next)
        kmsg_release(k);
    for (struct call *c = ep->replies_head; c; c = c->in_next)
        kmsg_release(&c->reply);
}

/* Drop the unheld ends that gc_live left unmarked. Every reference to such an end comes from the
 * queue of another (an outside one would have made it live), so purging them all takes each to no
 * references. Deferred, the purge destroys nothing under the walk; obj_reap destroys them in
 * batches before the thread returns to user mode. */
static void gc_collect(void)
{
    obj_defer_begin();
    for (struct endpoint *ep = unheld_ends; ep; ep = ep->unheld_next)
        if (!ep->gc_live)
            gc_purge(ep);
    obj_defer_end();
}

/*
 * Mark and sweep over the unheld ends alone, so the work grows with the ends in flight, not with
 * every end in the system, and a close with none in flight (the common case) costs nothing. Only a
 * channel end can hold messages, so only ends can form the cycles that reference counting cannot
 * free; other objects go with their last holder. An unheld end is live if some reference to it
 * comes from outside the unheld ends' queues (a held end's queue, or the kernel in the middle of a
 * call): more references than gc_inner counted. What waits in a live end's queue is live too.
 * Each end and each queued message is looked at a bounded number of times: linear in the ends in
 * flight and their messages (the repeated passes of the first collector were quadratic in depth).
 */
void channel_gc(void)
{
    /* An end on the dead list (no reference left, destruction pending: obj_reap) is neither root
     * nor garbage: marked live, it is left alone, and what waits in its queue goes with it. */
    for (struct endpoint *ep = unheld_ends; ep; ep = ep->unheld_next) {
        ep->gc_inner = 0;
        ep->gc_live = ep->obj.refs == 0;
    }
    for (struct endpoint *ep = unheld_ends; ep; ep = ep->unheld_next)
        if (ep->obj.refs)
            gc_scan(ep, NULL);
    struct endpoint *work = NULL; /* live ends whose queues are still to be looked at */
    for (struct endpoint *ep = unheld_ends; ep; ep = ep->unheld_next)
        if (!ep->gc_live && ep->obj.refs > ep->gc_inner) {
            ep->gc_live = true;
            ep->gc_work = work;
            work = ep;
        }
    while (work) {
        struct endpoint *ep = work;
        work = ep->gc_work;
        gc_scan(ep, &work);
    }
    gc_collect();
}

/* Check a message's shape and the handles it moves; nothing changes. */
static long send_validate(struct proc *p, struct endpoint *ep, const struct warp_msg *m)
{
    if ((m->flags & ~(MSG_CALL | MSG_REPLY)) || m->flags == (MSG_CALL | MSG_REPLY))
        return ERR_INVALID_ARG;
    if (m->data_len > MSG_DATA_MAX || m->nhandles > MSG_HANDLES_MAX || m->nbufs > MSG_BUFS_MAX ||
        (m->nbufs && !(m->flags & MSG_CALL)))
        return ERR_INVALID_ARG;
    for (uint32_t i = 0; i < m->nbufs; i++) {
        const struct msg_buf *b = &m->bufs[i];
        if (!b->access || (b->access & ~(BUF_READ | BUF_WRITE)))
            return ERR_INVALID_ARG;
        /* Only the range is checked here: the pages are checked at each copy, since the caller may
         * unmap them while the call is pending. */
        if (b->addr + b->len < b->addr || b->addr + b->len > USER_TOP)
            return ERR_BAD_ADDRESS;
    }
    for (uint32_t i = 0; i < m->nhandles; i++) {
        struct handle_entry *e;
        long err = handle_get(&p->handles, m->handles[i], 0, RIGHT_TRANSFER, &e);
        if (err < 0)
            return err;
        if (e->obj == &ep->obj || (ep->peer && e->obj == &ep->peer->obj))
            return ERR_INVALID_ARG; /* a channel inside itself could never be freed */
        for (uint32_t j = 0; j < i; j++)
            if (m->handles[j] == m->handles[i])
                return ERR_INVALID_ARG;
    }
    return 0;
}

/* Move the message's handles out of p into k. Precondition: send_validate passed. */
static void send_take_handles(struct proc *p, const struct warp_msg *m, struct kmsg *k)
{
    msg_copy(&k->m, m);
    k->nends = 0;
    for (uint32_t i = 0; i < m->nhandles; i++) {
        struct handle_entry e = handle_take(&p->handles, m->handles[i]);
        k->objs[i] = e.obj;
        k->rights[i] = e.rights;
        k->nends += e.obj->type == OBJ_CHANNEL;
    }
}

/* Answer a call this end received. */
static long send_reply(struct proc *p, struct endpoint *ep, const struct warp_msg *m)
{
    struct call *c = call_find(ep->in, m->call_id, false);
    if (!c)
        return ERR_NOT_FOUND;
    call_unlink(&ep->in, c, false);
    if (!c->caller) {
        call_free(c);
        return ERR_PEER_CLOSED;
    }
    send_take_handles(p, m, &c->reply);
    call_complete(c);
    return 0;
}

/* Queue k at the receiving end and tell its event queue. */
static void enqueue(struct endpoint *to, struct kmsg *k)
{
    k->next = NULL;
    if (to->q_tail)
        to->q_tail->next = k;
    else
        to->q_head = k;
    to->q_tail = k;
    to->q_len++;
    eventq_notify(&to->link);
}

/* Every check, then the one allocation; after it nothing fails, so a message is sent whole or
 * not at all, and its handles leave the sender only if it is sent. */
long channel_send(struct proc *p, struct endpoint *ep, const struct warp_msg *m)
{
    long err = send_validate(p, ep, m);
    if (err < 0)
        return err;
    if (m->flags & MSG_REPLY)
        return send_reply(p, ep, m);
    struct endpoint *peer = ep->peer;
    if (!peer)
        return ERR_PEER_CLOSED;
    if (peer->q_len >= MSG_QUEUE_MAX)
        return ERR_QUEUE_FULL;
    bool is_call = m->flags & MSG_CALL;
    if (is_call && call_find(ep->out, m->call_id, true))
        return ERR_ALREADY_EXISTS;
    if (is_call && ep->n_out >= CALLS_MAX)
        return ERR_QUEUE_FULL;
    long charged = quota_charge(p->quota, LIMIT_MESSAGES, 1);
    if (charged < 0)
        return charged;
    /* A call carries its message and its reply in one allocation. */
    struct call *c = is_call ? call_alloc(ep) : NULL;
    struct kmsg *k = is_call ? (c ? &c->req : NULL) : kmalloc(sizeof(*k));
    if (!k) {
        quota_uncharge(p->quota, LIMIT_MESSAGES, 1);
        return ERR_NO_MEMORY;
    }
    /* Nothing fails from here on. */
    send_take_handles(p, m, k);
    k->call = c;
    k->charged = quota_get(p->quota);
    if (c) {
        c->id = m->call_id;
        c->caller = ep;
        c->caller_proc = p;
        c->in_next = NULL;
        c->nbufs = m->nbufs;
        if (m->nbufs)
            memcpy(c->bufs, m->bufs, m->nbufs * sizeof(m->bufs[0]));
        c->reply.m.nhandles = 0;
        c->reply.call = NULL;
        /* The caller's process is referenced: channel_copy reads its state and memory for as long as
         * the call is pending, even after this end has closed or the process has ended. */
        obj_ref(&p->obj);
        c->out_next = ep->out;
        ep->out = c;
        ep->n_out++;
    }
    enqueue(peer, k);
    return 0;
}

/* Install k's handles in t and copy the message out; an error (no room) leaves k untouched. */
static long deliver(struct handle_table *t, struct kmsg *k, struct warp_msg *out)
{
    long err = k->m.nhandles ? handle_reserve(t, k->m.nhandles) : 0;
    if (err < 0)
        return err;
    msg_copy(out, &k->m);
    for (uint32_t i = 0; i < k->m.nhandles; i++)
        out->handles[i] = (handle_t)handle_install(t, k->objs[i], k->rights[i]);
    for (uint32_t i = 0; i < out->nbufs; i++)
        out->bufs[i].addr = 0; /* the caller's addresses are none of the receiver's business */
    k->m.nhandles = 0;
    return 0;
}

/* Take the next reply or message; 1 with *type set, 0 if there is none, or an error. */
static long channel_take(struct endpoint *ep, struct handle_table *t, struct warp_msg *out, uint32_t *type)
{
    /* Replies first: a client's completions must not wait behind a flood of requests. */
    struct call *c = ep->replies_head;
    if (c) {
        long err = deliver(t, &c->reply, out);
        if (err < 0)
            return err;
        if (!(ep->replies_head = c->in_next))
            ep->replies_tail = NULL;
        call_free(c);
        *type = EV_REPLY;
        return 1;
    }
    struct kmsg *k = ep->q_head;
    if (!k)
        return 0;
    long err = deliver(t, k, out);
    if (err < 0)
        return err;
    if (!(ep->q_head = k->next))
        ep->q_tail = NULL;
    ep->q_len--;
    kmsg_dequeued(k);
    /* A received call moves to ep->in until it is answered; its record, with the reply reserved
     * at send time, stays allocated until then. */
    if (k->call) {
        k->call->in_next = ep->in;
        ep->in = k->call;
    } else {
        kfree(k);
    }
    *type = EV_MESSAGE;
    return 1;
}

/* Never blocks. Peer-closed is reported only once the queue is empty: what the peer sent
 * before it went is still delivered. */
long channel_recv(struct endpoint *ep, struct handle_table *t, struct warp_msg *out)
{
    uint32_t type;
    long r = channel_take(ep, t, out, &type);
    if (r != 0)
        return r < 0 ? r : 0;
    return ep->peer_closed ? ERR_PEER_CLOSED : ERR_WOULD_BLOCK;
}

/* Event-queue side of channel_recv: 1 produced, 0 none, or an error. */
static long channel_take_event(struct kobj *o, struct handle_table *receiver, struct warp_event *ev,
                               bool *more)
{
    struct endpoint *ep = container_of(o, struct endpoint, obj);
    uint32_t type;
    long r = channel_take(ep, receiver, &ev->u.msg, &type);
    if (r == 0 && ep->peer_closed && !ep->peer_closed_reported) {
        ep->peer_closed_reported = true;
        type = EV_PEER_CLOSED;
        r = 1;
    }
    if (r > 0)
        ev->type = type;
    *more = ep->replies_head || ep->q_head || (ep->peer_closed && !ep->peer_closed_reported);
    return r;
}

/* Confined to the range and direction the caller granted, and only while the call is unanswered
 * (it is found in ep->in); the bytes copied are min(len, what is left of the buffer). */
long channel_copy(struct proc *p, struct endpoint *ep, uint64_t call_id, uint32_t buf, uint64_t offset,
                  uaddr_t uaddr, uint64_t len, bool to_caller)
{
    struct call *c = call_find(ep->in, call_id, false);
    if (!c)
        return ERR_NOT_FOUND;
    if (buf >= c->nbufs || offset > c->bufs[buf].len)
        return ERR_INVALID_ARG;
    if (!(c->bufs[buf].access & (to_caller ? BUF_WRITE : BUF_READ)))
        return ERR_PERMISSION;
    /* Checked per copy: the caller may close its end or die while the callee works on the call. */
    if (!c->caller || c->caller_proc->state != PROC_LIVE)
        return ERR_PEER_CLOSED;
    uint64_t n = c->bufs[buf].len - offset;
    if (n > len)
        n = len;
    uaddr_t theirs = c->bufs[buf].addr + offset;
    long err = to_caller ? vm_copy_between(c->caller_proc->space, theirs, p->space, uaddr, n)
                         : vm_copy_between(p->space, uaddr, c->caller_proc->space, theirs, n);
    return err < 0 ? err : (long)n;
}
