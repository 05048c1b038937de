/* host_mm.c: the host port's page allocator and heap: simulated RAM, malloc (for ASan), fault injection. */
#include "karch.h"

#include <log.h>
#include <mm/frame_ref.h>
#include <mm/mm.h>
#include <mm/page_alloc.h>
#include <sanitizer/asan_interface.h>
#include <stdlib.h>
#include <string.h>
#include <warp/abi.h>

uint8_t *host_ram;
static uint64_t bitmap[HOST_RAM_PAGES / 64];
static uint16_t frame_refs[HOST_RAM_PAGES];
static struct page_alloc pages;
long karch_alloc_count, karch_fail_at;
static long live_blocks;

bool karch_alloc_fails(void)
{
    return ++karch_alloc_count == karch_fail_at;
}
long karch_live_blocks(void)
{
    return live_blocks;
}

void karch_mm_reset(void)
{
    if (!host_ram)
        host_ram = aligned_alloc(PAGE_SIZE, HOST_RAM_PAGES * PAGE_SIZE);
    page_alloc_init(&pages, 0, HOST_RAM_PAGES, bitmap);
    page_alloc_add_free(&pages, 1, HOST_RAM_PAGES - 1);
    frame_ref_init(frame_refs, HOST_RAM_PAGES);
    /* Free pages are poisoned: the kernel touching one it gave back is a use after free. */
    ASAN_POISON_MEMORY_REGION(host_ram, HOST_RAM_PAGES * PAGE_SIZE);
}

long pmm_alloc_raw(uint64_t count, paddr_t *pa_out)
{
    if (karch_alloc_fails())
        return ERR_NO_MEMORY;
    int64_t pfn = page_alloc_alloc(&pages, count, 1);
    if (pfn < 0)
        return ERR_NO_MEMORY;
    *pa_out = (paddr_t)pfn * PAGE_SIZE;
    ASAN_UNPOISON_MEMORY_REGION(host_ram + *pa_out, count * PAGE_SIZE);
    memset(host_ram + *pa_out, 0xa5, count * PAGE_SIZE); /* raw means raw: no accidental zeroes */
    return 0;
}

long pmm_alloc(uint64_t count, paddr_t *pa_out)
{
    long err = pmm_alloc_raw(count, pa_out);
    if (err == 0)
        memset(host_ram + *pa_out, 0, count * PAGE_SIZE);
    return err;
}

void pmm_free(paddr_t pa, uint64_t count)
{
    int err = page_alloc_free(&pages, pa / PAGE_SIZE, count);
    if (err < 0)
        PANIC("bad page free %#lx x%lu: %s", pa, count, err_str(err));
    ASAN_POISON_MEMORY_REGION(host_ram + pa, count * PAGE_SIZE);
}

uint64_t pmm_free_pages(void)
{
    return page_alloc_free_count(&pages);
}
uint64_t pmm_total_pages(void)
{
    return pages.managed_pages;
}

void *kmalloc(size_t size)
{
    if (size == 0 || size > (1ul << 30) || karch_alloc_fails())
        return NULL;
    void *p = malloc(size);
    if (p) {
        memset(p, 0xa5, size); /* uninitialized means uninitialized */
        live_blocks++;
    }
    return p;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *ptr)
{
    if (!ptr)
        return;
    live_blocks--;
    free(ptr);
}
