/* lxfutex.c: futex(2): FUTEX_WAIT and FUTEX_WAKE, their _BITSET forms and FUTEX_REQUEUE and
 * FUTEX_CMP_REQUEUE, among the threads of one group. A waiter is its thread's record (one wait a
 * thread: no table to fill); its trap stays unanswered until a wake, its timeout or a signal. The key
 * is the group and the address, for private and shared futexes alike: a futex between processes needs
 * shared memory, which the server does not map (docs/linux-compat.md, Threads). */
#include "lxfutex.h"

#include <warp/clock.h>

#include "lxabi.h"
#include "lxmem.h"
#include "lxproc.h"
#include "lxsig.h"
#include "lxsys.h"

#define LX_FUTEX_WAIT 0
#define LX_FUTEX_WAKE 1
#define LX_FUTEX_REQUEUE 3
#define LX_FUTEX_CMP_REQUEUE 4
#define LX_FUTEX_WAIT_BITSET 9
#define LX_FUTEX_WAKE_BITSET 10
#define LX_FUTEX_PRIVATE_FLAG 128
#define LX_FUTEX_CLOCK_REALTIME 256
#define LXFUTEX_NS 1000000000ull

static uint64_t lxfutex_seq;

/* True if signal delivery still holds p's futex wait (no signal has answered it). */
static bool lxfutex_live(const struct lxproc *p)
{
    return p->futex.waiting && p->sig.wait != LXSIG_WAIT_NONE && p->sleep_call == p->futex.trap;
}

void lxfutex_end(struct lxproc *p)
{
    if (p->futex.waiting)
        loop_timeout_cancel(p->loop, &p->futex.timeout);
    p->futex.waiting = false;
}

/* Ends p's futex wait, answering its trap with r if no signal did already. */
static void lxfutex_finish(struct lxproc *p, int64_t r)
{
    bool live = lxfutex_live(p);
    uint64_t trap = p->futex.trap;
    lxfutex_end(p);
    if (live) {
        p->sig.wait = LXSIG_WAIT_NONE;
        lxsig_reply(p, trap, r);
    }
}

/* The wait's deadline passed: ETIMEDOUT. */
static void lxfutex_on_timeout(struct loop *l, struct loop_timeout *to, void *ctx)
{
    (void)l;
    (void)to;
    lxfutex_finish(ctx, -LX_ETIMEDOUT);
}

/* The earliest live waiter of l's group on uaddr whose bitset meets bitset, or NULL; waits a
 * signal ended are dropped on the way. */
static struct lxproc *lxfutex_first(struct lxproc *l, uint64_t uaddr, uint32_t bitset)
{
    struct lxproc *first = NULL;
    for (unsigned i = 0; i < LXPROC_MAX; i++) {
        struct lxproc *q = lxproc_at(i);
        if (!q || q->leader != l || !q->futex.waiting || q->futex.uaddr != uaddr)
            continue;
        if (!lxfutex_live(q))
            lxfutex_end(q);
        else if ((q->futex.bitset & bitset) && (!first || q->futex.seq < first->futex.seq))
            first = q;
    }
    return first;
}

unsigned lxfutex_wake(struct lxproc *l, uint64_t uaddr, uint32_t n, uint32_t bitset)
{
    unsigned woken = 0;
    struct lxproc *q;
    while (woken < n && (q = lxfutex_first(l, uaddr, bitset)) != NULL) {
        lxfutex_finish(q, 0);
        woken++;
    }
    return woken;
}

/* FUTEX_WAIT: if the word at uaddr still holds val, p waits (until deadline, a SYS_CLOCK time; 0:
 * none); -EAGAIN if it does not, -EFAULT if it cannot be read. */
static int64_t lxfutex_wait(struct lxproc *p, uint64_t uaddr, uint32_t val, uint64_t deadline,
                            uint32_t bitset)
{
    uint32_t cur;
    if (lxmem_read(p, uaddr, &cur, sizeof(cur)) < 0)
        return -LX_EFAULT;
    if (cur != val)
        return -LX_EAGAIN;
    lxfutex_end(p); /* one a signal ended, not yet noticed */
    p->futex.waiting = true;
    p->futex.uaddr = uaddr;
    p->futex.bitset = bitset;
    p->futex.trap = p->call_id;
    p->futex.seq = ++lxfutex_seq;
    loop_timeout_init(&p->futex.timeout, lxfutex_on_timeout, p);
    (void)lxsig_wait(p, LXSIG_WAIT_SIGNAL, 0, 0); /* a signal that acts ends it: EINTR */
    if (!lxfutex_live(p))
        lxfutex_end(p); /* a pending signal ended it at once */
    else if (deadline)
        loop_timeout_set(p->loop, &p->futex.timeout, deadline);
    return LXSYS_NO_REPLY;
}

/* The wait's deadline from the timespec at addr (0: none): relative for FUTEX_WAIT, absolute for
 * FUTEX_WAIT_BITSET (CLOCK_MONOTONIC, or CLOCK_REALTIME with the flag: one clock here, as
 * clock_gettime's). -EFAULT, -EINVAL (a field out of range). */
static int64_t lxfutex_deadline(struct lxproc *p, uint64_t addr, bool relative, uint64_t *deadline)
{
    int64_t ts[2];
    *deadline = 0;
    if (!addr)
        return 0;
    if (lxmem_read(p, addr, ts, sizeof(ts)) < 0)
        return -LX_EFAULT;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (int64_t)LXFUTEX_NS)
        return -LX_EINVAL;
    uint64_t ns = (uint64_t)ts[0] > (UINT64_MAX / 4) / LXFUTEX_NS
                      ? UINT64_MAX / 4
                      : (uint64_t)ts[0] * LXFUTEX_NS + (uint64_t)ts[1];
    *deadline = relative ? warp_clock() + ns : ns;
    if (*deadline == 0)
        *deadline = 1; /* the epoch itself: long past, but a deadline */
    return 0;
}

/* FUTEX_REQUEUE and FUTEX_CMP_REQUEUE (cmp: the word must hold expect, else -EAGAIN): wakes up to
 * n waiters on uaddr and moves up to more of the others to uaddr2; how many of both. */
static int64_t lxfutex_requeue(struct lxproc *p, uint64_t uaddr, uint32_t n, uint32_t more, uint64_t uaddr2,
                               bool cmp, uint32_t expect)
{
    uint32_t cur;
    if (uaddr2 & 3)
        return -LX_EINVAL;
    if ((int32_t)n < 0 || (int32_t)more < 0)
        return -LX_EINVAL;
    if (cmp && lxmem_read(p, uaddr, &cur, sizeof(cur)) < 0)
        return -LX_EFAULT;
    if (cmp && cur != expect)
        return -LX_EAGAIN;
    unsigned done = lxfutex_wake(p->leader, uaddr, n, LXFUTEX_ANY);
    struct lxproc *q;
    for (uint32_t moved = 0; moved < more && uaddr2 != uaddr; moved++, done++) {
        if (!(q = lxfutex_first(p->leader, uaddr, LXFUTEX_ANY)))
            break;
        q->futex.uaddr = uaddr2;
    }
    return done;
}

/* futex(uaddr, op, val, timeout or val2, uaddr2, val3). Other ops (the PI ones, FUTEX_WAKE_OP,
 * FUTEX_WAIT_REQUEUE_PI, ...) are ENOSYS, as on a Linux built without them. */
int64_t lxsys_futex(struct lxproc *p, const struct trap_info *t)
{
    uint64_t uaddr = t->args[0], deadline;
    uint32_t op = (uint32_t)t->args[1], val = (uint32_t)t->args[2];
    uint32_t cmd = op & ~(uint32_t)(LX_FUTEX_PRIVATE_FLAG | LX_FUTEX_CLOCK_REALTIME);
    bool wait = cmd == LX_FUTEX_WAIT || cmd == LX_FUTEX_WAIT_BITSET;
    bool bits = cmd == LX_FUTEX_WAIT_BITSET || cmd == LX_FUTEX_WAKE_BITSET;
    if (cmd != LX_FUTEX_WAKE && cmd != LX_FUTEX_WAKE_BITSET && cmd != LX_FUTEX_REQUEUE &&
        cmd != LX_FUTEX_CMP_REQUEUE && !wait)
        return lxproc_enosys(p, LX_SYS_futex, " with this operation");
    if ((op & LX_FUTEX_CLOCK_REALTIME) && !wait)
        return -LX_ENOSYS; /* as Linux: the clock flag only for waits */
    uint32_t bitset = bits ? (uint32_t)t->args[5] : LXFUTEX_ANY;
    if (wait) {
        int64_t r = lxfutex_deadline(p, t->args[3], cmd == LX_FUTEX_WAIT, &deadline);
        if (r < 0)
            return r;
    }
    if ((uaddr & 3) || bitset == 0)
        return -LX_EINVAL;
    if (wait)
        return lxfutex_wait(p, uaddr, val, deadline, bitset);
    if (cmd == LX_FUTEX_REQUEUE || cmd == LX_FUTEX_CMP_REQUEUE)
        return lxfutex_requeue(p, uaddr, val, (uint32_t)t->args[3], t->args[4], cmd == LX_FUTEX_CMP_REQUEUE,
                               (uint32_t)t->args[5]);
    return lxfutex_wake(p->leader, uaddr, (int32_t)val <= 0 ? 1 : val, bitset);
}
