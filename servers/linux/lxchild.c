/* lxchild.c: the Linux process tree: zombies kept until reaped, SIGCHLD, wait4 and waitid, process
 * groups and sessions, kill between processes. A process sees only its own tree: the processes
 * descending from the same manifest program (kill, wait, the group calls give ESRCH for others). */
#include "lxchild.h"

#include <warp/string.h>

#include "lxabi.h"
#include "lxmem.h"
#include "lxproc.h"
#include "lxsig.h"
#include "lxsigframe.h"
#include "lxsys.h"
#include "lxwait.h"

#define LXCHILD_RUSAGE_SIZE 144 /* struct rusage on x86-64: reported all zero */

/* A process that ended and whose parent has not reaped it yet. */
struct lxzombie {
    bool used;
    uint64_t pid, ppid, pgid, tree;
    int32_t status; /* the wait status (lxstart.c) */
    int exit_signal;
};

/* At most one per record: a record is freed as its zombie is made (lxchild_room keeps the sum). */
static struct lxzombie lxzombies[LXPROC_MAX];

bool lxchild_room(const struct lxproc *p)
{
    unsigned all = 0, tree = 0;
    for (unsigned i = 0; i < LXPROC_MAX; i++) {
        struct lxproc *q = lxproc_at(i);
        all += (q != NULL) + lxzombies[i].used;
        tree += (q && q->tree == p->tree) + (lxzombies[i].used && lxzombies[i].tree == p->tree);
    }
    return all < LXPROC_MAX && tree < LXCHILD_TREE_MAX;
}

/* Keeps p's end for its parent's wait (the table has room: lxchild_room before every fork). */
static void lxchild_bury(const struct lxproc *p, int32_t status)
{
    for (unsigned i = 0; i < LXPROC_MAX; i++) {
        if (!lxzombies[i].used) {
            lxzombies[i] = (struct lxzombie){true, p->pid, p->ppid, p->pgid, p->tree, status, p->exit_signal};
            return;
        }
    }
}

void lxchild_end(struct lxproc *p, int32_t status)
{
    for (unsigned i = 0; i < LXPROC_MAX; i++) {
        struct lxproc *q = lxproc_at(i);
        if (q && q->ppid == p->pid)
            q->ppid = 0; /* an orphan: nobody waits for it, its end is reaped at once */
        if (lxzombies[i].used && lxzombies[i].ppid == p->pid)
            lxzombies[i].used = false;
    }
    struct lxproc *parent = p->ppid ? lxproc_find(p->ppid) : NULL;
    if (!parent)
        return;
    parent = lxsig_target(parent, p->exit_signal ? p->exit_signal : LX_SIGCHLD);
    const struct lxsigaction *a = &parent->leader->sigs[LX_SIGCHLD - 1];
    if (a->handler != LXSIG_IGN && !(a->flags & LX_SA_NOCLDWAIT))
        lxchild_bury(p, status);
    if (p->exit_signal)
        lxsig_raise_from(parent, p->exit_signal, (status & 0x7f) ? LX_CLD_KILLED : LX_CLD_EXITED,
                         (uint32_t)p->pid, (status & 0x7f) ? status & 0x7f : (status >> 8) & 0xff);
    lxwait_wake();      /* a wait4 that now finds it: its answer acts on the signal too */
    lxsig_kick(parent); /* else the signal acts now (a handler, a wait it interrupts) */
}

/* Whether a child (pid, pgid, exit signal) is one that wait's selection sel (wait4's pid
 * convention) and options take: __WCLONE children are those with another exit signal than SIGCHLD. */
static bool lxchild_match(const struct lxproc *p, int32_t sel, uint32_t options, uint64_t pid, uint64_t pgid,
                          int exit_signal)
{
    if (!(options & LX_WALL) && (exit_signal == LX_SIGCHLD) == ((options & LX_WCLONE) != 0))
        return false;
    if (sel > 0)
        return pid == (uint64_t)sel;
    if (sel == 0)
        return pgid == p->pgid;
    return sel == -1 || pgid == (uint64_t) - (int64_t)sel;
}

/* The index of a zombie child of p that sel and options take (>= 0); -1 if live ones match (a
 * wait goes on); -ECHILD if no child matches. Without WEXITED a zombie is no candidate at all, so
 * a wait for stops alone with only zombies left is ECHILD, as Linux's wait_consider_task. */
static int64_t lxchild_find(const struct lxproc *p, int32_t sel, uint32_t options)
{
    bool live = false;
    for (unsigned i = 0; i < LXPROC_MAX; i++) {
        const struct lxzombie *z = &lxzombies[i];
        if (z->used && z->ppid == p->leader->pid && (options & LX_WEXITED) &&
            lxchild_match(p, sel, options, z->pid, z->pgid, z->exit_signal))
            return i;
        struct lxproc *q = lxproc_at(i);
        if (q && q->ppid == p->leader->pid && q->leader == q &&
            lxchild_match(p, sel, options, q->pid, q->pgid, q->exit_signal))
            live = true;
    }
    return live ? -1 : -LX_ECHILD;
}

/* rusage of a reaped child: all zero (Warp keeps no per-process CPU times yet). 0 or -EFAULT. */
static int64_t lxchild_rusage(struct lxproc *p, uint64_t addr)
{
    uint8_t zero[LXCHILD_RUSAGE_SIZE] = {0};
    return addr ? lxmem_write(p, addr, zero, sizeof(zero)) : 0;
}

/* wait4(pid, status, options, rusage): a zombie child's pid and status (reaped), 0 with WNOHANG
 * while children run, a wait otherwise; ECHILD without a child that matches. */
int64_t lxsys_wait4(struct lxproc *p, const struct trap_info *t)
{
    int32_t sel = (int32_t)t->args[0];
    uint32_t options = (uint32_t)t->args[2];
    if (t->args[2] &
        ~(uint64_t)(LX_WNOHANG | LX_WUNTRACED | LX_WCONTINUED | LX_WNOTHREAD | LX_WALL | LX_WCLONE))
        return -LX_EINVAL;
    if (sel == INT32_MIN)
        return -LX_ESRCH; /* -INT_MIN names no group */
    int64_t i = lxchild_find(p, sel, options | LX_WEXITED);
    if (i == -1)
        return (options & LX_WNOHANG) ? 0 : lxwait_block(p, t, lxsys_wait4, 0);
    if (i < 0)
        return i;
    struct lxzombie *z = &lxzombies[i];
    if (t->args[1] && lxmem_write(p, t->args[1], &z->status, sizeof(z->status)) < 0)
        return -LX_EFAULT;
    if (lxchild_rusage(p, t->args[3]) < 0)
        return -LX_EFAULT;
    z->used = false;
    return (int64_t)z->pid;
}

/* waitid's siginfo fields as Linux writes them (si_signo, si_errno, si_code, si_pid, si_uid, si_status). */
struct lxchild_info {
    int32_t signo, err, code, pad;
    int32_t pid, uid, status;
};

/* waitid(idtype, id, infop, options, rusage): P_ALL, P_PID, P_PGID (0: its own group); WEXITED,
 * WNOHANG, WNOWAIT (the zombie stays); WSTOPPED and WCONTINUED are accepted and never report. */
int64_t lxsys_waitid(struct lxproc *p, const struct trap_info *t)
{
    uint32_t options = (uint32_t)t->args[3];
    int32_t id = (int32_t)t->args[1], sel;
    if ((t->args[3] & ~(uint64_t)(LX_WNOHANG | LX_WUNTRACED | LX_WEXITED | LX_WCONTINUED | LX_WNOWAIT |
                                  LX_WNOTHREAD | LX_WALL | LX_WCLONE)) ||
        !(options & (LX_WUNTRACED | LX_WEXITED | LX_WCONTINUED)))
        return -LX_EINVAL;
    switch ((uint32_t)t->args[0]) {
    case LX_P_ALL: sel = -1; break;
    case LX_P_PID: sel = id; break;
    case LX_P_PGID: sel = id == 0 ? 0 : -id; break;
    default: return -LX_EINVAL;
    }
    if (((uint32_t)t->args[0] != LX_P_ALL && id < 0) || ((uint32_t)t->args[0] == LX_P_PID && id == 0))
        return -LX_EINVAL;
    int64_t i = lxchild_find(p, sel, options);
    if (i == -LX_ECHILD)
        return i;
    if (i == -1 && !(options & LX_WNOHANG))
        return lxwait_block(p, t, lxsys_waitid, 0);
    struct lxchild_info info = {0};
    struct lxzombie *z = i >= 0 ? &lxzombies[i] : NULL;
    if (z) {
        info.signo = LX_SIGCHLD;
        info.code = (z->status & 0x7f) ? LX_CLD_KILLED : LX_CLD_EXITED;
        info.pid = (int32_t)z->pid;
        info.uid = 1000;
        info.status = (z->status & 0x7f) ? (z->status & 0x7f) : (z->status >> 8) & 0xff;
        if (lxchild_rusage(p, t->args[4]) < 0)
            return -LX_EFAULT;
    }
    if (t->args[2] && lxmem_write(p, t->args[2], &info, 28) < 0)
        return -LX_EFAULT;
    if (z && !(options & LX_WNOWAIT))
        z->used = false;
    return 0;
}

int64_t lxsys_getppid(struct lxproc *p, const struct trap_info *t)
{
    (void)t;
    return p->ppid && lxproc_find(p->ppid) ? (int64_t)p->ppid : 1; /* an orphan's is init's */
}

/* The live process pid of p's tree (0: p itself), or NULL. */
static struct lxproc *lxchild_lookup(struct lxproc *p, int32_t pid)
{
    struct lxproc *q = pid == 0 ? p : pid > 0 ? lxproc_find((uint64_t)pid) : NULL;
    return q && q->tree == p->tree ? q : NULL;
}

int64_t lxsys_getpgrp(struct lxproc *p, const struct trap_info *t)
{
    (void)t;
    return (int64_t)p->pgid;
}

int64_t lxsys_getpgid(struct lxproc *p, const struct trap_info *t)
{
    struct lxproc *q = lxchild_lookup(p, (int32_t)t->args[0]);
    return q ? (int64_t)q->pgid : -LX_ESRCH;
}

int64_t lxsys_getsid(struct lxproc *p, const struct trap_info *t)
{
    struct lxproc *q = lxchild_lookup(p, (int32_t)t->args[0]);
    return q ? (int64_t)q->sid : -LX_ESRCH;
}

/* True if a live process of p's tree other than skip is in group pgid of session sid (0: any). */
static bool lxchild_group_exists(const struct lxproc *p, uint64_t pgid, uint64_t sid,
                                 const struct lxproc *skip)
{
    for (unsigned i = 0; i < LXPROC_MAX; i++) {
        struct lxproc *q = lxproc_at(i);
        if (q && q != skip && q->tree == p->tree && q->pgid == pgid && (!sid || q->sid == sid))
            return true;
    }
    return false;
}

/* setpgid(pid, pgid): itself or a child that has not called execve, within its session, into a
 * group of that session or a new one named by the process's pid (Linux's rules and errnos). */
int64_t lxsys_setpgid(struct lxproc *p, const struct trap_info *t)
{
    int32_t pid = (int32_t)t->args[0], pgid = (int32_t)t->args[1];
    if (pgid < 0)
        return -LX_EINVAL;
    struct lxproc *q = lxchild_lookup(p, pid);
    if (!q || (q != p && q->ppid != p->pid))
        return -LX_ESRCH;
    if (q != p && q->execed)
        return -LX_EACCES;
    if (q->sid != p->sid || q->pid == q->sid)
        return -LX_EPERM;
    uint64_t want = pgid ? (uint64_t)pgid : q->pid;
    if (want != q->pid && !lxchild_group_exists(p, want, p->sid, NULL))
        return -LX_EPERM;
    q->pgid = want;
    return 0;
}

/* setsid: a new session and group named by its pid; EPERM for a group leader (a manifest program
 * is one: it starts as the leader of its own session). */
int64_t lxsys_setsid(struct lxproc *p, const struct trap_info *t)
{
    (void)t;
    if (p->pgid == p->pid || lxchild_group_exists(p, p->pid, 0, p))
        return -LX_EPERM;
    p->pgid = p->sid = p->pid;
    return (int64_t)p->pid;
}

/* Raises sig in q's process (0: nothing) as kill does, in a thread that does not block it; another
 * thread than the sender is kicked at once. */
static void lxchild_send(struct lxproc *from, struct lxproc *q, int sig)
{
    if (sig == 0)
        return;
    q = lxsig_target(q, sig);
    lxsig_raise_from(q, sig, LXSF_SI_USER, q->leader == from->leader ? 0 : (uint32_t)from->leader->pid, 0);
    if (q != from)
        lxsig_kick(q); /* the sender's own signal acts as its kill returns (lxsig_reply) */
}

int64_t lxchild_kill(struct lxproc *p, int32_t pid, int sig)
{
    if (pid > 0) {
        struct lxproc *q = lxchild_lookup(p, pid);
        if (q) {
            lxchild_send(p, q, sig);
            return 0;
        }
        for (unsigned i = 0; i < LXPROC_MAX; i++)
            if (lxzombies[i].used && lxzombies[i].pid == (uint64_t)pid && lxzombies[i].tree == p->tree)
                return 0; /* a zombie can be signalled, to no effect */
        return -LX_ESRCH;
    }
    if (pid == INT32_MIN)
        return -LX_ESRCH;
    uint64_t pgid = pid == 0 ? p->pgid : (uint64_t) - (int64_t)pid;
    bool found = false;
    for (unsigned i = 0; i < LXPROC_MAX; i++) {
        struct lxproc *q = lxproc_at(i);
        if (!q || q->leader != q || q->tree != p->tree || (pid == -1 ? q == p->leader : q->pgid != pgid))
            continue;
        found = true;
        lxchild_send(p, q, sig);
    }
    return found ? 0 : -LX_ESRCH;
}
