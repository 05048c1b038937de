/* report.c: counting the fuzzed calls and reporting failed checks (report.h). */
#include "report.h"

#include <warp/syscall.h>
#include <warp/user.h>

struct fz_stats fz_stats;

static struct {
    uint64_t seed;
    unsigned worker;
    long nr;
    uint64_t a[6];
    long r;
} last;

void fz_report_init(uint64_t seed, unsigned worker)
{
    last.seed = seed;
    last.worker = worker;
}

bool fz_result_plausible(long r)
{
    return r >= FZ_ERR_FLOOR;
}

long fz_sys(long nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
    last.nr = nr;
    last.a[0] = a1, last.a[1] = a2, last.a[2] = a3, last.a[3] = a4, last.a[4] = a5, last.a[5] = a6;
    long r = warp_syscall6(nr, (long)a1, (long)a2, (long)a3, (long)a4, (long)a5, (long)a6);
    last.r = r;
    fz_stats.calls++;
    if (nr > 0 && nr < SYS_COUNT && nr < 64) {
        fz_stats.by_nr_made |= 1ull << nr;
        if (r >= 0)
            fz_stats.by_nr_ok |= 1ull << nr;
    }
    fz_stats.succeeded += r >= 0;
    fz_stats.no_memory += r == ERR_NO_MEMORY;
    fz_check(fz_result_plausible(r), "the result is a value or an error code");
    return r;
}

bool fz_check(bool ok, const char *what)
{
    if (ok)
        return true;
    fz_stats.failures++;
    printf("# fuzzos: FAILED: %s: seed %#lx worker %u call %lu: syscall %ld (%#lx, %#lx, %#lx, %#lx, %#lx, "
           "%#lx) = %ld (%s)\n",
           what, (unsigned long)last.seed, last.worker, (unsigned long)fz_stats.calls, last.nr,
           (unsigned long)last.a[0], (unsigned long)last.a[1], (unsigned long)last.a[2],
           (unsigned long)last.a[3], (unsigned long)last.a[4], (unsigned long)last.a[5], last.r,
           last.r < 0 ? err_str(last.r) : "ok");
    return false;
}
