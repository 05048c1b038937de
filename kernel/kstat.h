/* kstat.h: counters of bounded kernel work: the longest interrupts-off stretch and system call. */
#pragma once

#include <warp/types.h>

/*
 * The kernel runs with interrupts off exactly while it holds the kernel lock (lock.h), so the
 * longest lock hold is the longest interrupts-off stretch: the worst interrupt latency. A system
 * call is timed from its dispatch to its return, less the time its thread was switched out (a wait
 * or a preemption point), so it measures how long the call kept the CPU. Both count from
 * kstat_start: the boot holds the lock for as long as it needs, before any process runs.
 */
struct kstat {
    uint64_t irqoff_max_ns;  /* longest kernel-lock hold */
    uint64_t syscall_max_ns; /* longest system call on the CPU */
    uint64_t syscall_max_nr; /* its number */
};

void kstat_start(void);                           /* measure from now on; boot is done */
void kstat_lock_taken(void);                      /* kernel_lock got the lock */
void kstat_lock_released(void);                   /* kernel_unlock is about to let it go */
void kstat_syscall(uint64_t nr, uint64_t cycles); /* system call nr kept the CPU this long */
void kstat_read(struct kstat *out);               /* the maxima so far, in nanoseconds */
void kstat_log(void);
void kstat_poll(void);
/* after each system call: log a new longest one past 1 ms */ /* one log line with the maxima */
