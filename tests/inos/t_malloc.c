/* t_malloc.c: tests of the user-space heap (libs/user/malloc.c) inside Warp. */
#include "tests.h"

#include <warp/malloc.h>
#include <warp/string.h>

#define MALLOC_T_BLOCKS 300

static uint8_t *malloc_t_ptr[MALLOC_T_BLOCKS];
static size_t malloc_t_size[MALLOC_T_BLOCKS];

/* A small deterministic pseudo-random sequence (LCG). */
static uint32_t malloc_t_rand(uint32_t *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

/* True if block i still holds its fill byte over its first n bytes. */
static bool malloc_t_intact(unsigned i, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (malloc_t_ptr[i][k] != (uint8_t)i)
            return false;
    return true;
}

/* Many small blocks: aligned, disjoint contents, survive frees and reallocs of their neighbours. */
static void malloc_t_small(void)
{
    uint32_t seed = 42;
    bool aligned = true, intact = true;
    for (unsigned i = 0; i < MALLOC_T_BLOCKS; i++) {
        malloc_t_size[i] = 1 + malloc_t_rand(&seed) % 2000;
        malloc_t_ptr[i] = malloc(malloc_t_size[i]);
        aligned = aligned && malloc_t_ptr[i] && (uintptr_t)malloc_t_ptr[i] % 16 == 0;
        if (malloc_t_ptr[i])
            memset(malloc_t_ptr[i], (uint8_t)i, malloc_t_size[i]);
    }
    tap_ok(aligned, "%d mallocs of 1-2000 bytes return 16-byte aligned blocks", MALLOC_T_BLOCKS);
    for (unsigned i = 1; i < MALLOC_T_BLOCKS; i += 2)
        free(malloc_t_ptr[i]);
    tap_ok(malloc_check(), "the heap is consistent after freeing every other block");
    for (unsigned i = 0; i < MALLOC_T_BLOCKS && aligned; i += 2) {
        intact = intact && malloc_t_intact(i, malloc_t_size[i]);
        malloc_t_ptr[i] = realloc(malloc_t_ptr[i], malloc_t_size[i] * 3);
        intact = intact && malloc_t_ptr[i] && malloc_t_intact(i, malloc_t_size[i]);
    }
    tap_ok(aligned && intact, "blocks keep their contents through neighbours' frees and realloc growth");
    for (unsigned i = 0; i < MALLOC_T_BLOCKS; i += 2)
        free(malloc_t_ptr[i]);
    struct malloc_stats st;
    malloc_get_stats(&st);
    tap_ok(malloc_check() && st.blocks_in_use == 0 && st.bytes_in_use == 0 && st.arenas <= 1,
           "after freeing everything the heap is empty and keeps at most one arena (%zu)", st.arenas);
}

/* A large block gets its own mapping, which free returns. */
static void malloc_t_large(void)
{
    struct malloc_stats before, during, after;
    malloc_get_stats(&before);
    uint8_t *p = malloc(1 << 20);
    malloc_get_stats(&during);
    tap_ok(p && (uintptr_t)p % 16 == 0 && during.mappings == before.mappings + 1,
           "malloc of 1 MiB gets a mapping of its own");
    if (p) {
        memset(p, 0x5a, 1 << 20);
        p = realloc(p, 2 << 20);
        tap_ok(p && p[0] == 0x5a && p[(1 << 20) - 1] == 0x5a, "realloc to 2 MiB keeps the contents");
    }
    free(p);
    malloc_get_stats(&after);
    tap_eq((long)after.mappings, (long)before.mappings, "free of the large block unmaps it");
}

/* A heap far larger than 32 arenas of the first size (4 MiB): arenas grow, so 24 MiB of small blocks
 * fit in a handful of mappings, and freeing them gives the arenas back. */
#define MALLOC_T_GROW_BLOCKS 1536 /* of 16 KiB: 24 MiB */
static uint8_t *malloc_t_grow[MALLOC_T_GROW_BLOCKS];

static void malloc_t_growth(void)
{
    struct malloc_stats before, during, after;
    malloc_get_stats(&before);
    unsigned got = 0;
    while (got < MALLOC_T_GROW_BLOCKS && (malloc_t_grow[got] = malloc(16 << 10)) != NULL)
        memset(malloc_t_grow[got++], 0x33, 16 << 10);
    malloc_get_stats(&during);
    tap_eq(got, MALLOC_T_GROW_BLOCKS, "24 MiB of 16 KiB blocks are all allocated");
    tap_ok(during.arenas <= 10, "in at most 10 arenas, each twice the last (%zu)", during.arenas);
    bool intact = true;
    for (unsigned i = 0; i < got; i++) {
        intact = intact && malloc_t_grow[i][0] == 0x33 && malloc_t_grow[i][(16 << 10) - 1] == 0x33;
        free(malloc_t_grow[i]);
    }
    malloc_get_stats(&after);
    tap_ok(intact && malloc_check() && after.arenas <= 1 && after.bytes_in_use == before.bytes_in_use,
           "the blocks kept their contents; freed, the arenas go back (%zu left)", after.arenas);
}

/* Edge cases: zero sizes, overflow, calloc zeroing of reused memory. */
static void malloc_t_edges(void)
{
    void *a = malloc(0), *b = malloc(0);
    tap_ok(a && b && a != b, "malloc(0) returns distinct non-NULL pointers");
    free(a);
    free(b);
    tap_ok(malloc(~(size_t)0) == NULL, "malloc(SIZE_MAX) returns NULL");
    tap_ok(calloc(~(size_t)0 / 2, 3) == NULL, "calloc whose size overflows returns NULL");
    uint8_t *dirty = malloc(1000);
    if (dirty)
        memset(dirty, 0xff, 1000);
    free(dirty);
    uint8_t *clean = calloc(10, 100);
    tap_ok(clean && tests_all_zero(clean, 1000), "calloc returns zeroed memory even when reusing a block");
    free(clean);
    void *r = realloc(NULL, 10);
    tap_ok(r != NULL, "realloc(NULL, n) allocates");
    tap_ok(realloc(r, 0) == NULL && malloc_check(), "realloc(p, 0) frees and returns NULL");
}

/* The heap. */
void test_malloc(void)
{
    malloc_t_small();
    malloc_t_large();
    malloc_t_growth();
    malloc_t_edges();
}
