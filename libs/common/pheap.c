/* pheap.c: the pairing heap of pheap.h. */
#include <warp/pheap.h>

/* Joins two heaps (either may be NULL); returns the new root, whose sibling links are cleared. */
static struct pheap_node *pheap_meld(struct pheap_node *a, struct pheap_node *b, pheap_before_fn before)
{
    if (!a)
        return b;
    if (!b)
        return a;
    if (before(b, a)) {
        struct pheap_node *t = a;
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

/* Melds a sibling list into one heap: pairs left to right, then the pairs right to left. */
static struct pheap_node *pheap_merge_pairs(struct pheap_node *first, pheap_before_fn before)
{
    struct pheap_node *pairs = NULL; /* the melded pairs, last first, chained through next */
    while (first) {
        struct pheap_node *a = first, *b = a->next;
        first = b ? b->next : NULL;
        a->next = a->prev = NULL;
        if (b)
            b->next = b->prev = NULL;
        struct pheap_node *m = pheap_meld(a, b, before);
        m->next = pairs;
        pairs = m;
    }
    struct pheap_node *heap = NULL;
    while (pairs) {
        struct pheap_node *m = pairs;
        pairs = m->next;
        m->next = NULL;
        heap = pheap_meld(heap, m, before);
    }
    return heap;
}

/* O(1): a meld with a one-node heap. */
void pheap_add(struct pheap_node **root, struct pheap_node *n, pheap_before_fn before)
{
    n->child = n->next = n->prev = NULL;
    *root = pheap_meld(*root, n, before);
}

/* The classic delete: cut n out, pair its children into one heap, meld that with the root. */
void pheap_remove(struct pheap_node **root, struct pheap_node *n, pheap_before_fn before)
{
    struct pheap_node *children = n->child;
    n->child = NULL;
    if (n == *root) {
        *root = pheap_merge_pairs(children, before);
        return;
    }
    if (n->prev->child == n) /* a first child's prev is its parent */
        n->prev->child = n->next;
    else
        n->prev->next = n->next;
    if (n->next)
        n->next->prev = n->prev;
    n->next = n->prev = NULL;
    *root = pheap_meld(*root, pheap_merge_pairs(children, before), before);
}
