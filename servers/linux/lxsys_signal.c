/* lxsys_signal.c: signal dispositions and the mask, and signals a process sends itself: a signal
 * whose default action ends the process ends it; handlers are recorded but not run yet. */
#include <warp/user.h>

#include "lxabi.h"
#include "lxmem.h"
#include "lxproc.h"
#include "lxsys.h"

#define LXSIG_BIT(sig) (1ull << ((sig)-1))
#define LXSIG_DFL 0 /* sa_handler values */
#define LXSIG_IGN 1

/* Signals whose default action is to do nothing here: SIGCHLD, SIGCONT, SIGURG, SIGWINCH, and the
 * stop signals SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU (no job control: nothing would continue them). */
static const uint64_t lxsig_default_ignored = LXSIG_BIT(17) | LXSIG_BIT(18) | LXSIG_BIT(23) | LXSIG_BIT(28) |
                                              LXSIG_BIT(19) | LXSIG_BIT(20) | LXSIG_BIT(21) | LXSIG_BIT(22);
static const uint64_t lxsig_unblockable = LXSIG_BIT(LX_SIGKILL) | LXSIG_BIT(LX_SIGSTOP);

/*
 * Acts on the pending signals the mask lets through, lowest first: an ignored one (SIG_IGN, or
 * SIG_DFL with a default of nothing) is dropped; one with SIG_DFL ends the process as killed by it
 * (true: the trap must not be answered); one with a handler stays pending, as the handler cannot
 * be run yet.
 */
static bool lxsig_deliver(struct lxproc *p)
{
    uint64_t ready = p->sigpending & ~p->sigmask;
    for (int sig = 1; sig <= LXPROC_NSIG; sig++) {
        if (!(ready & LXSIG_BIT(sig)))
            continue;
        uint64_t handler = sig == LX_SIGKILL ? LXSIG_DFL : p->sigs[sig - 1].handler;
        if (handler == LXSIG_IGN || (handler == LXSIG_DFL && (lxsig_default_ignored & LXSIG_BIT(sig))))
            p->sigpending &= ~LXSIG_BIT(sig);
        else if (handler == LXSIG_DFL) {
            lxproc_kill(p, sig);
            return true;
        }
    }
    return false;
}

/* rt_sigaction: the disposition is recorded; setting SIG_IGN drops the signal if pending, as Linux. */
int64_t lxsys_rt_sigaction(struct lxproc *p, const struct trap_info *t)
{
    uint64_t sig = t->args[0];
    struct lxsigaction act;
    if (t->args[3] != 8 || sig < 1 || sig > LXPROC_NSIG)
        return -LX_EINVAL;
    if (t->args[1] && (sig == LX_SIGKILL || sig == LX_SIGSTOP))
        return -LX_EINVAL;
    if (t->args[1] && lxmem_read(p, t->args[1], &act, sizeof(act)) < 0)
        return -LX_EFAULT;
    if (t->args[2] && lxmem_write(p, t->args[2], &p->sigs[sig - 1], sizeof(act)) < 0)
        return -LX_EFAULT;
    if (t->args[1]) {
        p->sigs[sig - 1] = act;
        if (act.handler == LXSIG_IGN ||
            (act.handler == LXSIG_DFL && (lxsig_default_ignored & LXSIG_BIT(sig))))
            p->sigpending &= ~LXSIG_BIT(sig);
    }
    return 0;
}

/* rt_sigprocmask: the mask is kept (SIGKILL and SIGSTOP never in it); a pending signal it unblocks
 * is acted on before the call returns, as Linux does. */
int64_t lxsys_rt_sigprocmask(struct lxproc *p, const struct trap_info *t)
{
    uint64_t set = 0, old = p->sigmask;
    if (t->args[3] != 8)
        return -LX_EINVAL;
    if (t->args[1]) {
        if (t->args[0] > LX_SIG_SETMASK)
            return -LX_EINVAL;
        if (lxmem_read(p, t->args[1], &set, sizeof(set)) < 0)
            return -LX_EFAULT;
    }
    if (t->args[2] && lxmem_write(p, t->args[2], &old, sizeof(old)) < 0)
        return -LX_EFAULT;
    if (t->args[1]) {
        if (t->args[0] == LX_SIG_BLOCK)
            p->sigmask |= set;
        else if (t->args[0] == LX_SIG_UNBLOCK)
            p->sigmask &= ~set;
        else
            p->sigmask = set;
        p->sigmask &= ~lxsig_unblockable;
    }
    return lxsig_deliver(p) ? LXSYS_NO_REPLY : 0;
}

/* rt_sigpending: the blocked signals waiting. */
int64_t lxsys_rt_sigpending(struct lxproc *p, const struct trap_info *t)
{
    if (t->args[1] > 8)
        return -LX_EINVAL;
    uint64_t pending = p->sigpending & p->sigmask;
    return lxmem_write(p, t->args[0], &pending, t->args[1]);
}

/* Sends sig (0: only the checks) to the process itself. */
static int64_t lxsig_raise(struct lxproc *p, uint64_t sig)
{
    if (sig > LXPROC_NSIG)
        return -LX_EINVAL;
    if (sig == 0)
        return 0;
    p->sigpending |= LXSIG_BIT(sig);
    return lxsig_deliver(p) ? LXSYS_NO_REPLY : 0;
}

/* kill: its own pid or process group (0, -pid); no other process is visible to it (ESRCH). */
int64_t lxsys_kill(struct lxproc *p, const struct trap_info *t)
{
    int32_t pid = (int32_t)t->args[0];
    if (t->args[1] > LXPROC_NSIG)
        return -LX_EINVAL;
    if (pid == (int32_t)p->pid || pid == 0 || pid == -(int32_t)p->pid)
        return lxsig_raise(p, t->args[1]);
    return -LX_ESRCH;
}

/* tkill: its own thread id only. */
int64_t lxsys_tkill(struct lxproc *p, const struct trap_info *t)
{
    int32_t tid = (int32_t)t->args[0];
    if (tid <= 0 || t->args[1] > LXPROC_NSIG)
        return -LX_EINVAL;
    return tid == (int32_t)p->pid ? lxsig_raise(p, t->args[1]) : -LX_ESRCH;
}

/* tgkill: its own thread in its own group only. */
int64_t lxsys_tgkill(struct lxproc *p, const struct trap_info *t)
{
    int32_t tgid = (int32_t)t->args[0], tid = (int32_t)t->args[1];
    if (tgid <= 0 || tid <= 0 || t->args[2] > LXPROC_NSIG)
        return -LX_EINVAL;
    return tgid == (int32_t)p->pid && tid == (int32_t)p->pid ? lxsig_raise(p, t->args[2]) : -LX_ESRCH;
}
