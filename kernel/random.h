/* random.h: the kernel's random-number generator (SYS_ENTROPY, docs/syscalls.md "Entropy"). */
#pragma once

#include <warp/types.h>

#define RANDOM_FILL_MAX 256 /* bytes per SYS_ENTROPY call */

/* Seed the generator: the CPU's hardware source when it has one, and clock jitter. Boot, once. */
void random_init(void);
/* Fold an unpredictable-ish value (an interrupt's cycle count) into the pool of the next reseed. */
void random_mix(uint64_t v);
/* Fill buf with n <= RANDOM_FILL_MAX random bytes. */
void random_fill(void *buf, size_t n);
/* True when the generator is keyed from a hardware source (RDSEED/RDRAND), not from jitter alone. */
bool random_hw_seeded(void);
