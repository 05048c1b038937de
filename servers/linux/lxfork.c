/* lxfork.c: fork, vfork and clone for new processes (not threads): the child is a new supervised
 * Warp process with a copy of its parent's memory, registers, FPU state, descriptors and signal
 * dispositions (docs/linux-compat.md, Processes). */
#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxchild.h"
#include "lxfiles.h"
#include "lxfork.h"
#include "lxmem.h"
#include "lxproc.h"
#include "lxstart.h"
#include "lxsys.h"

/*
 * Gives child (spawned, no mappings) parent's memory: the kernel clones the whole address space
 * copy-on-write (SYS_PROC_VM_CLONE: every page shared until either side writes it; lazy areas stay
 * lazy; the clock page under the vDSO is mapped as it is), and the child takes the server's view
 * of it (the map, brk). 0, or -ENOMEM when the child's quota or the machine cannot hold it.
 */
static int64_t lxfork_copy_memory(struct lxproc *parent, struct lxproc *child)
{
    long r = warp_proc_vm_clone(parent->proc, child->proc);
    if (r < 0)
        return lxmem_errno(r);
    child->leader->vm = parent->leader->vm;
    child->leader->brk_start = parent->leader->brk_start;
    child->leader->brk = parent->leader->brk;
    child->leader->brk_end = parent->leader->brk_end;
    return 0;
}

/* The child's record from its parent's: identity, quota, signal state (pending signals and timers
 * not), the binary; its descriptors, cwd and umask (lxfiles_fork). */
static long lxfork_record(struct lxproc *p, struct lxproc *c, int exit_signal)
{
    memcpy(c->name, p->name, sizeof(c->name));
    c->pages = p->pages;
    memcpy(c->ports, p->ports, sizeof(c->ports));
    c->nports = p->nports;
    c->connect = p->connect;
    c->ppid = p->leader->pid; /* a thread's child is its process's */
    c->pgid = p->pgid;
    c->sid = p->sid;
    c->tree = p->tree;
    c->exit_signal = exit_signal;
    c->forked = true;
    c->binary = p->binary;
    memcpy(c->leader->sigs, p->leader->sigs, sizeof(c->leader->sigs));
    c->sigmask = p->sigmask;
    c->sig.alt_sp = p->sig.alt_sp;
    c->sig.alt_size = p->sig.alt_size;
    c->sig.alt_flags = p->sig.alt_flags;
    size_t n = strlen(p->leader->exe) + 1;
    c->leader->exe = malloc(n);
    if (!c->leader->exe)
        return ERR_NO_MEMORY;
    memcpy(c->leader->exe, p->leader->exe, n);
    return lxfiles_fork(p, c);
}

long lxfork_registers(struct lxproc *p, struct lxproc *c, uint64_t flags, uint64_t sp, uint64_t tls)
{
    struct cpu_regs r;
    struct cpu_fpu fp;
    long e = warp_proc_get_regs(p->proc, &r);
    if (e == 0)
        e = warp_proc_get_fpu(p->proc, &fp);
    if (e < 0)
        return e;
    r.rax = 0;
    if (sp)
        r.sp = sp;
    if (flags & LX_CLONE_SETTLS)
        r.tls = tls;
    e = warp_proc_set_regs(c->proc, &r);
    return e == 0 ? warp_proc_set_fpu(c->proc, &fp) : e;
}

int64_t lxfork_process(struct lxproc *p, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t ctid,
                       uint64_t tls)
{
    if (!lxchild_room(p))
        return -LX_EAGAIN;
    struct lxproc *c = lxproc_alloc(p->loop, p->binary->path);
    if (!c)
        return -LX_EAGAIN;
    int64_t r = lxfork_record(p, c, (int)(flags & LX_CSIGNAL)) == 0 ? 0 : -LX_ENOMEM;
    if (r == 0 && lxstart_spawn(c) < 0)
        r = -LX_EAGAIN;
    if (r == 0)
        r = lxfork_copy_memory(p, c);
    if (r == 0 && lxfork_registers(p, c, flags, sp, tls) < 0)
        r = -LX_EINVAL;
    uint32_t pid = (uint32_t)c->pid;
    if (r == 0 && (flags & LX_CLONE_CHILD_SETTID))
        (void)lxmem_write(c, ctid, &pid, sizeof(pid)); /* a bad pointer is ignored, as by Linux */
    if (flags & LX_CLONE_CHILD_CLEARTID)
        c->tid_address = ctid;
    if (r == 0 && lxstart_watch(c) < 0)
        r = -LX_ENOMEM;
    if (r < 0) {
        lxstart_abandon(c);
        return r;
    }
    if (flags & LX_CLONE_PARENT_SETTID)
        (void)lxmem_write(p, ptid, &pid, sizeof(pid));
    return lxstart_go(c) < 0 ? -LX_EAGAIN : (int64_t)pid;
}

/* fork, and vfork served as fork (POSIX allows it: the parent is not held until the child execs or
 * exits, and the child's writes are its own). */
int64_t lxsys_fork(struct lxproc *p, const struct trap_info *t)
{
    (void)t;
    return lxfork_process(p, LX_SIGCHLD, 0, 0, 0, 0);
}
