/* timer.h: one-shot timer objects on the monotonic clock. */
#pragma once

#include <object.h>

struct timer {
    struct kobj obj;
    uint64_t deadline;  /* armed until then; 0 when disarmed */
    uint64_t fired_at;  /* the deadline of an expiry not yet reported; 0 if none */
    struct eq_link link;
    struct timer *next_armed;
};

struct timer *timer_create(void); /* NULL when memory is out */
void timer_destroy(struct timer *t);
void timer_set(struct timer *t, uint64_t deadline); /* arm (0 disarms); drops an unreported expiry */
void timer_poll(void); /* fire every armed timer whose deadline has passed */
/* Event-queue side: report an expiry; 1 produced, 0 none. */
long timer_take_event(struct timer *t, struct warp_event *ev, bool *more);
