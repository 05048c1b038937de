/* random.h: the kernel's random-number generator (SYS_ENTROPY, docs/syscalls.md "Entropy"). */
#pragma once

#include <warp/types.h>

/* Seed the generator: the CPU's hardware source when it has one, and clock jitter. Boot, once. */
void random_init(void);
/* Fold an unpredictable-ish value (an interrupt's cycle count) into the pool of the next reseed. */
void random_mix(uint64_t v);
/* Fill buf with n random bytes (SYS_ENTROPY asks for at most ENTROPY_MAX at a time). */
void random_fill(void *buf, size_t n);
/* Zero n bytes of a secret (a key, random output) in a way the compiler may not drop as a dead
 * store to memory about to go out of scope. */
void random_wipe(void *p, size_t n);
