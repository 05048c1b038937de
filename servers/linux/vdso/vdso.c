/*
 * vdso.c: the vDSO the linux server maps into every Linux process (docs/linux-compat.md, vDSO):
 * clock_gettime, gettimeofday, time and clock_getres answered in user mode from the kernel's clock
 * page, which lies in the page just below this image. It gives exactly what the server's system
 * calls give (servers/linux/lxsys_time.c): every clock but the CPU-time ones reads the monotonic
 * clock (there is no wall clock yet). Anything else, or no usable counter, is the system call.
 *
 * Built position-independent and linked by vdso.lds into one read-execute segment with no
 * relocations and no writable data: the server copies the image as it is.
 */
#include <warp/abi.h>

#include "../lxabi.h"

#define NS_PER_SEC 1000000000ull

/* The clock page, one page below the image (vdso.lds), reached relative to the code. */
extern const struct clock_page vdso_clock __attribute__((visibility("hidden")));

struct vdso_timespec {
    int64_t sec, nsec;
};
struct vdso_timeval {
    int64_t sec, usec;
};
struct vdso_timezone {
    int32_t minuteswest, dsttime;
};

static long vdso_syscall2(long nr, long a, long b)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return r;
}

/* The monotonic clock now, or false when the page offers no counter to read. */
static bool vdso_now(uint64_t *ns)
{
    const volatile struct clock_page *c = &vdso_clock;
    if (c->version != CLOCK_PAGE_VERSION || c->source != CLOCK_SOURCE_TSC || c->counter_per_ms == 0)
        return false;
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    struct clock_page page = {.counter_at_zero = c->counter_at_zero, .counter_per_ms = c->counter_per_ms};
    *ns = clock_page_ns(&page, (uint64_t)hi << 32 | lo);
    return true;
}

long __vdso_clock_gettime(long id, struct vdso_timespec *ts)
{
    uint64_t ns;
    if (!lx_clock_is_monotonic((uint64_t)id) || !vdso_now(&ns))
        return vdso_syscall2(LX_SYS_clock_gettime, id, (long)ts);
    ts->sec = (int64_t)(ns / NS_PER_SEC);
    ts->nsec = (int64_t)(ns % NS_PER_SEC);
    return 0;
}

long __vdso_gettimeofday(struct vdso_timeval *tv, struct vdso_timezone *tz)
{
    uint64_t ns;
    if (!vdso_now(&ns))
        return vdso_syscall2(LX_SYS_gettimeofday, (long)tv, (long)tz);
    if (tv) {
        tv->sec = (int64_t)(ns / NS_PER_SEC);
        tv->usec = (int64_t)(ns % NS_PER_SEC / 1000);
    }
    if (tz)
        *tz = (struct vdso_timezone){0, 0}; /* UTC, no daylight saving */
    return 0;
}

long __vdso_time(int64_t *t)
{
    uint64_t ns;
    if (!vdso_now(&ns))
        return vdso_syscall2(LX_SYS_time, (long)t, 0);
    int64_t sec = (int64_t)(ns / NS_PER_SEC);
    if (t)
        *t = sec;
    return sec;
}

/* Resolution 1 ns, as the system call says (the clock counts nanoseconds). */
long __vdso_clock_getres(long id, struct vdso_timespec *res)
{
    if (!lx_clock_is_monotonic((uint64_t)id))
        return vdso_syscall2(LX_SYS_clock_getres, id, (long)res);
    if (res)
        *res = (struct vdso_timespec){0, 1};
    return 0;
}

/* The names without the prefix, which Linux's vDSO also exports. */
long clock_gettime(long, struct vdso_timespec *) __attribute__((alias("__vdso_clock_gettime")));
long gettimeofday(struct vdso_timeval *, struct vdso_timezone *)
    __attribute__((alias("__vdso_gettimeofday")));
long time(int64_t *) __attribute__((alias("__vdso_time")));
long clock_getres(long, struct vdso_timespec *) __attribute__((alias("__vdso_clock_getres")));
