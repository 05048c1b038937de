/* timer.h: timer objects: one-shot, on the monotonic clock, reporting through event queues. */
#pragma once

#include <ktimer.h>
#include <object.h>

struct quota;

struct timer {
    struct kobj obj;
    struct ktimer kt;      /* armed while the timer is */
    uint64_t fired_at;     /* the deadline of an expiry not yet reported; 0 if none */
    struct quota *charged; /* the creator's account (LIMIT_TIMERS); NULL: nobody's */
    struct eq_link link;
};

struct timer *timer_new(void);                      /* NULL when memory is out */
void timer_set(struct timer *t, uint64_t deadline); /* arm (0 disarms); drops an unreported expiry */
