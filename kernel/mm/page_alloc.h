/* page_alloc.h: the physical page allocator, a bitmap over one range of page frame numbers (pure code). */
#pragma once

#include <warp/error.h>
#include <warp/types.h>

/*
 * One bit per page in [base_pfn, base_pfn + npages): 1 = in use (allocated,
 * reserved, or not RAM at all), 0 = free. Everything starts in use; boot code
 * hands usable RAM over with page_alloc_add_free() and then takes back what it
 * occupies (kernel image, modules, the bitmap itself) with page_alloc_reserve().
 * Not locked: the caller serializes access.
 */
struct page_alloc {
    uint64_t base_pfn;      /* first page frame managed */
    uint64_t npages;        /* number of page frames managed */
    uint64_t *bitmap;       /* page_alloc_bitmap_bytes(npages) bytes, owned by the caller */
    uint64_t free_pages;    /* pages free now */
    uint64_t managed_pages; /* usable RAM: pages added as free and not reserved since (free + allocated) */
    uint64_t hint;          /* page index where the next search starts (next fit) */
};

/* Bytes of bitmap needed for npages pages (whole 64-bit words). */
uint64_t page_alloc_bitmap_bytes(uint64_t npages);

/* Sets up pa over [base_pfn, base_pfn + npages) with every page in use. */
void page_alloc_init(struct page_alloc *pa, uint64_t base_pfn, uint64_t npages, uint64_t *bitmap);

/*
 * Boot time: marks [pfn, pfn + count) as usable and free, clipped to the
 * managed range. Pages already free are left alone.
 */
void page_alloc_add_free(struct page_alloc *pa, uint64_t pfn, uint64_t count);

/*
 * Boot time, before anything in the range is allocated: marks [pfn, pfn + count)
 * as in use and no longer usable RAM, clipped to the managed range. Idempotent.
 */
void page_alloc_reserve(struct page_alloc *pa, uint64_t pfn, uint64_t count);

/*
 * Allocates count contiguous free pages whose first pfn is a multiple of
 * align_pages (a power of two; 1 = any). Returns that pfn, ERR_NO_MEMORY, or
 * ERR_INVALID_ARG for count 0 or a bad alignment.
 */
int64_t page_alloc_alloc(struct page_alloc *pa, uint64_t count, uint64_t align_pages);

/*
 * Frees [pfn, pfn + count). Returns 0; ERR_INVALID_ARG if count is 0 or the
 * range is not wholly managed; ERR_DOUBLE_FREE if any page in it is already
 * free. On error nothing changes.
 */
int page_alloc_free(struct page_alloc *pa, uint64_t pfn, uint64_t count);

/* Number of free pages. */
uint64_t page_alloc_free_count(const struct page_alloc *pa);
