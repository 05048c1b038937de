/* siphash.h: SipHash-2-4, a keyed 64-bit hash (Aumasson and Bernstein, 2012); pure code. */
#pragma once

#include <warp/types.h>

/* The SipHash-2-4 of len bytes at data under a 16-byte key. */
uint64_t siphash24(const uint8_t key[16], const void *data, size_t len);
