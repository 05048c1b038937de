/* test_page_alloc.c: unit tests for the bitmap physical page allocator, including a shadow-model stress test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mm/page_alloc.h"

#define BASE 0x100ull  /* first managed pfn (1 MiB) */
#define NPAGES 1000ull /* deliberately not a multiple of 64 */

static uint64_t bitmap[(NPAGES + 63) / 64];
static struct page_alloc pa;

/* A fresh allocator over [BASE, BASE + NPAGES) with everything free. */
static void setup_all_free(void)
{
    page_alloc_init(&pa, BASE, NPAGES, bitmap);
    page_alloc_add_free(&pa, BASE, NPAGES);
}

/* A copy of the allocator's whole state, to prove that failed calls change nothing. */
struct snapshot {
    struct page_alloc pa;
    uint64_t bitmap[(NPAGES + 63) / 64];
};

/* Records the current state. */
static void take(struct snapshot *s)
{
    s->pa = pa;
    memcpy(s->bitmap, bitmap, sizeof(bitmap));
}

/* Fails unless the state is what was recorded. */
static void same_as(const struct snapshot *s)
{
    assert_memory_equal(&s->pa, &pa, sizeof(pa));
    assert_memory_equal(s->bitmap, bitmap, sizeof(bitmap));
}

/* Bitmap sizes are whole 64-bit words. */
static void test_bitmap_bytes(void **state)
{
    (void)state;
    assert_int_equal(page_alloc_bitmap_bytes(0), 0);
    assert_int_equal(page_alloc_bitmap_bytes(1), 8);
    assert_int_equal(page_alloc_bitmap_bytes(64), 8);
    assert_int_equal(page_alloc_bitmap_bytes(65), 16);
    assert_int_equal(page_alloc_bitmap_bytes(NPAGES), 128);
    assert_int_equal(page_alloc_bitmap_bytes(UINT64_MAX), 1ull << 61); /* no overflow */
}

/* After init nothing is free or managed, so nothing can be allocated. */
static void test_init_all_reserved(void **state)
{
    (void)state;
    page_alloc_init(&pa, BASE, NPAGES, bitmap);
    assert_int_equal(page_alloc_free_count(&pa), 0);
    assert_int_equal(pa.managed_pages, 0);
    assert_int_equal(page_alloc_alloc(&pa, 1, 1), ERR_NO_MEMORY);
    assert_int_equal(page_alloc_free(&pa, BASE, 1), ERR_INVALID_ARG); /* never RAM */
}

/* add_free counts each page once and clips to the managed range. */
static void test_add_free_accounting(void **state)
{
    (void)state;
    page_alloc_init(&pa, BASE, NPAGES, bitmap);
    page_alloc_add_free(&pa, 0, BASE + 128); /* starts below the range */
    assert_int_equal(page_alloc_free_count(&pa), 128);
    page_alloc_add_free(&pa, BASE + 100, 50); /* half already free */
    assert_int_equal(page_alloc_free_count(&pa), 150);
    page_alloc_add_free(&pa, BASE + NPAGES - 10, 100); /* runs past the end */
    assert_int_equal(page_alloc_free_count(&pa), 160);
    page_alloc_add_free(&pa, BASE + NPAGES, 100); /* wholly outside */
    page_alloc_add_free(&pa, 0, BASE);
    page_alloc_add_free(&pa, BASE + 5, 0);
    page_alloc_add_free(&pa, UINT64_MAX - 5, 100); /* pfn + count wraps */
    assert_int_equal(page_alloc_free_count(&pa), 160);
    assert_int_equal(pa.managed_pages, 160);
    page_alloc_add_free(&pa, 0, UINT64_MAX);
    assert_int_equal(page_alloc_free_count(&pa), NPAGES);
    assert_int_equal(pa.managed_pages, NPAGES);
}

/* reserve removes free pages from both counts, once, and ignores pages that were never added. */
static void test_reserve_accounting(void **state)
{
    (void)state;
    page_alloc_init(&pa, BASE, NPAGES, bitmap);
    page_alloc_add_free(&pa, BASE, 500);
    page_alloc_reserve(&pa, BASE + 10, 5);
    assert_int_equal(page_alloc_free_count(&pa), 495);
    assert_int_equal(pa.managed_pages, 495);
    page_alloc_reserve(&pa, BASE + 10, 5); /* idempotent */
    page_alloc_reserve(&pa, BASE + 8, 4);  /* overlaps the first reservation */
    assert_int_equal(page_alloc_free_count(&pa), 493);
    page_alloc_reserve(&pa, BASE + 490, 100); /* only 10 of these were free */
    assert_int_equal(page_alloc_free_count(&pa), 483);
    assert_int_equal(pa.managed_pages, 483);
    page_alloc_reserve(&pa, 0, BASE + 1); /* clipped to BASE alone */
    assert_int_equal(page_alloc_free_count(&pa), 482);
    page_alloc_reserve(&pa, UINT64_MAX - 1, 10);
    assert_int_equal(pa.managed_pages, 482);
    /* Reserved pages are never handed out. */
    for (uint64_t i = 0; i < 482; i++) {
        int64_t p = page_alloc_alloc(&pa, 1, 1);
        assert_true(p > (int64_t)BASE);
        assert_false(p >= (int64_t)BASE + 8 && p < (int64_t)BASE + 15);
        assert_true(p < (int64_t)BASE + 490);
    }
    assert_int_equal(page_alloc_alloc(&pa, 1, 1), ERR_NO_MEMORY);
    page_alloc_init(&pa, BASE, NPAGES, bitmap);
    page_alloc_add_free(&pa, BASE, NPAGES);
    page_alloc_reserve(&pa, BASE, 1);
    assert_int_equal(page_alloc_free(&pa, BASE, 1), ERR_INVALID_ARG); /* nothing allocated yet */
}

/* Allocating every page one at a time gives each exactly once, then ERR_NO_MEMORY. */
static void test_alloc_all(void **state)
{
    static bool seen[NPAGES];

    (void)state;
    setup_all_free();
    memset(seen, 0, sizeof(seen));
    for (uint64_t i = 0; i < NPAGES; i++) {
        int64_t p = page_alloc_alloc(&pa, 1, 1);
        assert_true(p >= (int64_t)BASE && p < (int64_t)(BASE + NPAGES));
        assert_false(seen[p - BASE]);
        seen[p - BASE] = true;
    }
    assert_int_equal(page_alloc_free_count(&pa), 0);
    assert_int_equal(page_alloc_alloc(&pa, 1, 1), ERR_NO_MEMORY);
    assert_int_equal(pa.managed_pages, NPAGES);
}

/* A freed page is found again, even behind the next-fit hint. */
static void test_free_and_reuse(void **state)
{
    (void)state;
    setup_all_free();
    for (uint64_t i = 0; i < NPAGES; i++)
        assert_true(page_alloc_alloc(&pa, 1, 1) >= 0);
    assert_int_equal(page_alloc_free(&pa, BASE + 3, 1), 0);
    assert_int_equal(page_alloc_free_count(&pa), 1);
    assert_int_equal(page_alloc_alloc(&pa, 1, 1), BASE + 3);
    assert_int_equal(page_alloc_free(&pa, BASE + NPAGES - 1, 1), 0);
    assert_int_equal(page_alloc_alloc(&pa, 1, 1), BASE + NPAGES - 1);
    assert_int_equal(page_alloc_free(&pa, BASE + 500, 64), 0);
    assert_int_equal(page_alloc_alloc(&pa, 64, 1), BASE + 500);
}

/* Contiguous runs with alignment measured in absolute pfns, not offsets into the range. */
static void test_contiguous_aligned(void **state)
{
    static uint64_t bm[(NPAGES + 63) / 64];
    struct page_alloc odd;

    (void)state;
    setup_all_free();
    assert_int_equal(page_alloc_alloc(&pa, NPAGES, 1), BASE);
    assert_int_equal(page_alloc_free(&pa, BASE, NPAGES), 0);
    int64_t p = page_alloc_alloc(&pa, 16, 16);
    assert_true(p >= 0 && p % 16 == 0);
    int64_t q = page_alloc_alloc(&pa, 3, 512);
    assert_true(q >= 0 && q % 512 == 0);
    assert_int_equal(page_alloc_alloc(&pa, 1, 1024), 1024); /* the only 1024-aligned pfn */
    assert_int_equal(page_alloc_alloc(&pa, 1, 1024), ERR_NO_MEMORY);
    assert_int_equal(page_alloc_alloc(&pa, 2, 1ull << 63), ERR_NO_MEMORY);
    assert_int_equal(page_alloc_alloc(&pa, NPAGES + 1, 1), ERR_NO_MEMORY);

    page_alloc_init(&odd, 0x103, NPAGES, bm); /* base not aligned */
    page_alloc_add_free(&odd, 0x103, NPAGES);
    for (uint64_t align = 1; align <= 256; align <<= 1) {
        int64_t r = page_alloc_alloc(&odd, 5, align);
        assert_true(r >= 0x103 && (uint64_t)r % align == 0);
    }
}

/* Fragmented memory: plenty free, but no two adjacent pages. */
static void test_fragmentation(void **state)
{
    (void)state;
    setup_all_free();
    for (uint64_t i = 0; i < NPAGES; i++)
        assert_int_equal(page_alloc_alloc(&pa, 1, 1), (int64_t)(BASE + i));
    for (uint64_t i = 0; i < NPAGES; i += 2)
        assert_int_equal(page_alloc_free(&pa, BASE + i, 1), 0);
    assert_int_equal(page_alloc_free_count(&pa), NPAGES / 2);
    assert_int_equal(page_alloc_alloc(&pa, 2, 1), ERR_NO_MEMORY);
    assert_int_equal(page_alloc_free(&pa, BASE + 101, 1), 0);
    assert_int_equal(page_alloc_alloc(&pa, 3, 1), BASE + 100);
}

/* Bad counts and alignments. */
static void test_invalid_args(void **state)
{
    (void)state;
    setup_all_free();
    assert_int_equal(page_alloc_alloc(&pa, 0, 1), ERR_INVALID_ARG);
    assert_int_equal(page_alloc_alloc(&pa, 1, 0), ERR_INVALID_ARG);
    assert_int_equal(page_alloc_alloc(&pa, 1, 3), ERR_INVALID_ARG);
    assert_int_equal(page_alloc_alloc(&pa, 1, 6), ERR_INVALID_ARG);
    assert_int_equal(page_alloc_alloc(&pa, 1, UINT64_MAX), ERR_INVALID_ARG);
    assert_int_equal(page_alloc_free_count(&pa), NPAGES);
}

/* Freeing a free page, or a range with any free page in it, is refused and changes nothing. */
static void test_double_free(void **state)
{
    struct snapshot s;

    (void)state;
    setup_all_free();
    int64_t p = page_alloc_alloc(&pa, 4, 1);
    assert_true(p >= 0);
    assert_int_equal(page_alloc_free(&pa, (uint64_t)p, 4), 0);
    take(&s);
    assert_int_equal(page_alloc_free(&pa, (uint64_t)p, 4), ERR_DOUBLE_FREE);
    same_as(&s);
    p = page_alloc_alloc(&pa, 4, 1);
    assert_int_equal(page_alloc_free(&pa, (uint64_t)p + 1, 1), 0);
    take(&s);
    assert_int_equal(page_alloc_free(&pa, (uint64_t)p, 4), ERR_DOUBLE_FREE);
    same_as(&s);
    assert_int_equal(page_alloc_free(&pa, (uint64_t)p + 2, 2), 0);
    assert_int_equal(page_alloc_free(&pa, (uint64_t)p, 1), 0);
    assert_int_equal(page_alloc_free_count(&pa), NPAGES);
}

/* Frees outside the managed range (or of zero pages) are refused and change nothing. */
static void test_free_out_of_range(void **state)
{
    struct snapshot s;

    (void)state;
    setup_all_free();
    assert_int_equal(page_alloc_alloc(&pa, NPAGES, 1), BASE);
    take(&s);
    assert_int_equal(page_alloc_free(&pa, BASE - 1, 1), ERR_INVALID_ARG);
    assert_int_equal(page_alloc_free(&pa, BASE - 1, 2), ERR_INVALID_ARG);
    assert_int_equal(page_alloc_free(&pa, BASE + NPAGES, 1), ERR_INVALID_ARG);
    assert_int_equal(page_alloc_free(&pa, BASE + NPAGES - 1, 2), ERR_INVALID_ARG);
    assert_int_equal(page_alloc_free(&pa, BASE, NPAGES + 1), ERR_INVALID_ARG);
    assert_int_equal(page_alloc_free(&pa, BASE + 1, UINT64_MAX), ERR_INVALID_ARG);
    assert_int_equal(page_alloc_free(&pa, UINT64_MAX, 1), ERR_INVALID_ARG);
    assert_int_equal(page_alloc_free(&pa, BASE, 0), ERR_INVALID_ARG);
    same_as(&s);
}

/* An allocator over zero pages refuses everything without touching its (absent) bitmap. */
static void test_empty_range(void **state)
{
    struct page_alloc none;

    (void)state;
    page_alloc_init(&none, BASE, 0, NULL);
    page_alloc_add_free(&none, 0, UINT64_MAX);
    page_alloc_reserve(&none, 0, UINT64_MAX);
    assert_int_equal(page_alloc_alloc(&none, 1, 1), ERR_NO_MEMORY);
    assert_int_equal(page_alloc_free(&none, BASE, 1), ERR_INVALID_ARG);
    assert_int_equal(page_alloc_free_count(&none), 0);
}

/* A small deterministic PRNG (xorshift64). */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Allocations and frees in many sizes bring the free count back to where it started. */
static void test_churn_returns_to_baseline(void **state)
{
    static int64_t held[NPAGES];
    static uint64_t sizes[NPAGES];
    uint64_t seed = 12345;

    (void)state;
    setup_all_free();
    page_alloc_reserve(&pa, BASE + 200, 37);
    uint64_t baseline = page_alloc_free_count(&pa);
    for (int round = 0; round < 50; round++) {
        size_t n = 0;
        for (;;) {
            uint64_t count = 1 + rng_next(&seed) % 9;
            int64_t p = page_alloc_alloc(&pa, count, 1ull << (rng_next(&seed) % 3));
            if (p < 0)
                break;
            held[n] = p;
            sizes[n++] = count;
        }
        for (size_t i = 0; i < n; i++)
            assert_int_equal(page_alloc_free(&pa, (uint64_t)held[i], sizes[i]), 0);
        assert_int_equal(page_alloc_free_count(&pa), baseline);
    }
}

#define STRESS_PAGES 700ull
#define STRESS_BASE 0x1235ull

/* True if the shadow model has count free pages starting at an align-aligned pfn. */
static bool shadow_has_run(const bool *used, uint64_t count, uint64_t align)
{
    for (uint64_t i = 0; i + count <= STRESS_PAGES; i++) {
        if ((STRESS_BASE + i) % align != 0)
            continue;
        uint64_t j = 0;
        while (j < count && !used[i + j])
            j++;
        if (j == count)
            return true;
    }
    return false;
}

/* One live allocation in the stress test. */
struct block {
    uint64_t pfn;
    uint64_t count;
};

/* Tries one random allocation and checks it against the shadow model. */
static void stress_alloc(struct page_alloc *a, bool *used, struct block *blocks, size_t *n, uint64_t *seed)
{
    uint64_t count = 1 + rng_next(seed) % (rng_next(seed) % 4 == 0 ? 40 : 4);
    uint64_t align = 1ull << (rng_next(seed) % 5);
    int64_t p = page_alloc_alloc(a, count, align);

    if (p == ERR_NO_MEMORY) {
        assert_false(shadow_has_run(used, count, align));
        return;
    }
    assert_true(p >= (int64_t)STRESS_BASE && (uint64_t)p % align == 0);
    uint64_t i0 = (uint64_t)p - STRESS_BASE;
    assert_true(i0 + count <= STRESS_PAGES);
    for (uint64_t i = i0; i < i0 + count; i++) {
        assert_false(used[i]);
        used[i] = true;
    }
    blocks[(*n)++] = (struct block){(uint64_t)p, count};
}

/* Frees a random live block (sometimes trying a double free first) against the shadow model. */
static void stress_free(struct page_alloc *a, bool *used, struct block *blocks, size_t *n, uint64_t *seed)
{
    size_t k = rng_next(seed) % *n;
    struct block b = blocks[k];

    blocks[k] = blocks[--*n];
    assert_int_equal(page_alloc_free(a, b.pfn, b.count), 0);
    for (uint64_t i = b.pfn - STRESS_BASE; i < b.pfn - STRESS_BASE + b.count; i++)
        used[i] = false;
    /* Any range touching a free page must be refused. */
    uint64_t start = b.pfn - rng_next(seed) % 3;
    if (start >= STRESS_BASE)
        assert_int_equal(page_alloc_free(a, start, b.pfn - start + 1), ERR_DOUBLE_FREE);
}

/* Random allocations and frees agree at every step with a simple array model. */
static void test_stress_against_shadow(void **state)
{
    static uint64_t bm[(STRESS_PAGES + 63) / 64];
    static bool used[STRESS_PAGES];
    static struct block blocks[STRESS_PAGES];
    struct page_alloc a;
    uint64_t seed = 0xdecafbadull;
    size_t n = 0;

    (void)state;
    page_alloc_init(&a, STRESS_BASE, STRESS_PAGES, bm);
    page_alloc_add_free(&a, STRESS_BASE, STRESS_PAGES);
    memset(used, 0, sizeof(used));
    for (int step = 0; step < 30000; step++) {
        if (n > 0 && rng_next(&seed) % 100 < 45)
            stress_free(&a, used, blocks, &n, &seed);
        else
            stress_alloc(&a, used, blocks, &n, &seed);
        uint64_t free_pages = 0;
        for (uint64_t i = 0; i < STRESS_PAGES; i++)
            free_pages += !used[i];
        assert_int_equal(page_alloc_free_count(&a), free_pages);
    }
    while (n > 0)
        stress_free(&a, used, blocks, &n, &seed);
    assert_int_equal(page_alloc_free_count(&a), STRESS_PAGES);
}

/* Single-page allocation over 4 GiB of pages stays fast (the next-fit hint avoids rescans). */
static void test_large_range_next_fit(void **state)
{
    const uint64_t npages = 1ull << 20;
    uint64_t *bm = malloc(page_alloc_bitmap_bytes(npages));
    struct page_alloc a;

    (void)state;
    assert_non_null(bm);
    page_alloc_init(&a, 0, npages, bm);
    page_alloc_add_free(&a, 0, npages);
    for (uint64_t i = 0; i < npages; i++)
        assert_int_equal(page_alloc_alloc(&a, 1, 1), (int64_t)i);
    assert_int_equal(page_alloc_alloc(&a, 1, 1), ERR_NO_MEMORY);
    assert_int_equal(page_alloc_free(&a, 0, npages), 0);
    assert_int_equal(page_alloc_free_count(&a), npages);
    free(bm);
}

/* Runs the tests in this file; cmocka reports them (TAP with CMOCKA_MESSAGE_OUTPUT=TAP). */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bitmap_bytes),
        cmocka_unit_test(test_init_all_reserved),
        cmocka_unit_test(test_add_free_accounting),
        cmocka_unit_test(test_reserve_accounting),
        cmocka_unit_test(test_alloc_all),
        cmocka_unit_test(test_free_and_reuse),
        cmocka_unit_test(test_contiguous_aligned),
        cmocka_unit_test(test_fragmentation),
        cmocka_unit_test(test_invalid_args),
        cmocka_unit_test(test_double_free),
        cmocka_unit_test(test_free_out_of_range),
        cmocka_unit_test(test_empty_range),
        cmocka_unit_test(test_churn_returns_to_baseline),
        cmocka_unit_test(test_stress_against_shadow),
        cmocka_unit_test(test_large_range_next_fit),
    };
    return cmocka_run_group_tests_name("page_alloc", tests, NULL, NULL);
}
