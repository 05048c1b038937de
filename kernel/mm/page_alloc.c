/* page_alloc.c: the bitmap physical page allocator (next fit, scanned a 64-bit word at a time). */
#include "page_alloc.h"

#define PA_WORD_BITS 64u
#define PA_ALL_ONES (~(uint64_t)0)

/* Number of 64-bit bitmap words covering npages. */
static uint64_t page_alloc_nwords(uint64_t npages)
{
    return npages / PA_WORD_BITS + (npages % PA_WORD_BITS != 0);
}

/* Counts the set bits of w (no libgcc helper: the kernel does not link libgcc). */
static uint64_t page_alloc_popcount(uint64_t w)
{
    uint64_t n = 0;

    for (; w != 0; w &= w - 1)
        n++;
    return n;
}

/* Mask of bits [lo, hi) within one word, 0 <= lo < hi <= 64. */
static uint64_t page_alloc_mask(unsigned lo, unsigned hi)
{
    uint64_t upto_hi = hi == PA_WORD_BITS ? PA_ALL_ONES : (((uint64_t)1 << hi) - 1);

    return upto_hi & ~(((uint64_t)1 << lo) - 1);
}

/*
 * Sets (set = true) or clears the bits of pages [first, end) and returns how
 * many actually changed. Precondition: first <= end <= npages.
 */
static uint64_t page_alloc_change(struct page_alloc *pa, uint64_t first, uint64_t end, bool set)
{
    uint64_t changed = 0;

    while (first < end) {
        uint64_t w = first / PA_WORD_BITS;
        unsigned lo = (unsigned)(first % PA_WORD_BITS);
        unsigned hi = end - w * PA_WORD_BITS >= PA_WORD_BITS ? PA_WORD_BITS : (unsigned)(end % PA_WORD_BITS);
        uint64_t mask = page_alloc_mask(lo, hi);
        uint64_t flips = (set ? ~pa->bitmap[w] : pa->bitmap[w]) & mask;
        changed += page_alloc_popcount(flips);
        pa->bitmap[w] ^= flips;
        first = w * PA_WORD_BITS + hi;
    }
    return changed;
}

/*
 * First page index >= from, below end, whose bit equals `bit`; end if none.
 * Precondition: end <= npages.
 */
static uint64_t page_alloc_find(const struct page_alloc *pa, uint64_t from, uint64_t end, bool bit)
{
    if (from >= end)
        return end;
    uint64_t w = from / PA_WORD_BITS;
    uint64_t last_w = (end - 1) / PA_WORD_BITS;
    /* Invert when looking for 0s so that we always look for a 1. */
    uint64_t word = (bit ? pa->bitmap[w] : ~pa->bitmap[w]) & (PA_ALL_ONES << (from % PA_WORD_BITS));

    while (word == 0) {
        if (++w > last_w)
            return end;
        word = bit ? pa->bitmap[w] : ~pa->bitmap[w];
    }
    uint64_t idx = w * PA_WORD_BITS + (uint64_t)__builtin_ctzll(word);
    return idx < end ? idx : end;
}

/* Clips [pfn, pfn + count) to the managed range as page indexes; false if nothing is left. */
static bool page_alloc_clip(const struct page_alloc *pa, uint64_t pfn, uint64_t count, uint64_t *first,
                            uint64_t *end)
{
    uint64_t lo = pfn > pa->base_pfn ? pfn - pa->base_pfn : 0;
    uint64_t skipped = pfn < pa->base_pfn ? pa->base_pfn - pfn : 0;

    if (count <= skipped || lo >= pa->npages)
        return false;
    uint64_t left = count - skipped;
    *first = lo;
    *end = left > pa->npages - lo ? pa->npages : lo + left;
    return true;
}

/* Returns the bitmap size in bytes for npages pages. */
uint64_t page_alloc_bitmap_bytes(uint64_t npages)
{
    return page_alloc_nwords(npages) * sizeof(uint64_t);
}

/* Initializes pa with every page (and every padding bit of the last word) in use. */
void page_alloc_init(struct page_alloc *pa, uint64_t base_pfn, uint64_t npages, uint64_t *bitmap)
{
    uint64_t nwords = page_alloc_nwords(npages);

    pa->base_pfn = base_pfn;
    pa->npages = npages;
    pa->bitmap = bitmap;
    pa->free_pages = 0;
    pa->managed_pages = 0;
    pa->hint = 0;
    for (uint64_t i = 0; i < nwords; i++)
        bitmap[i] = PA_ALL_ONES;
}

/* Makes the managed part of [pfn, pfn + count) free and usable. */
void page_alloc_add_free(struct page_alloc *pa, uint64_t pfn, uint64_t count)
{
    uint64_t first, end;

    if (!page_alloc_clip(pa, pfn, count, &first, &end))
        return;
    uint64_t freed = page_alloc_change(pa, first, end, false);
    pa->free_pages += freed;
    pa->managed_pages += freed;
}

/* Takes the managed part of [pfn, pfn + count) out of use; see the header's precondition. */
void page_alloc_reserve(struct page_alloc *pa, uint64_t pfn, uint64_t count)
{
    uint64_t first, end;

    if (!page_alloc_clip(pa, pfn, count, &first, &end))
        return;
    /* Only pages that were free change, and those were counted as both free and managed. */
    uint64_t taken = page_alloc_change(pa, first, end, true);
    pa->free_pages -= taken;
    pa->managed_pages -= taken;
}

/* Smallest index >= i whose pfn is a multiple of align; npages if that is past the end. */
static uint64_t page_alloc_align_up(const struct page_alloc *pa, uint64_t i, uint64_t align)
{
    uint64_t rem = (pa->base_pfn + i) & (align - 1);
    uint64_t step = rem == 0 ? 0 : align - rem;

    return step >= pa->npages - i ? pa->npages : i + step;
}

/* Finds count free pages starting at an aligned index in [from, limit); npages if none. */
static uint64_t page_alloc_search(const struct page_alloc *pa, uint64_t from, uint64_t limit, uint64_t count,
                                  uint64_t align)
{
    uint64_t i = from;

    while (i < limit) {
        i = page_alloc_find(pa, i, pa->npages, false);
        if (i >= limit)
            break;
        i = page_alloc_align_up(pa, i, align);
        if (i >= limit || count > pa->npages - i)
            break;
        uint64_t used = page_alloc_find(pa, i, i + count, true);
        if (used == i + count)
            return i;
        i = used + 1; /* no run containing `used` can work */
    }
    return pa->npages;
}

/* Allocates count contiguous pages aligned to align_pages, searching onwards from the hint. */
int64_t page_alloc_alloc(struct page_alloc *pa, uint64_t count, uint64_t align_pages)
{
    if (count == 0 || align_pages == 0 || (align_pages & (align_pages - 1)) != 0)
        return ERR_INVALID_ARG;
    if (count > pa->free_pages)
        return ERR_NO_MEMORY;
    uint64_t start = pa->hint < pa->npages ? pa->hint : 0;
    uint64_t i = page_alloc_search(pa, start, pa->npages, count, align_pages);
    if (i == pa->npages)
        i = page_alloc_search(pa, 0, start, count, align_pages); /* wrap around */
    if (i == pa->npages)
        return ERR_NO_MEMORY;
    page_alloc_change(pa, i, i + count, true);
    pa->free_pages -= count;
    pa->hint = i + count;
    return (int64_t)(pa->base_pfn + i);
}

/* Frees [pfn, pfn + count) after checking it is managed and wholly allocated. */
int page_alloc_free(struct page_alloc *pa, uint64_t pfn, uint64_t count)
{
    if (count == 0 || pfn < pa->base_pfn || pfn - pa->base_pfn >= pa->npages ||
        count > pa->npages - (pfn - pa->base_pfn))
        return ERR_INVALID_ARG;
    uint64_t first = pfn - pa->base_pfn, end = first + count;
    if (page_alloc_find(pa, first, end, false) != end)
        return ERR_DOUBLE_FREE;
    /* Freeing more than could be allocated means some of it was reserved, never RAM. */
    if (count > pa->managed_pages - pa->free_pages)
        return ERR_INVALID_ARG;
    page_alloc_change(pa, first, end, false);
    pa->free_pages += count;
    return 0;
}

/* Returns the number of free pages. */
uint64_t page_alloc_free_count(const struct page_alloc *pa)
{
    return pa->free_pages;
}
