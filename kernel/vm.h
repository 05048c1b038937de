/* vm.h: user address spaces: regions of pages and checked access to user memory. */
#pragma once

#include <arch.h>
#include <warp/abi.h>
#include <warp/error.h>
#include <warp/types.h>

/* Mappings a process may make (SYS_VM_MAP, SYS_DMA_ALLOC, SYS_PROC_VM_MAP into it): enough for a
 * Linux program's allocator (docs/linux-compat.md); the table is scanned linearly. */
#define VM_MAX_ANON 256
#define VM_MAX_REGIONS (VM_MAX_ANON + 8) /* + image segments, stack, initfs, kept objects */
#define VM_TC_SLOTS 4                    /* translation cache entries, indexed by page number */
#define VM_CHUNK_PAGES 16                /* pages mapped or unmapped between two pauses (64 KiB) */

/* A long map or unmap calls this between chunks (the scheduler's preemption point, for system
 * calls): 0 goes on; an error (the caller is being killed) makes a map undo itself and return it. */
typedef long (*vm_pause_fn)(void);

enum vm_kind {
    VM_IMAGE = 1, /* an ELF segment */
    VM_STACK,     /* the initial thread's stack */
    VM_ANON,      /* SYS_VM_MAP memory */
    VM_SHARED,    /* frames the process does not own (the initfs) */
    VM_DEVICE,    /* device registers (a PCI BAR), uncached, not owned; holds the device object */
    VM_DMA,       /* DMA memory: frames owned by a backing object that the device also holds */
    VM_KEEP,      /* no pages: a reference kept for the space's life (a device whose ports it uses) */
};

struct kobj;
struct quota;

struct vm_region {
    uaddr_t start; /* page-aligned */
    uint64_t npages;
    uint32_t prot;        /* PROT_* */
    uint32_t kind;        /* enum vm_kind; 0 = unused slot */
    struct kobj *backing; /* VM_DMA: a reference on the object owning the frames; else NULL */
    bool lazy;            /* VM_ANON: each page gets its frame (zeroed, charged) at first touch */
};

struct vm_space {
    struct arch_vm arch; /* the port's page-table root and extras */
    struct {             /* recent translations, for repeated copies */
        uaddr_t page;    /* 0: empty */
        paddr_t frame;
        unsigned prot; /* the access that page is known to allow */
    } tc[VM_TC_SLOTS];
    struct {                /* the last range user_range_check passed */
        uaddr_t start, end; /* page-aligned; empty when equal */
        unsigned prot;
    } checked;
    struct vm_region regions[VM_MAX_REGIONS];
    /* Charged (LIMIT_PAGES) for the frames it owns and for its page tables; NULL: nobody. */
    struct quota *quota;
    /* A call works on it with preemption points (SYS_PROC_VM_*): other memory calls on it are
     * refused and no process running in it returns to user mode until the call is done. */
    bool busy;
    uint32_t sharers; /* processes running in it besides its owner (SYS_PROC_VM_SHARE) */
};

/* Empty address space charged to quota (kept, not referenced: its owner outlives it) for its page
 * tables from the start; ERR_NO_MEMORY (out of memory or over the quota), nothing left behind. */
long vm_space_init(struct vm_space *vs, struct quota *quota);
/* Free every owned page (pause, if any, between chunks) and the page tables, and their charges.
 * Pre: no call works on vs (busy) and no process but its owner runs in it (sharers). */
void vm_space_destroy(struct vm_space *vs, vm_pause_fn pause);
/* Map npages of fresh zeroed memory at start, charged to vs->quota with the page tables it adds,
 * with pause (may be NULL) between chunks; ERR_NO_MEMORY (out of memory or over the quota),
 * ERR_NO_RESOURCES or pause's error; nothing left behind. */
long vm_map_anon(struct vm_space *vs, uaddr_t start, uint64_t npages, unsigned prot, enum vm_kind kind,
                 vm_pause_fn pause);
/* Reserve [start, start + npages pages) for VM_ANON memory allocated page by page at first touch
 * (vm_fault), charged then: the mapping itself costs nothing. prot may be 0 (PROT_NONE: nothing is
 * allocated until a protection allows access). ERR_NO_RESOURCES (no slot, or the range is taken). */
long vm_map_lazy(struct vm_space *vs, uaddr_t start, uint64_t npages, unsigned prot);
/* Resolve a refused access to addr (vm_cow.c): a lazy page's first touch, a copy-on-write page's
 * first write. 0 (retry the access), ERR_BAD_ADDRESS (refused) or ERR_NO_MEMORY. */
long vm_fault(struct vm_space *vs, uaddr_t addr, bool write);
/* Map every region of src into the empty dst, frames shared copy-on-write (vm_cow.c);
 * ERR_NOT_SUPPORTED, ERR_NO_MEMORY or pause's error, dst then left mapping nothing. */
long vm_clone(struct vm_space *dst, struct vm_space *src, vm_pause_fn pause);
/* True when vs has no region of any kind. */
bool vm_empty(const struct vm_space *vs);
/* Map frames [pa, pa + npages pages); the region owns them (frees them on unmap) only for VM_ANON.
 * VM_DMA regions take over a reference on `backing` (the frames' owner), dropped at unmap. The page
 * tables it adds are charged to vs->quota; ERR_NO_MEMORY (out of memory or over the quota). */
long vm_map_phys(struct vm_space *vs, uaddr_t start, paddr_t pa, uint64_t npages, unsigned prot,
                 enum vm_kind kind, struct kobj *backing);
/* Keep a reference on obj for as long as vs lives (once per object: a second call does nothing);
 * ERR_NO_RESOURCES when the region table is full. */
long vm_keep(struct vm_space *vs, struct kobj *obj);
/* Find a free range of npages in [USER_VM_BASE, USER_VM_TOP); 0 if none. */
uaddr_t vm_find_free(const struct vm_space *vs, uint64_t npages);
/* Unmap exactly one mapping the process made (SYS_VM_MAP: VM_ANON, SYS_DMA_ALLOC: VM_DMA),
 * [start, start + npages pages); ERR_NOT_FOUND if there is no such mapping. */
long vm_unmap_user(struct vm_space *vs, uaddr_t start, uint64_t npages, vm_pause_fn pause);
/* Unmap [start, start + npages pages) lying inside one VM_ANON mapping (all of it, or any part:
 * what is left on either side stays, as mappings of their own), with pause between chunks (it
 * always finishes); ERR_NOT_FOUND if no mapping holds the range, ERR_NO_RESOURCES if the pieces
 * would pass VM_MAX_ANON mappings. */
long vm_unmap_part(struct vm_space *vs, uaddr_t start, uint64_t npages, vm_pause_fn pause);
/* Change the protection of such a range, every page, splitting the mapping as vm_unmap_part
 * does; the same errors. */
long vm_protect_part(struct vm_space *vs, uaddr_t start, uint64_t npages, unsigned prot, vm_pause_fn pause);
/* True when [start, start + npages pages) meets no region of vs. */
bool vm_range_free(const struct vm_space *vs, uaddr_t start, uint64_t npages);
/* Number of mappings the process made (VM_ANON and VM_DMA regions; at most VM_MAX_ANON). */
uint32_t vm_count_user(const struct vm_space *vs);

/* Fill mapped pages of a process being built, whatever their protection. */
long vm_copy_to(struct vm_space *vs, uaddr_t dst, const void *src, size_t len);
/* Copy between two user address spaces (memory-copy system calls), resolving lazy and
 * copy-on-write pages as user accesses would; 0, ERR_BAD_ADDRESS or ERR_NO_MEMORY (such a page
 * got no frame). */
long vm_copy_between(struct vm_space *dst_vs, uaddr_t dst, struct vm_space *src_vs, uaddr_t src, size_t len);
/* Check that [addr, addr+len) is mapped user-accessible with prot in the current address space
 * (device registers do not count), resolving lazy and copy-on-write pages; 0, ERR_BAD_ADDRESS or
 * ERR_NO_MEMORY. */
long user_range_check(uaddr_t addr, size_t len, unsigned prot);

/* True when [addr, addr + len) neither wraps nor leaves the user half. */
static inline bool user_range_sane(uaddr_t addr, size_t len)
{
    return addr + len >= addr && addr + len <= USER_TOP;
}

/*
 * Copy between kernel memory and the current process's user memory; 0 or ERR_BAD_ADDRESS. Its
 * address space is the active one, so the copy goes straight through it and the CPU checks each
 * page: a missing or read-only page faults; the port asks vm_fault first, which may resolve it (a
 * lazy page, a copy-on-write one: the copy goes on), else the fault ends the copy
 * (arch_copy_from_user).
 * Only user pages live below USER_TOP.
 */
static inline long copy_from_user(void *dst, uaddr_t src, size_t len)
{
    return user_range_sane(src, len) && arch_copy_from_user(dst, src, len) ? 0 : ERR_BAD_ADDRESS;
}

/* Writes are all or nothing. Within one page the first store faults if any would; a range over
 * several pages is checked page by page before the first byte moves. */
static inline long copy_to_user(uaddr_t dst, const void *src, size_t len)
{
    if (!user_range_sane(dst, len) ||
        ((dst & (PAGE_SIZE - 1)) + len > PAGE_SIZE && user_range_check(dst, len, PROT_WRITE) < 0))
        return ERR_BAD_ADDRESS;
    return arch_copy_to_user(dst, src, len) ? 0 : ERR_BAD_ADDRESS;
}

/* --- shared by vm.c and vm_cow.c only --- */
/* True when a region of this kind owns its frames. */
bool vm_kind_owns(uint32_t kind);
/* Forget the translations and the checked range remembered for vs. */
void vm_forget(struct vm_space *vs);
/* Unmap region r, drop its frames (and their charge) and its backing reference, and free its slot. */
void vm_region_release(struct vm_space *vs, struct vm_region *r, vm_pause_fn pause);
/* Charge vs->quota, all or nothing, for `frames` pages and the page tables mapping [start, start +
 * npages pages) adds, which it returns in *tables. Pre: that range maps nothing yet. */
long vm_charge_map(struct vm_space *vs, uaddr_t start, uint64_t npages, uint64_t frames, uint64_t *tables);
/* After a map charged for `charged` tables when the space had `before`: give back the charge for
 * the tables it did not make. */
void vm_settle_tables(struct vm_space *vs, uint64_t before, uint64_t charged);
/* Map one fresh zeroed frame at va; ERR_NO_MEMORY (the frame or a page table), nothing left. */
long vm_map_fresh_page(struct vm_space *vs, uaddr_t va, unsigned prot);
