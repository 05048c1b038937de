/* mm.h: physical pages and the kernel heap. */
#pragma once

#include <warp/types.h>

struct boot_info;

void pmm_init(const struct boot_info *bi);           /* page allocator over the firmware map */
long pmm_alloc(uint64_t count, paddr_t *pa_out);     /* contiguous, zeroed pages; ERR_NO_MEMORY */
long pmm_alloc_raw(uint64_t count, paddr_t *pa_out); /* the same, contents left as they were */
void pmm_free(paddr_t pa, uint64_t count);           /* return pages; a bad free is a kernel bug */
uint64_t pmm_free_pages(void);                       /* free pages now */
uint64_t pmm_total_pages(void);                      /* pages under management */

#define KMALLOC_SMALL_MAX 2048u     /* larger blocks take whole pages, with a header in front */
#define KMALLOC_HEADER 64u          /* bytes of a large block's header */
void *kmalloc(size_t size);         /* uninitialized kernel memory or NULL; caller holds the kernel lock */
void *kzalloc(size_t size);         /* the same, zeroed */
void kfree(void *ptr);              /* free a kmalloc block (NULL is ignored) */
uint64_t heap_release_spares(void); /* give the heap's cached empty pages back; how many */
uint64_t heap_spare_pages(void);    /* cached empty pages (reclaimable, so reported as free) */
