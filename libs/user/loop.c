/* loop.c: the event-loop core: source table, dispatch, calls, timeouts; system calls only via ops. */
#include <warp/loop.h>
#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/string.h>

/* What a source is (struct loop_source.kind). */
enum {
    LOOP_KIND_CHANNEL = 1,
    LOOP_KIND_TIMER,
    LOOP_KIND_PROCESS,
    LOOP_KIND_IRQ,
};

#define LOOP_COOKIE_SLOT_MASK 0xffffffffull

/* The cookie of slot i: its generation above, i + 1 below (so no cookie is 0). */
static uint64_t loop_cookie(const struct loop *l, unsigned i)
{
    return (uint64_t)l->sources[i].gen << 32 | (uint64_t)(i + 1);
}

/* Index of h's slot, or -1 if h is not registered. */
static int loop_find(const struct loop *l, handle_t h)
{
    if (h <= 0)
        return -1;
    for (unsigned i = 0; i < l->nsources; i++)
        if (l->sources[i].handle == h)
            return (int)i;
    return -1;
}

/* The slot an event's cookie names, if it still holds the event's source; else NULL. */
static struct loop_source *loop_lookup(struct loop *l, uint64_t cookie, handle_t h)
{
    uint64_t slot = cookie & LOOP_COOKIE_SLOT_MASK;
    if (slot == 0 || slot > l->nsources)
        return NULL;
    struct loop_source *s = &l->sources[slot - 1];
    if (s->handle == 0 || s->handle != h || s->gen != (uint32_t)(cookie >> 32))
        return NULL;
    return s;
}

/* Index of a free slot, growing the table if needed; -1 if out of memory. */
static int loop_free_slot(struct loop *l)
{
    for (unsigned i = 0; i < l->nsources; i++)
        if (l->sources[i].handle == 0)
            return (int)i;
    if (l->nsources == l->sources_cap) {
        unsigned cap = l->sources_cap ? l->sources_cap * 2 : 8;
        struct loop_source *s = realloc(l->sources, cap * sizeof(*s));
        if (!s)
            return -1;
        l->sources = s;
        l->sources_cap = cap;
    }
    memset(&l->sources[l->nsources], 0, sizeof(l->sources[0]));
    return (int)l->nsources++;
}

/* Registers h as a source whose kind, handler and ctx are in *tmpl. */
static long loop_add(struct loop *l, handle_t h, const struct loop_source *tmpl)
{
    if (h <= 0)
        return ERR_BAD_HANDLE; /* and 0 would read as a free slot */
    if (loop_find(l, h) >= 0)
        return ERR_ALREADY_EXISTS;
    int i = loop_free_slot(l);
    if (i < 0)
        return ERR_NO_MEMORY;
    struct loop_source *s = &l->sources[i];
    uint32_t gen = s->gen;
    long r = l->ops->eventq_add(l->eq, h, loop_cookie(l, (unsigned)i));
    if (r < 0)
        return r;
    *s = *tmpl;
    s->handle = h;
    s->gen = gen;
    return 0;
}

/* Registers a channel. */
long loop_add_channel(struct loop *l, handle_t ch, const struct loop_channel_handlers *h, void *ctx)
{
    if (!h)
        return ERR_INVALID_ARG;
    struct loop_source s = {.kind = LOOP_KIND_CHANNEL, .fn.channel = h, .ctx = ctx};
    return loop_add(l, ch, &s);
}

/* Registers a timer. */
long loop_add_timer(struct loop *l, handle_t timer, loop_timer_fn on_timer, void *ctx)
{
    if (!on_timer)
        return ERR_INVALID_ARG;
    struct loop_source s = {.kind = LOOP_KIND_TIMER, .fn.timer = on_timer, .ctx = ctx};
    return loop_add(l, timer, &s);
}

/* Registers a process. */
long loop_add_process(struct loop *l, handle_t proc, loop_exit_fn on_exit, void *ctx)
{
    if (!on_exit)
        return ERR_INVALID_ARG;
    struct loop_source s = {.kind = LOOP_KIND_PROCESS, .fn.exit = on_exit, .ctx = ctx};
    return loop_add(l, proc, &s);
}

/* Registers a driver's interrupt. */
long loop_add_irq(struct loop *l, handle_t irq, loop_irq_fn on_irq, void *ctx)
{
    if (!on_irq)
        return ERR_INVALID_ARG;
    struct loop_source s = {.kind = LOOP_KIND_IRQ, .fn.irq = on_irq, .ctx = ctx};
    return loop_add(l, irq, &s);
}

/* Forgets pending call i (order is not kept). */
static void loop_call_forget(struct loop *l, unsigned i)
{
    l->calls[i] = l->calls[--l->ncalls];
}

/* Index of the pending call ch/call_id, or -1. */
static int loop_call_find(const struct loop *l, handle_t ch, uint64_t call_id)
{
    for (unsigned i = 0; i < l->ncalls; i++)
        if (l->calls[i].ch == ch && l->calls[i].call_id == call_id)
            return (int)i;
    return -1;
}

/* Unregisters a source; its pending calls are forgotten. */
long loop_remove(struct loop *l, handle_t h)
{
    int i = loop_find(l, h);
    if (i < 0)
        return ERR_NOT_FOUND;
    /* The kernel may already have dropped it (handle closed by the caller): nothing to undo then. */
    l->ops->eventq_remove(l->eq, h);
    l->sources[i].handle = 0;
    l->sources[i].gen++;
    for (unsigned c = 0; c < l->ncalls;) {
        if (l->calls[c].ch == h)
            loop_call_forget(l, c);
        else
            c++;
    }
    return 0;
}

/* Unregisters (if registered) and closes h. */
long loop_close(struct loop *l, handle_t h)
{
    loop_remove(l, h);
    return l->ops->handle_close(h);
}

/* loop_closes m's handles from index first on; MSG_HANDLES_MAX bounds a peer's bad nhandles. */
void loop_close_handles(struct loop *l, const struct warp_msg *m, unsigned first)
{
    for (unsigned i = first; i < m->nhandles && i < MSG_HANDLES_MAX; i++)
        loop_close(l, m->handles[i]);
}

/* True if h is registered. */
bool loop_has(const struct loop *l, handle_t h)
{
    return loop_find(l, h) >= 0;
}

/* Replaces a source's ctx. */
long loop_set_ctx(struct loop *l, handle_t h, void *ctx)
{
    int i = loop_find(l, h);
    if (i < 0)
        return ERR_NOT_FOUND;
    l->sources[i].ctx = ctx;
    return 0;
}

/* Sends a message as is. */
long loop_send(struct loop *l, handle_t ch, const struct warp_msg *msg)
{
    return l->ops->channel_send(ch, msg);
}

/* Replies with ERROR(err). */
long loop_reply_error(struct loop *l, handle_t ch, uint64_t call_id, long err)
{
    struct warp_msg m;
    msg_reply_error(&m, call_id, err);
    return l->ops->channel_send(ch, &m);
}

/* Sends a call whose reply goes to on_reply. */
long loop_call(struct loop *l, handle_t ch, struct warp_msg *msg, loop_msg_fn on_reply, void *ctx)
{
    int s = loop_find(l, ch);
    if (s < 0 || l->sources[s].kind != LOOP_KIND_CHANNEL)
        return ERR_NOT_FOUND;
    if (!on_reply)
        return ERR_INVALID_ARG;
    if (l->ncalls == l->calls_cap) {
        unsigned cap = l->calls_cap ? l->calls_cap * 2 : 8;
        struct loop_call *c = realloc(l->calls, cap * sizeof(*c));
        if (!c)
            return ERR_NO_MEMORY;
        l->calls = c;
        l->calls_cap = cap;
    }
    msg->flags = MSG_CALL;
    msg->call_id = l->next_call_id++;
    long r = l->ops->channel_send(ch, msg);
    if (r < 0)
        return r;
    l->calls[l->ncalls++] = (struct loop_call){ch, msg->call_id, on_reply, ctx};
    return 0;
}

/* Number of pending loop_calls. */
unsigned loop_pending_calls(const struct loop *l)
{
    return l->ncalls;
}

/* Drops an event nobody handles: frees what its message brought. */
static void loop_drop(struct loop *l, const struct warp_event *ev)
{
    if (ev->type == EV_MESSAGE || ev->type == EV_REPLY)
        loop_close_handles(l, &ev->u.msg, 0);
}

/* EV_MESSAGE on a registered channel. */
static void loop_on_message(struct loop *l, const struct loop_source *s, struct warp_msg *m)
{
    if (s->fn.channel->on_message) {
        s->fn.channel->on_message(l, s->handle, m, s->ctx);
        return;
    }
    loop_close_handles(l, m, 0);
    if (msg_is_call(m))
        loop_reply_error(l, s->handle, m->call_id, ERR_NOT_SUPPORTED);
}

/* EV_REPLY: to its loop_call if one waits for it, else to the channel's on_reply. */
static void loop_on_reply(struct loop *l, const struct loop_source *s, struct warp_msg *m)
{
    int c = loop_call_find(l, s->handle, m->call_id);
    if (c >= 0) {
        struct loop_call call = l->calls[c];
        loop_call_forget(l, c);
        call.fn(l, call.ch, m, call.ctx);
    } else if (s->fn.channel->on_reply) {
        s->fn.channel->on_reply(l, s->handle, m, s->ctx);
    } else {
        loop_close_handles(l, m, 0);
    }
}

/* EV_PEER_CLOSED: fails the calls still pending on the channel, then tells its handler. */
static void loop_on_peer_closed(struct loop *l, const struct loop_source *s, uint64_t cookie)
{
    handle_t ch = s->handle;
    for (;;) {
        unsigned c = 0;
        while (c < l->ncalls && l->calls[c].ch != ch)
            c++;
        if (c == l->ncalls)
            break;
        struct loop_call call = l->calls[c];
        loop_call_forget(l, c);
        struct warp_msg m;
        msg_reply_error(&m, call.call_id, ERR_PEER_CLOSED);
        call.fn(l, ch, &m, call.ctx);
    }
    /* A reply callback may have removed the channel, or replaced it under the same handle number. */
    struct loop_source *now = loop_lookup(l, cookie, ch);
    if (!now)
        return;
    if (now->fn.channel->on_peer_closed)
        now->fn.channel->on_peer_closed(l, ch, now->ctx);
    else
        loop_close(l, ch);
}

/* Hands one event to its handler. */
void loop_dispatch(struct loop *l, struct warp_event *ev)
{
    struct loop_source *found = loop_lookup(l, ev->cookie, ev->handle);
    if (!found) {
        loop_drop(l, ev);
        return;
    }
    /* A copy: the handler may grow (move) or change the table. */
    struct loop_source s = *found;
    bool channel = s.kind == LOOP_KIND_CHANNEL;
    if (ev->type == EV_MESSAGE && channel)
        loop_on_message(l, &s, &ev->u.msg);
    else if (ev->type == EV_REPLY && channel)
        loop_on_reply(l, &s, &ev->u.msg);
    else if (ev->type == EV_PEER_CLOSED && channel)
        loop_on_peer_closed(l, &s, ev->cookie);
    else if (ev->type == EV_TIMER && s.kind == LOOP_KIND_TIMER)
        s.fn.timer(l, s.handle, ev->u.deadline, s.ctx);
    else if (ev->type == EV_PROC_EXIT && s.kind == LOOP_KIND_PROCESS)
        s.fn.exit(l, s.handle, &ev->u.exit, s.ctx);
    else if (ev->type == EV_IRQ && s.kind == LOOP_KIND_IRQ)
        s.fn.irq(l, s.handle, s.ctx);
    else
        loop_drop(l, ev);
}

/* Prepares a timeout. */
void loop_timeout_init(struct loop_timeout *t, loop_timeout_fn fn, void *ctx)
{
    memset(t, 0, sizeof(*t));
    t->fn = fn;
    t->ctx = ctx;
}

/*
 * The armed timeouts are a pairing heap (warp/pheap.h) ordered by (deadline, seq): arming is O(1),
 * cancelling and firing O(log n) amortized. A server re-arms a timeout per connection on every
 * request (http_server has a thousand); the sorted list this replaced walked all of them each
 * time, 7% of the guest's time under wrk's thousand connections.
 */

/* The timeout a heap node belongs to. */
static struct loop_timeout *timeout_of(struct pheap_node *n)
{
    return container_of(n, struct loop_timeout, node);
}

/* Whether a comes before b: the earlier deadline, then the earlier arming. */
static bool timeout_before(const struct pheap_node *na, const struct pheap_node *nb)
{
    const struct loop_timeout *a = container_of(na, struct loop_timeout, node);
    const struct loop_timeout *b = container_of(nb, struct loop_timeout, node);
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

/* Takes armed t out of the heap and disarms it. */
static void loop_timeout_unlink(struct loop *l, struct loop_timeout *t)
{
    pheap_remove(&l->timeouts, &t->node, timeout_before);
    t->armed = false;
}

/* Arms t at deadline, after any armed for the same time. */
void loop_timeout_set(struct loop *l, struct loop_timeout *t, uint64_t deadline)
{
    if (t->armed)
        loop_timeout_unlink(l, t);
    t->deadline = deadline;
    t->seq = ++l->timeout_seq;
    t->armed = true;
    pheap_add(&l->timeouts, &t->node, timeout_before);
}

/* Arms t ns from now (saturating). */
void loop_timeout_after(struct loop *l, struct loop_timeout *t, uint64_t ns)
{
    uint64_t now = l->ops->clock();
    loop_timeout_set(l, t, ns > UINT64_MAX - now ? UINT64_MAX : now + ns);
}

/* Disarms t. */
void loop_timeout_cancel(struct loop *l, struct loop_timeout *t)
{
    if (t->armed)
        loop_timeout_unlink(l, t);
}

/* Earliest deadline. */
uint64_t loop_next_deadline(const struct loop *l)
{
    return l->timeouts ? timeout_of(l->timeouts)->deadline : DEADLINE_FOREVER;
}

/*
 * Fires due timeouts armed before this pass, earliest first, one at a time (each callback may change
 * the heap). One armed during the pass waits for the next; so do any behind it, which only happens
 * when it was set in the past (loop_timeout_after never does that).
 */
unsigned loop_fire_timeouts(struct loop *l, uint64_t now)
{
    uint64_t pass = l->timeout_seq;
    unsigned fired = 0;
    while (!l->stopped) {
        struct loop_timeout *t = l->timeouts ? timeout_of(l->timeouts) : NULL;
        if (!t || t->deadline > now || t->seq > pass)
            break;
        loop_timeout_unlink(l, t);
        t->fn(l, t, t->ctx);
        fired++;
    }
    return fired;
}

/* Starts an empty loop. */
void loop_init_ops(struct loop *l, handle_t eq, const struct loop_ops *ops)
{
    memset(l, 0, sizeof(*l));
    l->eq = eq;
    l->ops = ops;
    l->next_call_id = 1;
}

/* Frees the tables and closes the queue. */
void loop_destroy(struct loop *l)
{
    free(l->sources);
    free(l->calls);
    l->ops->handle_close(l->eq);
    memset(l, 0, sizeof(*l));
}

/*
 * One pass: timeouts, one wait, one dispatch. When a timeout fired, the wait only looks (deadline 0)
 * instead of blocking: the caller gets to see what the callback changed (a flag its own loop tests)
 * before anything sleeps, and an event already queued is still taken, so timeouts cannot starve events.
 * With no timeout armed the clock is not read (a system call on every pass of a busy server).
 */
long loop_run_once(struct loop *l)
{
    unsigned fired = l->timeouts ? loop_fire_timeouts(l, l->ops->clock()) : 0;
    if (l->stopped)
        return 0;
    struct warp_event ev;
    long r = l->ops->eventq_wait(l->eq, &ev, fired ? 0 : loop_next_deadline(l));
    if (r == ERR_TIMED_OUT || r == ERR_WOULD_BLOCK)
        return 0;
    if (r < 0)
        return r;
    loop_dispatch(l, &ev);
    return 0;
}

/* Runs until stopped or a wait fails. */
long loop_run(struct loop *l)
{
    l->stopped = false;
    while (!l->stopped) {
        long r = loop_run_once(l);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Ends loop_run after the current handler. */
void loop_stop(struct loop *l)
{
    l->stopped = true;
}
