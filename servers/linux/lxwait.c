/* lxwait.c: calls that wait for readiness, tried again at each change (lxwait.h). The wait itself
 * is signal delivery's (lxsig_wait): a signal that acts ends it with EINTR, a timeout with 0. */
#include "lxwait.h"

#include <warp/malloc.h>
#include <warp/string.h>

#include "lxabi.h"
#include "lxproc.h"
#include "lxsig.h"

/* A waiting call: the trap as it came, and its handler. */
struct lxwait {
    struct trap_info t;
    lxsys_fn fn;
    uint64_t trap;
    bool retrying, again;
};

/* True if signal delivery still holds w's trap (not ended by a signal or its timeout). */
static bool lxwait_live(const struct lxproc *p, const struct lxwait *w)
{
    return p->sig.wait != LXSIG_WAIT_NONE && p->sleep_call == w->trap;
}

void lxwait_end(struct lxproc *p)
{
    free(p->wait);
    p->wait = NULL;
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
    (void)lxsig_wait(p, deadline ? LXSIG_WAIT_SLEEP : LXSIG_WAIT_SIGNAL, deadline, 0);
    if (!lxwait_live(p, w))
        lxwait_end(p); /* a pending signal ended it at once (EINTR) */
    return LXSYS_NO_REPLY;
}

/* Ends p's wait: signal delivery lets the trap go (its timeout cancelled) and, with a result,
 * answers it as lxsig's own waits end (pending signals act first, a ppoll mask goes after). */
static void lxwait_finish(struct lxproc *p, uint64_t trap, int64_t r)
{
    p->sig.wait = LXSIG_WAIT_NONE;
    loop_timeout_cancel(p->loop, &p->sleep);
    if (r != LXSYS_NO_REPLY)
        lxsig_reply(p, trap, r);
    if (p->sig.mask_saved) {
        p->sigmask = p->sig.saved_mask;
        p->sig.mask_saved = false;
    }
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
