/* lock.c: the big kernel lock (see lock.h for what it protects). */
#include <lock.h>
#include <arch.h>
#include <kstat.h>
#include <log.h>

static volatile uint32_t big_lock;

/* Spin until the lock is ours; interrupts are disabled by the caller. */
void kernel_lock(void)
{
    while (__atomic_exchange_n(&big_lock, 1, __ATOMIC_ACQUIRE))
        /* Wait with plain loads: waiters share the cache line instead of fighting over it. */
        while (__atomic_load_n(&big_lock, __ATOMIC_RELAXED))
            arch_cpu_relax();
    kstat_lock_taken();
}

/* Release the lock; the caller must hold it. */
void kernel_unlock(void)
{
    ASSERT(big_lock);
    kstat_lock_released();
    __atomic_store_n(&big_lock, 0, __ATOMIC_RELEASE);
}

/* Whether anyone holds it, not whether this CPU does: enough for assertions while one CPU runs. */
bool kernel_lock_held(void)
{
    return __atomic_load_n(&big_lock, __ATOMIC_RELAXED);
}
