/* pmm.c: the kernel's physical page allocator: page_alloc over the firmware memory map. */
#include <arch.h>
#include <boot.h>
#include <log.h>
#include <mm/frame_ref.h>
#include <mm/mm.h>
#include <mm/page_alloc.h>
#include <warp/abi.h>
#include <warp/string.h>

static struct page_alloc pages;

/* Highest end of usable RAM, as a page frame number. */
static uint64_t usable_top_pfn(const struct boot_info *bi)
{
    uint64_t top = 0;
    for (uint32_t i = 0; i < bi->nmem; i++)
        if (bi->mem[i].usable && (bi->mem[i].base + bi->mem[i].len) / PAGE_SIZE > top)
            top = (bi->mem[i].base + bi->mem[i].len) / PAGE_SIZE;
    return top;
}

/* True when [pa, pa+len) overlaps any boot-reserved range. */
static bool overlaps_reserved(const struct boot_info *bi, paddr_t pa, uint64_t len)
{
    for (uint32_t i = 0; i < bi->nreserved; i++)
        if (pa < bi->reserved[i].base + bi->reserved[i].len && bi->reserved[i].base < pa + len)
            return true;
    return false;
}

/* Place the bitmap in usable RAM below 4 GiB (the boot page tables map only that) and clear of reserved ranges. */
static paddr_t bitmap_place(const struct boot_info *bi, uint64_t bytes)
{
    for (uint32_t i = 0; i < bi->nmem; i++) {
        const struct boot_range *r = &bi->mem[i];
        if (!r->usable)
            continue;
        for (paddr_t pa = (r->base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
             pa + bytes <= r->base + r->len && pa + bytes <= (4ull << 30); pa += PAGE_SIZE)
            if (!overlaps_reserved(bi, pa, bytes))
                return pa;
    }
    PANIC("no room for the page allocator's bitmap");
}

/* Frames 0 up to the top of usable RAM: free what the map calls usable, then take back what is in
 * use (reserved ranges, the bitmap and the frame counters after it), in the order page_alloc's
 * contract asks. */
void pmm_init(const struct boot_info *bi)
{
    uint64_t npages = usable_top_pfn(bi);
    uint64_t map_bytes = (page_alloc_bitmap_bytes(npages) + 7) & ~7ull;
    uint64_t bytes = map_bytes + frame_ref_bytes(npages);
    paddr_t bitmap = bitmap_place(bi, bytes);
    page_alloc_init(&pages, 0, npages, arch_phys_to_virt(bitmap));
    frame_ref_init((uint16_t *)((char *)arch_phys_to_virt(bitmap) + map_bytes), npages);
    for (uint32_t i = 0; i < bi->nmem; i++) {
        const struct boot_range *r = &bi->mem[i];
        if (r->usable) {
            /* Usable ranges round inwards and reserved ones outwards: a page partly in use is never free. */
            uint64_t first = (r->base + PAGE_SIZE - 1) / PAGE_SIZE, end = (r->base + r->len) / PAGE_SIZE;
            if (end > first)
                page_alloc_add_free(&pages, first, end - first);
        }
    }
    for (uint32_t i = 0; i < bi->nreserved; i++) {
        const struct boot_range *r = &bi->reserved[i];
        uint64_t first = r->base / PAGE_SIZE, end = (r->base + r->len + PAGE_SIZE - 1) / PAGE_SIZE;
        page_alloc_reserve(&pages, first, end - first);
    }
    page_alloc_reserve(&pages, bitmap / PAGE_SIZE, (bytes + PAGE_SIZE - 1) / PAGE_SIZE);
    log_printf("mem: %lu MiB usable, %lu pages free (kernel, initfs, boot data reserved)",
               pages.managed_pages * PAGE_SIZE >> 20, page_alloc_free_count(&pages));
}

/* Out of pages, the heap's cached empty pages are released and the allocation tried once more. */
long pmm_alloc_raw(uint64_t count, paddr_t *pa_out)
{
    int64_t pfn = page_alloc_alloc(&pages, count, 1);
    if (pfn < 0 && heap_release_spares())
        pfn = page_alloc_alloc(&pages, count, 1);
    if (pfn < 0)
        return ERR_NO_MEMORY;
    *pa_out = (paddr_t)pfn * PAGE_SIZE;
    return 0;
}

/* Zeroed through the direct map: no frame reaches a process or a page table with old contents. */
long pmm_alloc(uint64_t count, paddr_t *pa_out)
{
    long err = pmm_alloc_raw(count, pa_out);
    if (err == 0)
        memset(arch_phys_to_virt(*pa_out), 0, count * PAGE_SIZE);
    return err;
}

/* A bad free means the kernel's bookkeeping is broken; going on could hand a frame out twice. */
void pmm_free(paddr_t pa, uint64_t count)
{
    int err = page_alloc_free(&pages, pa / PAGE_SIZE, count);
    if (err < 0)
        PANIC("bad page free %#lx x%lu: %s", pa, count, err_str(err));
}

/* Free pages, counting the heap's reclaimable spares as free. */
uint64_t pmm_free_pages(void)
{
    return page_alloc_free_count(&pages) + heap_spare_pages();
}
/* Usable RAM under management, reserved ranges excluded. */
uint64_t pmm_total_pages(void)
{
    return pages.managed_pages;
}
