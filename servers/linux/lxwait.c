/* lxwait.c: calls that wait for readiness, tried again at each change (lxwait.h). The wait itself
 * is signal delivery's (lxsig_wait): a signal that acts ends it with EINTR, a timeout with 0. */
#include "lxwait.h"

#include <warp/malloc.h>
#include <warp/string.h>

#include "lxabi.h"
#include "lxproc.h"
#include "lxsig.h"

/* A waiting call: the trap as it came, its handler and its timeout. */
struct lxwait {
    struct trap_info t;
    lxsys_fn fn;
    uint64_t trap;
    bool retrying, again;
    struct loop_timeout timeout; /* armed when the call has a deadline */
};

/* True if signal delivery still holds w's trap (not ended by a signal or its timeout). */
static bool lxwait_live(const struct lxproc *p, const struct lxwait *w)
{
    return p->sig.wait != LXSIG_WAIT_NONE && p->sleep_call == w->trap;
}

void lxwait_end(struct lxproc *p)
{
    if (!p->wait)
        return;
    loop_timeout_cancel(p->loop, &p->wait->timeout);
    free(p->wait);
    p->wait = NULL;
}

/* Ends p's wait: signal delivery lets the trap go and, with a result, it is answered. The mask of
 * epoll_pwait or ppoll goes back first, so a signal it held acts as the call returns (Linux's
 * restore_saved_sigmask_unless: the result is not EINTR here, signal delivery answers those). */
static void lxwait_finish(struct lxproc *p, uint64_t trap, int64_t r)
{
    p->sig.wait = LXSIG_WAIT_NONE;
    if (p->sig.mask_saved) {
        p->sigmask = p->sig.saved_mask;
        p->sig.mask_saved = false;
    }
    if (r != LXSYS_NO_REPLY)
        lxsig_reply(p, trap, r);
}

/* The deadline passed: the call returns 0 (nothing became ready). */
static void lxwait_on_timeout(struct loop *l, struct loop_timeout *to, void *ctx)
{
    struct lxproc *p = ctx;
    (void)l;
    (void)to;
    if (!p->wait)
        return;
    uint64_t trap = p->wait->trap;
    bool live = lxwait_live(p, p->wait);
    lxwait_end(p);
    if (live)
        lxwait_finish(p, trap, 0);
}

bool lxwait_retrying(const struct lxproc *p)
{
    return p->wait && p->wait->retrying;
}

int64_t lxwait_block(struct lxproc *p, const struct trap_info *t, lxsys_fn fn, uint64_t deadline)
{
    if (p->wait && p->wait->retrying) {
        p->wait->again = true;
        return LXSYS_NO_REPLY;
    }
    lxwait_end(p); /* one a signal ended, not yet noticed */
    struct lxwait *w = malloc(sizeof(*w));
    if (!w)
        return -LX_ENOMEM;
    memset(w, 0, sizeof(*w));
    w->t = *t;
    w->fn = fn;
    w->trap = p->call_id;
    p->wait = w;
    loop_timeout_init(&w->timeout, lxwait_on_timeout, p);
    (void)lxsig_wait(p, LXSIG_WAIT_SIGNAL, 0, 0); /* a signal that acts ends it: EINTR */
    if (!lxwait_live(p, w))
        lxwait_end(p); /* a pending signal ended it at once */
    else if (deadline)
        loop_timeout_set(p->loop, &w->timeout, deadline);
    return LXSYS_NO_REPLY;
}

/* Tries p's waiting call again. */
static void lxwait_retry(struct lxproc *p)
{
    struct lxwait *w = p->wait;
    if (!lxwait_live(p, w)) {
        lxwait_end(p);
        return;
    }
    w->retrying = true;
    w->again = false;
    p->call_id = w->trap;
    int64_t r = w->fn(p, &w->t);
    w->retrying = false;
    if (r == LXSYS_NO_REPLY && w->again)
        return;
    uint64_t trap = w->trap;
    lxwait_end(p);
    lxwait_finish(p, trap, r);
}

void lxwait_wake(void)
{
    static bool waking, again;
    if (waking) { /* a retry changed something: one more round after this one */
        again = true;
        return;
    }
    waking = true;
    do {
        again = false;
        for (unsigned i = 0; i < LXPROC_MAX; i++) {
            struct lxproc *p = lxproc_at(i);
            if (p && p->wait && !p->exited && !p->killed_by)
                lxwait_retry(p);
        }
    } while (again);
    waking = false;
}
