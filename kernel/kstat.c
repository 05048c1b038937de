/* kstat.c: counters of bounded kernel work (see kstat.h); protected by the kernel lock. */
#include <arch.h>
#include <kstat.h>
#include <log.h>

static bool started;
static uint64_t lock_since;  /* arch_cycles() when the lock was taken */
static uint64_t irqoff_max;  /* cycles */
static uint64_t syscall_max; /* cycles */
static uint64_t syscall_max_nr;
static bool log_pending; /* a new longest system call to log once no user line is open */

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
    started = true;
    lock_since = arch_cycles();
}

/* Pre: the lock was just taken, so nobody else writes lock_since. */
void kstat_lock_taken(void)
{
    lock_since = arch_cycles();
}

/* Pre: the lock is still held. */
void kstat_lock_released(void)
{
    uint64_t held = arch_cycles() - lock_since;
    if (started && held > irqoff_max)
        irqoff_max = held;
}

/* Pre: kernel lock held. */
void kstat_syscall(uint64_t nr, uint64_t cycles)
{
    if (started && cycles > syscall_max) {
        syscall_max = cycles;
        syscall_max_nr = nr;
        log_pending = cycles_to_ns(cycles) >= KSTAT_LOG_NS;
    }
}

/* Pre: kernel lock held. */
void kstat_read(struct kstat *out)
{
    out->irqoff_max_ns = cycles_to_ns(irqoff_max);
    out->syscall_max_ns = cycles_to_ns(syscall_max);
    out->syscall_max_nr = syscall_max_nr;
}

/* Log a new longest system call, if any, unless a process's console line is unfinished: the
 * kernel line would end it (log.c), splitting the process's line in two. Pre: kernel lock held. */
void kstat_poll(void)
{
    if (log_pending && !log_line_owner()) {
        log_pending = false;
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
