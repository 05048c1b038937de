/* gen.h: the fuzzer's random choices: a seeded generator, and arguments by type (handles of a kind,
 * pointers, sizes), each valid or broken in the ways a hostile caller would break it. */
#pragma once

#include <warp/types.h>

#define GEN_SCRATCH_SIZE (64u << 10) /* the buffer that valid pointers point into */

/* What the generator knows about an argument it made. */
enum gen_kind {
    GEN_VALID = 0, /* names something the call may accept (a live handle, memory we own) */
    GEN_BAD,       /* surely refused: a stale or made-up handle, a kernel or non-canonical address */
    GEN_UNSURE,    /* may go either way (a range running off the end of a mapping) */
};

/* Seeds the generator (splitmix64 of seed, so nearby seeds give unrelated streams). */
void gen_seed(uint64_t seed);
uint64_t gen_next(void);
/* A value in [0, n), n > 0. */
uint64_t gen_below(uint64_t n);
/* True one time in n. */
bool gen_one_in(uint64_t n);
/* One of the values that break code: 0, 1, -1, powers of two and their neighbours, sign bits. */
uint64_t gen_edge(void);

/* Remembers what the process may use as read-only memory (the initfs, when shared). */
void gen_set_readonly(const void *base, size_t size);
/* Names the channel to a sibling worker, which gen_handle then offers more often than the rest. */
void gen_set_link(handle_t link);
/* A handle for an argument wanting an object of type (OBJ_*, 0 for any) with rights: mostly one
 * of ours of that type; else another type, a stale value or a made-up one. *kind says which. */
handle_t gen_handle(uint32_t type, uint32_t rights, enum gen_kind *kind);
/* A pointer to len bytes the kernel will read (write: also write): mostly into scratch or a
 * mapping of ours; else null, unmapped, read-only (GEN_BAD only if write), kernel, non-canonical,
 * wrapping, or off the end of a mapping. */
uint64_t gen_ptr(uint64_t len, bool write, enum gen_kind *kind);
/* A length: mostly up to max, sometimes 0, max + 1 or one of gen_edge's values. */
uint64_t gen_len(uint64_t max);
/* The scratch buffer (GEN_SCRATCH_SIZE bytes, page-aligned, writable). */
uint8_t *gen_scratch(void);
