/* host_vm.c: the host port's address spaces: 4-level tables in simulated RAM, user copies through them. */
#include "karch.h"

#include <arch.h>
#include <cpu.h>
#include <mm/mm.h>
#include <stdlib.h>
#include <string.h>
#include <vm.h>
#include <warp/abi.h>
#include <warp/error.h>

#define E_PRESENT 1ull
#define E_WRITE 2ull
#define E_DEVICE 4ull
#define E_KEPT 8ull /* not present, but holding its frame (PROT_NONE) */
#define E_ADDR (~0xfffull)
#define IDX(va, level) (((va) >> (12 + 9 * (level))) & 511)

static const struct arch_vm *active; /* the address space user copies go through (NULL: none) */

/* The entries of the table page at pa. */
static uint64_t *table(paddr_t pa)
{
    return arch_phys_to_virt(pa);
}

/* The leaf entry for va, creating tables (counted in *made) when made is not NULL; NULL if missing
 * or memory is out. */
static uint64_t *walk(paddr_t root, uaddr_t va, uint64_t *made)
{
    uint64_t *t = table(root);
    for (int level = 3; level > 0; level--) {
        uint64_t *e = &t[IDX(va, level)];
        if (!(*e & E_PRESENT)) {
            paddr_t pa;
            if (!made || pmm_alloc(1, &pa) < 0)
                return NULL;
            *e = pa | E_PRESENT;
            ++*made;
        }
        t = table(*e & E_ADDR);
    }
    return &t[IDX(va, 0)];
}

long arch_vm_create(struct arch_vm *avm)
{
    paddr_t root;
    if (pmm_alloc(1, &root) < 0)
        return ERR_NO_MEMORY;
    *avm = (struct arch_vm){.root = root, .tables = 1};
    return 0;
}

/* Free the table at pa and the tables under it (level 1 holds leaves); how many. */
static uint64_t free_tables(paddr_t pa, int level)
{
    uint64_t n = 1;
    if (level > 1)
        for (int i = 0; i < 512; i++)
            if (table(pa)[i] & E_PRESENT)
                n += free_tables(table(pa)[i] & E_ADDR, level - 1);
    pmm_free(pa, 1);
    return n;
}

void arch_vm_destroy(struct arch_vm *avm)
{
    if (free_tables(avm->root, 4) != avm->tables)
        abort(); /* vm.c charged for a count the tables do not have */
    kfree(avm->io_bitmap);
    if (active == avm)
        active = NULL;
    *avm = (struct arch_vm){0};
}

long arch_vm_map(struct arch_vm *avm, uaddr_t va, paddr_t pa, unsigned prot)
{
    uint64_t *e = walk(avm->root, va, &avm->tables);
    if (!e)
        return ERR_NO_MEMORY;
    if (!(prot & PROT_READ)) {
        *e = pa | E_KEPT;
        return 0;
    }
    *e = pa | E_PRESENT | ((prot & PROT_WRITE) ? E_WRITE : 0) | ((prot & ARCH_PROT_DEVICE) ? E_DEVICE : 0);
    return 0;
}

uint64_t arch_vm_tables(const struct arch_vm *avm)
{
    return avm->tables;
}

/* True when the table that va's entry at this level (3: the root's) points to exists. */
static bool table_present(paddr_t root, uaddr_t va, int level)
{
    uint64_t *t = table(root);
    for (int l = 3;; l--) {
        uint64_t e = t[IDX(va, l)];
        if (!(e & E_PRESENT) || l == level)
            return e & E_PRESENT;
        t = table(e & E_ADDR);
    }
}

/* Per level, each span one entry covers that meets the range and has no table yet. */
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

paddr_t arch_vm_unmap(struct arch_vm *avm, uaddr_t va)
{
    uint64_t *e = walk(avm->root, va, NULL);
    if (!e || !(*e & (E_PRESENT | E_KEPT)))
        return 0;
    paddr_t pa = *e & E_ADDR;
    *e = 0;
    return pa;
}

paddr_t arch_vm_frame(const struct arch_vm *avm, uaddr_t va)
{
    uint64_t *e = va < USER_TOP ? walk(avm->root, va, NULL) : NULL;
    return e && (*e & (E_PRESENT | E_KEPT)) ? *e & E_ADDR : 0;
}

paddr_t arch_vm_lookup(const struct arch_vm *avm, uaddr_t va, unsigned prot)
{
    if (va >= USER_TOP)
        return 0;
    uint64_t *e = walk(avm->root, va, NULL);
    if (!e || !(*e & E_PRESENT) || ((prot & PROT_WRITE) && !(*e & E_WRITE)))
        return 0;
    if ((*e & E_DEVICE) && !(prot & ARCH_PROT_DEVICE))
        return 0;
    return *e & E_ADDR;
}

void arch_vm_activate(const struct arch_vm *avm)
{
    active = avm;
}

/* The entry of the active space allowing this access to user page va, or NULL (as the MMU refuses). */
static uint64_t *user_entry(uaddr_t va, bool write)
{
    uint64_t *e = active && va < USER_TOP ? walk(active->root, va, NULL) : NULL;
    return e && (*e & E_PRESENT) && (!write || (*e & E_WRITE)) ? e : NULL;
}

/* Copy between user memory of the active space and the kernel, page by page. A page the hardware
 * would refuse (missing, read-only for a write) faults as on the real port: vm_fault may resolve it
 * (a lazy page, a copy-on-write one), and the copy goes on; else the copy stops there. */
static bool user_copy(uaddr_t u, void *k, size_t n, bool to_user)
{
    while (n > 0) {
        uint64_t off = u & (PAGE_SIZE - 1), chunk = PAGE_SIZE - off < n ? PAGE_SIZE - off : n;
        uint64_t *e = user_entry(u - off, to_user);
        if (!e && u < USER_TOP && vm_fault(cpu_self()->vm, u, to_user) == 0)
            e = user_entry(u - off, to_user);
        if (!e)
            return false;
        if (*e & E_DEVICE)
            abort(); /* the simulated RAM holds no registers: a copy through one is a test bug */
        char *frame = (char *)arch_phys_to_virt(*e & E_ADDR) + off;
        memcpy(to_user ? frame : k, to_user ? k : frame, chunk);
        u += chunk;
        k = (char *)k + chunk;
        n -= chunk;
    }
    return true;
}

bool arch_copy_from_user(void *dst, uaddr_t src, size_t n)
{
    return user_copy(src, dst, n, false);
}
bool arch_copy_to_user(uaddr_t dst, const void *src, size_t n)
{
    return user_copy(dst, (void *)src, n, true);
}

/* Ports are not simulated: only the allocation (and its failure) and the argument checks are. */
long arch_io_grant(struct arch_vm *avm, uint32_t port, uint32_t count)
{
    if (port + count > 65536 || count == 0)
        return ERR_INVALID_ARG;
    if (!avm->io_bitmap && !(avm->io_bitmap = kmalloc(IO_BITMAP_BYTES)))
        return ERR_NO_MEMORY;
    return 0;
}

/* The MMIO window: a small pool of fake register memory, so that running out of it can be tested. */
static uint8_t mmio_pool[64 << 10] __attribute__((aligned(4096)));
static size_t mmio_used;

void *arch_mmio_map(paddr_t pa, size_t len)
{
    size_t off = pa & (PAGE_SIZE - 1), n = (off + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if (len == 0 || n > sizeof(mmio_pool) - mmio_used || karch_alloc_fails())
        return NULL;
    void *p = mmio_pool + mmio_used + off;
    mmio_used += n;
    return p;
}
