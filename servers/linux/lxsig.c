/* lxsig.c: signal delivery: a handler gets Linux's rt signal frame on its stack (lxsigframe.c) and
 * the registers to enter it; waits that a signal ends; SIGALRM's timer (docs/linux-compat.md). */
#include "lxsig.h"

#include <warp/clock.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxnetabi.h"
#include "lxmem.h"
#include "lxproc.h"
#include "lxsigframe.h"
#include "lxsys.h"

#define LXSIG_UID 1000 /* si_uid: the uid getuid reports */

/* Signals whose default action is to do nothing here: SIGCHLD, SIGCONT, SIGURG, SIGWINCH, and the
 * stop signals SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU (no job control: nothing would continue them). */
static const uint64_t lxsig_default_ignored = LXSIG_BIT(17) | LXSIG_BIT(18) | LXSIG_BIT(23) | LXSIG_BIT(28) |
                                              LXSIG_BIT(19) | LXSIG_BIT(20) | LXSIG_BIT(21) | LXSIG_BIT(22);

bool lxsig_ignored(const struct lxproc *p, int sig)
{
    uint64_t handler = sig == LX_SIGKILL ? LXSIG_DFL : p->leader->sigs[sig - 1].handler;
    return handler == LXSIG_IGN || (handler == LXSIG_DFL && (lxsig_default_ignored & LXSIG_BIT(sig)));
}

void lxsig_raise_from(struct lxproc *p, int sig, int32_t code, uint32_t from, int32_t status)
{
    /* A blocked signal is never ignored at once: its disposition may change before it is unblocked. */
    if (!(p->sigmask & LXSIG_BIT(sig)) && lxsig_ignored(p, sig))
        return;
    if (p->sigpending & LXSIG_BIT(sig))
        return; /* a standard signal is pending once: the first one's siginfo stays, as on Linux */
    p->sigpending |= LXSIG_BIT(sig);
    p->sig.code[sig - 1] = code;
    p->sig.from[sig - 1] = from;
    p->sig.status[sig - 1] = status;
}

struct lxproc *lxsig_target(struct lxproc *p, int sig)
{
    struct lxproc *l = p->leader, *running = NULL;
    if (!l->exited && !(l->sigmask & LXSIG_BIT(sig)))
        return l;
    for (unsigned i = 0; i < LXPROC_MAX; i++) {
        struct lxproc *q = lxproc_at(i);
        if (!q || q->leader != l || q->exited)
            continue;
        if (!(q->sigmask & LXSIG_BIT(sig)))
            return q;
        if (!running)
            running = q;
    }
    return running ? running : l;
}

void lxsig_raise(struct lxproc *p, int sig, int32_t code)
{
    lxsig_raise_from(p, sig, code, 0, 0);
}

void lxsig_force(struct lxproc *p, int sig)
{
    p->sigmask &= ~LXSIG_BIT(sig);
    if (p->leader->sigs[sig - 1].handler == LXSIG_IGN)
        p->leader->sigs[sig - 1].handler = LXSIG_DFL;
    p->sigpending |= LXSIG_BIT(sig);
    p->sig.code[sig - 1] = LXSF_SI_KERNEL;
}

/* The lowest pending signal the mask lets through that would act (ignored ones are dropped on the
 * way, as Linux drops them when it dequeues), or 0. */
static int lxsig_next(struct lxproc *p)
{
    uint64_t ready = p->sigpending & ~p->sigmask;
    while (ready) { /* lowest number first; nothing to scan on the usual reply, with none pending */
        int sig = __builtin_ctzll(ready) + 1;
        ready &= ready - 1;
        if (!lxsig_ignored(p, sig))
            return sig;
        p->sigpending &= ~LXSIG_BIT(sig);
    }
    return 0;
}

/* The alternate stack as sigaltstack and uc_stack report it for a process at sp. */
static struct lxsf_stack lxsig_altstack(const struct lxproc *p, uint64_t sp)
{
    struct lxsf_stack st = {.ss_sp = p->sig.alt_sp, .ss_size = p->sig.alt_size};
    if (st.ss_size == 0)
        st.ss_flags = LXSF_SS_DISABLE;
    else
        st.ss_flags = (int32_t)((lxsf_on_stack(&st, sp) ? LXSF_SS_ONSTACK : 0) | p->sig.alt_flags);
    return st;
}

/*
 * Writes sig's frame for its handler below r and fp (the registers and FPU state it interrupts; c,
 * when a CPU exception raised it, has the exception's details): the FPU state as the frame's
 * fpstate above it. Turns r into the handler's entry and fp into the init state it starts with.
 * False if no frame could be written (no SA_RESTORER, as on Linux x86-64; a stack that is not
 * writable memory; a frame that would leave the alternate stack it is on): then SIGSEGV is forced,
 * as Linux's force_sigsegv does, and r and fp are unchanged.
 */
static bool lxsig_frame(struct lxproc *p, struct cpu_regs *r, struct cpu_fpu *fp, int sig,
                        struct lxsf_context *c)
{
    struct lxsigaction *a = &p->leader->sigs[sig - 1];
    struct lxsf_frame f;
    c->regs = *r;
    c->oldmask = p->sig.mask_saved ? p->sig.saved_mask : p->sigmask;
    c->stack = lxsig_altstack(p, r->sp);
    if (!(a->flags & LX_SA_SIGINFO))
        memset(&c->info, 0, sizeof(c->info)); /* Linux leaves it unwritten then */
    struct lxsf_stack alt = {.ss_sp = p->sig.alt_sp, .ss_size = p->sig.alt_size};
    bool on_alt = lxsf_on_stack(&alt, r->sp);
    bool use_alt = (a->flags & LX_SA_ONSTACK) && alt.ss_size && !on_alt;
    uint64_t at = lxsf_place(r->sp, use_alt, &alt, &c->fpstate);
    bool overflow = (use_alt || on_alt) && !lxsf_on_stack(&alt, at); /* ran off the alternate stack */
    lxsf_build(&f, c, a->restorer);
    struct cpu_fpu saved;
    lxsf_fp_save(&saved, fp);
    if (!(a->flags & LX_SA_RESTORER) || at == 0 || overflow ||
        lxmem_write(p, c->fpstate, &saved, sizeof(saved)) < 0 || lxmem_write(p, at, &f, sizeof(f)) < 0) {
        if (sig == LX_SIGSEGV)
            a->handler = LXSIG_DFL;
        lxsig_force(p, LX_SIGSEGV);
        return false;
    }
    if (use_alt && (p->sig.alt_flags & LXSF_SS_AUTODISARM))
        p->sig.alt_sp = p->sig.alt_size = 0;
    lxsf_enter(r, r, at, a->handler, sig);
    lxsf_fp_init(fp);
    p->sigmask |= a->mask | (a->flags & LX_SA_NODEFER ? 0 : LXSIG_BIT(sig));
    p->sigmask &= ~LXSIG_UNBLOCKABLE;
    p->sig.mask_saved = false;
    if (a->flags & LX_SA_RESETHAND)
        a->handler = LXSIG_DFL;
    return true;
}

/* The siginfo of a pending signal sent by kill, tkill, tgkill or a timer. */
static void lxsig_info(const struct lxproc *p, int sig, struct lxsf_siginfo *info)
{
    memset(info, 0, sizeof(*info));
    info->si_signo = sig;
    info->si_code = p->sig.code[sig - 1];
    uint32_t from = p->sig.from[sig - 1];
    if (info->si_code == LXSF_SI_USER || info->si_code == LXSF_SI_TKILL) {
        info->u.kill.pid = from ? from : (uint32_t)p->leader->pid;
        info->u.kill.uid = LXSIG_UID;
    } else if (info->si_code == LX_CLD_EXITED || info->si_code == LX_CLD_KILLED) {
        info->u.kill.pid = from; /* and si_status after si_uid; si_utime and si_stime stay 0 */
        info->u.kill.uid = LXSIG_UID;
        memcpy(info->u.bytes + 8, &p->sig.status[sig - 1], sizeof(int32_t));
    }
}

/*
 * Acts on every pending signal the mask lets through, on r and fp (stacking frames as Linux does
 * when several are deliverable: the last one's handler runs first). Returns false if one ended the
 * process (SIG_DFL), true otherwise; *changed says whether r and fp were changed.
 */
static bool lxsig_act(struct lxproc *p, struct cpu_regs *r, struct cpu_fpu *fp, bool *changed)
{
    /* Each pass delivers (and clears) one pending signal or forces SIGSEGV, which a second failure
     * makes SIG_DFL: a bounded number of passes. */
    for (int pass = 0; pass < 2 * LXPROC_NSIG + 2; pass++) {
        int sig = lxsig_next(p);
        if (sig == 0)
            return true;
        if (sig == LX_SIGKILL || p->leader->sigs[sig - 1].handler == LXSIG_DFL) {
            lxproc_kill(p, sig);
            return false;
        }
        p->sigpending &= ~LXSIG_BIT(sig);
        struct lxsf_context c = {0};
        lxsig_info(p, sig, &c.info);
        *changed |= lxsig_frame(p, r, fp, sig, &c);
    }
    lxproc_kill(p, LX_SIGSEGV);
    return false;
}

/* Linux's ERESTARTSYS calls: interrupted by a signal (EINTR here) while they waited, they are made
 * again after the handler when its action has SA_RESTART. (poll, select, epoll_wait, pause and
 * the sleeps are never restarted after a handler, as on Linux.) */
static bool lxsig_restartable(uint64_t nr)
{
    switch (nr) {
    case LX_SYS_read:
    case LX_SYS_write:
    case LX_SYS_readv:
    case LX_SYS_writev:
    case LX_SYS_sendfile:
    case LX_SYS_accept:
    case LX_SYS_accept4:
    case LX_SYS_recvfrom:
    case LX_SYS_sendto:
    case LX_SYS_recvmsg:
    case LX_SYS_sendmsg:
    case LX_SYS_wait4:
    case LX_SYS_waitid: return true;
    default: return false;
    }
}

/* A system call's result as the registers of the frame a handler for the next signal gets: rax
 * the result, or (EINTR of a restartable call, the handler's SA_RESTART) the call made again: rax
 * its number and pc back on the syscall instruction (2 bytes). */
static void lxsig_result(struct lxproc *p, struct cpu_regs *r, int64_t status)
{
    int sig = lxsig_next(p);
    const struct lxsigaction *a = sig ? &p->leader->sigs[sig - 1] : NULL;
    if (status == -LX_EINTR && a && a->handler > LXSIG_IGN && (a->flags & LX_SA_RESTART) &&
        lxsig_restartable(p->call_nr)) {
        r->rax = p->call_nr;
        r->pc -= 2;
        return;
    }
    r->rax = (uint64_t)status;
}

/* Acts on the pending signals of a process stopped in trap call_id, then answers it with status
 * (a system call's: its rax) or, when frames were set up, the handler's rax. */
static void lxsig_resume(struct lxproc *p, uint64_t call_id, int64_t status, bool syscall)
{
    struct cpu_regs r;
    struct cpu_fpu fp;
    bool changed = false;
    if (p->exited || p->killed_by)
        return;
    if (lxsig_next(p) == 0) {
        lxproc_reply(p, call_id, status);
        return;
    }
    if (warp_proc_get_regs(p->proc, &r) < 0 || warp_proc_get_fpu(p->proc, &fp) < 0) {
        lxproc_kill(p, LX_SIGKILL); /* it is stopped in a trap: only its end refuses */
        return;
    }
    if (syscall)
        lxsig_result(p, &r, status);
    if (!lxsig_act(p, &r, &fp, &changed))
        return;
    if (changed && (warp_proc_set_regs(p->proc, &r) < 0 || warp_proc_set_fpu(p->proc, &fp) < 0)) {
        lxproc_kill(p, LX_SIGSEGV); /* lxsf_place keeps the frame in the user half: not expected */
        return;
    }
    lxproc_reply(p, call_id, syscall ? (int64_t)r.rax : 0);
}

void lxsig_reply(struct lxproc *p, uint64_t call_id, int64_t result)
{
    lxsig_resume(p, call_id, result, true);
}

void lxsig_interrupt(struct lxproc *p, uint64_t call_id)
{
    lxsig_resume(p, call_id, 0, false);
}

/* The siginfo and sigcontext details of a CPU exception, as arch/x86/kernel/traps.c and mm/fault.c
 * give them: a page fault's address and whether a mapping holds it (SEGV_ACCERR, whether or not its
 * page was allocated yet: a lazy page refusing a write faults as not present); the instruction for
 * a divide error and an undefined opcode; nothing for the others (SI_KERNEL). */
static void lxsig_fault_context(const struct lxproc *p, int sig, const struct trap_info *t,
                                struct lxsf_context *c)
{
    uint64_t page = t->fault_addr & ~(LXMEM_PAGE - 1);
    c->info.si_signo = sig;
    c->trapno = t->fault_vector;
    c->err = t->error_code;
    switch (t->fault_vector) {
    case 14:
        c->cr2 = t->fault_addr;
        c->info.si_code =
            page <= UINT64_MAX - LXMEM_PAGE && lxvm_is_covered(&p->leader->vm, page, page + LXMEM_PAGE)
                ? LXSF_SEGV_ACCERR
                : LXSF_SEGV_MAPERR;
        c->info.u.addr = t->fault_addr;
        break;
    case 0:
        c->info.si_code = LXSF_FPE_INTDIV;
        c->info.u.addr = t->pc;
        break;
    case 6:
        c->info.si_code = LXSF_ILL_ILLOPN;
        c->info.u.addr = t->pc;
        break;
    case 17: c->info.si_code = LXSF_BUS_ADRALN; break;
    default: c->info.si_code = LXSF_SI_KERNEL; break;
    }
}

void lxsig_fault(struct lxproc *p, uint64_t call_id, int sig, const struct trap_info *t)
{
    struct lxsigaction *a = &p->leader->sigs[sig - 1];
    struct cpu_regs r;
    struct cpu_fpu fp;
    struct lxsf_context c = {0};
    bool changed = false;
    if ((p->sigmask & LXSIG_BIT(sig)) || a->handler == LXSIG_IGN || a->handler == LXSIG_DFL ||
        warp_proc_get_regs(p->proc, &r) < 0 || warp_proc_get_fpu(p->proc, &fp) < 0) {
        printf("linux: %s: CPU exception %llu at pc 0x%llx (address 0x%llx, error 0x%llx): %s\n", p->name,
               (unsigned long long)t->fault_vector, (unsigned long long)t->pc,
               (unsigned long long)t->fault_addr, (unsigned long long)t->error_code, lxproc_signame(sig));
        lxproc_kill(p, sig); /* forced: a blocked or ignored fault signal kills, as on Linux */
        return;
    }
    lxsig_fault_context(p, sig, t, &c);
    changed = lxsig_frame(p, &r, &fp, sig, &c);
    if (!lxsig_act(p, &r, &fp, &changed))
        return;
    if (!changed || warp_proc_set_regs(p->proc, &r) < 0 || warp_proc_set_fpu(p->proc, &fp) < 0) {
        lxproc_kill(p, sig); /* it would fault again at once */
        return;
    }
    lxproc_reply(p, call_id, 0);
}

/* Ends the wait of p with result (-EINTR: a signal), writing nanosleep's time left. */
static void lxsig_end_wait(struct lxproc *p, int64_t result)
{
    uint8_t kind = p->sig.wait;
    p->sig.wait = LXSIG_WAIT_NONE;
    loop_timeout_cancel(p->loop, &p->sleep);
    if (kind == LXSIG_WAIT_SLEEP && result == -LX_EINTR && p->sig.sleep_rem) {
        uint64_t now = warp_clock(), left = p->sig.sleep_deadline > now ? p->sig.sleep_deadline - now : 0;
        int64_t ts[2] = {(int64_t)(left / 1000000000ull), (int64_t)(left % 1000000000ull)};
        if (lxmem_write(p, p->sig.sleep_rem, ts, sizeof(ts)) < 0)
            result = -LX_EFAULT;
    }
    lxsig_reply(p, p->sleep_call, result);
    if (p->sig.mask_saved) { /* rt_sigsuspend's mask goes, whatever ended the wait */
        p->sigmask = p->sig.saved_mask;
        p->sig.mask_saved = false;
    }
}

void lxsig_kick(struct lxproc *p)
{
    int sig = p->exited || p->killed_by ? 0 : lxsig_next(p);
    if (sig == 0)
        return;
    if (sig == LX_SIGKILL || p->leader->sigs[sig - 1].handler == LXSIG_DFL) {
        lxproc_kill(p, sig); /* a fatal signal ends any wait at once (a pipe, an fs call) */
        return;
    }
    if (p->sig.wait != LXSIG_WAIT_NONE)
        lxsig_end_wait(p, -LX_EINTR);
    else
        (void)warp_proc_interrupt(p->proc); /* ERR_BAD_STATE: a trap is on its way; its answer acts */
}

/* nanosleep's timeout: the sleep is over. */
static void lxsig_sleep_done(struct loop *l, struct loop_timeout *to, void *ctx)
{
    (void)l;
    (void)to;
    lxsig_end_wait(ctx, 0);
}

int64_t lxsig_wait(struct lxproc *p, uint8_t kind, uint64_t deadline, uint64_t rem)
{
    p->sleep_call = p->call_id;
    p->sig.wait = kind;
    p->sig.sleep_deadline = deadline;
    p->sig.sleep_rem = rem;
    if (lxsig_next(p) != 0) { /* already pending (an interrupt asked for, its trap not come yet) */
        lxsig_end_wait(p, -LX_EINTR);
        return LXSYS_NO_REPLY;
    }
    if (kind == LXSIG_WAIT_SLEEP) {
        loop_timeout_init(&p->sleep, lxsig_sleep_done, p);
        loop_timeout_set(p->loop, &p->sleep, deadline);
    }
    return LXSYS_NO_REPLY;
}

void lxsig_release(struct lxproc *p)
{
    loop_timeout_cancel(p->loop, &p->sleep);
    loop_timeout_cancel(p->loop, &p->sig.alarm);
}
