/* lxstack.c: the x86-64 Linux initial process stack (psABI 3.4.1, "Initial Stack and Register State"). */
#include "lxstack.h"

#include <warp/error.h>
#include <warp/string.h>

/* Where lxstack_build is: buf holds the stack's [top-cap, top); pos is the lowest byte used so far. */
struct lxstack_pen {
    uint8_t *buf;
    uint64_t cap, top, pos; /* pos: offset in buf */
};

/* Pushes len bytes below what is there; returns their stack address, 0 if they do not fit. */
static uint64_t lxstack_push(struct lxstack_pen *p, const void *data, uint64_t len)
{
    if (len > p->pos)
        return 0;
    p->pos -= len;
    memcpy(p->buf + p->pos, data, len);
    return p->top - (p->cap - p->pos);
}

/* Moves pos down until its stack address is 16-byte aligned; false if that leaves the buffer. */
static bool lxstack_align(struct lxstack_pen *p)
{
    uint64_t drop = (p->top - (p->cap - p->pos)) % 16;
    if (drop > p->pos)
        return false;
    p->pos -= drop;
    return true;
}

/* Pushes strs[0..n) as NUL-terminated strings, their addresses into addrs; false if they do not fit. */
static bool lxstack_push_strings(struct lxstack_pen *p, const char *const *strs, uint32_t n, uint64_t *addrs)
{
    for (uint32_t i = n; i-- > 0;) {
        addrs[i] = lxstack_push(p, strs[i], strlen(strs[i]) + 1);
        if (addrs[i] == 0)
            return false;
    }
    return true;
}

long lxstack_build(const struct lxstack_args *a, uint64_t top, uint8_t *buf, uint64_t cap, uint64_t *sp)
{
    static const uint8_t zeros[16];
    uint64_t str[LXSTACK_STRINGS_MAX];
    if (top % 16 != 0 || top < cap)
        return ERR_INVALID_ARG;
    if ((uint64_t)a->argc + a->envc > LXSTACK_STRINGS_MAX || a->naux > LXSTACK_AUX_MAX)
        return ERR_TOO_LARGE;
    struct lxstack_pen p = {buf, cap, top, cap};
    uint64_t execfn = lxstack_push(&p, zeros, 8) ? lxstack_push(&p, a->execfn, strlen(a->execfn) + 1) : 0;
    if (execfn == 0 || !lxstack_push_strings(&p, a->envp, a->envc, str + a->argc) ||
        !lxstack_push_strings(&p, a->argv, a->argc, str))
        return ERR_TOO_LARGE;
    uint64_t random = lxstack_align(&p) ? lxstack_push(&p, a->random, 16) : 0; /* 16-byte aligned */
    if (random == 0)
        return ERR_TOO_LARGE;
    /* The words: argc, argv, NULL, envp, NULL, the caller's aux, AT_EXECFN, AT_RANDOM, AT_NULL. */
    uint64_t words = 1 + a->argc + 1 + a->envc + 1 + 2 * ((uint64_t)a->naux + 3);
    uint64_t below_random = p.pos;
    if (words * 8 > p.pos)
        return ERR_TOO_LARGE;
    p.pos -= words * 8;
    if (!lxstack_align(&p))
        return ERR_TOO_LARGE;
    memset(p.buf + p.pos, 0, below_random - p.pos);
    uint64_t w[1 + LXSTACK_STRINGS_MAX + 2 + 2 * (LXSTACK_AUX_MAX + 3)];
    uint64_t n = 0;
    w[n++] = a->argc;
    for (uint32_t i = 0; i < a->argc; i++)
        w[n++] = str[i];
    w[n++] = 0;
    for (uint32_t i = 0; i < a->envc; i++)
        w[n++] = str[a->argc + i];
    w[n++] = 0;
    for (uint32_t i = 0; i < 2 * a->naux; i++)
        w[n++] = a->aux[i];
    uint64_t tail[6] = {LX_AT_EXECFN, execfn, LX_AT_RANDOM, random, LX_AT_NULL, 0};
    for (uint32_t i = 0; i < 6; i++)
        w[n++] = tail[i];
    memcpy(p.buf + p.pos, w, n * 8);
    *sp = top - (cap - p.pos);
    return (long)(cap - p.pos);
}
