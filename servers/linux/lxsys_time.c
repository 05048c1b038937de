/* lxsys_time.c: clocks (from SYS_CLOCK) and sleeps (the process stays stopped on a loop timeout). */
#include <warp/clock.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxproc.h"
#include "lxmem.h"
#include "lxsig.h"
#include "lxsys.h"

#define LXT_NS 1000000000ull

/* struct timespec and struct timeval on x86-64. */
struct lxt_pair {
    int64_t sec, frac;
};

/*
 * The time of clock id in nanoseconds, or -EINVAL. There is no wall clock yet: CLOCK_REALTIME is the
 * time since boot counted from the Unix epoch (dates read 1970-01-01: plainly wrong rather than
 * plausibly wrong). The CPU-time clocks give the time since the process started (an upper bound:
 * there is no per-process CPU time to read).
 */
static int64_t lxt_now(struct lxproc *p, uint64_t id)
{
    uint64_t now = warp_clock();
    if (lx_clock_is_monotonic(id))
        return (int64_t)now;
    if (id == LX_CLOCK_PROCESS_CPUTIME_ID || id == LX_CLOCK_THREAD_CPUTIME_ID)
        return (int64_t)(now - p->start_ns);
    return -LX_EINVAL;
}

/* Writes a timespec (unit 1: nanoseconds) or timeval (unit 1000: microseconds) of ns to addr. */
static int64_t lxt_put(struct lxproc *p, uint64_t addr, uint64_t ns, uint64_t unit)
{
    struct lxt_pair v = {(int64_t)(ns / LXT_NS), (int64_t)(ns % LXT_NS / unit)};
    return lxmem_write(p, addr, &v, sizeof(v));
}

int64_t lxsys_clock_gettime(struct lxproc *p, const struct trap_info *t)
{
    int64_t now = lxt_now(p, t->args[0]);
    return now < 0 ? now : lxt_put(p, t->args[1], (uint64_t)now, 1);
}

int64_t lxsys_clock_getres(struct lxproc *p, const struct trap_info *t)
{
    int64_t now = lxt_now(p, t->args[0]);
    if (now < 0 || t->args[1] == 0)
        return now < 0 ? now : 0;
    return lxt_put(p, t->args[1], 1, 1); /* SYS_CLOCK counts nanoseconds */
}

int64_t lxsys_gettimeofday(struct lxproc *p, const struct trap_info *t)
{
    static const struct lxt_pair utc = {0, 0}; /* struct timezone: UTC, no DST */
    if (t->args[0] && lxt_put(p, t->args[0], warp_clock(), 1000) < 0)
        return -LX_EFAULT;
    if (t->args[1] && lxmem_write(p, t->args[1], &utc, 8) < 0)
        return -LX_EFAULT;
    return 0;
}

int64_t lxsys_time(struct lxproc *p, const struct trap_info *t)
{
    int64_t sec = (int64_t)(warp_clock() / LXT_NS);
    if (t->args[0] && lxmem_write(p, t->args[0], &sec, sizeof(sec)) < 0)
        return -LX_EFAULT;
    return sec;
}

/* Reads the timespec at addr into nanoseconds (saturated); -EFAULT or -EINVAL (bad fields). */
static int64_t lxt_get(struct lxproc *p, uint64_t addr, uint64_t *ns)
{
    struct lxt_pair v;
    if (lxmem_read(p, addr, &v, sizeof(v)) < 0)
        return -LX_EFAULT;
    if (v.sec < 0 || v.frac < 0 || v.frac >= (int64_t)LXT_NS)
        return -LX_EINVAL;
    *ns = (uint64_t)v.sec > (UINT64_MAX / 2) / LXT_NS ? UINT64_MAX / 2
                                                      : (uint64_t)v.sec * LXT_NS + (uint64_t)v.frac;
    return 0;
}

/* Keeps the process stopped until deadline (a SYS_CLOCK time); its trap is answered 0 then, or
 * -EINTR (the time left to rem, when nonzero) if a signal acts first. */
static int64_t lxt_sleep_until(struct lxproc *p, uint64_t deadline, uint64_t rem)
{
    return lxsig_wait(p, LXSIG_WAIT_SLEEP, deadline, rem);
}

int64_t lxsys_nanosleep(struct lxproc *p, const struct trap_info *t)
{
    uint64_t ns;
    int64_t r = lxt_get(p, t->args[0], &ns);
    return r < 0 ? r : lxt_sleep_until(p, warp_clock() + ns, t->args[1]);
}

int64_t lxsys_clock_nanosleep(struct lxproc *p, const struct trap_info *t)
{
    uint64_t ns;
    int64_t now = lxt_now(p, t->args[0]);
    if (now < 0 || t->args[0] == LX_CLOCK_THREAD_CPUTIME_ID)
        return -LX_EINVAL;
    if (t->args[1] & ~(uint64_t)LX_TIMER_ABSTIME)
        return -LX_EINVAL;
    int64_t r = lxt_get(p, t->args[2], &ns);
    if (r < 0)
        return r;
    if (!(t->args[1] & LX_TIMER_ABSTIME))
        return lxt_sleep_until(p, warp_clock() + ns, t->args[3]);
    uint64_t offset = warp_clock() - (uint64_t)now; /* the clock's zero on SYS_CLOCK's scale */
    return lxt_sleep_until(p, ns + offset, 0);
}
