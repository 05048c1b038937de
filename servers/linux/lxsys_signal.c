/* lxsys_signal.c: the signal system calls: dispositions, the mask, signals a process sends itself,
 * rt_sigreturn, the alternate stack, waiting for a signal, SIGALRM's timer (delivery: lxsig.c). */
#include <warp/clock.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxchild.h"
#include "lxmem.h"
#include "lxproc.h"
#include "lxsig.h"
#include "lxsigframe.h"
#include "lxsys.h"

#define LXS_NS 1000000000ull
#define LXS_ALARM_MIN_NS 1000000ull /* an interval timer fires at most every millisecond */

/* Drops sig where it is pending in p's group (its disposition now ignores it), as Linux does. */
static void lxs_drop(struct lxproc *p, uint64_t sig)
{
    for (unsigned i = 0; i < LXPROC_MAX; i++) {
        struct lxproc *q = lxproc_at(i);
        if (q && q->leader == p->leader)
            q->sigpending &= ~LXSIG_BIT(sig);
    }
}

/* rt_sigaction: the disposition is recorded (the group's); setting SIG_IGN drops the signal if
 * pending in any of its threads, as Linux. */
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
    if (t->args[2] && lxmem_write(p, t->args[2], &p->leader->sigs[sig - 1], sizeof(act)) < 0)
        return -LX_EFAULT;
    if (t->args[1]) {
        act.mask &= ~LXSIG_UNBLOCKABLE;
        p->leader->sigs[sig - 1] = act;
        if (lxsig_ignored(p, sig))
            lxs_drop(p, sig);
    }
    return 0;
}

/* rt_sigprocmask: the mask is kept (SIGKILL and SIGSTOP never in it); a pending signal it unblocks
 * is acted on before the call returns (lxsig_reply), as Linux does. */
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
        p->sigmask &= ~LXSIG_UNBLOCKABLE;
    }
    return 0;
}

/* rt_sigpending: the blocked signals waiting. */
int64_t lxsys_rt_sigpending(struct lxproc *p, const struct trap_info *t)
{
    if (t->args[1] > 8)
        return -LX_EINVAL;
    uint64_t pending = p->sigpending & p->sigmask;
    return lxmem_write(p, t->args[0], &pending, t->args[1]);
}

/* kill: a process, a group or all of its tree (lxchild_kill); its own signal acts as the call returns. */
int64_t lxsys_kill(struct lxproc *p, const struct trap_info *t)
{
    if (t->args[1] > LXPROC_NSIG)
        return -LX_EINVAL;
    return lxchild_kill(p, (int32_t)t->args[0], (int)t->args[1]);
}

/*
 * The FPU state rt_sigreturn restores: the frame's fpstate (read from the process, 16-byte aligned
 * in the user half), or with none the init state, as Linux's fpu__restore_sig. The kernel refuses
 * an MXCSR the CPU would fault on (ERR_INVALID_ARG), which makes this fail too: then, as Linux, the
 * state is reset to the init one (and the caller raises SIGSEGV).
 */
static bool lxsys_restore_fpu(struct lxproc *p, uint64_t addr)
{
    struct cpu_fpu in, fp;
    lxsf_fp_init(&fp);
    bool ok = lxsf_fp_addr_ok(addr);
    if (ok && addr) {
        ok = lxmem_read(p, addr, &in, sizeof(in)) >= 0;
        if (ok)
            lxsf_fp_save(&fp, &in);
    }
    if (ok && warp_proc_set_fpu(p->proc, &fp) == 0)
        return true;
    lxsf_fp_init(&fp);
    (void)warp_proc_set_fpu(p->proc, &fp);
    return false;
}

/*
 * rt_sigreturn: the frame the handler's return popped pretcode off (at rsp - 8) is read back and
 * checked: registers (flags limited to what a program may set, rip and rsp user addresses), the
 * FPU state (lxsys_restore_fpu), the mask (never SIGKILL or SIGSTOP), the alternate stack (when
 * not on it). A frame that cannot be read or is refused raises SIGSEGV, as on Linux, with the
 * registers left as they were. The answer's status is the restored rax.
 */
int64_t lxsys_rt_sigreturn(struct lxproc *p, const struct trap_info *t)
{
    struct lxsf_frame f;
    struct lxsf_stack st;
    struct cpu_regs cur = {0}, r;
    uint64_t mask;
    if (warp_proc_get_regs(p->proc, &cur) < 0 || t->sp < 8 || lxmem_read(p, t->sp - 8, &f, sizeof(f)) < 0 ||
        !lxsf_parse(&f, &cur, &r, &mask, &st) || !lxsys_restore_fpu(p, f.uc.uc_mcontext.fpstate) ||
        warp_proc_set_regs(p->proc, &r) < 0) {
        lxsig_force(p, LX_SIGSEGV);
        lxsig_reply(p, p->call_id, (int64_t)cur.rax);
        return LXSYS_NO_REPLY;
    }
    p->sigmask = mask & ~LXSIG_UNBLOCKABLE;
    struct lxsf_stack now = {.ss_sp = p->sig.alt_sp, .ss_size = p->sig.alt_size};
    uint32_t mode = (uint32_t)st.ss_flags & ~LXSF_SS_AUTODISARM;
    if (!lxsf_on_stack(&now, r.sp)) { /* as Linux's restore_altstack: a refused setting is ignored */
        if (mode == LXSF_SS_DISABLE)
            p->sig.alt_sp = p->sig.alt_size = 0, p->sig.alt_flags = 0;
        else if ((mode == 0 || mode == LXSF_SS_ONSTACK) && st.ss_size >= LXSF_MINSIGSTKSZ)
            p->sig.alt_sp = st.ss_sp, p->sig.alt_size = st.ss_size,
            p->sig.alt_flags = (uint32_t)st.ss_flags & LXSF_SS_AUTODISARM;
    }
    lxsig_reply(p, p->call_id, (int64_t)r.rax);
    return LXSYS_NO_REPLY;
}

/* sigaltstack: the alternate stack for SA_ONSTACK handlers; no change while on it (EPERM). */
int64_t lxsys_sigaltstack(struct lxproc *p, const struct trap_info *t)
{
    struct lxsf_stack cur = {.ss_sp = p->sig.alt_sp, .ss_size = p->sig.alt_size}, ss;
    bool on = lxsf_on_stack(&cur, t->sp);
    cur.ss_flags =
        cur.ss_size == 0 ? LXSF_SS_DISABLE : (int32_t)((on ? LXSF_SS_ONSTACK : 0) | p->sig.alt_flags);
    if (t->args[0]) {
        if (lxmem_read(p, t->args[0], &ss, sizeof(ss)) < 0)
            return -LX_EFAULT;
        if (on)
            return -LX_EPERM;
        uint32_t mode = (uint32_t)ss.ss_flags & ~LXSF_SS_AUTODISARM;
        if (mode != 0 && mode != LXSF_SS_ONSTACK && mode != LXSF_SS_DISABLE)
            return -LX_EINVAL;
        if (mode != LXSF_SS_DISABLE && ss.ss_size < LXSF_MINSIGSTKSZ)
            return -LX_ENOMEM;
    }
    if (t->args[1] && lxmem_write(p, t->args[1], &cur, sizeof(cur)) < 0)
        return -LX_EFAULT;
    if (t->args[0]) { /* nothing fails past here */
        bool off = ((uint32_t)ss.ss_flags & ~LXSF_SS_AUTODISARM) == LXSF_SS_DISABLE;
        p->sig.alt_sp = off ? 0 : ss.ss_sp;
        p->sig.alt_size = off ? 0 : ss.ss_size;
        p->sig.alt_flags = off ? 0 : (uint32_t)ss.ss_flags & LXSF_SS_AUTODISARM;
    }
    return 0;
}

/* pause: until a signal acts; -EINTR (a handler's, or none: it ended the process). */
int64_t lxsys_pause(struct lxproc *p, const struct trap_info *t)
{
    (void)t;
    return lxsig_wait(p, LXSIG_WAIT_SIGNAL, 0, 0);
}

/* rt_sigsuspend: the mask replaced until a signal acts; the handler's frame saves the old one. */
int64_t lxsys_rt_sigsuspend(struct lxproc *p, const struct trap_info *t)
{
    uint64_t mask;
    if (t->args[1] != 8)
        return -LX_EINVAL;
    if (lxmem_read(p, t->args[0], &mask, sizeof(mask)) < 0)
        return -LX_EFAULT;
    p->sig.saved_mask = p->sigmask;
    p->sig.mask_saved = true;
    p->sigmask = mask & ~LXSIG_UNBLOCKABLE;
    return lxsig_wait(p, LXSIG_WAIT_SIGNAL, 0, 0);
}

/* ITIMER_REAL fired: SIGALRM, and the timer again if it has an interval. */
static void lxs_alarm_fired(struct loop *l, struct loop_timeout *to, void *ctx)
{
    struct lxproc *p = ctx;
    (void)to;
    uint64_t now = warp_clock(), every = p->sig.alarm_every;
    if (every) {
        every = every < LXS_ALARM_MIN_NS ? LXS_ALARM_MIN_NS : every;
        p->sig.alarm_at = p->sig.alarm_at + every > now ? p->sig.alarm_at + every : now + every;
        loop_timeout_set(l, &p->sig.alarm, p->sig.alarm_at);
    } else {
        p->sig.alarm_at = 0;
    }
    lxsig_raise(p, LX_SIGALRM, LXSF_SI_KERNEL);
    lxsig_kick(p);
}

/* The time left of ITIMER_REAL in ns (0: disarmed; at least 1 us while armed, as Linux). */
static uint64_t lxs_alarm_left(const struct lxproc *p)
{
    uint64_t now = warp_clock();
    if (p->sig.alarm_at == 0)
        return 0;
    return p->sig.alarm_at > now + 1000 ? p->sig.alarm_at - now : 1000;
}

/* Arms ITIMER_REAL to fire in `value` ns (0: disarms), then every `every` ns (0: once). */
static void lxs_alarm_set(struct lxproc *p, uint64_t value, uint64_t every)
{
    loop_timeout_cancel(p->loop, &p->sig.alarm);
    p->sig.alarm_at = value ? warp_clock() + value : 0;
    p->sig.alarm_every = value ? every : 0;
    if (value) {
        loop_timeout_init(&p->sig.alarm, lxs_alarm_fired, p);
        loop_timeout_set(p->loop, &p->sig.alarm, p->sig.alarm_at);
    }
}

/* struct itimerval: {it_interval, it_value} as timevals. */
struct lxs_itimerval {
    int64_t every_sec, every_usec, value_sec, value_usec;
};

/* The timeval sec.usec in ns (saturated to 2^62), or -EINVAL. */
static int64_t lxs_tv_ns(int64_t sec, int64_t usec)
{
    if (sec < 0 || usec < 0 || usec >= 1000000)
        return -LX_EINVAL;
    if ((uint64_t)sec >= (1ull << 62) / LXS_NS)
        return (int64_t)(1ull << 62);
    return sec * (int64_t)LXS_NS + usec * 1000;
}

/* The current ITIMER_REAL setting as an itimerval. */
static struct lxs_itimerval lxs_itimer_now(const struct lxproc *p)
{
    uint64_t left = lxs_alarm_left(p);
    return (struct lxs_itimerval){(int64_t)(p->sig.alarm_every / LXS_NS),
                                  (int64_t)(p->sig.alarm_every % LXS_NS / 1000), (int64_t)(left / LXS_NS),
                                  (int64_t)(left % LXS_NS / 1000)};
}

/* getitimer: ITIMER_REAL only (ITIMER_VIRTUAL and ITIMER_PROF would need CPU time: EINVAL). */
int64_t lxsys_getitimer(struct lxproc *p, const struct trap_info *t)
{
    if (t->args[0] != LX_ITIMER_REAL)
        return -LX_EINVAL;
    struct lxs_itimerval v = lxs_itimer_now(p);
    return lxmem_write(p, t->args[1], &v, sizeof(v));
}

/* setitimer: ITIMER_REAL only; a NULL new value disarms (as Linux now does). */
int64_t lxsys_setitimer(struct lxproc *p, const struct trap_info *t)
{
    struct lxs_itimerval v = {0}, old = lxs_itimer_now(p);
    if (t->args[0] != LX_ITIMER_REAL)
        return -LX_EINVAL;
    if (t->args[1] && lxmem_read(p, t->args[1], &v, sizeof(v)) < 0)
        return -LX_EFAULT;
    int64_t every = lxs_tv_ns(v.every_sec, v.every_usec), value = lxs_tv_ns(v.value_sec, v.value_usec);
    if (every < 0 || value < 0)
        return -LX_EINVAL;
    if (t->args[2] && lxmem_write(p, t->args[2], &old, sizeof(old)) < 0)
        return -LX_EFAULT;
    lxs_alarm_set(p, (uint64_t)value, (uint64_t)every);
    return 0;
}

/* alarm: SIGALRM in that many seconds (0: none); returns the seconds that were left, rounded as
 * Linux does (up from half a second, and never 0 while armed). */
int64_t lxsys_alarm(struct lxproc *p, const struct trap_info *t)
{
    uint64_t left = lxs_alarm_left(p), secs = left / LXS_NS, usec = left % LXS_NS / 1000;
    uint32_t want = (uint32_t)t->args[0];
    if ((secs == 0 && usec) || usec >= 500000)
        secs++;
    lxs_alarm_set(p, (uint64_t)want * LXS_NS, 0);
    return (int64_t)secs;
}
