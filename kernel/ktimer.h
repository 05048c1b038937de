/* ktimer.h: the kernel's deadline timers: a callback runs once the monotonic clock passes a deadline. */
#pragma once

#include <warp/pheap.h>
#include <warp/types.h>

struct ktimer;
/* Runs from ktimer_poll with the kernel lock held and interrupts off; may re-arm kt. */
typedef void (*ktimer_fn)(struct ktimer *kt);

/* One timer, embedded in whatever it serves (a timer object, a sleeping thread). */
struct ktimer {
    uint64_t deadline;
    ktimer_fn fire;
    bool armed;
    struct pheap_node node; /* in the armed timers' heap (warp/pheap.h) */
};

/* Set kt up, disarmed, to call fire when it expires. */
void ktimer_init(struct ktimer *kt, ktimer_fn fire);
/* Arm kt for deadline (re-arming moves it); O(1), plus a cancel when it was armed. */
void ktimer_arm(struct ktimer *kt, uint64_t deadline);
/* Disarm kt if it is armed; O(log n) amortized. */
void ktimer_cancel(struct ktimer *kt);
/* Fire every armed timer whose deadline has passed, earliest first (reads the clock only when a
 * timer is armed). */
void ktimer_poll(void);
/* The earliest armed deadline, or UINT64_MAX when none is armed. */
uint64_t ktimer_next_deadline(void);
