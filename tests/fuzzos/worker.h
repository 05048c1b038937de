/* worker.h: a fuzzing worker: a child process that makes a run of fuzzed calls and reports. */
#pragma once

#include <warp/types.h>

#define WORKER_ARG 0x46555a5a574f524bull /* spawn argument that makes bin/fuzzos a worker */
#define WORKER_CH 1                      /* the worker's channel to the main process */
#define WORKER_LINK 2                    /* a channel end whose peer its sibling holds (if linked) */
#define WORKER_MSG_CONFIG 0x100          /* main -> worker: struct worker_config */
#define WORKER_MSG_STATS 0x101           /* worker -> main: struct fz_stats */

struct worker_config {
    uint64_t seed;   /* the run's seed; the worker's stream is seeded with seed and its index */
    uint64_t calls;  /* fuzzed calls to make */
    uint32_t index;  /* which worker of the run */
    uint32_t shared; /* the initfs is shared with the worker (read-only pointers to offer) */
    uint32_t linked; /* handle WORKER_LINK is a channel to a sibling running at the same time */
    uint32_t mortal; /* it may be killed: only children that end by themselves, none to kill */
};

/* The worker's main: reads its config from WORKER_CH, fuzzes, releases everything, sends its
 * counts back. Returns 0, or 1 if a check failed, 2 if it could not start. */
int worker_main(const void *initfs, size_t initfs_size);
