/* eventq.c: event queues: a ready list of sources, taken round-robin, and the threads waiting on it. */
#include <arch.h>
#include <eventq.h>
#include <ktimer.h>
#include <mm/mm.h>
#include <warp/error.h>

/* The last reference went: forget every member, then free. */
static void eventq_destroy(struct kobj *o)
{
    struct eventq *eq = container_of(o, struct eventq, obj);
    while (eq->members)
        eventq_unlink(eq->members);
    kfree(eq);
}

static const struct obj_ops eventq_ops = {
    .type = OBJ_EVENTQ,
    .name = "event queue",
    .destroy = eventq_destroy,
};

/* A queue holds no references to its members (they unlink themselves when they go), so a queue
 * and its sources never keep each other alive. */
struct eventq *eventq_create(void)
{
    struct eventq *eq = kzalloc(sizeof(*eq));
    if (eq)
        obj_init(&eq->obj, &eventq_ops);
    return eq;
}

/* One queue per source, through the handle that registered it: its events carry that handle and
 * the cookie, so the process need not map sources back itself. */
long eventq_add(struct eventq *eq, struct eq_link *link, struct handle_table *owner, handle_t h,
                uint64_t cookie)
{
    if (link->eq)
        return ERR_ALREADY_EXISTS;
    link->eq = eq;
    link->owner = owner;
    link->handle = h;
    link->cookie = cookie;
    link->queued = false;
    link->next_member = eq->members;
    eq->members = link;
    eventq_notify(link); /* it may have events already */
    return 0;
}

/* Only the queue a source joined may remove it. */
long eventq_remove(struct eventq *eq, struct eq_link *link)
{
    if (link->eq != eq)
        return ERR_NOT_FOUND;
    eventq_unlink(link);
    return 0;
}

/* Remove link from eq's ready list if it is there; a linear walk, but the list holds only sources
 * that may have an event. */
static void ready_remove(struct eventq *eq, struct eq_link *link)
{
    struct eq_link **pp = &eq->ready_head, *prev = NULL;
    for (; *pp; prev = *pp, pp = &(*pp)->next_ready)
        if (*pp == link) {
            *pp = link->next_ready;
            if (eq->ready_tail == link)
                eq->ready_tail = prev;
            break;
        }
    link->queued = false;
    link->next_ready = NULL;
}

/* Whichever goes first ends the membership: the registering handle, the source, or the queue. */
void eventq_unlink(struct eq_link *link)
{
    struct eventq *eq = link->eq;
    if (!eq)
        return;
    if (link->queued)
        ready_remove(eq, link);
    for (struct eq_link **pp = &eq->members; *pp; pp = &(*pp)->next_member)
        if (*pp == link) {
            *pp = link->next_member;
            break;
        }
    link->eq = NULL;
    link->owner = NULL;
    link->next_member = NULL;
}

/* Cheap and idempotent: sources call it whenever they might have an event and take_event decides
 * later. Every waiter wakes and looks; a queue usually has one. */
void eventq_notify(struct eq_link *link)
{
    struct eventq *eq = link->eq;
    if (!eq || link->queued)
        return;
    link->queued = true;
    link->next_ready = NULL;
    if (eq->ready_tail)
        eq->ready_tail->next_ready = link;
    else
        eq->ready_head = link;
    eq->ready_tail = link;
    waitq_wake_all(&eq->waiters);
}

/* One event from the first ready source that has one; 1, 0 (nothing ready) or an error. */
static long eventq_take(struct eventq *eq, struct handle_table *receiver, struct warp_event *ev)
{
    while (eq->ready_head) {
        struct eq_link *link = eq->ready_head;
        ready_remove(eq, link);
        bool more = false;
        long r = link->obj->ops->take_event(link->obj, receiver, ev, &more);
        /* An error (no room for a message's handles) leaves the event with its source: keep it ready. */
        if (r < 0 || more)
            eventq_notify(link); /* round-robin: back to the tail */
        if (r != 0) {
            ev->reserved = 0;
            ev->handle = link->handle;
            ev->cookie = link->cookie;
            return r;
        }
    }
    return 0;
}

/* A wake-up only says the ready list changed: look again, as a source may have had nothing after all. */
long eventq_wait(struct eventq *eq, struct handle_table *receiver, struct warp_event *ev, uint64_t deadline)
{
    for (;;) {
        ktimer_poll(); /* a timer due since the last tick reports now, not at the next */
        long r = eventq_take(eq, receiver, ev);
        if (r != 0)
            return r < 0 ? r : 0;
        if (deadline != DEADLINE_FOREVER && arch_time_ns() >= deadline)
            return ERR_TIMED_OUT;
        /*
         * ERR_TIMED_OUT is not final: the loop looks once more, so an event that raced the deadline still
         * wins. A wake-up and the deadline can both land before this thread runs again:
         *   event: eventq_notify -> waitq_wake_all (runnable)
         *   tick:  wait_timeout sets timed_out; sched_wake does nothing (already runnable)
         *   here:  sched_wait says ERR_TIMED_OUT, yet the event is ready
         */
        r = sched_wait(&eq->waiters, deadline);
        if (r == ERR_INTERRUPTED)
            return r;
    }
}
