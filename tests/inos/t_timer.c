/* t_timer.c: tests of one-shot timers: firing at the deadline, past deadlines, re-arming, disarming, one event per expiry. */
#include "tests.h"

/* SYS_TIMER_SET (1 s ahead) on a raw handle value. */
static long timer_set_fn(long h, void *ctx)
{
    (void)ctx;
    return warp_syscall6(SYS_TIMER_SET, h, (long)(warp_clock() + 1000 * TESTS_MS), 0, 0, 0, 0);
}

/* A timer and a queue it belongs to (cookie 't'); false if either could not be made. */
static bool timer_make(long *t, long *eq)
{
    *t = warp_timer_create();
    *eq = warp_eventq_create();
    bool ok = *t > 0 && *eq > 0 && warp_eventq_add((handle_t)*eq, (handle_t)*t, 't') == 0;
    if (!ok)
        tap_ok(false, "a timer in an event queue (%ld, %ld)", *t, *eq);
    return ok;
}

/* Closes a timer and its queue. */
static void timer_free(long t, long eq)
{
    warp_handle_close((handle_t)t);
    warp_handle_close((handle_t)eq);
}

/* A timer fires at its deadline, once, with the deadline in the event. */
static void timer_fires(void)
{
    long t, eq;
    if (!timer_make(&t, &eq))
        return;
    struct warp_event ev;
    tap_eq(tests_wait_event((handle_t)eq, &ev, 0), ERR_TIMED_OUT, "an unarmed timer makes no event");
    uint64_t deadline = warp_clock() + 50 * TESTS_MS;
    tap_eq(warp_timer_set((handle_t)t, deadline), 0, "timer_set 50 ms ahead returns 0");
    long r = warp_eventq_wait((handle_t)eq, &ev, deadline + 2000 * TESTS_MS);
    uint64_t now = warp_clock();
    tap_ok(r == 0 && ev.type == EV_TIMER && ev.handle == t && ev.cookie == 't',
           "the timer makes an EV_TIMER event with its handle and cookie");
    tap_eq((long)ev.u.deadline, (long)deadline, "... whose deadline is the one set");
    tap_ok(now >= deadline && now < deadline + 100 * TESTS_MS,
           "... not before it, and within 100 ms of it (%ld ms late)",
           (long)(now - deadline) / (long)TESTS_MS);
    tap_eq(tests_wait_event((handle_t)eq, &ev, 100), ERR_TIMED_OUT, "a one-shot timer fires once");
    deadline = warp_clock() + 20 * TESTS_MS;
    warp_timer_set((handle_t)t, deadline);
    r = tests_wait_event((handle_t)eq, &ev, 2000);
    tap_ok(r == 0 && ev.type == EV_TIMER && ev.u.deadline == deadline,
           "set again after firing, it fires again");
    tap_eq(tests_wait_event((handle_t)eq, &ev, 60), ERR_TIMED_OUT, "... once");
    timer_free(t, eq);
}

/* A deadline in the past fires at once. */
static void timer_past(void)
{
    long t, eq;
    if (!timer_make(&t, &eq))
        return;
    struct warp_event ev;
    uint64_t t0 = warp_clock();
    tap_eq(warp_timer_set((handle_t)t, 1), 0, "timer_set with a deadline in the past (1 ns) returns 0");
    long r = tests_wait_event((handle_t)eq, &ev, 1000);
    uint64_t took = warp_clock() - t0;
    tap_ok(r == 0 && ev.type == EV_TIMER && ev.u.deadline == 1, "it fires");
    tap_ok(took < 20 * TESTS_MS, "... at once (%lu ms)", (unsigned long)(took / TESTS_MS));
    warp_timer_set((handle_t)t, warp_clock());
    tap_ok(tests_wait_event((handle_t)eq, &ev, 1000) == 0 && ev.type == EV_TIMER,
           "a deadline of now fires too");
    tap_eq(tests_wait_event((handle_t)eq, &ev, 0), ERR_TIMED_OUT, "... once");
    timer_free(t, eq);
}

/* Re-arming replaces the deadline (and drops an unreported expiry); 0 disarms. */
static void timer_rearm(void)
{
    long t, eq;
    if (!timer_make(&t, &eq))
        return;
    struct warp_event ev;
    uint64_t far = warp_clock() + 200 * TESTS_MS, near = warp_clock() + 30 * TESTS_MS;
    warp_timer_set((handle_t)t, far);
    tap_eq(warp_timer_set((handle_t)t, near), 0, "re-arming an armed timer earlier returns 0");
    long r = tests_wait_event((handle_t)eq, &ev, 1000);
    uint64_t now = warp_clock();
    tap_ok(r == 0 && ev.type == EV_TIMER && ev.u.deadline == near && now < far,
           "it fires at the new deadline, before the old one");
    r = warp_eventq_wait((handle_t)eq, &ev, far + 50 * TESTS_MS);
    tap_eq(r, ERR_TIMED_OUT, "the old deadline does not fire as well");

    /* The check needs the wait to start before far - 40 ms: a host that stalls the guest that long
     * (TCG on a busy machine) gets the scenario again, up to three times. */
    for (int tries = 0;; tries++) {
        far = warp_clock() + 100 * TESTS_MS;
        warp_timer_set((handle_t)t, warp_clock() + 20 * TESTS_MS);
        warp_timer_set((handle_t)t, far);
        if (warp_clock() < far - 50 * TESTS_MS || tries == 2)
            break;
        tests_wait_event((handle_t)eq, &ev, 1000); /* the stalled round's expiry */
    }
    tap_eq(warp_eventq_wait((handle_t)eq, &ev, far - 40 * TESTS_MS), ERR_TIMED_OUT,
           "re-armed later, it does not fire at the earlier deadline");
    r = tests_wait_event((handle_t)eq, &ev, 1000);
    tap_ok(r == 0 && ev.type == EV_TIMER && ev.u.deadline == far, "... but at the later one");

    warp_timer_set((handle_t)t, 1);
    tests_sleep_ms(30); /* the expiry happens (a tick passes) but is not reported yet */
    far = warp_clock() + 60 * TESTS_MS;
    warp_timer_set((handle_t)t, far);
    tap_eq(tests_wait_event((handle_t)eq, &ev, 0), ERR_TIMED_OUT,
           "re-arming drops an expiry not yet reported");
    r = tests_wait_event((handle_t)eq, &ev, 1000);
    tap_ok(r == 0 && ev.type == EV_TIMER && ev.u.deadline == far, "... and the new deadline fires");

    warp_timer_set((handle_t)t, warp_clock() + 30 * TESTS_MS);
    tap_eq(warp_timer_set((handle_t)t, 0), 0, "timer_set 0 returns 0");
    tap_eq(tests_wait_event((handle_t)eq, &ev, 80), ERR_TIMED_OUT, "... and disarms: nothing fires");
    warp_timer_set((handle_t)t, 1);
    tests_sleep_ms(30);
    warp_timer_set((handle_t)t, 0);
    tap_eq(tests_wait_event((handle_t)eq, &ev, 0), ERR_TIMED_OUT,
           "disarming also drops an unreported expiry");
    timer_free(t, eq);
}

/* Two timers in one queue fire in deadline order; one not in a queue simply runs out. */
static void timer_two(void)
{
    long t1, eq;
    if (!timer_make(&t1, &eq))
        return;
    long t2 = warp_timer_create();
    warp_eventq_add((handle_t)eq, (handle_t)t2, 'u');
    uint64_t now = warp_clock();
    warp_timer_set((handle_t)t1, now + 60 * TESTS_MS);
    warp_timer_set((handle_t)t2, now + 20 * TESTS_MS);
    struct warp_event e1, e2;
    long r1 = tests_wait_event((handle_t)eq, &e1, 1000), r2 = tests_wait_event((handle_t)eq, &e2, 1000);
    tap_ok(r1 == 0 && r2 == 0 && e1.cookie == 'u' && e2.cookie == 't', "two timers fire in deadline order");
    long lone = warp_timer_create();
    tap_eq(warp_timer_set((handle_t)lone, warp_clock() + 10 * TESTS_MS), 0, "a timer in no queue can be set");
    tests_sleep_ms(20);
    tap_eq(warp_handle_close((handle_t)lone), 0, "... and closed after it ran out");
    warp_handle_close((handle_t)t2);
    timer_free(t1, eq);
}

/* timer_set refuses bad handles, other types and a handle without RIGHT_WRITE. */
static void timer_handles(void)
{
    struct tests_objs o;
    if (!tests_objs_make(&o))
        return;
    tests_bad_handles("timer_set", timer_set_fn, NULL, o.timer);
    tests_wrong_types("timer_set", timer_set_fn, NULL, &o, OBJ_TIMER);
    tests_no_rights("timer_set", timer_set_fn, NULL, o.timer, RIGHT_WRITE);
    long w = warp_handle_reduce(o.timer, RIGHT_WRITE);
    tap_eq(w > 0 ? timer_set_fn(w, NULL) : w, 0, "timer_set through a handle with only RIGHT_WRITE works");
    warp_handle_close((handle_t)w);
    tests_objs_close(&o);
}

/* Timers. */
void test_timers(void)
{
    timer_fires();
    timer_past();
    timer_rearm();
    timer_two();
    timer_handles();
}
