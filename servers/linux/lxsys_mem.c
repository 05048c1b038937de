/* lxsys_mem.c: brk, mmap (anonymous), munmap and mprotect over the process's mappings. */
#include <warp/user.h>

#include "lxabi.h"
#include "lxmem.h"
#include "lxsys.h"

#define LXMM_HEAP_MAX (1ull << 30)  /* brk grows at most this far past the image */
#define LXMM_BRK_STEP (64ull << 10) /* the heap's mappings grow by this much at least */

/* Rounds len up to pages; 0 on overflow. */
static uint64_t lxmm_pages(uint64_t len)
{
    return len > UINT64_MAX - (LXMEM_PAGE - 1) ? 0 : (len + LXMEM_PAGE - 1) & ~(LXMEM_PAGE - 1);
}

/* Linux's PROT_* as Warp's: PROT_NONE is 0 (no access at all), any other access is readable, as on
 * x86-64 Linux; -EINVAL for unknown bits, -EACCES for writable and executable (W^X holds for Linux
 * programs too). */
static int64_t lxmm_prot(uint64_t prot)
{
    if (prot & ~(uint64_t)(LX_PROT_READ | LX_PROT_WRITE | LX_PROT_EXEC))
        return -LX_EINVAL;
    if ((prot & (LX_PROT_WRITE | LX_PROT_EXEC)) == (LX_PROT_WRITE | LX_PROT_EXEC))
        return -LX_EACCES;
    if (prot == 0)
        return 0;
    return PROT_READ | ((prot & LX_PROT_WRITE) ? PROT_WRITE : 0) | ((prot & LX_PROT_EXEC) ? PROT_EXEC : 0);
}

int64_t lxsys_brk(struct lxproc *p, const struct trap_info *t)
{
    uint64_t want = t->args[0], end = lxmm_pages(want);
    if (want < p->leader->brk_start || want - p->leader->brk_start > LXMM_HEAP_MAX)
        return (int64_t)p->leader->brk; /* Linux answers a refused brk with the current break */
    if (end > p->leader->brk_end) {
        /* Grow by LXMM_BRK_STEP at least, so that a heap growing a page at a time does not use up
         * the process's 256 mappings; the step is cut short by whatever is mapped above. */
        uint64_t step = p->leader->brk_start +
                        (end - p->leader->brk_start + LXMM_BRK_STEP - 1) / LXMM_BRK_STEP * LXMM_BRK_STEP;
        if (!lxvm_is_free(&p->leader->vm, p->leader->brk_end, end))
            return (int64_t)p->leader->brk;
        if (!lxvm_is_free(&p->leader->vm, end, step))
            step = end;
        if (lxmem_map(p, p->leader->brk_end, step - p->leader->brk_end, PROT_READ | PROT_WRITE) < 0)
            return (int64_t)p->leader->brk;
        p->leader->brk_end = step;
    } else if (want < p->leader->brk && end < p->leader->brk_end) {
        /* A shrink gives the pages above the new break back: grown again, they read as zeros. */
        if (lxmem_unmap(p, end, p->leader->brk_end) < 0)
            return (int64_t)p->leader->brk;
        p->leader->brk_end = end;
    }
    p->leader->brk = want;
    return (int64_t)want;
}

/* Checks mmap's flags, fd and offset; 0 for an anonymous mapping we serve, else -errno. */
static int64_t lxmm_check(struct lxproc *p, const struct trap_info *t)
{
    uint64_t flags = t->args[3], type = flags & LX_MAP_TYPE;
    if (type != LX_MAP_SHARED && type != LX_MAP_PRIVATE && type != LX_MAP_SHARED_VALIDATE)
        return -LX_EINVAL;
    if (t->args[1] == 0 || t->args[5] % LXMEM_PAGE != 0)
        return -LX_EINVAL;
    if (!(flags & LX_MAP_ANONYMOUS)) /* no file mappings yet: as a file system that has none */
        return lxfd_get(&p->leader->fds, t->args[4]) ? -LX_ENODEV : -LX_EBADF;
    return 0;
}

/* mmap of anonymous memory: MAP_PRIVATE or (with one process, no fork) MAP_SHARED alike. The
 * memory is lazy (PROT_LAZY): each page costs a frame, and counts against the process's quota, only
 * when first touched, so that a large reservation (Go's PROT_NONE arenas, a big MAP_NORESERVE) is
 * free; a touch the quota cannot pay for faults (SIGSEGV), as an overcommitted Linux's OOM would. */
int64_t lxsys_mmap(struct lxproc *p, const struct trap_info *t)
{
    uint64_t addr = t->args[0], flags = t->args[3];
    int64_t r = lxmm_check(p, t);
    if (r < 0)
        return r;
    int64_t prot = lxmm_prot(t->args[2]);
    if (prot < 0)
        return prot;
    prot |= PROT_LAZY;
    uint64_t len = lxmm_pages(t->args[1]);
    if (len == 0 || len > USER_TOP)
        return -LX_ENOMEM;
    bool fixed = flags & (LX_MAP_FIXED | LX_MAP_FIXED_NOREPLACE);
    if (fixed && (addr % LXMEM_PAGE != 0 || addr < USER_BASE || addr > USER_TOP - len))
        return addr % LXMEM_PAGE != 0 ? -LX_EINVAL : -LX_ENOMEM;
    if ((flags & LX_MAP_FIXED_NOREPLACE) && !(flags & LX_MAP_FIXED) &&
        !lxvm_is_free(&p->leader->vm, addr, addr + len))
        return -LX_EEXIST;
    if (flags & LX_MAP_FIXED) { /* replaces what was there */
        r = lxmem_unmap(p, addr, addr + len);
        return r < 0 ? r : lxmem_map(p, addr, len, (uint32_t)prot);
    }
    if (fixed)
        return lxmem_map(p, addr, len, (uint32_t)prot);
    addr &= ~(LXMEM_PAGE - 1);
    if (addr >= USER_BASE && addr <= USER_TOP - len && lxvm_is_free(&p->leader->vm, addr, addr + len)) {
        r = lxmem_map(p, addr, len, (uint32_t)prot); /* the hint, if it is free */
        if (r >= 0)
            return r;
    }
    return lxmem_map(p, 0, len, (uint32_t)prot);
}

int64_t lxsys_munmap(struct lxproc *p, const struct trap_info *t)
{
    uint64_t addr = t->args[0], len = lxmm_pages(t->args[1]);
    if (addr % LXMEM_PAGE != 0 || len == 0 || addr > USER_TOP || len > USER_TOP - addr)
        return -LX_EINVAL;
    int64_t r = lxmem_unmap(p, addr, addr + len);
    if (r == 0 && addr >= p->leader->brk_start && addr < p->leader->brk_end &&
        addr + len >= p->leader->brk_end) {
        p->leader->brk_end = addr; /* the heap lost its top pages: brk maps them again when it grows */
        if (p->leader->brk > addr)
            p->leader->brk = addr;
    }
    return r;
}

int64_t lxsys_mprotect(struct lxproc *p, const struct trap_info *t)
{
    uint64_t addr = t->args[0], len = lxmm_pages(t->args[1]);
    if (addr % LXMEM_PAGE != 0 || (t->args[1] != 0 && len == 0))
        return -LX_EINVAL;
    int64_t prot = lxmm_prot(t->args[2]);
    if (prot < 0)
        return prot;
    if (len == 0)
        return 0;
    if (addr > USER_TOP || len > USER_TOP - addr)
        return -LX_ENOMEM;
    return lxmem_protect(p, addr, addr + len, (uint32_t)prot);
}

/* Gives the pages of [start, end) back as zeros (MADV_DONTNEED on private anonymous memory): each
 * mapped piece is unmapped and mapped again with its protection. */
static int64_t lxmm_zero(struct lxproc *p, uint64_t start, uint64_t end)
{
    struct lxvm_area piece;
    while (start < end && lxvm_first_piece(&p->leader->vm, start, end, &piece)) {
        int64_t r = lxmem_unmap(p, piece.start, piece.end);
        if (r == 0)
            r = lxmem_map(p, piece.start, piece.end - piece.start, piece.prot);
        if (r < 0)
            return r;
        start = piece.end;
    }
    return 0;
}

/* madvise: hints are taken and ignored; MADV_DONTNEED and MADV_FREE zero the range (Linux may keep
 * MADV_FREE's pages as they were: zeros are one of its outcomes). */
int64_t lxsys_madvise(struct lxproc *p, const struct trap_info *t)
{
    uint64_t addr = t->args[0], len = lxmm_pages(t->args[1]), advice = t->args[2];
    if (addr % LXMEM_PAGE != 0 || (t->args[1] != 0 && len == 0))
        return -LX_EINVAL;
    bool zero = advice == LX_MADV_DONTNEED || advice == LX_MADV_FREE;
    if (!zero && advice > LX_MADV_PAGEOUT) /* unknown */
        return -LX_EINVAL;
    if (advice == LX_MADV_REMOVE || (advice > LX_MADV_DONTNEED && advice < LX_MADV_FREE))
        return -LX_EINVAL; /* 5-7 are no advice; REMOVE is for shared memory only */
    if (len == 0)
        return 0;
    if (addr > USER_TOP || len > USER_TOP - addr || !lxvm_is_covered(&p->leader->vm, addr, addr + len))
        return -LX_ENOMEM;
    return zero ? lxmm_zero(p, addr, addr + len) : 0;
}
