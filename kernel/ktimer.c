/* ktimer.c: deadline timers in a pairing heap: O(1) arm, O(log n) amortized cancel and expiry. */
#include <arch.h>
#include <ktimer.h>

/* The armed timers: a pairing heap (warp/pheap.h) by deadline, so tens of thousands of armed
 * timers cost a tick nothing but a look at the root. */
static struct pheap_node *root; /* protected by the kernel lock */

/* The timer a heap node belongs to. */
static struct ktimer *ktimer_of(struct pheap_node *n)
{
    return container_of(n, struct ktimer, node);
}

/* The heap's order: the earlier deadline first. */
static bool ktimer_before(const struct pheap_node *a, const struct pheap_node *b)
{
    return container_of(a, struct ktimer, node)->deadline < container_of(b, struct ktimer, node)->deadline;
}

/* Disarmed and in no heap: ktimer_cancel on it does nothing. */
void ktimer_init(struct ktimer *kt, ktimer_fn fire)
{
    *kt = (struct ktimer){.fire = fire};
}

/* O(log n) amortized. */
void ktimer_cancel(struct ktimer *kt)
{
    if (!kt->armed)
        return;
    kt->armed = false;
    pheap_remove(&root, &kt->node, ktimer_before);
}

/* O(1) for a disarmed timer: a meld with a one-node heap. Re-arming pays for the cancel first. */
void ktimer_arm(struct ktimer *kt, uint64_t deadline)
{
    ktimer_cancel(kt);
    kt->deadline = deadline;
    kt->armed = true;
    pheap_add(&root, &kt->node, ktimer_before);
}

/* Each timer leaves the heap before it fires, so its callback may re-arm it; one re-armed in the
 * past fires again in this same loop. */
void ktimer_poll(void)
{
    if (!root)
        return; /* the common case on the IPC path: no clock read */
    uint64_t now = arch_time_ns();
    while (root && ktimer_of(root)->deadline <= now) {
        struct ktimer *kt = ktimer_of(root);
        ktimer_cancel(kt);
        kt->fire(kt);
    }
}

/* The root holds the earliest deadline. */
uint64_t ktimer_next_deadline(void)
{
    return root ? ktimer_of(root)->deadline : UINT64_MAX;
}
