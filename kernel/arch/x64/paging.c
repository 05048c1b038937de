/* paging.c: 4-level page tables: the kernel half (direct map, image, MMIO) and user address spaces. */
#include <arch.h>
#include <boot.h>
#include <log.h>
#include <mm/mm.h>
#include <warp/abi.h>
#include <warp/error.h>
#include <warp/string.h>
#include "x64.h"

#define PML4_KERNEL_FIRST 256 /* entries 256..511 are the kernel half, shared by every address space */
#define IDX(va, level) (((va) >> (12 + 9 * (level))) & 511)

static paddr_t kernel_root;
/* Page-table pages kmap made (the stack window's, the MMIO window's): counted as a user space's are,
 * charged to no one. */
static uint64_t kernel_tables;
static uint64_t mmio_next = MMIO_BASE;

/* Bit 63 is reserved without NX (and EFER.NXE): setting it there would fault every access. */
uint64_t pte_nx(void)
{
    return cpu_features.nx ? PTE_NX : 0;
}

_Static_assert(DIRECT_MAP_BASE == 0xffff800000000000ull, "arch_phys_to_virt in arch_defs.h disagrees");

/* For the image and the direct map only: a stack or MMIO address would translate wrongly. */
paddr_t arch_virt_to_phys(const void *va)
{
    uint64_t v = (uint64_t)va;
    return v >= KERNEL_BASE ? v - KERNEL_BASE : v - DIRECT_MAP_BASE;
}

/* The table entries of the page-table page at pa. */
static uint64_t *table(paddr_t pa)
{
    return arch_phys_to_virt(pa);
}

/* A fresh zeroed page-table page, or 0 when memory is out. */
static paddr_t table_alloc(void)
{
    paddr_t pa;
    return pmm_alloc(1, &pa) < 0 ? 0 : pa;
}

/*
 * The leaf entry for va, creating intermediate tables with `inter` flags when made is not NULL (and
 * counting them in *made). NULL if a table is missing (and not created) or memory ran out.
 */
static uint64_t *pte_walk(paddr_t root, uint64_t va, uint64_t *made, uint64_t inter)
{
    uint64_t *t = table(root);
    for (int level = 3; level > 0; level--) {
        uint64_t *e = &t[IDX(va, level)];
        if (!(*e & PTE_P)) {
            paddr_t pa;
            if (!made || !(pa = table_alloc()))
                return NULL;
            *e = pa | inter;
            ++*made;
        }
        if (*e & PTE_PS)
            return NULL; /* large pages exist only in the kernel's direct map */
        t = table(*e & PTE_ADDR);
    }
    return &t[IDX(va, 0)];
}

/* Map one kernel page; false when a page table could not be allocated. */
static bool kmap(uint64_t va, paddr_t pa, uint64_t flags)
{
    uint64_t *e = pte_walk(kernel_root, va, &kernel_tables, PTE_P | PTE_W);
    if (e)
        *e = pa | flags | PTE_P;
    return e != NULL;
}

/* Unmap one kernel page (its page tables stay) and flush it from this CPU's TLB; its frame or 0. */
static paddr_t kunmap(uint64_t va)
{
    uint64_t *e = pte_walk(kernel_root, va, NULL, 0);
    if (!e || !(*e & PTE_P))
        return 0;
    paddr_t pa = *e & PTE_ADDR;
    *e = 0;
    /* This CPU only: once others run, a kernel unmap will need a TLB shootdown. */
    __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
    return pa;
}

/* Map [0, top) at DIRECT_MAP_BASE with 2 MiB pages, read-write, never executable. */
static void map_direct(uint64_t top)
{
    for (uint64_t pa = 0; pa < top; pa += 1ull << 21) {
        uint64_t va = DIRECT_MAP_BASE + pa;
        uint64_t *t = table(kernel_root);
        for (int level = 3; level > 1; level--) {
            uint64_t *e = &t[IDX(va, level)];
            if (!(*e & PTE_P)) {
                paddr_t npa = table_alloc();
                if (!npa)
                    PANIC("out of memory building the direct map");
                *e = npa | PTE_P | PTE_W;
            }
            t = table(*e & PTE_ADDR);
        }
        /* A 2 MiB leaf: 512 times fewer tables than 4 KiB pages, and nothing ever splits the direct map. */
        t[IDX(va, 1)] = pa | PTE_P | PTE_W | PTE_PS | pte_nx();
    }
}

/* Map the kernel image with W^X: text read-execute, rodata read-only, data and bss read-write;
 * the page under the boot stack stays unmapped, a guard that turns an overflow into a fault. */
static void map_image(void)
{
    for (uint64_t va = (uint64_t)__kernel_start; va < (uint64_t)__kernel_end; va += PAGE_SIZE) {
        uint64_t flags = PTE_W | pte_nx();
        if (va < (uint64_t)__text_end)
            flags = 0;
        else if (va < (uint64_t)__rodata_end)
            flags = pte_nx();
        if (va == (uint64_t)boot_stack_guard)
            continue;
        if (!kmap(va, va - KERNEL_BASE, flags))
            PANIC("out of memory mapping the kernel image");
    }
}

/* Build the kernel's own page tables and switch to them (the boot tables are left behind). */
void arch_mm_init(const struct boot_info *bi)
{
    /* All of the low 4 GiB (firmware tables live in reserved ranges there), then RAM above it. */
    uint64_t top = 4ull << 30;
    for (uint32_t i = 0; i < bi->nmem; i++)
        if (bi->mem[i].usable && bi->mem[i].base + bi->mem[i].len > top)
            top = bi->mem[i].base + bi->mem[i].len;
    top = (top + (1ull << 30) - 1) & ~((1ull << 30) - 1);
    if (!(kernel_root = table_alloc()))
        PANIC("no memory for the kernel page table");
    map_direct(top);
    map_image();
    /* Pre-create every kernel-half top-level entry so all address spaces share them. */
    uint64_t *root = table(kernel_root);
    for (int i = PML4_KERNEL_FIRST; i < 512; i++)
        if (!(root[i] & PTE_P)) {
            paddr_t pa = table_alloc();
            if (!pa)
                PANIC("no memory for kernel page tables");
            root[i] = pa | PTE_P | PTE_W;
        }
    /* The stack window's page tables, made now so that a new stack never needs one. */
    for (uint64_t va = KSTACK_BASE; va < KSTACK_BASE + KSTACK_SIZE; va += 1ull << 21)
        if (!pte_walk(kernel_root, va, &kernel_tables, PTE_P | PTE_W))
            PANIC("no memory for the kernel stack window");
    write_cr3(kernel_root);
    log_printf("paging: kernel tables active: direct map %lu GiB, image W^X%s", top >> 30,
               cpu_features.nx ? ", NX" : " (no NX on this CPU)");
}

/*
 * Map device registers uncached into the kernel's MMIO window (never unmapped); NULL when the window
 * is used up or a page table cannot be allocated (then nothing of it stays mapped).
 */
void *mmio_map(paddr_t pa, size_t len)
{
    paddr_t base = pa & ~(PAGE_SIZE - 1);
    uint64_t va = mmio_next, n = (pa - base + len + PAGE_SIZE - 1) / PAGE_SIZE;
    if (len == 0 || n > (MMIO_BASE + MMIO_SIZE - va) / PAGE_SIZE)
        return NULL;
    for (uint64_t i = 0; i < n; i++)
        if (!kmap(va + i * PAGE_SIZE, base + i * PAGE_SIZE, PTE_W | PTE_PCD | PTE_PWT | pte_nx())) {
            while (i--)
                kunmap(va + i * PAGE_SIZE);
            return NULL;
        }
    mmio_next += n * PAGE_SIZE;
    return (void *)(va + (pa - base));
}

/* Kernel stacks: slots of KSTACK_SLOT_PAGES in the stack window, the lowest pages never mapped. */
#define KSTACK_SLOT_PAGES 8
#define KSTACK_SLOTS (KSTACK_SIZE / (KSTACK_SLOT_PAGES * PAGE_SIZE))
_Static_assert(KERNEL_STACK_PAGES < KSTACK_SLOT_PAGES, "a stack slot needs room for a guard page");
static uint64_t kstack_used[KSTACK_SLOTS / 64]; /* one bit per slot; protected by the kernel lock */

/* A free slot's index (marked used), or -1. */
static long kstack_slot_take(void)
{
    for (uint64_t w = 0; w < KSTACK_SLOTS / 64; w++)
        if (~kstack_used[w]) {
            int bit = __builtin_ctzll(~kstack_used[w]);
            kstack_used[w] |= 1ull << bit;
            return (long)(w * 64 + (uint64_t)bit);
        }
    return -1;
}

/* Unmap and free the lowest `pages` mapped pages under top, and give its slot back. */
static void kstack_release(uint64_t top, uint64_t pages)
{
    uint64_t slot = (top - KSTACK_BASE) / (KSTACK_SLOT_PAGES * PAGE_SIZE) - 1;
    for (uint64_t i = 1; i <= pages; i++)
        pmm_free(kunmap(top - i * PAGE_SIZE), 1);
    kstack_used[slot / 64] &= ~(1ull << (slot % 64));
}

/*
 * A slot of KSTACK_SLOT_PAGES in the stack window: the top KERNEL_STACK_PAGES mapped, the pages
 * below never, so an overflow faults at once. The frames need not be contiguous or zeroed. The
 * window's page tables exist since boot (arch_mm_init), so only the frame allocation can fail.
 */
void *arch_kstack_alloc(void)
{
    long slot = kstack_slot_take();
    if (slot < 0)
        return NULL;
    uint64_t top = KSTACK_BASE + (uint64_t)(slot + 1) * KSTACK_SLOT_PAGES * PAGE_SIZE, mapped = 0;
    for (; mapped < KERNEL_STACK_PAGES; mapped++) {
        paddr_t pa;
        if (pmm_alloc_raw(1, &pa) < 0)
            break;
        if (!kmap(top - (mapped + 1) * PAGE_SIZE, pa, PTE_W | pte_nx())) {
            pmm_free(pa, 1);
            break;
        }
    }
    if (mapped == KERNEL_STACK_PAGES)
        return (void *)top;
    /* Out of memory part way: unmap and free what was mapped, and give the slot back. */
    kstack_release(top, mapped);
    return NULL;
}

/* Called from sched_reap on another thread's stack, never on the stack being freed. */
void arch_kstack_free(void *top)
{
    kstack_release((uint64_t)top, KERNEL_STACK_PAGES);
}

/* True when addr lies in a kernel stack in use (not its guard page, not a free slot). */
bool kstack_mapped(uint64_t addr)
{
    if (addr < KSTACK_BASE || addr >= KSTACK_BASE + KSTACK_SIZE || kstack_guard_hit(addr))
        return false;
    uint64_t slot = (addr - KSTACK_BASE) / (KSTACK_SLOT_PAGES * PAGE_SIZE);
    return kstack_used[slot / 64] & (1ull << (slot % 64));
}

/* The guard page under a kernel stack that addr hits, as the bottom of that stack; 0 if none. */
uint64_t kstack_guard_hit(uint64_t addr)
{
    if (addr >= (uint64_t)boot_stack_guard && addr < (uint64_t)boot_stack_bottom)
        return (uint64_t)boot_stack_bottom;
    if (addr < KSTACK_BASE || addr >= KSTACK_BASE + KSTACK_SIZE)
        return 0;
    uint64_t slot_base = addr & ~(KSTACK_SLOT_PAGES * PAGE_SIZE - 1);
    uint64_t bottom = slot_base + (KSTACK_SLOT_PAGES - KERNEL_STACK_PAGES) * PAGE_SIZE;
    return addr < bottom ? bottom : 0;
}

/* The kernel half's 256 top-level entries are copied: they all exist since boot and never change,
 * so a kernel mapping made later (a stack, MMIO) is seen by every address space. */
long arch_vm_create(struct arch_vm *avm)
{
    paddr_t root = table_alloc();
    if (!root)
        return ERR_NO_MEMORY;
    memcpy(&table(root)[PML4_KERNEL_FIRST], &table(kernel_root)[PML4_KERNEL_FIRST], 256 * 8);
    *avm = (struct arch_vm){.root = root, .tables = 1};
    return 0;
}

/* Free the page-table pages under a table entry at the given level (1 = page table); how many. */
static uint64_t free_tables(paddr_t pa, int level)
{
    uint64_t n = 1;
    if (level > 1) {
        uint64_t *t = table(pa);
        for (int i = 0; i < 512; i++)
            if (t[i] & PTE_P)
                n += free_tables(t[i] & PTE_ADDR, level - 1);
    }
    pmm_free(pa, 1);
    return n;
}

/* The user half's tables only: the kernel half is shared. vm.c has already freed the frames. */
void arch_vm_destroy(struct arch_vm *avm)
{
    uint64_t *t = table(avm->root), freed = 1;
    for (int i = 0; i < PML4_KERNEL_FIRST; i++)
        if (t[i] & PTE_P)
            freed += free_tables(t[i] & PTE_ADDR, 3);
    ASSERT(freed == avm->tables); /* what was charged for them is what goes */
    pmm_free(avm->root, 1);
    kfree(avm->io_bitmap);
    *avm = (struct arch_vm){0};
}

uint64_t arch_vm_tables(const struct arch_vm *avm)
{
    return avm->tables;
}

/* True when the table that va's entry at this level (3 = PML4, 1 = page directory) points to exists. */
static bool table_present(paddr_t root, uint64_t va, int level)
{
    uint64_t *t = table(root);
    for (int l = 3;; l--) {
        uint64_t e = t[IDX(va, l)];
        if (!(e & PTE_P) || l == level)
            return e & PTE_P;
        t = table(e & PTE_ADDR);
    }
}

/* Per level, one table for each span its entries cover (512 GiB, 1 GiB, 2 MiB) that meets the
 * range and has none yet: a 1 GiB map looks at 513 page-table spans at most. */
uint64_t arch_vm_tables_needed(const struct arch_vm *avm, uaddr_t va, uint64_t npages)
{
    uint64_t need = 0, end = va + npages * PAGE_SIZE;
    for (int level = 3; level > 0 && npages; level--) {
        uint64_t span = 1ull << (12 + 9 * level);
        for (uint64_t a = va & ~(span - 1); a < end; a += span)
            need += !table_present(avm->root, a, level);
    }
    return need;
}

/* Intermediate tables are user and writable, so the leaf alone decides; NX unless executable. A
 * PROT_NONE entry is not present (the CPU ignores its other bits), and PTE_KEPT says it holds pa. */
long arch_vm_map(struct arch_vm *avm, uaddr_t va, paddr_t pa, unsigned prot)
{
    uint64_t *e = pte_walk(avm->root, va, &avm->tables, PTE_P | PTE_W | PTE_U);
    if (!e)
        return ERR_NO_MEMORY;
    if (!(prot & PROT_READ)) {
        *e = pa | PTE_KEPT;
        return 0;
    }
    *e = pa | PTE_P | PTE_U | ((prot & PROT_WRITE) ? PTE_W : 0) | ((prot & PROT_EXEC) ? 0 : pte_nx()) |
         ((prot & ARCH_PROT_DEVICE) ? PTE_PCD | PTE_PWT : 0);
    return 0;
}

/* invlpg only when the space is active here: switching CR3 flushes the rest (no PCID, and user
 * pages are never global). */
paddr_t arch_vm_unmap(struct arch_vm *avm, uaddr_t va)
{
    uint64_t *e = pte_walk(avm->root, va, NULL, 0);
    if (!e || !(*e & (PTE_P | PTE_KEPT)))
        return 0;
    paddr_t pa = *e & PTE_ADDR;
    *e = 0;
    if (read_cr3() == avm->root)
        __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
    return pa;
}

/* A software walk: the answer holds for any space, active or not. */
paddr_t arch_vm_lookup(const struct arch_vm *avm, uaddr_t va, unsigned prot)
{
    if (va >= USER_TOP)
        return 0;
    uint64_t *e = pte_walk(avm->root, va, NULL, 0);
    uint64_t need = PTE_P | PTE_U | ((prot & PROT_WRITE) ? PTE_W : 0);
    if (!e || (*e & need) != need)
        return 0;
    if ((*e & PTE_PCD) && !(prot & ARCH_PROT_DEVICE))
        return 0; /* device registers: maybe not RAM, maybe not in the direct map */
    return *e & PTE_ADDR;
}

/* Present or kept (PROT_NONE): the frame is there either way. */
paddr_t arch_vm_frame(const struct arch_vm *avm, uaddr_t va)
{
    uint64_t *e = va < USER_TOP ? pte_walk(avm->root, va, NULL, 0) : NULL;
    return e && (*e & (PTE_P | PTE_KEPT)) ? *e & PTE_ADDR : 0;
}

/* CR3 is written only on a change: each write flushes the TLB. */
void arch_vm_activate(const struct arch_vm *avm)
{
    paddr_t root = avm ? avm->root : kernel_root;
    if (read_cr3() != root)
        write_cr3(root);
}

/* Never unmapped: devices are found at boot and mapped once, so the window only grows. */
void *arch_mmio_map(paddr_t pa, size_t len)
{
    return mmio_map(pa, len);
}
