/* vm_cow.c: pages made at first touch: lazy zero pages, copy-on-write clones and their faults. */
#include <arch.h>
#include <log.h>
#include <mm/frame_ref.h>
#include <mm/mm.h>
#include <quota.h>
#include <vm.h>
#include <warp/abi.h>
#include <warp/error.h>

/* The region holding page va, or NULL. */
static struct vm_region *region_at(struct vm_space *vs, uaddr_t va)
{
    for (int i = 0; i < VM_MAX_REGIONS; i++) {
        struct vm_region *r = &vs->regions[i];
        if (r->kind && va >= r->start && va - r->start < r->npages * PAGE_SIZE)
            return r;
    }
    return NULL;
}

/* A lazy page's first touch: a zeroed frame, charged with the page tables it needs, as vm_map_anon
 * charges its pages; ERR_NO_MEMORY (out of memory or over the quota), nothing left behind. */
static long fault_zero_page(struct vm_space *vs, uaddr_t va, unsigned prot)
{
    uint64_t tables, before = arch_vm_tables(&vs->arch);
    long err = vm_charge_map(vs, va, 1, 1, &tables);
    if (err < 0)
        return err;
    err = vm_map_fresh_page(vs, va, prot);
    vm_settle_tables(vs, before, tables);
    if (err < 0)
        quota_uncharge(vs->quota, LIMIT_PAGES, 1);
    return err;
}

/* A write to a copy-on-write page: a frame others still hold is copied (the space was charged for
 * the page when it was cloned, so only the frame is new); the last holder just gets it writable.
 * The entry's tables are in place, so the remap cannot fail. */
static long cow_break(struct vm_space *vs, uaddr_t va, paddr_t pa, unsigned prot)
{
    paddr_t mine = pa;
    if (frame_ref_shared(pa)) {
        if (pmm_alloc_raw(1, &mine) < 0)
            return ERR_NO_MEMORY;
        arch_copy(arch_phys_to_virt(mine), arch_phys_to_virt(pa), PAGE_SIZE);
    }
    arch_vm_unmap(&vs->arch, va);
    if (mine != pa)
        frame_ref_drop(pa);
    long err = arch_vm_map(&vs->arch, va, mine, prot);
    ASSERT(err == 0);
    vm_forget(vs);
    return 0;
}

/*
 * Resolve an access to user address addr of vs that its page tables refused: a lazy page's first
 * touch gets a zeroed frame, a write to a copy-on-write page its own copy. 0: resolved, the access
 * may be retried; ERR_BAD_ADDRESS: the region refuses it (or there is nothing to resolve: the page
 * is there and a read, or an instruction fetch, faulted for another reason); ERR_NO_MEMORY: the
 * access is allowed but no frame (or charge) is left. The port calls it first for every page fault
 * on user memory, from user mode or from a user copy (vs may be NULL there: no process); the
 * kernel's own walks call it for every page they find refusing. Caller holds the kernel lock.
 */
long vm_fault(struct vm_space *vs, uaddr_t addr, bool write)
{
    uaddr_t va = addr & ~(PAGE_SIZE - 1);
    struct vm_region *r = vs && addr < USER_TOP ? region_at(vs, va) : NULL;
    if (!r || !vm_kind_owns(r->kind) || !(r->prot & PROT_READ) || (write && !(r->prot & PROT_WRITE)))
        return ERR_BAD_ADDRESS;
    paddr_t pa = arch_vm_frame(&vs->arch, va);
    if (!pa)
        return r->lazy ? fault_zero_page(vs, va, r->prot) : ERR_BAD_ADDRESS;
    if (!write || arch_vm_lookup(&vs->arch, va, PROT_WRITE))
        return ERR_BAD_ADDRESS;
    return cow_break(vs, va, pa, r->prot);
}

/* True when every region of vs is plain owned memory (image, stack, anonymous), which a clone
 * shares copy-on-write, or read-only frames that are nobody's (VM_SHARED: the clock page, the
 * initfs), which it maps as they are: frames of a device or a DMA buffer, and kept objects, are
 * neither. */
static bool clonable(const struct vm_space *vs)
{
    for (int i = 0; i < VM_MAX_REGIONS; i++) {
        uint32_t kind = vs->regions[i].kind;
        if (kind && kind != VM_IMAGE && kind != VM_STACK && kind != VM_ANON && kind != VM_SHARED)
            return false;
    }
    return true;
}

/* A frame for dst: the frame at pa shared (one more holder), or, when it has as many holders as
 * its counter holds, a copy of it in a fresh frame (*copied); ERR_NO_MEMORY then if none is free. */
static long share_or_copy(paddr_t *pa, bool *copied)
{
    *copied = !frame_ref_share(*pa);
    if (!*copied)
        return 0;
    paddr_t copy;
    if (pmm_alloc_raw(1, &copy) < 0)
        return ERR_NO_MEMORY;
    arch_copy(arch_phys_to_virt(copy), arch_phys_to_virt(*pa), PAGE_SIZE);
    *pa = copy;
    return 0;
}

/*
 * Page va of src's region r into dst, charged to dst with the page tables it needs there (exactly
 * those: a huge lazy region with few touched pages costs only their tables): the frame is shared,
 * and read-only on both sides when r is writable (copy-on-write). A page of a lazy region not
 * touched yet stays untouched in both. On an error nothing of it is left in dst.
 */
static long clone_page(struct vm_space *dst, struct vm_space *src, const struct vm_region *r, uaddr_t va)
{
    paddr_t pa = arch_vm_frame(&src->arch, va);
    if (!pa)
        return 0;
    uint64_t tables, before = arch_vm_tables(&dst->arch);
    long err = vm_charge_map(dst, va, 1, 1, &tables);
    if (err < 0)
        return err;
    bool copied;
    unsigned prot = r->prot & ~PROT_WRITE;
    if ((err = share_or_copy(&pa, &copied)) == 0 && !copied && prot != r->prot) {
        /* arch_vm_unmap flushes the entry from this CPU's TLB when src is active here. */
        arch_vm_unmap(&src->arch, va);
        err = arch_vm_map(&src->arch, va, pa, prot);
        ASSERT(err == 0);
    }
    if (err == 0 && (err = arch_vm_map(&dst->arch, va, pa, copied ? r->prot : prot)) < 0)
        frame_ref_drop(pa);
    vm_settle_tables(dst, before, tables);
    if (err < 0)
        quota_uncharge(dst->quota, LIMIT_PAGES, 1);
    return err;
}

/* Page va of src's VM_SHARED region r into dst: the same frame, read-only as in src (it is
 * nobody's, so there is nothing to share copy-on-write), charged to dst for page tables only, as
 * vm_map_phys charges such a mapping. */
static long clone_shared_page(struct vm_space *dst, struct vm_space *src, const struct vm_region *r,
                              uaddr_t va)
{
    paddr_t pa = arch_vm_frame(&src->arch, va);
    if (!pa)
        return 0;
    uint64_t tables, before = arch_vm_tables(&dst->arch);
    long err = vm_charge_map(dst, va, 1, 0, &tables);
    if (err < 0)
        return err;
    err = arch_vm_map(&dst->arch, va, pa, r->prot);
    vm_settle_tables(dst, before, tables);
    return err;
}

/*
 * Region r of src into the same slot of dst, with pause between chunks of VM_CHUNK_PAGES. The
 * copy's length grows with the pages done, so that a failure part way leaves a region that
 * vm_region_release undoes exactly.
 */
static long clone_region(struct vm_space *dst, struct vm_space *src, const struct vm_region *r,
                         vm_pause_fn pause)
{
    struct vm_region *d = &dst->regions[r - src->regions];
    long err = 0;
    *d = *r;
    d->npages = 0;
    for (uint64_t i = 0; i < r->npages && err == 0; i++) {
        if (i % VM_CHUNK_PAGES == 0) {
            if (i && pause)
                err = pause();
            /* The translations src remembers may allow writes to what is now read-only. */
            vm_forget(src);
        }
        uaddr_t va = r->start + i * PAGE_SIZE;
        if (err == 0 && (err = r->kind == VM_SHARED ? clone_shared_page(dst, src, r, va)
                                                    : clone_page(dst, src, r, va)) == 0)
            d->npages = i + 1;
    }
    return err;
}

/*
 * Every region of src into dst, which maps nothing yet, at the same addresses with the same
 * protections, sharing the frames copy-on-write (VM_SHARED ones as they are). ERR_NOT_SUPPORTED (a
 * region of a device, DMA memory or a kept object), ERR_NO_MEMORY (out of memory or over dst's quota) or pause's error: then dst is
 * left mapping nothing (the page tables it made stay, charged, until it goes, as after a failed
 * map), and src as it was but for some pages now read-only, whose next write just makes them
 * writable again. Pre: neither space changes but through this call (both processes are busy and
 * stopped: see SYS_PROC_VM_CLONE).
 */
long vm_clone(struct vm_space *dst, struct vm_space *src, vm_pause_fn pause)
{
    if (!clonable(src))
        return ERR_NOT_SUPPORTED;
    long err = 0;
    for (int i = 0; i < VM_MAX_REGIONS && err == 0; i++)
        if (src->regions[i].kind)
            err = clone_region(dst, src, &src->regions[i], pause);
    vm_forget(src);
    vm_forget(dst);
    if (err < 0)
        for (int i = 0; i < VM_MAX_REGIONS; i++)
            if (dst->regions[i].kind)
                vm_region_release(dst, &dst->regions[i], pause);
    return err;
}
