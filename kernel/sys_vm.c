/* sys_vm.c: the memory system calls: SYS_VM_MAP and SYS_VM_UNMAP, and SYS_PROC_VM_* on a supervised
 * process's memory (docs/syscalls.md). */
#include <clockpage.h>
#include <proc.h>
#include <sched.h>
#include <supervise.h>
#include <syscall.h>
#include <vm.h>
#include <warp/error.h>
#include <warp/ipc.h>

/* One mapping at most: bounds the frames and page tables a single call can take. */
#define VM_MAP_MAX (1ul << 30)

/* Bytes SYS_PROC_VM_READ and SYS_PROC_VM_WRITE copy at most: one copy, no preemption point. */
#define PROC_COPY_MAX (64ul << 10)

#define PROT_ACCESS (PROT_READ | PROT_WRITE | PROT_EXEC)

/* A protection a mapping may have: known bits (PROT_LAZY only where `lazy_ok`), never writable and
 * executable (W^X), and some access unless `none_ok` (PROT_NONE). */
static bool prot_valid(uint64_t prot, bool lazy_ok, bool none_ok)
{
    uint64_t known = PROT_ACCESS | (lazy_ok ? PROT_LAZY : 0);
    return !(prot & ~known) && (none_ok || (prot & PROT_ACCESS)) &&
           !((prot & PROT_WRITE) && (prot & PROT_EXEC));
}

/* The access a mapping gets: every one that allows any is readable; PROT_NONE stays none. */
static unsigned prot_access(uint64_t prot)
{
    return prot & PROT_ACCESS ? (unsigned)((prot & PROT_ACCESS) | PROT_READ) : 0;
}

/* The arguments of a map: a valid protection (PROT_NONE only with PROT_LAZY, where `none_ok`), a
 * length from 1 byte to VM_MAP_MAX. */
static long map_args_check(uint64_t len, uint64_t prot, bool none_ok)
{
    if (len == 0 || !prot_valid(prot, true, none_ok && (prot & PROT_LAZY)))
        return ERR_INVALID_ARG;
    return len > VM_MAP_MAX ? ERR_TOO_LARGE : 0;
}

/* Anonymous memory at addr (checked, free): zeroed pages now, or at first touch with PROT_LAZY. */
static long map_anon(struct vm_space *vs, uaddr_t addr, uint64_t npages, uint64_t prot)
{
    if (prot & PROT_LAZY)
        return vm_map_lazy(vs, addr, npages, prot_access(prot));
    return vm_map_anon(vs, addr, npages, prot_access(prot), VM_ANON, sched_preempt_point);
}

/* Zeroed pages at an address the kernel picks, always readable; writable with executable is
 * refused (W^X). */
long sys_vm_map(const struct syscall_args *a)
{
    uint64_t len = a->a1;
    uint64_t prot = a->a2;
    long check = map_args_check(len, prot, false);
    if (check < 0)
        return check;
    struct vm_space *vs = proc_current()->space;
    uint64_t npages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
    uaddr_t addr = vm_find_free(vs, npages);
    if (vm_count_user(vs) >= VM_MAX_ANON || !addr)
        return ERR_NO_RESOURCES;
    long err = map_anon(vs, addr, npages, prot);
    return err < 0 ? err : (long)addr;
}

/* A whole mapping only, named as it was made: len rounds up to pages just as at map time. */
long sys_vm_unmap(const struct syscall_args *a)
{
    uaddr_t addr = a->a1;
    uint64_t len = a->a2;
    if (addr & (PAGE_SIZE - 1))
        return ERR_INVALID_ARG;
    if (len == 0 || len > VM_MAP_MAX)
        return ERR_NOT_FOUND;
    return vm_unmap_user(proc_current()->space, addr, (len + PAGE_SIZE - 1) / PAGE_SIZE, sched_preempt_point);
}

/* The supervised process behind a register (RIGHT_MANAGE), live, whose memory no other call is
 * working on: a map or unmap has preemption points, between which the space must not change.
 * Busy is the space's, so a call through one process sharing it holds off calls through any. */
static long managed_vm(uint64_t reg, struct proc **out)
{
    struct proc *p;
    long err = handle_object(proc_handles(), handle_from_reg(reg), OBJ_PROCESS, RIGHT_MANAGE, (void **)&p);
    if (err < 0)
        return err;
    if (!p->sup || p->state != PROC_LIVE || p->space->busy)
        return ERR_BAD_STATE;
    *out = p;
    return 0;
}

/* The address of a fixed mapping: page-aligned (ERR_INVALID_ARG), inside [USER_BASE, USER_TOP)
 * (ERR_BAD_ADDRESS), and over no mapping (ERR_ALREADY_EXISTS). */
static long fixed_check(const struct vm_space *vs, uaddr_t addr, uint64_t npages)
{
    if (addr & (PAGE_SIZE - 1))
        return ERR_INVALID_ARG;
    if (addr < USER_BASE || addr > USER_TOP || npages > (USER_TOP - addr) / PAGE_SIZE)
        return ERR_BAD_ADDRESS;
    return vm_range_free(vs, addr, npages) ? 0 : ERR_ALREADY_EXISTS;
}

/* Zeroed pages in the process, at addr or (addr 0) where the kernel picks, charged to its pages
 * quota; the process may be running. The target is marked busy across the map's preemption
 * points, so that its exit waits for the map to finish (or undo itself). */
long sys_proc_vm_map(const struct syscall_args *a)
{
    uaddr_t addr = a->a2;
    uint64_t len = a->a3, prot = a->a4;
    long err = map_args_check(len, prot, true);
    struct proc *p;
    if (err < 0 || (err = managed_vm(a->a1, &p)) < 0)
        return err;
    struct vm_space *vs = p->space;
    uint64_t npages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
    if (addr && (err = fixed_check(vs, addr, npages)) < 0)
        return err;
    if (!addr)
        addr = vm_find_free(vs, npages);
    if (vm_count_user(vs) >= VM_MAX_ANON || !addr)
        return ERR_NO_RESOURCES;
    vs->busy = true;
    err = map_anon(vs, addr, npages, prot);
    vs->busy = false;
    return err < 0 ? err : (long)addr;
}

/* The pages of [addr, addr + len) for a call on part of a mapping: ERR_INVALID_ARG if addr is not
 * page-aligned, ERR_NOT_FOUND if len is 0 or past VM_MAP_MAX (as SYS_VM_UNMAP says). */
static long part_pages(uaddr_t addr, uint64_t len, uint64_t *npages)
{
    if (addr & (PAGE_SIZE - 1))
        return ERR_INVALID_ARG;
    if (len == 0 || len > VM_MAP_MAX)
        return ERR_NOT_FOUND;
    *npages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
    return 0;
}

/* Linux's munmap: any page range inside one mapping, which may split it. */
long sys_proc_vm_unmap(const struct syscall_args *a)
{
    uaddr_t addr = a->a2;
    uint64_t len = a->a3;
    struct proc *p;
    uint64_t npages;
    long err = managed_vm(a->a1, &p);
    if (err < 0 || (err = part_pages(addr, len, &npages)) < 0)
        return err;
    struct vm_space *vs = p->space; /* a sharer may leave it meanwhile; it stays (the owner waits) */
    vs->busy = true;
    err = vm_unmap_part(vs, addr, npages, sched_preempt_point);
    vs->busy = false;
    return err;
}

/* Linux's mprotect: any page range inside one mapping, W^X kept (code is written while writable,
 * then made executable); PROT_NONE allowed (the pages stay, inaccessible), PROT_LAZY not (it is a
 * property of a mapping, not of an access). */
long sys_proc_vm_protect(const struct syscall_args *a)
{
    uaddr_t addr = a->a2;
    uint64_t len = a->a3, prot = a->a4;
    struct proc *p;
    uint64_t npages;
    long err = prot_valid(prot, false, true) ? managed_vm(a->a1, &p) : ERR_INVALID_ARG;
    if (err < 0 || (err = part_pages(addr, len, &npages)) < 0)
        return err;
    struct vm_space *vs = p->space; /* as for an unmap */
    vs->busy = true;
    err = vm_protect_part(vs, addr, npages, prot_access(prot), sched_preempt_point);
    vs->busy = false;
    return err;
}

/* One copy between the caller and the process, all or nothing, with the access each side's pages
 * allow: a read-only page of the process is not written (its supervisor protects code after
 * writing it). */
static long proc_copy(const struct syscall_args *a, bool to_proc)
{
    uaddr_t theirs = a->a2, ours = a->a3;
    uint64_t len = a->a4;
    if (len > PROC_COPY_MAX)
        return ERR_TOO_LARGE;
    struct proc *p;
    long err = managed_vm(a->a1, &p);
    if (err < 0)
        return err;
    struct vm_space *mine = proc_current()->space;
    err = to_proc ? vm_copy_between(p->space, theirs, mine, ours, len)
                  : vm_copy_between(mine, ours, p->space, theirs, len);
    return err < 0 ? err : (long)len;
}

/* From the process into our memory. */
long sys_proc_vm_read(const struct syscall_args *a)
{
    return proc_copy(a, false);
}

/* From our memory into the process. */
long sys_proc_vm_write(const struct syscall_args *a)
{
    return proc_copy(a, true);
}

/* True when p is new (not started) and alone in an empty address space of its own: neither
 * sharing another's nor shared. */
static bool fresh_alone(const struct proc *p)
{
    return p->sup->state == SUP_NEW && p->space == &p->vm && !p->vm.sharers && vm_empty(&p->vm);
}

/*
 * A copy-on-write clone of src's memory (its space, shared or not) into dst (the memory side of a
 * fork): src stopped (not started, or trapped), dst fresh and alone. Both spaces are busy across
 * the clone's preemption points, so that neither owner exits, no process in them runs a user
 * instruction (supervise_user_return waits) and no other call changes them until it is done.
 */
long sys_proc_vm_clone(const struct syscall_args *a)
{
    struct proc *src, *dst;
    long err = managed_vm(a->a1, &src);
    if (err < 0 || (err = managed_vm(a->a2, &dst)) < 0)
        return err;
    if (src->space == dst->space || !supervise_stopped(src) || !fresh_alone(dst))
        return ERR_BAD_STATE;
    struct vm_space *from = src->space, *to = dst->space; /* src may be a sharer that ends meanwhile */
    from->busy = to->busy = true;
    err = vm_clone(to, from, sched_preempt_point);
    from->busy = to->busy = false;
    return err;
}

/*
 * dst, fresh and alone, runs in src's address space from now on (a thread of it: see proc_share
 * for the lifetime rule). src may be running; a sharer stands for its space's owner, which must
 * still be live (an owner that is ending ends its sharers, and takes no new one).
 */
long sys_proc_vm_share(const struct syscall_args *a)
{
    struct proc *src, *dst;
    long err = managed_vm(a->a1, &src);
    if (err < 0 || (err = managed_vm(a->a2, &dst)) < 0)
        return err;
    struct proc *owner = proc_space_owner(src);
    if (owner == dst || owner->state != PROC_LIVE || !fresh_alone(dst))
        return ERR_BAD_STATE;
    proc_share(dst, src); /* nothing fails */
    return 0;
}

/* The clock page, read-only, in a supervised process (a Linux server's vDSO data), at addr or (addr
 * 0) where the kernel picks. Each call adds a mapping; the page is not the process's, so no unmap
 * takes it (it goes with the space). */
long sys_clock_map(const struct syscall_args *a)
{
    uaddr_t addr = a->a2;
    struct proc *p;
    long err = managed_vm(a->a1, &p);
    if (err < 0 || (addr && (err = fixed_check(p->space, addr, 1)) < 0))
        return err;
    if (!addr && !(addr = vm_find_free(p->space, 1)))
        return ERR_NO_RESOURCES;
    err = clock_page_map(p->space, addr);
    return err < 0 ? err : (long)addr;
}
