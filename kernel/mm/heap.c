/* heap.c: kmalloc: power-of-two slabs of one page for small blocks, whole pages for large ones. */
#include <arch.h>
#include <log.h>
#include <mm/mm.h>
#include <warp/abi.h>
#include <warp/string.h>

#define SLAB_MAGIC 0x51ab51ab
#define LARGE_MAGIC 0x1a46e000
#define MIN_SHIFT 5  /* 32-byte blocks */
#define MAX_SHIFT 11 /* 2 KiB blocks; anything larger gets its own pages */
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define HEADER_SIZE KMALLOC_HEADER /* the header occupies the first block(s) of a page */

struct free_block {
    struct free_block *next;
};

/* At the start of every heap page. */
struct page_header {
    uint32_t magic;
    uint32_t shift_or_pages; /* slab: block size shift; large: page count */
    uint32_t nfree, capacity;
    struct free_block *free;
    struct page_header *next, *prev; /* the class's list of pages with free blocks */
};

_Static_assert(sizeof(struct page_header) <= HEADER_SIZE, "heap page header too large");
_Static_assert(KMALLOC_SMALL_MAX == 1u << MAX_SHIFT, "mm.h and the classes disagree");

static struct page_header *partial[NCLASSES]; /* pages that have at least one free block */
/*
 * One empty page kept per class: a message allocated and freed per call would otherwise take a page
 * from the page allocator and give it back every time. Spares count as free memory (sysinfo) and go
 * back to the page allocator when it runs dry (heap_release_spares).
 */
static struct page_header *spare[NCLASSES];

/* Smallest class shift that fits size. */
static uint32_t class_shift(size_t size)
{
    if (size <= (1u << MIN_SHIFT))
        return MIN_SHIFT;
    /* 64 - clz(size - 1) is log2(size) rounded up. */
    return 64 - (uint32_t)__builtin_clzl(size - 1);
}

/* Unlink a slab page from its class list. */
static void slab_unlink(struct page_header *h)
{
    if (h->prev)
        h->prev->next = h->next;
    else
        partial[h->shift_or_pages - MIN_SHIFT] = h->next;
    if (h->next)
        h->next->prev = h->prev;
    h->next = h->prev = NULL;
}

/* Push a slab page onto its class list. */
static void slab_link(struct page_header *h)
{
    struct page_header **head = &partial[h->shift_or_pages - MIN_SHIFT];
    h->prev = NULL;
    h->next = *head;
    if (*head)
        (*head)->prev = h;
    *head = h;
}

/* A new slab page for blocks of 1 << shift bytes, linked in; NULL when memory is out. */
static struct page_header *slab_new(uint32_t shift)
{
    paddr_t pa;
    if (pmm_alloc_raw(1, &pa) < 0) /* blocks are initialized by their users (or kzalloc) */
        return NULL;
    struct page_header *h = arch_phys_to_virt(pa);
    /* Blocks start at the first multiple of their size past the header: each is aligned to its size. */
    uint32_t size = 1u << shift, first = (HEADER_SIZE + size - 1) / size * size;
    *h = (struct page_header){.magic = SLAB_MAGIC, .shift_or_pages = shift};
    for (uint32_t off = first; off + size <= PAGE_SIZE; off += size) {
        struct free_block *b = (struct free_block *)((char *)h + off);
        b->next = h->free;
        h->free = b;
        h->capacity++;
    }
    h->nfree = h->capacity;
    slab_link(h);
    return h;
}

/* A block of whole pages with the header in front. Not zeroed, like a slab block (kzalloc zeroes):
 * SYS_SPAWN's image buffer is up to 16 MiB, which the copy-in overwrites anyway, and zeroing it
 * first would keep interrupts off for tens of milliseconds. */
static void *large_alloc(size_t size)
{
    uint64_t n = (size + HEADER_SIZE + PAGE_SIZE - 1) / PAGE_SIZE;
    paddr_t pa;
    if (pmm_alloc_raw(n, &pa) < 0)
        return NULL;
    struct page_header *h = arch_phys_to_virt(pa);
    *h = (struct page_header){.magic = LARGE_MAGIC, .shift_or_pages = (uint32_t)n};
    return (char *)h + HEADER_SIZE;
}

/* Small sizes round up to a power of two and come from the class's partial pages, then its spare,
 * then a new page; anything over 2 KiB gets whole pages. */
void *kmalloc(size_t size)
{
    if (size == 0 || size > (1ul << 30))
        return NULL;
    if (size > (1u << MAX_SHIFT))
        return large_alloc(size);
    uint32_t shift = class_shift(size);
    struct page_header *h = partial[shift - MIN_SHIFT];
    if (!h && (h = spare[shift - MIN_SHIFT])) {
        spare[shift - MIN_SHIFT] = NULL;
        slab_link(h);
    }
    if (!h && !(h = slab_new(shift)))
        return NULL;
    struct free_block *b = h->free;
    h->free = b->next;
    /* A full page leaves the list: partial[] holds only pages that can serve. */
    if (--h->nfree == 0)
        slab_unlink(h);
    return b;
}

/* Zeroes the size asked for; the rest of the block is never handed out. */
void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

/* The header is found by rounding down: a large block starts HEADER_SIZE into its first page and
 * slab blocks share a page with theirs. An emptied page is kept as its class's one spare, or freed. */
void kfree(void *ptr)
{
    if (!ptr)
        return;
    struct page_header *h = (struct page_header *)((uint64_t)ptr & ~(PAGE_SIZE - 1));
    if (h->magic == LARGE_MAGIC && (char *)ptr == (char *)h + HEADER_SIZE) {
        pmm_free(arch_virt_to_phys(h), h->shift_or_pages);
        return;
    }
    if (h->magic != SLAB_MAGIC)
        PANIC("kfree of a pointer the heap never gave out: %p", ptr);
    struct free_block *b = ptr;
    b->next = h->free;
    h->free = b;
    if (h->nfree++ == 0)
        slab_link(h);
    if (h->nfree == h->capacity) {
        slab_unlink(h);
        uint32_t c = h->shift_or_pages - MIN_SHIFT;
        if (spare[c])
            pmm_free(arch_virt_to_phys(h), 1);
        else
            spare[c] = h;
    }
}

/* pmm_alloc_raw calls this when the page allocator runs dry, before it gives up. */
uint64_t heap_release_spares(void)
{
    uint64_t n = 0;
    for (int c = 0; c < NCLASSES; c++)
        if (spare[c]) {
            pmm_free(arch_virt_to_phys(spare[c]), 1);
            spare[c] = NULL;
            n++;
        }
    return n;
}

/* At most one per class. */
uint64_t heap_spare_pages(void)
{
    uint64_t n = 0;
    for (int c = 0; c < NCLASSES; c++)
        n += spare[c] != NULL;
    return n;
}
