/* quota.c: per-process quotas: accounts in a tree that mirrors the spawn tree (docs/security.md). */
#include <log.h>
#include <mm/mm.h>
#include <quota.h>
#include <warp/error.h>
#include <warp/ipc.h>

/* A root account has no limits; its charges are counted all the same (for tests and sysinfo). */
struct quota *quota_new(struct quota *parent, const uint64_t limits[LIMIT_COUNT], bool reserve)
{
    struct quota *q = kzalloc(sizeof(*q));
    if (!q)
        return NULL;
    q->refs = 1;
    q->reserve = reserve;
    q->parent = quota_get(parent);
    for (int k = 0; k < LIMIT_COUNT; k++)
        q->limit[k] = parent ? limits[k] : QUOTA_UNLIMITED;
    if (!parent)
        q->limit[LIMIT_HANDLES] = HANDLES_MAX;
    return q;
}

/* A child may ask for less than its parent has, never more; 0 means "the parent's". */
long quota_check_limits(const struct quota *parent, const uint64_t requested[LIMIT_COUNT])
{
    if (requested[LIMIT_HANDLES] > HANDLES_MAX)
        return ERR_INVALID_ARG;
    for (int k = 0; k < LIMIT_COUNT; k++)
        if (requested[k] > parent->limit[k])
            return ERR_PERMISSION;
    return 0;
}

void quota_child_limits(const struct quota *parent, const uint64_t requested[LIMIT_COUNT],
                        uint64_t out[LIMIT_COUNT])
{
    for (int k = 0; k < LIMIT_COUNT; k++)
        out[k] = requested[k] ? requested[k] : parent->limit[k];
}

struct quota *quota_get(struct quota *q)
{
    if (q)
        q->refs++;
    return q;
}

/* A loop, not recursion: a chain of ended ancestors can be as long as the spawn tree was deep. */
void quota_put(struct quota *q)
{
    while (q) {
        ASSERT(q->refs > 0);
        if (--q->refs)
            return;
        struct quota *parent = q->parent;
        for (int k = 0; k < LIMIT_COUNT; k++)
            ASSERT(q->used[k] == 0);
        kfree(q);
        q = parent;
    }
}

uint64_t quota_page_reserve(void)
{
    return pmm_total_pages() / PAGE_RESERVE_DIVISOR;
}

/* The error a limit of this kind gives. */
static long over(enum limit_kind kind)
{
    return kind == LIMIT_PAGES ? ERR_NO_MEMORY : ERR_LIMIT;
}

/* Counted on the way up and undone if an ancestor is over, so a refusal changes nothing; one pass,
 * since this runs for every message sent. The reserve is the free memory below
 * quota_page_reserve(): only a holder's pages may come out of it. */
long quota_charge(struct quota *q, enum limit_kind kind, uint64_t n)
{
    if (!q)
        return 0;
    if (kind == LIMIT_PAGES && !q->reserve && pmm_free_pages() < n + quota_page_reserve())
        return ERR_NO_MEMORY;
    for (struct quota *a = q; a; a = a->parent) {
        if (a->used[kind] + n > a->limit[kind] || a->used[kind] + n < n) {
            for (struct quota *b = q; b != a; b = b->parent)
                b->used[kind] -= n;
            return over(kind);
        }
        a->used[kind] += n;
    }
    return 0;
}

void quota_uncharge(struct quota *q, enum limit_kind kind, uint64_t n)
{
    for (struct quota *a = q; a; a = a->parent) {
        ASSERT(a->used[kind] >= n);
        a->used[kind] -= n;
    }
}
