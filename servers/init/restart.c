/* restart.c: init's restart policy with backoff and a limit; pure, so a host test links it as is. */
#include "restart.h"

/* True unless the process exited with code 0. */
bool restart_is_failure(const struct exit_info *info)
{
    return !(info->reason == EXIT_NORMAL && info->code == 0);
}

/* The wait before the k-th restart of a streak (k >= 1). */
static uint64_t restart_delay(unsigned k)
{
    if (k <= 1)
        return 0;
    uint64_t d = RESTART_DELAY_MIN_NS;
    for (unsigned i = 2; i < k && d < RESTART_DELAY_MAX_NS; i++)
        d *= 2;
    return d < RESTART_DELAY_MAX_NS ? d : RESTART_DELAY_MAX_NS;
}

/* Applies the policy and the backoff to one end of the service. */
enum restart_verdict restart_decide(struct restart_state *st, const struct manifest_service *svc, bool failed,
                                    uint64_t ran_ns, uint64_t *delay_ns)
{
    *delay_ns = 0;
    if (ran_ns >= RESTART_STABLE_NS)
        st->streak = 0;
    enum manifest_restart policy = svc->restart;
    bool wanted = policy == MANIFEST_RESTART_ALWAYS || (policy == MANIFEST_RESTART_ON_FAILURE && failed);
    if (!wanted)
        return RESTART_NO;
    if (st->streak >= RESTART_LIMIT && !svc->essential)
        return RESTART_GIVE_UP;
    if (st->streak < RESTART_LIMIT + 1)
        st->streak++; /* an essential service's streak stops growing: its delay is at the cap */
    *delay_ns = restart_delay(st->streak);
    return RESTART_YES;
}
