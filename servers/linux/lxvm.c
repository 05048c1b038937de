/* lxvm.c: the server's copy of a Linux process's mapping table (sorted array, split like the kernel's). */
#include "lxvm.h"

#include <warp/error.h>
#include <warp/string.h>

void lxvm_init(struct lxvm *v)
{
    v->n = 0;
}

/* The index of the first area ending after addr (v->n if none). */
static uint32_t lxvm_first_after(const struct lxvm *v, uint64_t addr)
{
    uint32_t i = 0;
    while (i < v->n && v->a[i].end <= addr)
        i++;
    return i;
}

bool lxvm_is_free(const struct lxvm *v, uint64_t start, uint64_t end)
{
    uint32_t i = lxvm_first_after(v, start);
    return i == v->n || v->a[i].start >= end;
}

bool lxvm_is_covered(const struct lxvm *v, uint64_t start, uint64_t end)
{
    uint64_t at = start;
    for (uint32_t i = lxvm_first_after(v, start); i < v->n && at < end; i++) {
        if (v->a[i].start > at)
            return false;
        at = v->a[i].end;
    }
    return at >= end;
}

/* Opens a gap of k entries at index i. */
static void lxvm_open(struct lxvm *v, uint32_t i, uint32_t k)
{
    memmove(&v->a[i + k], &v->a[i], (v->n - i) * sizeof(v->a[0]));
    v->n += k;
}

/* Closes entry i. */
static void lxvm_close(struct lxvm *v, uint32_t i)
{
    memmove(&v->a[i], &v->a[i + 1], (v->n - i - 1) * sizeof(v->a[0]));
    v->n--;
}

int lxvm_insert(struct lxvm *v, uint64_t start, uint64_t end, uint32_t prot)
{
    if (start >= end)
        return ERR_INVALID_ARG;
    if (!lxvm_is_free(v, start, end))
        return ERR_ALREADY_EXISTS;
    if (v->n == LXVM_AREAS_MAX)
        return ERR_NO_RESOURCES;
    uint32_t i = lxvm_first_after(v, start);
    lxvm_open(v, i, 1);
    v->a[i] = (struct lxvm_area){start, end, prot};
    return 0;
}

bool lxvm_first_piece(const struct lxvm *v, uint64_t start, uint64_t end, struct lxvm_area *piece)
{
    uint32_t i = lxvm_first_after(v, start);
    if (i == v->n || v->a[i].start >= end)
        return false;
    const struct lxvm_area *a = &v->a[i];
    *piece = (struct lxvm_area){a->start > start ? a->start : start, a->end < end ? a->end : end, a->prot};
    return true;
}

/* The index of the one area holding [start, end), or -1. */
static int lxvm_holder(const struct lxvm *v, uint64_t start, uint64_t end)
{
    uint32_t i = lxvm_first_after(v, start);
    if (start >= end || i == v->n || v->a[i].start > start || v->a[i].end < end)
        return -1;
    return (int)i;
}

int lxvm_split_cost(const struct lxvm *v, uint64_t start, uint64_t end, bool keep_middle)
{
    int i = lxvm_holder(v, start, end);
    if (i < 0)
        return -1;
    int pieces = (v->a[i].start < start) + (end < v->a[i].end) + keep_middle;
    return pieces > 1 ? pieces - 1 : 0;
}

/* Splits area i into its part below start, [start, end) and its part from end (the empty ones left
 * out); returns the index of [start, end). The caller checked the room (lxvm_split_cost). */
static uint32_t lxvm_split(struct lxvm *v, uint32_t i, uint64_t start, uint64_t end)
{
    struct lxvm_area a = v->a[i];
    if (a.start < start) {
        lxvm_open(v, i, 1);
        v->a[i] = (struct lxvm_area){a.start, start, a.prot};
        i++;
    }
    v->a[i] = (struct lxvm_area){start, end, a.prot};
    if (end < a.end) {
        lxvm_open(v, i + 1, 1);
        v->a[i + 1] = (struct lxvm_area){end, a.end, a.prot};
    }
    return i;
}

int lxvm_remove(struct lxvm *v, uint64_t start, uint64_t end)
{
    int cost = lxvm_split_cost(v, start, end, false);
    if (cost < 0)
        return ERR_NOT_FOUND;
    if (v->n + (uint32_t)cost > LXVM_AREAS_MAX)
        return ERR_NO_RESOURCES;
    lxvm_close(v, lxvm_split(v, (uint32_t)lxvm_holder(v, start, end), start, end));
    return 0;
}

int lxvm_protect(struct lxvm *v, uint64_t start, uint64_t end, uint32_t prot)
{
    int cost = lxvm_split_cost(v, start, end, true);
    if (cost < 0)
        return ERR_NOT_FOUND;
    if (v->n + (uint32_t)cost > LXVM_AREAS_MAX)
        return ERR_NO_RESOURCES;
    v->a[lxvm_split(v, (uint32_t)lxvm_holder(v, start, end), start, end)].prot = prot;
    return 0;
}
