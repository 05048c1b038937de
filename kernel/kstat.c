/* kstat.c: counters of bounded kernel work (see kstat.h); protected by the kernel lock. */
#include <arch.h>
#include <kstat.h>
#include <log.h>

struct kstat_hot kstat_hot;
static uint64_t syscall_max_nr;

/* A new longest system call is logged once it passes this: the operator sees what stalled. */
#define KSTAT_LOG_NS 1000000

/* Cycles to nanoseconds without overflow for any span below 2^64 / 10^6 cycles (hours). */
static uint64_t cycles_to_ns(uint64_t cycles)
{
    uint64_t per_ms = arch_cycles_per_ms();
    return per_ms ? cycles * 1000000 / per_ms : 0;
}

/* Called with the lock held (the boot's own hold starts counting now). */
void kstat_start(void)
{
    kstat_hot.started = true;
    kstat_hot.lock_since = arch_cycles();
}

/* A new longest system call. Pre: kernel lock held. */
void kstat_new_syscall_max(uint64_t nr, uint64_t cycles)
{
    kstat_hot.syscall_max = cycles;
    syscall_max_nr = nr;
    kstat_hot.log_pending = cycles_to_ns(cycles) >= KSTAT_LOG_NS;
}

/* Pre: kernel lock held. */
void kstat_read(struct kstat *out)
{
    out->irqoff_max_ns = cycles_to_ns(kstat_hot.irqoff_max);
    out->syscall_max_ns = cycles_to_ns(kstat_hot.syscall_max);
    out->syscall_max_nr = syscall_max_nr;
}

/* Log a new longest system call, if any, unless a process's console line is unfinished: the
 * kernel line would end it (log.c), splitting the process's line in two. Pre: kernel lock held. */
void kstat_log_pending(void)
{
    if (!log_line_owner()) {
        kstat_hot.log_pending = false;
        kstat_log();
    }
}

/* The boot stats line's form: the maxima in microseconds. Pre: kernel lock held. */
void kstat_log(void)
{
    struct kstat ks;
    kstat_read(&ks);
    log_printf("kstat: interrupts off at most %lu us; longest system call %lu us (number %lu)",
               ks.irqoff_max_ns / 1000, ks.syscall_max_ns / 1000, ks.syscall_max_nr);
}
