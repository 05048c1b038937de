/* clock.h: time for user programs: SYS_CLOCK's nanoseconds, and the cycle counter benchmarks read. */
#pragma once

#include <warp/syscall.h>

#define CLOCK_NS_PER_MS 1000000ull

/* Monotonic nanoseconds since boot (SYS_CLOCK), the time of deadlines, timers and timeouts. */
static inline uint64_t clock_ns(void)
{
    return warp_clock();
}

/* Monotonic milliseconds since boot. */
static inline uint64_t clock_ms(void)
{
    return warp_clock() / CLOCK_NS_PER_MS;
}

/*
 * The CPU's cycle counter (x86-64 RDTSC), for benchmarks: no system call, so it can time one. Its
 * rate is the CPU's, not a clock's (under QEMU `-icount shift=0` it counts guest instructions), and
 * it is the only place in user space that reads the counter. Inline, so a sample holds no call.
 */
static inline uint64_t clock_cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}
