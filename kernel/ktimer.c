/* ktimer.c: deadline timers in a pairing heap: O(1) arm, O(log n) amortized cancel and expiry. */
#include <arch.h>
#include <ktimer.h>

/*
 * A pairing heap (Fredman, Sedgewick, Sleator, Tarjan 1986): each node keeps its first child, its
 * next sibling, and prev: the previous sibling, or the parent for a first child. The root holds the
 * earliest deadline. Nodes live inside their owners, so arming never allocates and cannot fail, and
 * tens of thousands of armed timers cost a tick nothing but a look at the root.
 */
static struct ktimer *root; /* protected by the kernel lock */

/* Disarmed and in no heap: ktimer_cancel on it does nothing. */
void ktimer_init(struct ktimer *kt, ktimer_fn fire)
{
    *kt = (struct ktimer){.fire = fire};
}

/* Join two heaps (either may be NULL); returns the new root, whose sibling links are cleared. */
static struct ktimer *meld(struct ktimer *a, struct ktimer *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    if (b->deadline < a->deadline) {
        struct ktimer *t = a;
        a = b;
        b = t;
    }
    /* The later root becomes the first child of the earlier one: one comparison, no search. */
    b->prev = a;
    b->next = a->child;
    if (a->child)
        a->child->prev = b;
    a->child = b;
    a->next = a->prev = NULL;
    return a;
}

/* Meld a sibling list into one heap: pairs left to right, then the pairs right to left. */
static struct ktimer *merge_pairs(struct ktimer *first)
{
    struct ktimer *pairs = NULL; /* the melded pairs, last first, chained through next */
    while (first) {
        struct ktimer *a = first, *b = a->next;
        first = b ? b->next : NULL;
        a->next = a->prev = NULL;
        if (b)
            b->next = b->prev = NULL;
        struct ktimer *m = meld(a, b);
        m->next = pairs;
        pairs = m;
    }
    /* Pair, then fold from the right: the two-pass variant, whose amortized O(log n) is proven. */
    struct ktimer *heap = NULL;
    while (pairs) {
        struct ktimer *m = pairs;
        pairs = m->next;
        m->next = NULL;
        heap = meld(heap, m);
    }
    return heap;
}

/* Take kt, which is in the heap but not its root, out of its parent's child list. */
static void detach(struct ktimer *kt)
{
    /* A first child's prev is its parent. */
    if (kt->prev->child == kt)
        kt->prev->child = kt->next;
    else
        kt->prev->next = kt->next;
    if (kt->next)
        kt->next->prev = kt->prev;
    kt->next = kt->prev = NULL;
}

/* The classic delete: cut kt out, pair its children into one heap, meld that with the root. */
void ktimer_cancel(struct ktimer *kt)
{
    if (!kt->armed)
        return;
    kt->armed = false;
    struct ktimer *children = kt->child;
    kt->child = NULL;
    if (kt == root) {
        root = merge_pairs(children);
        return;
    }
    detach(kt);
    root = meld(root, merge_pairs(children));
}

/* O(1) for a disarmed timer: a meld with a one-node heap. Re-arming pays for the cancel first. */
void ktimer_arm(struct ktimer *kt, uint64_t deadline)
{
    ktimer_cancel(kt);
    kt->deadline = deadline;
    kt->armed = true;
    kt->child = kt->next = kt->prev = NULL;
    root = meld(root, kt);
}

/* Each timer leaves the heap before it fires, so its callback may re-arm it; one re-armed in the
 * past fires again in this same loop. */
void ktimer_poll(void)
{
    if (!root)
        return; /* the common case on the IPC path: no clock read */
    uint64_t now = arch_time_ns();
    while (root && root->deadline <= now) {
        struct ktimer *kt = root;
        ktimer_cancel(kt);
        kt->fire(kt);
    }
}

/* The root holds the earliest deadline. */
uint64_t ktimer_next_deadline(void)
{
    return root ? root->deadline : UINT64_MAX;
}
