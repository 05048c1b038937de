/* timer.c: timer objects over kernel deadline timers (ktimer.c): SYS_TIMER_SET arms, expiry notifies. */
#include <arch.h>
#include <eventq.h>
#include <mm/mm.h>
#include <quota.h>
#include <timer.h>

/* The deadline passed (from ktimer_poll): record the expiry and tell the event queue. */
static void timer_fire(struct ktimer *kt)
{
    struct timer *t = container_of(kt, struct timer, kt);
    t->fired_at = kt->deadline;
    eventq_notify(&t->link);
}

/* Event-queue side: report an expiry; 1 produced, 0 none. */
static long timer_take_event(struct kobj *o, struct handle_table *receiver, struct warp_event *ev, bool *more)
{
    struct timer *t = container_of(o, struct timer, obj);
    (void)receiver;
    *more = false;
    if (!t->fired_at)
        return 0;
    ev->type = EV_TIMER;
    ev->u.deadline = t->fired_at;
    t->fired_at = 0;
    return 1;
}

/* The last reference went. */
static void timer_destroy(struct kobj *o)
{
    struct timer *t = container_of(o, struct timer, obj);
    ktimer_cancel(&t->kt);
    eventq_unlink(&t->link);
    quota_uncharge(t->charged, LIMIT_TIMERS, t->charged ? 1 : 0);
    quota_put(t->charged);
    kfree(t);
}

static const struct obj_ops timer_ops = {
    .type = OBJ_TIMER,
    .name = "timer",
    .destroy = timer_destroy,
    .link_offset = __builtin_offsetof(struct timer, link),
    .take_event = timer_take_event,
};

/* Disarmed until SYS_TIMER_SET; the ktimer is embedded, so arming never allocates. */
struct timer *timer_new(void)
{
    struct timer *t = kzalloc(sizeof(*t));
    if (t) {
        obj_init(&t->obj, &timer_ops);
        t->link.obj = &t->obj;
        ktimer_init(&t->kt, timer_fire);
    }
    return t;
}

/* Cancel first: re-arming replaces the deadline, and an expiry not yet taken is dropped, so an
 * event never reports a deadline that was since replaced. */
void timer_set(struct timer *t, uint64_t deadline)
{
    ktimer_cancel(&t->kt);
    t->fired_at = 0;
    if (!deadline)
        return;
    ktimer_arm(&t->kt, deadline);
    ktimer_poll(); /* a deadline in the past fires at once */
}
