/* lxthread.c: clone, and Linux threads (CLONE_THREAD; new processes are lxfork.c's): each thread is one more supervised Warp
 * process in its group's address space (SYS_PROC_VM_SHARE), with a record of its own for what is
 * per thread; exit against exit_group, the tid address cleared and woken at a thread's end, gettid,
 * tkill and tgkill (docs/linux-compat.md, Threads). */
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxchild.h"
#include "lxfork.h"
#include "lxfutex.h"
#include "lxmem.h"
#include "lxproc.h"
#include "lxsig.h"
#include "lxsigframe.h"
#include "lxstart.h"
#include "lxsys.h"

/* What a thread must share (the group's state is one, in the leader's record), and what else it
 * may ask for: CLONE_SYSVSEM (no System V semaphores here), the tid writes and TLS, an exit signal
 * (ignored for threads, as by Linux), DETACHED and UNTRACED (ignored by Linux too). */
#define LXTHREAD_NEEDED (LX_CLONE_VM | LX_CLONE_FS | LX_CLONE_FILES | LX_CLONE_SIGHAND | LX_CLONE_THREAD)
#define LXTHREAD_FLAGS                                                                            \
    (LXTHREAD_NEEDED | LX_CLONE_SYSVSEM | LX_CSIGNAL | LX_CLONE_SETTLS | LX_CLONE_PARENT_SETTID | \
     LX_CLONE_CHILD_SETTID | LX_CLONE_CHILD_CLEARTID | LX_CLONE_DETACHED | LX_CLONE_UNTRACED)

/* The new thread c's record from its creator p's: the group's ids (its tid is c->pid), quota, ports
 * and binary; p's mask; no pending signal, no alternate stack (Linux clears it for CLONE_VM). */
static void lxthread_record(struct lxproc *p, struct lxproc *c)
{
    memcpy(c->name, p->name, sizeof(c->name));
    c->leader = p->leader;
    c->pages = p->pages;
    memcpy(c->ports, p->ports, sizeof(c->ports));
    c->nports = p->nports;
    c->connect = p->connect;
    c->ppid = p->ppid;
    c->pgid = p->pgid;
    c->sid = p->sid;
    c->tree = p->tree;
    c->forked = true;
    c->binary = p->binary;
    c->sigmask = p->sigmask;
}

/* clone with CLONE_THREAD: a new thread of p's group on stack sp with TLS tls (CLONE_SETTLS); its
 * tid, or -EAGAIN (tables full), -ENOMEM, -EINVAL, -ENOSYS (flags that would share less). */
static int64_t lxthread_clone(struct lxproc *p, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t ctid,
                              uint64_t tls)
{
    if ((flags & LXTHREAD_NEEDED) != LXTHREAD_NEEDED || (flags & ~(uint64_t)LXTHREAD_FLAGS))
        return lxproc_enosys(p, LX_SYS_clone, " with a thread sharing less than everything");
    if (!lxchild_room(p))
        return -LX_EAGAIN; /* threads count against the tree's processes */
    struct lxproc *c = lxproc_alloc(p->loop, p->binary->path);
    if (!c)
        return -LX_EAGAIN;
    lxthread_record(p, c);
    long e = lxstart_spawn(c);
    int64_t r = e < 0 ? -LX_EAGAIN : 0;
    if (r == 0 && (e = warp_proc_vm_share(p->leader->proc, c->proc)) < 0)
        r = lxmem_errno(e);
    if (r == 0 && lxfork_registers(p, c, flags, sp, tls) < 0)
        r = -LX_EINVAL;
    if (r == 0 && lxstart_watch(c) < 0)
        r = -LX_ENOMEM;
    if (r < 0) {
        lxstart_abandon(c);
        return r;
    }
    uint32_t tid = (uint32_t)c->pid;
    if (flags & LX_CLONE_CHILD_SETTID)
        (void)lxmem_write(c, ctid, &tid, sizeof(tid)); /* a bad pointer is ignored, as by Linux */
    if (flags & LX_CLONE_CHILD_CLEARTID)
        c->tid_address = ctid;
    if (flags & LX_CLONE_PARENT_SETTID)
        (void)lxmem_write(p, ptid, &tid, sizeof(tid));
    return lxstart_go(c) < 0 ? -LX_EAGAIN : (int64_t)tid;
}

/* A thread ends: the word at its tid address (CLONE_CHILD_CLEARTID, set_tid_address) becomes 0
 * and one waiter on it is woken, as Linux does for pthread_join; a bad address is ignored. */
static void lxthread_clear_tid(struct lxproc *p)
{
    uint32_t zero = 0;
    if (p->tid_address && lxmem_write(p, p->tid_address, &zero, sizeof(zero)) == 0)
        (void)lxfutex_wake(p->leader, p->tid_address, 1, LXFUTEX_ANY);
    p->tid_address = 0;
}

/*
 * exit: the calling thread ends; the last one running ends the process, with the leader's code if
 * the leader called exit before (what Linux's wait reports), else its own. A leader that exits while
 * others run stays, stopped in this trap that is never answered: its Warp process owns the address
 * space, whose end would kill them all.
 */
int64_t lxsys_exit(struct lxproc *p, const struct trap_info *t)
{
    int code = (int)(t->args[0] & 0xff);
    struct lxproc *l = p->leader;
    lxthread_clear_tid(p);
    if (lxproc_running_others(p) == 0) {
        lxproc_exit(p, l != p && l->exited ? l->exit_code : code);
        return LXSYS_NO_REPLY;
    }
    p->exited = true;
    p->exit_code = code;
    if (p != l)
        warp_kill(p->proc); /* its exit event frees the record */
    return LXSYS_NO_REPLY;
}

/* exit_group: every thread ends, the process with code. */
int64_t lxsys_exit_group(struct lxproc *p, const struct trap_info *t)
{
    lxproc_exit(p, (int)(t->args[0] & 0xff));
    return LXSYS_NO_REPLY;
}

int64_t lxsys_getpid(struct lxproc *p, const struct trap_info *t)
{
    (void)t;
    return (int64_t)p->leader->pid;
}

int64_t lxsys_gettid(struct lxproc *p, const struct trap_info *t)
{
    (void)t;
    return (int64_t)p->pid;
}

/* Sends sig (0: only the checks) to the thread tid of p's tree (of group tgid when tgid > 0), as
 * tkill and tgkill do (SI_TKILL); its own signal acts before the call returns (lxsig_reply). */
static int64_t lxthread_send(struct lxproc *p, int32_t tgid, int32_t tid, uint64_t sig)
{
    if (tid <= 0 || sig > LXPROC_NSIG)
        return -LX_EINVAL;
    struct lxproc *q = lxproc_find((uint64_t)tid);
    if (!q || q->tree != p->tree || q->exited || (tgid > 0 && q->leader->pid != (uint64_t)tgid))
        return -LX_ESRCH;
    if (sig == 0)
        return 0;
    lxsig_raise_from(q, (int)sig, LXSF_SI_TKILL, q->leader == p->leader ? 0 : (uint32_t)p->leader->pid, 0);
    if (q != p)
        lxsig_kick(q);
    return 0;
}

int64_t lxsys_tkill(struct lxproc *p, const struct trap_info *t)
{
    return lxthread_send(p, 0, (int32_t)t->args[0], t->args[1]);
}

int64_t lxsys_tgkill(struct lxproc *p, const struct trap_info *t)
{
    if ((int32_t)t->args[0] <= 0)
        return -LX_EINVAL;
    return lxthread_send(p, (int32_t)t->args[0], (int32_t)t->args[1], t->args[2]);
}

/* clone(flags, stack, parent_tid, child_tid, tls): a thread (CLONE_THREAD: lxthread.c) or a new
 * process; the combinations Linux refuses get its errno, sharing without a thread is ENOSYS. */
int64_t lxsys_clone(struct lxproc *p, const struct trap_info *t)
{
    uint64_t flags = t->args[0];
    if ((flags & LX_CLONE_THREAD) && !(flags & LX_CLONE_SIGHAND))
        return -LX_EINVAL;
    if ((flags & LX_CLONE_SIGHAND) && !(flags & LX_CLONE_VM))
        return -LX_EINVAL;
    if ((flags & LX_CSIGNAL) > LXPROC_NSIG)
        return -LX_EINVAL;
    if (t->args[1] >= USER_TOP || ((flags & LX_CLONE_SETTLS) && t->args[4] >= USER_TOP))
        return -LX_EINVAL;
    if (flags & LX_CLONE_THREAD)
        return lxthread_clone(p, flags, t->args[1], t->args[2], t->args[3], t->args[4]);
    if ((flags & ~(uint64_t)LXFORK_FLAGS) || ((flags & LX_CLONE_VM) && !(flags & LX_CLONE_VFORK)))
        return lxproc_enosys(p, LX_SYS_clone, " with sharing flags and no thread");
    return lxfork_process(p, flags, t->args[1], t->args[2], t->args[3], t->args[4]);
}
