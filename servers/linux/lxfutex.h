/* lxfutex.h: futex waits and wakes among the threads of a group. */
#pragma once

#include "lxstate.h"

#define LXFUTEX_ANY 0xffffffffu /* FUTEX_BITSET_MATCH_ANY */

/* Wakes up to n waiters of group leader l on the futex word uaddr whose bitsets meet
 * bitset, first come first served; how many. */
unsigned lxfutex_wake(struct lxproc *l, uint64_t uaddr, uint32_t n, uint32_t bitset);

/* p's futex wait is dropped (its end, or a signal answered it); harmless when it has none. */
void lxfutex_end(struct lxproc *p);
