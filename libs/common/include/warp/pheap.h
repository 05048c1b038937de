/* pheap.h: an intrusive pairing heap (the kernel's timers, the event loop's timeouts). */
#pragma once

#include <warp/types.h>

/*
 * A pairing heap (Fredman, Sedgewick, Sleator, Tarjan 1986) whose nodes live inside their owners
 * (container_of finds the owner), so adding never allocates and cannot fail. Each node keeps its
 * first child, its next sibling, and prev: the previous sibling, or the parent for a first child.
 * The root is the first node in the order `before` gives. Adding is O(1); removing any node, the
 * root included, O(log n) amortized (the two-pass variant, whose bound is proven).
 */
struct pheap_node {
    struct pheap_node *child, *next, *prev;
};

/* Whether a comes before b: the heap's order. */
typedef bool (*pheap_before_fn)(const struct pheap_node *a, const struct pheap_node *b);

/* Adds n, in no heap, to the heap rooted at *root. */
void pheap_add(struct pheap_node **root, struct pheap_node *n, pheap_before_fn before);
/* Takes n, which is in the heap rooted at *root, out of it; its links are cleared. */
void pheap_remove(struct pheap_node **root, struct pheap_node *n, pheap_before_fn before);
