/* lxmem.c: copies to and from a Linux process and its mappings, kept in step with the kernel's. */
#include "lxmem.h"

#include <warp/user.h>

#include "lxabi.h"

#define LXMEM_COPY_MAX (64ull << 10) /* SYS_PROC_VM_READ/WRITE's limit */

int64_t lxmem_errno(long err)
{
    switch (err) {
    case ERR_BAD_ADDRESS: return -LX_EFAULT;
    case ERR_ALREADY_EXISTS: return -LX_EEXIST;
    case ERR_INVALID_ARG: return -LX_EINVAL;
    default: return -LX_ENOMEM; /* ERR_NO_MEMORY, ERR_NO_RESOURCES, ERR_TOO_LARGE, ERR_NOT_FOUND */
    }
}

/* True if [addr, addr+len) lies in the user half (the kernel checks the pages). */
static bool lxmem_range_ok(uint64_t addr, uint64_t len)
{
    return addr < USER_TOP && len <= USER_TOP - addr;
}

int64_t lxmem_read(struct lxproc *p, uint64_t addr, void *buf, uint64_t len)
{
    if (!lxmem_range_ok(addr, len))
        return -LX_EFAULT;
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < LXMEM_COPY_MAX ? len - done : LXMEM_COPY_MAX;
        if (warp_proc_vm_read(p->proc, addr + done, (uint8_t *)buf + done, n) < 0)
            return -LX_EFAULT;
        done += n;
    }
    return 0;
}

int64_t lxmem_write(struct lxproc *p, uint64_t addr, const void *buf, uint64_t len)
{
    if (!lxmem_range_ok(addr, len))
        return -LX_EFAULT;
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < LXMEM_COPY_MAX ? len - done : LXMEM_COPY_MAX;
        if (warp_proc_vm_write(p->proc, addr + done, (const uint8_t *)buf + done, n) < 0)
            return -LX_EFAULT;
        done += n;
    }
    return 0;
}

int64_t lxmem_read_string(struct lxproc *p, uint64_t addr, char *out, uint64_t cap)
{
    for (uint64_t done = 0; done < cap;) {
        uint64_t a = addr + done, n = LXMEM_PAGE - (a % LXMEM_PAGE);
        if (n > cap - done)
            n = cap - done;
        if (a < addr || lxmem_read(p, a, out + done, n) < 0)
            return -LX_EFAULT;
        for (uint64_t i = 0; i < n; i++)
            if (out[done + i] == '\0')
                return (int64_t)(done + i);
        done += n;
    }
    return -LX_ERANGE;
}

int64_t lxmem_map(struct lxproc *p, uint64_t addr, uint64_t len, uint32_t prot)
{
    if (p->leader->vm.n >= LXVM_AREAS_MAX)
        return -LX_ENOMEM;
    long r = warp_proc_vm_map(p->proc, addr, len, prot);
    if (r < 0)
        return lxmem_errno(r);
    if (lxvm_insert(&p->leader->vm, (uint64_t)r, (uint64_t)r + len, prot) < 0) {
        warp_proc_vm_unmap(p->proc, (uint64_t)r, len); /* cannot happen while the tables agree */
        return -LX_ENOMEM;
    }
    return r;
}

int64_t lxmem_unmap(struct lxproc *p, uint64_t start, uint64_t end)
{
    struct lxvm_area piece;
    while (lxvm_first_piece(&p->leader->vm, start, end, &piece)) {
        int cost = lxvm_split_cost(&p->leader->vm, piece.start, piece.end, false);
        if (p->leader->vm.n + (uint32_t)cost > LXVM_AREAS_MAX)
            return -LX_ENOMEM;
        long r = warp_proc_vm_unmap(p->proc, piece.start, piece.end - piece.start);
        if (r < 0)
            return lxmem_errno(r);
        lxvm_remove(&p->leader->vm, piece.start, piece.end);
        start = piece.end;
    }
    return 0;
}

/* A piece keeps its PROT_LAZY (a property of the mapping, not of its access) through a protect. */
int64_t lxmem_protect(struct lxproc *p, uint64_t start, uint64_t end, uint32_t prot)
{
    if (!lxvm_is_covered(&p->leader->vm, start, end))
        return -LX_ENOMEM;
    struct lxvm_area piece;
    while (start < end && lxvm_first_piece(&p->leader->vm, start, end, &piece)) {
        uint32_t want = prot | (piece.prot & PROT_LAZY);
        if (piece.prot != want) {
            int cost = lxvm_split_cost(&p->leader->vm, piece.start, piece.end, true);
            if (p->leader->vm.n + (uint32_t)cost > LXVM_AREAS_MAX)
                return -LX_ENOMEM;
            long r = warp_proc_vm_protect(p->proc, piece.start, piece.end - piece.start, prot);
            if (r < 0)
                return lxmem_errno(r);
            lxvm_protect(&p->leader->vm, piece.start, piece.end, want);
        }
        start = piece.end;
    }
    return 0;
}
