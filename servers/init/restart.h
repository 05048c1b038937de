/* restart.h: init's restart policy: whether and when a service that ended starts again (pure). */
#pragma once

#include "manifest.h"

/*
 * A run shorter than RESTART_STABLE_NS is "quick". Consecutive quick runs form a streak; the k-th
 * restart of a streak waits 0 (k = 1), then RESTART_DELAY_MIN_NS doubling (k = 2, 3, ...) up to
 * RESTART_DELAY_MAX_NS. A service that ends quickly once more after RESTART_LIMIT restarts in a
 * streak is given up. A run of RESTART_STABLE_NS or more ends the streak: its restart is immediate.
 * So a crash-looping service costs at most RESTART_LIMIT more starts, spread over about 9 seconds
 * (0 + 50 + 100 + ... + 2000 ms), before init stops trying. An essential service (essential = yes)
 * is never given up: it keeps being restarted, RESTART_DELAY_MAX_NS apart once the streak is long.
 */
#define RESTART_STABLE_NS (10ull * 1000000000ull)
#define RESTART_DELAY_MIN_NS (50ull * 1000000ull)
#define RESTART_DELAY_MAX_NS (2000ull * 1000000ull)
#define RESTART_LIMIT 10

/* A service's restart history. Zero-initialised before its first start. */
struct restart_state {
    unsigned streak; /* restarts since the last stable run */
};

enum restart_verdict {
    RESTART_NO = 1,  /* the policy does not restart after this end */
    RESTART_YES,     /* start it again after *delay_ns */
    RESTART_GIVE_UP, /* it would, but the service keeps failing: RESTART_LIMIT reached */
};

/* True if an end counts as a failure: anything but EXIT_NORMAL with code 0. */
bool restart_is_failure(const struct exit_info *info);

/*
 * Decides what follows the end of a run of svc that lasted ran_ns (failed: restart_is_failure),
 * updating *st. For RESTART_YES, *delay_ns is the time to wait before starting again.
 */
enum restart_verdict restart_decide(struct restart_state *st, const struct manifest_service *svc, bool failed,
                                    uint64_t ran_ns, uint64_t *delay_ns);
