/* kstat.h: counters of bounded kernel work: the longest interrupts-off stretch and system call. */
#pragma once

#include <arch.h>
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

/* What every lock hold and system call updates: inline below, so that measuring costs the IPC path
 * a few instructions, not calls. Protected by the kernel lock. */
struct kstat_hot {
    bool started;         /* kstat_start was called */
    bool log_pending;     /* a new longest system call to log (kstat_poll) */
    uint64_t lock_since;  /* arch_cycles() when the lock was taken */
    uint64_t irqoff_max;  /* cycles */
    uint64_t syscall_max; /* cycles */
};
extern struct kstat_hot kstat_hot;

void kstat_start(void);                                   /* measure from now on; boot is done */
void kstat_read(struct kstat *out);                       /* the maxima so far, in nanoseconds */
void kstat_log(void);                                     /* one log line with the maxima */
void kstat_new_syscall_max(uint64_t nr, uint64_t cycles); /* kstat_syscall's record path */
void kstat_log_pending(void);                             /* kstat_poll's logging path */

/* kernel_lock got the lock. */
static inline void kstat_lock_taken(void)
{
    kstat_hot.lock_since = arch_cycles();
}

/* kernel_unlock is about to let the lock go. */
static inline void kstat_lock_released(void)
{
    uint64_t held = arch_cycles() - kstat_hot.lock_since;
    if (kstat_hot.started && held > kstat_hot.irqoff_max)
        kstat_hot.irqoff_max = held;
}

/* System call nr kept the CPU this long. */
static inline void kstat_syscall(uint64_t nr, uint64_t cycles)
{
    if (kstat_hot.started && cycles > kstat_hot.syscall_max)
        kstat_new_syscall_max(nr, cycles);
}

/* After each system call: log a new longest one past 1 ms. */
static inline void kstat_poll(void)
{
    if (kstat_hot.log_pending)
        kstat_log_pending();
}
