/* lxxfer.c: moving a read's or write's bytes between the server and a process: one buffer, or
 * the iovecs of readv and writev, checked as Linux checks them. */
#include "lxxfer.h"

#include "lxabi.h"
#include "lxmem.h"

#define LXXFER_CHUNK 4096ull
#define LXXFER_SSIZE_MAX 0x7fffffffffffffffull

/* One iovec as the process lays it out. */
struct lxiovec {
    uint64_t base, len;
};

void lxxfer_one(struct lxxfer *x, uint64_t buf, uint64_t len)
{
    x->addr = buf;
    x->iovcnt = 0;
    x->len = len < LXXFER_MAX ? len : LXXFER_MAX;
}

/* Reads iovecs [i, i + k) of the array at iov. */
static int64_t lxxfer_iovs(struct lxproc *p, uint64_t iov, uint64_t i, struct lxiovec *v, uint64_t k)
{
    return lxmem_read(p, iov + i * sizeof(*v), v, k * sizeof(*v));
}

int64_t lxxfer_vec(struct lxproc *p, struct lxxfer *x, uint64_t iov, uint64_t cnt)
{
    struct lxiovec v[16];
    uint64_t total = 0;
    if (cnt > LXXFER_IOV_MAX)
        return -LX_EINVAL;
    for (uint64_t i = 0; i < cnt; i += 16) {
        uint64_t k = cnt - i < 16 ? cnt - i : 16;
        if (lxxfer_iovs(p, iov, i, v, k) < 0)
            return -LX_EFAULT;
        for (uint64_t j = 0; j < k; j++) {
            if (v[j].len > LXXFER_SSIZE_MAX || v[j].len > LXXFER_SSIZE_MAX - total)
                return -LX_EINVAL;
            total += v[j].len;
        }
    }
    x->addr = iov;
    x->iovcnt = cnt;
    x->len = total < LXXFER_MAX ? total : LXXFER_MAX;
    return 0;
}

/* Calls fn for each (process address, length) piece of the transfer, up to x->len bytes in all,
 * until fn returns false; false if a piece or the iovec array could not be read. */
typedef bool (*lxxfer_piece_fn)(struct lxproc *p, uint64_t addr, uint64_t len, uint64_t at, void *ctx);
static bool lxxfer_each(struct lxproc *p, const struct lxxfer *x, lxxfer_piece_fn fn, void *ctx)
{
    if (x->iovcnt == 0)
        return fn(p, x->addr, x->len, 0, ctx);
    struct lxiovec v[16];
    uint64_t at = 0;
    for (uint64_t i = 0; i < x->iovcnt && at < x->len; i += 16) {
        uint64_t k = x->iovcnt - i < 16 ? x->iovcnt - i : 16;
        if (lxxfer_iovs(p, x->addr, i, v, k) < 0)
            return false;
        for (uint64_t j = 0; j < k && at < x->len; j++) {
            uint64_t n = v[j].len < x->len - at ? v[j].len : x->len - at;
            if (n && !fn(p, v[j].base, n, at, ctx))
                return false;
            at += n;
        }
    }
    return true;
}

struct lxxfer_copy {
    uint8_t *buf;
    uint64_t done;
};

/* Gathers one piece in 4 KiB steps from its start; false at the first step that fails. */
static bool lxxfer_gather_piece(struct lxproc *p, uint64_t addr, uint64_t len, uint64_t at, void *ctx)
{
    struct lxxfer_copy *c = ctx;
    for (uint64_t off = 0; off < len; off += LXXFER_CHUNK) {
        uint64_t n = len - off < LXXFER_CHUNK ? len - off : LXXFER_CHUNK;
        if (lxmem_read(p, addr + off, c->buf + at + off, n) < 0)
            return false;
        c->done = at + off + n;
    }
    return true;
}

int64_t lxxfer_gather(struct lxproc *p, const struct lxxfer *x, void *buf)
{
    struct lxxfer_copy c = {buf, 0};
    lxxfer_each(p, x, lxxfer_gather_piece, &c);
    return c.done == 0 && x->len > 0 ? -LX_EFAULT : (int64_t)c.done;
}

/* Scatters the part of c's n bytes that falls into one piece. */
static bool lxxfer_scatter_piece(struct lxproc *p, uint64_t addr, uint64_t len, uint64_t at, void *ctx)
{
    struct lxxfer_copy *c = ctx;
    if (at >= c->done)
        return false; /* all placed: stop */
    uint64_t n = c->done - at < len ? c->done - at : len;
    return lxmem_write(p, addr, c->buf + at, n) == 0;
}

int64_t lxxfer_scatter(struct lxproc *p, const struct lxxfer *x, const void *buf, uint64_t n)
{
    struct lxxfer_copy c = {(uint8_t *)buf, n};
    if (n == 0)
        return 0;
    struct lxxfer cut = *x;
    cut.len = n;
    return lxxfer_each(p, &cut, lxxfer_scatter_piece, &c) ? 0 : -LX_EFAULT;
}
