/* report.h: every fuzzed system call goes through fz_sys, which counts it and keeps its arguments,
 * and every check through fz_check, which prints what is needed to reproduce a failure. */
#pragma once

#include "gen.h"

#define FZ_ERR_FLOOR (-64) /* results below 0 and at or above this are error codes (new ones too) */
#define FZ_FAILURES_MAX 5  /* a worker stops after this many failed checks */

/* What a worker reports to the fuzzer's main process when it ends. */
struct fz_stats {
    uint64_t calls;      /* system calls made with generated arguments */
    uint64_t succeeded;  /* of which returned >= 0 */
    uint64_t failures;   /* checks that failed */
    uint64_t desync;     /* handles or mappings the pool believed live that were not, at the end */
    uint64_t spawned;    /* children started */
    uint64_t by_nr_ok;   /* distinct system-call numbers that succeeded at least once (bit set) */
    uint64_t by_nr_made; /* distinct system-call numbers made (bit set) */
    uint64_t no_memory;  /* calls that failed with ERR_NO_MEMORY (the kernel's own failure paths) */
};

extern struct fz_stats fz_stats;

/* Names the run in failure reports: the fuzz seed, this worker's index, and the call number. */
void fz_report_init(uint64_t seed, unsigned worker);
/* Makes system call nr with the arguments, counting it and keeping it for fz_check's report. */
long fz_sys(long nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6);
/* Records a failed check (ok false) of the last fz_sys call, printing it with the seed; returns ok. */
bool fz_check(bool ok, const char *what);
/* A result any call may give: a value >= 0 or an error code. Checked by fz_sys itself. */
bool fz_result_plausible(long r);
