/* vm.c: user address spaces as lists of regions, and checked copies to and from user memory. */
#include <arch.h>
#include <cpu.h>
#include <log.h>
#include <mm/frame_ref.h>
#include <mm/mm.h>
#include <object.h>
#include <quota.h>
#include <vm.h>
#include <warp/abi.h>
#include <warp/error.h>
#include <warp/string.h>

/* Zeroed first: no regions, and the translation cache and checked range empty. */
long vm_space_init(struct vm_space *vs, struct quota *quota)
{
    memset(vs, 0, sizeof(*vs));
    long err = arch_vm_create(&vs->arch);
    if (err < 0)
        return err;
    if ((err = quota_charge(quota, LIMIT_PAGES, arch_vm_tables(&vs->arch))) < 0) {
        arch_vm_destroy(&vs->arch);
        return err;
    }
    vs->quota = quota;
    return 0;
}

/* True when a region of this kind owns its frames. */
bool vm_kind_owns(uint32_t kind)
{
    return kind != VM_SHARED && kind != VM_DEVICE && kind != VM_DMA;
}

/* vm_lookup's miss: walk the page tables and remember the answer. */
static __attribute__((noinline)) paddr_t vm_lookup_walk(struct vm_space *vs, uaddr_t page, unsigned prot)
{
    paddr_t pa = arch_vm_lookup(&vs->arch, page, prot);
    if (pa) {
        typeof(vs->tc[0]) *e = &vs->tc[(page / PAGE_SIZE) % VM_TC_SLOTS];
        e->page = page;
        e->frame = pa;
        /* A page that passed any check is readable: every user mapping is (on x86-64, any present page). */
        e->prot = prot | PROT_READ;
    }
    return pa;
}

/*
 * The frame behind a user page if it allows prot, else 0. System calls check the same few pages
 * (the caller's stack, its message buffers) again and again, so recent answers are remembered;
 * unmap_pages forgets them (nothing else changes a mapping).
 */
static inline paddr_t vm_lookup(struct vm_space *vs, uaddr_t page, unsigned prot)
{
    typeof(vs->tc[0]) *e = &vs->tc[(page / PAGE_SIZE) % VM_TC_SLOTS];
    if (page == e->page && (e->prot & prot) == prot)
        return e->frame;
    return vm_lookup_walk(vs, page, prot);
}

/* Forget the translations and the checked range remembered for vs: they may allow what a change
 * of its page tables now refuses, or name a frame it no longer maps. */
void vm_forget(struct vm_space *vs)
{
    memset(vs->tc, 0, sizeof(vs->tc));
    memset(&vs->checked, 0, sizeof(vs->checked));
}

/* Unmap [start, start + npages pages), dropping the frames when the region owns them (a frame
 * shared copy-on-write goes back only with its last holder), with pause() (if any) between chunks
 * of VM_CHUNK_PAGES; how many frames were mapped. It always finishes: a pause that asks to stop is
 * ignored, as a half-freed range helps nobody. */
static uint64_t unmap_pages(struct vm_space *vs, uaddr_t start, uint64_t npages, bool owned,
                            vm_pause_fn pause)
{
    uint64_t found = 0;
    for (uint64_t i = 0; i < npages; i++) {
        /* Forget first, at every chunk: a translation remembered before, or while another thread
         * copied to this space during a pause, would let a later copy write to a frame that is
         * free again, or someone else's. */
        if (i % VM_CHUNK_PAGES == 0) {
            if (i && pause)
                pause();
            vm_forget(vs);
        }
        paddr_t pa = arch_vm_unmap(&vs->arch, start + i * PAGE_SIZE);
        found += pa != 0;
        if (pa && owned)
            frame_ref_drop(pa);
    }
    return found;
}

/* Unmap a region and free it: its frames if it owns them (and their charge: every page of an
 * eager region, the touched ones of a lazy one), its reference on a backing object. Its protection
 * goes first, so that a fault during the pauses (the process may run) resolves nothing in it. */
void vm_region_release(struct vm_space *vs, struct vm_region *r, vm_pause_fn pause)
{
    r->prot = 0;
    uint64_t frames = unmap_pages(vs, r->start, r->npages, vm_kind_owns(r->kind), pause);
    if (vm_kind_owns(r->kind))
        quota_uncharge(vs->quota, LIMIT_PAGES, frames);
    if (r->backing)
        obj_unref(r->backing);
    *r = (struct vm_region){0};
}

/* Regions first (their frames, their backing references), then the tables that mapped them: an
 * unmap leaves its tables in place, so they are freed, and uncharged, only here. */
void vm_space_destroy(struct vm_space *vs, vm_pause_fn pause)
{
    ASSERT(!vs->busy && !vs->sharers); /* nobody else works or runs on it (proc_space_release) */
    for (int i = 0; i < VM_MAX_REGIONS; i++)
        if (vs->regions[i].kind)
            vm_region_release(vs, &vs->regions[i], pause);
    quota_uncharge(vs->quota, LIMIT_PAGES, arch_vm_tables(&vs->arch));
    arch_vm_destroy(&vs->arch);
}

/* A free slot in the region table, or NULL. */
static struct vm_region *region_slot(struct vm_space *vs)
{
    for (int i = 0; i < VM_MAX_REGIONS; i++)
        if (!vs->regions[i].kind)
            return &vs->regions[i];
    return NULL;
}

/* True when [start, start + npages pages) meets an existing region. */
static bool region_overlaps(const struct vm_space *vs, uaddr_t start, uint64_t npages)
{
    for (int i = 0; i < VM_MAX_REGIONS; i++) {
        const struct vm_region *r = &vs->regions[i];
        if (r->kind && start < r->start + r->npages * PAGE_SIZE && r->start < start + npages * PAGE_SIZE)
            return true;
    }
    return false;
}

/* Charge vs->quota, all or nothing, for `frames` pages and the page tables mapping [start, start +
 * npages pages) adds, which it returns in *tables. Pre: the range is free. */
long vm_charge_map(struct vm_space *vs, uaddr_t start, uint64_t npages, uint64_t frames, uint64_t *tables)
{
    *tables = arch_vm_tables_needed(&vs->arch, start, npages);
    return quota_charge(vs->quota, LIMIT_PAGES, frames + *tables);
}

/* After a map charged for `charged` tables when the space had `before`, done or undone: give back
 * the charge for the tables a failure part way did not make. */
void vm_settle_tables(struct vm_space *vs, uint64_t before, uint64_t charged)
{
    uint64_t made = arch_vm_tables(&vs->arch) - before;
    ASSERT(made <= charged);
    quota_uncharge(vs->quota, LIMIT_PAGES, charged - made);
}

/* Map one fresh zeroed frame at va: the page-allocation point of every anonymous page. */
long vm_map_fresh_page(struct vm_space *vs, uaddr_t va, unsigned prot)
{
    paddr_t pa;
    if (pmm_alloc(1, &pa) < 0)
        return ERR_NO_MEMORY;
    if (arch_vm_map(&vs->arch, va, pa, prot) < 0) {
        pmm_free(pa, 1);
        return ERR_NO_MEMORY;
    }
    return 0;
}

/*
 * Page by page (the frames need not be contiguous), VM_CHUNK_PAGES at a time with pause() between
 * chunks, so a large mapping never keeps interrupts off for its whole zeroing. The region slot is
 * filled only once every page is in: until then nothing else of this space changes (its one thread
 * is here, or, for a process being built, nobody else knows it), and a failure, or pause() asking
 * to stop, unmaps and frees the pages mapped so far. The page tables the range needs are charged
 * with its pages up front; a failure gives back the charge of those it did not make (the ones it
 * made stay, charged, until the space goes).
 */
long vm_map_anon(struct vm_space *vs, uaddr_t start, uint64_t npages, unsigned prot, enum vm_kind kind,
                 vm_pause_fn pause)
{
    struct vm_region *r = region_slot(vs);
    if (!r || region_overlaps(vs, start, npages))
        return ERR_NO_RESOURCES;
    uint64_t tables, before = arch_vm_tables(&vs->arch), done = 0;
    long err = vm_charge_map(vs, start, npages, npages, &tables);
    if (err < 0)
        return err;
    while (done < npages && err == 0) {
        uint64_t end = npages - done > VM_CHUNK_PAGES ? done + VM_CHUNK_PAGES : npages;
        while (done < end && (err = vm_map_fresh_page(vs, start + done * PAGE_SIZE, prot)) == 0)
            done++;
        if (err == 0 && done < npages && pause)
            err = pause();
    }
    vm_settle_tables(vs, before, tables);
    if (err < 0) {
        unmap_pages(vs, start, done, true, pause);
        quota_uncharge(vs->quota, LIMIT_PAGES, npages);
        return err;
    }
    *r = (struct vm_region){start, npages, prot, kind, NULL, false};
    return 0;
}

/* Only the region: its pages and the tables mapping them come, and are charged, at first touch. */
long vm_map_lazy(struct vm_space *vs, uaddr_t start, uint64_t npages, unsigned prot)
{
    struct vm_region *r = region_slot(vs);
    if (!r || region_overlaps(vs, start, npages))
        return ERR_NO_RESOURCES;
    *r = (struct vm_region){start, npages, prot, VM_ANON, NULL, true};
    return 0;
}

/* The frames are someone else's (the initfs, a BAR, a DMA buffer): a failure unmaps, frees nothing. */
long vm_map_phys(struct vm_space *vs, uaddr_t start, paddr_t pa, uint64_t npages, unsigned prot,
                 enum vm_kind kind, struct kobj *backing)
{
    struct vm_region *r = region_slot(vs);
    if (!r || region_overlaps(vs, start, npages))
        return ERR_NO_RESOURCES;
    uint64_t tables, before = arch_vm_tables(&vs->arch);
    long err = vm_charge_map(vs, start, npages, 0, &tables);
    if (err < 0)
        return err;
    for (uint64_t i = 0; i < npages; i++)
        if (arch_vm_map(&vs->arch, start + i * PAGE_SIZE, pa + i * PAGE_SIZE, prot) < 0) {
            unmap_pages(vs, start, i, false, NULL); /* the caller still owns the frames */
            vm_settle_tables(vs, before, tables);
            return ERR_NO_MEMORY;
        }
    vm_settle_tables(vs, before, tables);
    /* The region records PROT_* only; the device bit lives in the page-table entries. */
    *r = (struct vm_region){start, npages, prot & ~ARCH_PROT_DEVICE, kind, backing, false};
    return 0;
}

/* A VM_KEEP region maps nothing: region_release only drops its reference. */
long vm_keep(struct vm_space *vs, struct kobj *obj)
{
    for (int i = 0; i < VM_MAX_REGIONS; i++)
        if (vs->regions[i].kind == VM_KEEP && vs->regions[i].backing == obj)
            return 0;
    struct vm_region *r = region_slot(vs);
    if (!r)
        return ERR_NO_RESOURCES;
    obj_ref(obj);
    *r = (struct vm_region){0, 0, 0, VM_KEEP, obj, false};
    return 0;
}

/* The scan restarts whenever the candidate moves: quadratic in regions, of which there are at most
 * VM_MAX_REGIONS. */
uaddr_t vm_find_free(const struct vm_space *vs, uint64_t npages)
{
    uaddr_t candidate = USER_VM_BASE;
    /* First fit: move past every region that overlaps the candidate until none does. */
    for (bool moved = true; moved;) {
        moved = false;
        if (candidate + npages * PAGE_SIZE > USER_VM_TOP)
            return 0;
        for (int i = 0; i < VM_MAX_REGIONS; i++) {
            const struct vm_region *r = &vs->regions[i];
            uaddr_t end = r->start + r->npages * PAGE_SIZE;
            /* Each region counts one page longer at both ends: an unmapped guard page stays
             * between any two, so running off one mapping faults instead of entering the next. */
            if (r->kind && r->npages && candidate < end + PAGE_SIZE &&
                r->start < candidate + (npages + 1) * PAGE_SIZE) {
                candidate = end + PAGE_SIZE;
                moved = true;
            }
        }
    }
    return candidate;
}

/* True for the regions a process maps itself, and may unmap. */
static bool kind_user_mapped(uint32_t kind)
{
    return kind == VM_ANON || kind == VM_DMA;
}

/* True when vs maps nothing: no region of any kind. */
bool vm_empty(const struct vm_space *vs)
{
    for (int i = 0; i < VM_MAX_REGIONS; i++)
        if (vs->regions[i].kind)
            return false;
    return true;
}

/* Exact matches only: unmapping part of a region would split it, and the fixed table may have no
 * slot for the second half. */
long vm_unmap_user(struct vm_space *vs, uaddr_t start, uint64_t npages, vm_pause_fn pause)
{
    for (int i = 0; i < VM_MAX_REGIONS; i++) {
        struct vm_region *r = &vs->regions[i];
        if (kind_user_mapped(r->kind) && r->start == start && r->npages == npages) {
            vm_region_release(vs, r, pause);
            return 0;
        }
    }
    return ERR_NOT_FOUND;
}

/* The VM_ANON region that holds all of [start, start + npages pages), or NULL. */
static struct vm_region *region_holding(struct vm_space *vs, uaddr_t start, uint64_t npages)
{
    for (int i = 0; i < VM_MAX_REGIONS; i++) {
        struct vm_region *r = &vs->regions[i];
        if (r->kind == VM_ANON && start >= r->start && npages <= r->npages &&
            start - r->start <= (r->npages - npages) * PAGE_SIZE)
            return r;
    }
    return NULL;
}

/*
 * Make [start, start + npages pages), inside VM_ANON region r, a region of its own: the pages
 * before and after it stay in regions of their own (r keeps the first piece). The table slots and
 * the mapping count (with `going` regions about to be released) are checked before anything
 * changes: ERR_NO_RESOURCES, nothing split. Only the bookkeeping changes; the page tables already
 * map every piece.
 */
static long region_split(struct vm_space *vs, struct vm_region **rp, uaddr_t start, uint64_t npages,
                         uint32_t going)
{
    struct vm_region *r = *rp;
    uaddr_t end = start + npages * PAGE_SIZE, r_end = r->start + r->npages * PAGE_SIZE;
    uint32_t pieces = (start > r->start) + (end < r_end), free = 0;
    for (int i = 0; i < VM_MAX_REGIONS; i++)
        free += !vs->regions[i].kind;
    if (free < pieces || vm_count_user(vs) + pieces - going > VM_MAX_ANON)
        return ERR_NO_RESOURCES;
    if (end < r_end) {
        struct vm_region *after = region_slot(vs);
        *after = (struct vm_region){end, (r_end - end) / PAGE_SIZE, r->prot, VM_ANON, NULL, r->lazy};
        r->npages -= after->npages;
    }
    if (start > r->start) {
        struct vm_region *mid = region_slot(vs);
        *mid = (struct vm_region){start, npages, r->prot, VM_ANON, NULL, r->lazy};
        r->npages -= npages;
        r = mid;
    }
    *rp = r;
    return 0;
}

/* Any page range of one mapping goes; what is left of the mapping on either side stays mapped. */
long vm_unmap_part(struct vm_space *vs, uaddr_t start, uint64_t npages, vm_pause_fn pause)
{
    struct vm_region *r = region_holding(vs, start, npages);
    long err = r ? region_split(vs, &r, start, npages, 1) : ERR_NOT_FOUND;
    if (err == 0)
        vm_region_release(vs, r, pause);
    return err;
}

/* Remapping a present page keeps its frame and finds its page tables in place, so it cannot fail;
 * a page of a lazy region not touched yet stays so, and a frame shared copy-on-write stays
 * read-only (its first write copies it). The region takes the new protection first: a fault
 * during the pauses (the process may run) then resolves with it. The translations remembered for
 * the space are forgotten: they may allow what is now refused. */
long vm_protect_part(struct vm_space *vs, uaddr_t start, uint64_t npages, unsigned prot, vm_pause_fn pause)
{
    struct vm_region *r = region_holding(vs, start, npages);
    long err = r ? region_split(vs, &r, start, npages, 0) : ERR_NOT_FOUND;
    if (err < 0)
        return err;
    r->prot = prot;
    for (uint64_t i = 0; i < npages; i++) {
        if (i % VM_CHUNK_PAGES == 0) {
            if (i && pause)
                pause();
            vm_forget(vs);
        }
        uaddr_t va = start + i * PAGE_SIZE;
        paddr_t pa = arch_vm_unmap(&vs->arch, va);
        if (!pa)
            continue;
        err = arch_vm_map(&vs->arch, va, pa, frame_ref_shared(pa) ? prot & ~PROT_WRITE : prot);
        ASSERT(err == 0);
    }
    return 0;
}

/* The region table's own test, for callers that choose the address. */
bool vm_range_free(const struct vm_space *vs, uaddr_t start, uint64_t npages)
{
    return !region_overlaps(vs, start, npages);
}

/* Counted, not kept: the table is small and only SYS_VM_MAP and SYS_DMA_ALLOC ask. */
uint32_t vm_count_user(const struct vm_space *vs)
{
    uint32_t n = 0;
    for (int i = 0; i < VM_MAX_REGIONS; i++)
        n += kind_user_mapped(vs->regions[i].kind);
    return n;
}

/* A page the walk of a kernel copy found refusing prot: resolved as the fault of a user access
 * would be (vm_fault), then looked up again. 0, or vm_fault's error. */
static __attribute__((noinline)) long range_fault(struct vm_space *vs, uaddr_t page, unsigned prot)
{
    long err = vm_fault(vs, page, prot & PROT_WRITE);
    if (err == 0 && !vm_lookup(vs, page, prot))
        err = ERR_BAD_ADDRESS;
    return err;
}

/* 0 when every page of [addr, addr + len) is mapped in vs with prot (the range is sane), after
 * resolving a lazy or copy-on-write page as a user access would; else ERR_BAD_ADDRESS, or
 * ERR_NO_MEMORY when such a page could get no frame (or charge). */
static inline long range_mapped(struct vm_space *vs, uaddr_t addr, size_t len, unsigned prot)
{
    for (uaddr_t page = addr & ~(PAGE_SIZE - 1); page < addr + len; page += PAGE_SIZE) {
        long err = vm_lookup(vs, page, prot) ? 0 : range_fault(vs, page, prot);
        if (err < 0)
            return err;
    }
    return 0;
}

/* user_range_check's walk: every page of the range; remembers a range that passes. */
static __attribute__((noinline)) long user_range_walk(struct vm_space *vs, uaddr_t addr, size_t len,
                                                      unsigned prot)
{
    if (!user_range_sane(addr, len))
        return ERR_BAD_ADDRESS;
    long err = range_mapped(vs, addr, len, prot);
    if (err < 0)
        return err;
    vs->checked.start = addr & ~(PAGE_SIZE - 1);
    vs->checked.end = (addr + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    vs->checked.prot = prot | PROT_READ;
    return 0;
}

/* A wait checks the same event buffer every time: the last range that passed is remembered (and
 * forgotten with the translations, by unmap_pages). */
long user_range_check(uaddr_t addr, size_t len, unsigned prot)
{
    struct vm_space *vs = cpu_self()->vm;
    typeof(vs->checked) *c = &vs->checked;
    /* addr + len >= addr: a range that wraps would otherwise pass the remembered bounds. */
    if (addr >= c->start && addr + len <= c->end && addr + len >= addr && (c->prot & prot) == prot)
        return 0;
    return user_range_walk(vs, addr, len, prot);
}

/* Chunks end at page boundaries: consecutive user pages need not be consecutive frames. */
long vm_copy_to(struct vm_space *vs, uaddr_t dst, const void *src, size_t len)
{
    if (!user_range_sane(dst, len))
        return ERR_BAD_ADDRESS;
    /* The loader fills read-only pages too, of a space that is not active: through the frames. */
    while (len > 0) {
        uint64_t off = dst & (PAGE_SIZE - 1), chunk = PAGE_SIZE - off;
        if (chunk > len)
            chunk = len;
        paddr_t pa = arch_vm_lookup(&vs->arch, dst - off, 0);
        if (!pa)
            return ERR_BAD_ADDRESS;
        arch_copy((char *)arch_phys_to_virt(pa) + off, src, chunk);
        src = (const char *)src + chunk;
        dst += chunk;
        len -= chunk;
    }
    return 0;
}

/* At most one of the two spaces is active, so both are walked in software and the copy goes
 * through the direct map, frame to frame. */
long vm_copy_between(struct vm_space *dst_vs, uaddr_t dst, struct vm_space *src_vs, uaddr_t src, size_t len)
{
    if (!user_range_sane(dst, len) || !user_range_sane(src, len))
        return ERR_BAD_ADDRESS;
    /* All or nothing: check every page of both sides before the first byte moves. */
    long err = range_mapped(dst_vs, dst, len, PROT_WRITE);
    if (err < 0 || (err = range_mapped(src_vs, src, len, PROT_READ)) < 0)
        return err;
    while (len > 0) {
        uint64_t doff = dst & (PAGE_SIZE - 1), soff = src & (PAGE_SIZE - 1);
        /* A chunk ends at the first page boundary on either side. */
        uint64_t chunk = PAGE_SIZE - (doff > soff ? doff : soff);
        if (chunk > len)
            chunk = len;
        paddr_t dpa = vm_lookup(dst_vs, dst - doff, PROT_WRITE);
        paddr_t spa = vm_lookup(src_vs, src - soff, PROT_READ);
        /* Cannot fail after the check above: nothing runs in between that could unmap a page. */
        if (!dpa || !spa)
            return ERR_BAD_ADDRESS;
        arch_copy((char *)arch_phys_to_virt(dpa) + doff, (char *)arch_phys_to_virt(spa) + soff, chunk);
        dst += chunk;
        src += chunk;
        len -= chunk;
    }
    return 0;
}
