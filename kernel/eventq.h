/* eventq.h: event queues: one wait for channels, timers, processes and interrupts. */
#pragma once

#include <object.h>
#include <sched.h>

struct handle_table;

struct eventq {
    struct kobj obj;
    struct eq_link *ready_head, *ready_tail; /* sources that may have an event, oldest first */
    struct eq_link *members;                 /* every registered source */
    struct waitq waiters;                    /* threads in SYS_EVENTQ_WAIT */
};

struct eventq *eventq_create(void); /* NULL when memory is out */
/* Register a source; ERR_ALREADY_EXISTS if it belongs to a queue already. */
long eventq_add(struct eventq *eq, struct eq_link *link, struct handle_table *owner, handle_t h,
                uint64_t cookie);
/* Unregister a source from eq; ERR_NOT_FOUND if it is not a member. */
long eventq_remove(struct eventq *eq, struct eq_link *link);
void eventq_unlink(struct eq_link *link); /* drop a source from whatever queue holds it */
void eventq_notify(struct eq_link *link); /* the source may have an event now */
/* Next event for the process whose handles are `receiver`, into ev, blocking until deadline:
 * 0, ERR_TIMED_OUT, ERR_INTERRUPTED (the process is being killed), ERR_NO_RESOURCES (no room for a
 * message's handles). */
long eventq_wait(struct eventq *eq, struct handle_table *receiver, struct warp_event *ev, uint64_t deadline);
