/* lxsys_poll.c: epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, poll, ppoll, select
 * and pselect6.
 * Readiness is computed in the server from what it keeps (lxready.c); a wait is tried again at each
 * change of a socket or pipe (lxwait.c). */
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxfiles.h"
#include "lxmem.h"
#include "lxnetabi.h"
#include "lxready.h"
#include "lxsig.h"
#include "lxsys.h"
#include "lxwait.h"

#define LXPOLL_BATCH 256 /* events one epoll_wait returns at most (a short count is allowed) */

/* An epoll description at a new descriptor. */
static int64_t lxpoll_create(struct lxproc *p, bool cloexec)
{
    struct lxepoll *ep = lxepoll_new();
    if (!ep)
        return -LX_ENOMEM;
    struct lxfile *f = lxfile_new(&lxfile_pool, LXFILE_EPOLL, LX_O_RDWR);
    if (!f) {
        lxepoll_free(ep);
        return -LX_ENFILE;
    }
    f->epoll = ep;
    int64_t fd = lxfd_install(&p->leader->fds, 0, f, cloexec);
    lxfile_unref(p, f);
    return fd;
}

int64_t lxsys_epoll_create(struct lxproc *p, const struct trap_info *t)
{
    if ((int32_t)t->args[0] <= 0)
        return -LX_EINVAL;
    return lxpoll_create(p, false);
}

int64_t lxsys_epoll_create1(struct lxproc *p, const struct trap_info *t)
{
    if (t->args[0] & ~(uint64_t)LX_EPOLL_CLOEXEC)
        return -LX_EINVAL;
    return lxpoll_create(p, t->args[0] != 0);
}

/* epoll_ctl, in Linux's order of checks: the event read, both descriptors, what can be watched, the
 * exclusive rules, then the operation on the interest list. */
int64_t lxsys_epoll_ctl(struct lxproc *p, const struct trap_info *t)
{
    struct lx_epoll_event ev = {0, 0};
    int32_t op = (int32_t)t->args[1], fd = (int32_t)t->args[2];
    if (op != LX_EPOLL_CTL_DEL && lxmem_read(p, t->args[3], &ev, sizeof(ev)) < 0)
        return -LX_EFAULT;
    struct lxfile *ef = lxfd_get(&p->leader->fds, t->args[0]);
    struct lxfile *tf = lxfd_get(&p->leader->fds, t->args[2]);
    if (!ef || !tf)
        return -LX_EBADF;
    if (!lxready_pollable(tf))
        return -LX_EPERM;
    if (ef == tf || ef->kind != LXFILE_EPOLL)
        return -LX_EINVAL;
    if (tf->kind == LXFILE_EPOLL)
        return -LX_EPERM; /* nested epoll instances are not offered */
    uint32_t events = ev.events & ~LX_EPOLLWAKEUP;
    if (op != LX_EPOLL_CTL_DEL && (events & LX_EPOLLEXCLUSIVE)) {
        const uint32_t ok = LX_EPOLLIN | LX_EPOLLOUT | LX_EPOLLERR | LX_EPOLLHUP | LX_EPOLLWAKEUP |
                            LX_EPOLLET | LX_EPOLLEXCLUSIVE;
        if (op == LX_EPOLL_CTL_MOD || (events & ~ok))
            return -LX_EINVAL;
    }
    switch (op) {
    case LX_EPOLL_CTL_ADD: return lxepoll_add(ef->epoll, fd, tf, events, ev.data);
    case LX_EPOLL_CTL_MOD: return lxepoll_mod(ef->epoll, fd, tf, events, ev.data);
    case LX_EPOLL_CTL_DEL: return lxepoll_del(ef->epoll, fd, tf);
    default: return -LX_EINVAL;
    }
}

/* The deadline of a timeout in ms (negative: none); 0 when the call must not wait. */
static uint64_t lxpoll_deadline_ms(int32_t ms)
{
    return ms < 0 ? 0 : warp_clock() + (uint64_t)ms * 1000000ull;
}

/* Puts sigmask (a pointer, or 0) in place for the wait, as rt_sigsuspend does: 0, or -errno. */
static int64_t lxpoll_mask(struct lxproc *p, uint64_t sigmask, uint64_t size)
{
    uint64_t mask;
    if (!sigmask || lxwait_retrying(p))
        return 0;
    if (size != 8)
        return -LX_EINVAL;
    if (lxmem_read(p, sigmask, &mask, sizeof(mask)) < 0)
        return -LX_EFAULT;
    p->sig.saved_mask = p->sigmask;
    p->sig.mask_saved = true;
    p->sigmask = mask & ~LXSIG_UNBLOCKABLE;
    return 0;
}

/* Waits for fn's call: the mask of a pwait/ppoll goes back if the wait cannot start. */
static int64_t lxpoll_block(struct lxproc *p, const struct trap_info *t, lxsys_fn fn, uint64_t deadline)
{
    int64_t r = lxwait_block(p, t, fn, deadline);
    if (r != LXSYS_NO_REPLY && p->sig.mask_saved) {
        p->sigmask = p->sig.saved_mask;
        p->sig.mask_saved = false;
    }
    return r;
}

/* epoll_wait and epoll_pwait (sigmask 0: none). */
static int64_t lxpoll_epoll(struct lxproc *p, const struct trap_info *t, uint64_t sigmask, lxsys_fn fn)
{
    static struct lx_epoll_event evs[LXPOLL_BATCH];
    int32_t max = (int32_t)t->args[2], ms = (int32_t)t->args[3];
    if (max <= 0 || max > LX_EP_MAX_EVENTS)
        return -LX_EINVAL;
    if (t->args[1] >= USER_TOP || (uint64_t)max * sizeof(evs[0]) > USER_TOP - t->args[1])
        return -LX_EFAULT; /* access_ok */
    struct lxfile *ef = lxfd_get(&p->leader->fds, t->args[0]);
    if (!ef)
        return -LX_EBADF;
    if (ef->kind != LXFILE_EPOLL)
        return -LX_EINVAL;
    uint32_t n = lxepoll_collect(ef->epoll, evs, max < LXPOLL_BATCH ? (uint32_t)max : LXPOLL_BATCH);
    if (n > 0)
        return lxmem_write(p, t->args[1], evs, n * sizeof(evs[0])) < 0 ? -LX_EFAULT : (int64_t)n;
    if (ms == 0)
        return 0;
    int64_t r = lxpoll_mask(p, sigmask, t->args[5]);
    if (r < 0)
        return r;
    return lxpoll_block(p, t, fn, lxpoll_deadline_ms(ms));
}

int64_t lxsys_epoll_wait(struct lxproc *p, const struct trap_info *t)
{
    return lxpoll_epoll(p, t, 0, lxsys_epoll_wait);
}

int64_t lxsys_epoll_pwait(struct lxproc *p, const struct trap_info *t)
{
    return lxpoll_epoll(p, t, t->args[4], lxsys_epoll_pwait);
}

/* poll's pass over the array: every revents written back; the count ready, or -errno. */
static int64_t lxpoll_scan(struct lxproc *p, uint64_t addr, uint32_t nfds)
{
    static struct lx_pollfd fds[LXFD_MAX];
    int64_t ready = 0;
    if (nfds && lxmem_read(p, addr, fds, nfds * sizeof(fds[0])) < 0)
        return -LX_EFAULT;
    for (uint32_t i = 0; i < nfds; i++) {
        struct lxfile *f = fds[i].fd < 0 ? NULL : lxfd_get(&p->leader->fds, (uint64_t)(uint32_t)fds[i].fd);
        uint32_t m = 0;
        uint32_t want = (uint32_t)(uint16_t)fds[i].events | LX_EPOLLERR | LX_EPOLLHUP;
        if (fds[i].fd >= 0)
            m = f ? lxready_mask(f) & want : LX_POLLNVAL;
        fds[i].revents = (int16_t)m;
        ready += m != 0;
    }
    /* Every revents goes back, 0 where nothing is ready, as Linux's poll writes them: a call that
     * then waits and times out leaves these zeros (the process cannot look meanwhile). */
    if (nfds && lxmem_write(p, addr, fds, nfds * sizeof(fds[0])) < 0)
        return -LX_EFAULT;
    return ready;
}

/* poll and ppoll: deadline 0 waits without end, ms 0 not at all. */
static int64_t lxpoll_poll(struct lxproc *p, const struct trap_info *t, bool no_wait, uint64_t deadline,
                           uint64_t sigmask, lxsys_fn fn)
{
    uint64_t nfds = t->args[1];
    if (nfds > LXFD_MAX)
        return -LX_EINVAL; /* past RLIMIT_NOFILE */
    int64_t r = lxpoll_scan(p, t->args[0], (uint32_t)nfds);
    if (r != 0 || no_wait)
        return r;
    if ((r = lxpoll_mask(p, sigmask, t->args[4])) < 0)
        return r;
    return lxpoll_block(p, t, fn, deadline);
}

int64_t lxsys_poll(struct lxproc *p, const struct trap_info *t)
{
    int32_t ms = (int32_t)t->args[2];
    return lxpoll_poll(p, t, ms == 0, lxpoll_deadline_ms(ms), 0, lxsys_poll);
}

int64_t lxsys_ppoll(struct lxproc *p, const struct trap_info *t)
{
    int64_t ts[2];
    uint64_t deadline = 0;
    bool no_wait = false;
    if (t->args[2]) {
        if (lxmem_read(p, t->args[2], ts, sizeof(ts)) < 0)
            return -LX_EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -LX_EINVAL;
        no_wait = ts[0] == 0 && ts[1] == 0;
        uint64_t ns = (uint64_t)ts[0] > 1000000000ull * 1000000ull
                          ? UINT64_MAX / 2
                          : (uint64_t)ts[0] * 1000000000ull + (uint64_t)ts[1];
        deadline = warp_clock() + ns;
    }
    return lxpoll_poll(p, t, no_wait, deadline, t->args[3], lxsys_ppoll);
}

/* ---- select and pselect6 ---- */

#define LXSEL_WORDS (LXFD_MAX / 64)

/* What makes a descriptor count in select's read, write and except sets (Linux's POLLIN_SET,
 * POLLOUT_SET, POLLEX_SET). */
static const uint32_t lxsel_events[3] = {LX_EPOLLIN | LX_EPOLLRDNORM | LX_EPOLLHUP | LX_EPOLLERR,
                                         LX_EPOLLOUT | LX_EPOLLWRNORM | LX_EPOLLERR, LX_EPOLLPRI};

/* Reads the three sets at addr (0: none) into p->sel: whole 64-bit words, bits from nfds on
 * ignored; 0, -EFAULT, or -EBADF for a bit that names no descriptor. */
static int64_t lxsel_read(struct lxproc *p, const uint64_t addr[3], uint32_t nfds)
{
    uint32_t words = (nfds + 63) / 64;
    memset(p->sel.in, 0, sizeof(p->sel.in));
    p->sel.nfds = nfds;
    for (int i = 0; i < 3; i++) {
        if (addr[i] && words && lxmem_read(p, addr[i], p->sel.in[i], words * 8) < 0)
            return -LX_EFAULT;
        if (nfds % 64)
            p->sel.in[i][words - 1] &= (1ull << (nfds % 64)) - 1;
    }
    for (uint32_t fd = 0; fd < nfds; fd++) {
        bool asked = (p->sel.in[0][fd / 64] | p->sel.in[1][fd / 64] | p->sel.in[2][fd / 64]) >> (fd % 64) & 1;
        if (asked && !lxfd_get(&p->leader->fds, fd))
            return -LX_EBADF;
    }
    return 0;
}

/* The ready subsets of p->sel into out; how many bits are set in all. A descriptor closed since the
 * call began counts as not ready. */
static int64_t lxsel_scan(struct lxproc *p, uint64_t out[3][LXSEL_WORDS])
{
    int64_t ready = 0;
    memset(out, 0, 3 * LXSEL_WORDS * 8);
    for (uint32_t fd = 0; fd < p->sel.nfds; fd++) {
        uint64_t bit = 1ull << (fd % 64);
        if (!((p->sel.in[0][fd / 64] | p->sel.in[1][fd / 64] | p->sel.in[2][fd / 64]) & bit))
            continue;
        struct lxfile *f = lxfd_get(&p->leader->fds, fd);
        uint32_t mask = f ? lxready_mask(f) : 0;
        for (int i = 0; i < 3; i++)
            if ((p->sel.in[i][fd / 64] & bit) && (mask & lxsel_events[i])) {
                out[i][fd / 64] |= bit;
                ready++;
            }
    }
    return ready;
}

/* Writes sets (nfds bits each) to the non-null addr; 0 or -EFAULT. */
static int64_t lxsel_write(struct lxproc *p, const uint64_t addr[3], uint64_t sets[3][LXSEL_WORDS])
{
    uint32_t words = (p->sel.nfds + 63) / 64;
    for (int i = 0; i < 3; i++)
        if (addr[i] && words && lxmem_write(p, addr[i], sets[i], words * 8) < 0)
            return -LX_EFAULT;
    return 0;
}

/* select and pselect6 once the timeout is read: deadline 0 waits without end, no_wait not at all. */
static int64_t lxsel_select(struct lxproc *p, const struct trap_info *t, bool no_wait, uint64_t deadline,
                            uint64_t sigmask, uint64_t sigsize, lxsys_fn fn)
{
    static uint64_t sets[3][LXSEL_WORDS];
    int32_t n = (int32_t)t->args[0];
    const uint64_t addr[3] = {t->args[1], t->args[2], t->args[3]};
    if (n < 0)
        return -LX_EINVAL;
    int64_t r;
    if (!lxwait_retrying(p) && (r = lxsel_read(p, addr, n > LXFD_MAX ? LXFD_MAX : (uint32_t)n)) < 0)
        return r;
    int64_t ready = lxsel_scan(p, sets);
    if (ready || no_wait)
        return (r = lxsel_write(p, addr, sets)) < 0 ? r : ready;
    if ((r = lxsel_write(p, addr, sets)) < 0) /* all empty: what a timeout leaves */
        return r;
    if ((r = lxpoll_mask(p, sigmask, sigsize)) < 0)
        return r;
    return lxpoll_block(p, t, fn, deadline);
}

/* The deadline for a wait of sec seconds and ns nanoseconds (already checked not negative). */
static uint64_t lxsel_deadline(int64_t sec, int64_t ns)
{
    uint64_t total = (uint64_t)sec > 1000000000ull * 1000000ull
                         ? UINT64_MAX / 2
                         : (uint64_t)sec * 1000000000ull + (uint64_t)ns;
    return warp_clock() + total;
}

int64_t lxsys_select(struct lxproc *p, const struct trap_info *t)
{
    int64_t tv[2];
    if (!t->args[4])
        return lxsel_select(p, t, false, 0, 0, 0, lxsys_select);
    if (lxmem_read(p, t->args[4], tv, sizeof(tv)) < 0)
        return -LX_EFAULT;
    if (tv[0] < 0 || tv[1] < 0)
        return -LX_EINVAL; /* microseconds past a second carry over, as Linux takes them */
    int64_t sec = tv[0] + tv[1] / 1000000, ns = tv[1] % 1000000 * 1000;
    return lxsel_select(p, t, sec == 0 && ns == 0, lxsel_deadline(sec, ns), 0, 0, lxsys_select);
}

int64_t lxsys_pselect6(struct lxproc *p, const struct trap_info *t)
{
    int64_t ts[2];
    uint64_t sig[2] = {0, 0}; /* { const sigset_t *ss; size_t ss_len } */
    bool no_wait = false;
    uint64_t deadline = 0;
    if (t->args[4]) {
        if (lxmem_read(p, t->args[4], ts, sizeof(ts)) < 0)
            return -LX_EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -LX_EINVAL;
        no_wait = ts[0] == 0 && ts[1] == 0;
        deadline = lxsel_deadline(ts[0], ts[1]);
    }
    uint64_t mask;
    if (t->args[5] && lxmem_read(p, t->args[5], sig, sizeof(sig)) < 0)
        return -LX_EFAULT;
    if (sig[0] && sig[1] != sizeof(mask))
        return -LX_EINVAL; /* the mask is checked before the sets, as Linux's set_user_sigmask does */
    if (sig[0] && lxmem_read(p, sig[0], &mask, sizeof(mask)) < 0)
        return -LX_EFAULT;
    return lxsel_select(p, t, no_wait, deadline, sig[0], sig[1], lxsys_pselect6);
}
