/* eventq.h: event queues: one wait for channels, timers and processes. */
#pragma once

#include <object.h>
#include <sched.h>

struct eventq {
    struct kobj obj;
    struct eq_link *ready_head, *ready_tail; /* sources that may have an event, oldest first */
    struct eq_link *members;                 /* every registered source */
    struct waitq waiters;                    /* threads in SYS_EVENTQ_WAIT */
};

struct eventq *eventq_create(void); /* NULL when memory is out */
void eventq_destroy(struct eventq *eq);
/* Register a source; ERR_ALREADY_EXISTS if it belongs to a queue already. */
long eventq_add(struct eventq *eq, struct eq_link *link, struct proc *owner, handle_t h, uint64_t cookie);
/* Unregister a source from eq; ERR_NOT_FOUND if it is not a member. */
long eventq_remove(struct eventq *eq, struct eq_link *link);
void eventq_unlink(struct eq_link *link);  /* drop a source from whatever queue holds it */
void eventq_notify(struct eq_link *link);  /* the source may have an event now */
/* Next event for process p into ev, blocking until deadline; ERR_TIMED_OUT, ERR_NO_RESOURCES. */
long eventq_wait(struct eventq *eq, struct proc *p, struct warp_event *ev, uint64_t deadline);
