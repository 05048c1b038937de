/* eventq.c: event queues: a ready list of sources, taken round-robin, and the threads waiting on it. */
#include <arch.h>
#include <channel.h>
#include <eventq.h>
#include <irq.h>
#include <log.h>
#include <mm.h>
#include <proc.h>
#include <timer.h>
#include <warp/error.h>

struct eventq *eventq_create(void) {
    struct eventq *eq = kzalloc(sizeof(*eq));
    if (eq)
        obj_init(&eq->obj, OBJ_EVENTQ);
    return eq;
}

void eventq_destroy(struct eventq *eq) {
    while (eq->members)
        eventq_unlink(eq->members);
    kfree(eq);
}

long eventq_add(struct eventq *eq, struct eq_link *link, struct proc *owner, handle_t h, uint64_t cookie) {
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

long eventq_remove(struct eventq *eq, struct eq_link *link) {
    if (link->eq != eq)
        return ERR_NOT_FOUND;
    eventq_unlink(link);
    return 0;
}

/* Remove link from eq's ready list if it is there. */
static void ready_remove(struct eventq *eq, struct eq_link *link) {
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

void eventq_unlink(struct eq_link *link) {
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

void eventq_notify(struct eq_link *link) {
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

/* Ask the source behind link for one event: 1 produced, 0 none (stale), or an error. */
static long source_take(struct eq_link *link, struct proc *p, struct warp_event *ev, bool *more) {
    switch (link->obj->type) {
    case OBJ_CHANNEL: return channel_take_event((struct endpoint *)link->obj, p, ev, more);
    case OBJ_TIMER: return timer_take_event((struct timer *)link->obj, ev, more);
    case OBJ_PROCESS: return proc_take_event((struct proc *)link->obj, ev, more);
    case OBJ_IRQ: return irq_take_event((struct irq *)link->obj, ev, more);
    default: PANIC("event source of type %u", link->obj->type);
    }
}

/* One event from the first ready source that has one; 1, 0 (nothing ready) or an error. */
static long eventq_take(struct eventq *eq, struct proc *p, struct warp_event *ev) {
    while (eq->ready_head) {
        struct eq_link *link = eq->ready_head;
        ready_remove(eq, link);
        bool more = false;
        long r = source_take(link, p, ev, &more);
        if (r < 0 || more)
            eventq_notify(link); /* round-robin: back to the tail */
        if (r != 0) {
            ev->handle = link->handle;
            ev->cookie = link->cookie;
            return r;
        }
    }
    return 0;
}

long eventq_wait(struct eventq *eq, struct proc *p, struct warp_event *ev, uint64_t deadline) {
    for (;;) {
        timer_poll();
        long r = eventq_take(eq, p, ev);
        if (r != 0)
            return r < 0 ? r : 0;
        if (deadline != DEADLINE_FOREVER && arch_time_ns() >= deadline)
            return ERR_TIMED_OUT;
        long w = sched_wait(&eq->waiters, deadline);
        if (p->killed)
            return ERR_TIMED_OUT; /* never seen: the kill takes effect on the way out */
        (void)w;
    }
}
