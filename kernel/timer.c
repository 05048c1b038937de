/* timer.c: timer objects, checked at each scheduler tick and before every event-queue wait. */
#include <arch.h>
#include <eventq.h>
#include <mm.h>
#include <timer.h>

static struct timer *armed; /* unordered; protected by the kernel lock */

struct timer *timer_create(void) {
    struct timer *t = kzalloc(sizeof(*t));
    if (t) {
        obj_init(&t->obj, OBJ_TIMER);
        t->link.obj = &t->obj;
    }
    return t;
}

/* Take t off the armed list if it is there. */
static void timer_disarm(struct timer *t) {
    for (struct timer **pp = &armed; *pp; pp = &(*pp)->next_armed)
        if (*pp == t) {
            *pp = t->next_armed;
            break;
        }
    t->deadline = 0;
}

void timer_destroy(struct timer *t) {
    timer_disarm(t);
    eventq_unlink(&t->link);
    kfree(t);
}

void timer_set(struct timer *t, uint64_t deadline) {
    timer_disarm(t);
    t->fired_at = 0;
    if (!deadline)
        return;
    t->deadline = deadline;
    t->next_armed = armed;
    armed = t;
    timer_poll(); /* a deadline in the past fires at once */
}

void timer_poll(void) {
    if (!armed)
        return; /* the common case: no clock read */
    uint64_t now = arch_time_ns();
    for (struct timer **pp = &armed; *pp;) {
        struct timer *t = *pp;
        if (t->deadline <= now) {
            *pp = t->next_armed;
            t->fired_at = t->deadline;
            t->deadline = 0;
            eventq_notify(&t->link);
        } else {
            pp = &t->next_armed;
        }
    }
}

long timer_take_event(struct timer *t, struct warp_event *ev, bool *more) {
    *more = false;
    if (!t->fired_at)
        return 0;
    ev->type = EV_TIMER;
    ev->u.deadline = t->fired_at;
    t->fired_at = 0;
    return 1;
}
