/* malloc.h: the user-space heap: malloc, free, calloc, realloc over SYS_VM_MAP. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Small blocks come from arenas, first fit over an address-ordered free list per arena, coalesced on
 * free. The first arena has MALLOC_ARENA_SIZE bytes, each next one twice the largest so far, up to
 * MALLOC_ARENA_MAX. Requests of MALLOC_LARGE_MIN bytes or more get a mapping of
 * their own, returned to the kernel by free. Every process may hold only 32 mappings (heap included).
 * Pointers are 16-byte aligned. Not thread-safe (servers are single-threaded event loops).
 * free of a pointer malloc did not return, or of a block already freed, prints why and exits.
 */
#define MALLOC_ARENA_SIZE (128u << 10)
#define MALLOC_ARENA_MAX (16u << 20)
#define MALLOC_LARGE_MIN (32u << 10)

void *malloc(size_t size);
void free(void *ptr);
void *calloc(size_t n, size_t size);
void *realloc(void *ptr, size_t size);

/* What the heap holds right now. */
struct malloc_stats {
    size_t mappings; /* SYS_VM_MAP mappings: arenas plus large blocks */
    size_t arenas;
    size_t blocks_in_use; /* allocated and not yet freed */
    size_t bytes_in_use;  /* their sizes, headers included */
};

/* Fills *out with the heap's current counters. */
void malloc_get_stats(struct malloc_stats *out);
/* Walks every arena and checks the heap's invariants; false if anything is corrupt. */
bool malloc_check(void);
