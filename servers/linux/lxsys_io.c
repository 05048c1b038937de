/* lxsys_io.c: read, write, readv, writev, pread64, pwrite64 and ioctl by what the descriptor is,
 * and the console streams (fd 0 at the start: empty; fds 1 and 2: the log). */
#include <warp/proto/fs.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxfiles.h"
#include "lxmem.h"
#include "lxsys.h"

#define LXIO_CHUNK 4096ull
#define LXIO_SSIZE_MAX 0x7fffffffffffffffull

/* One iovec as the process lays it out. */
struct lxiovec {
    uint64_t base, len;
};

/* Logs stream's collected line as "NAME/fd: text" in one console write (any byte, NUL included,
 * goes out as the console shows it) and empties it. */
static void lxio_emit(struct lxproc *p, uint32_t stream)
{
    struct lxout *o = &p->out[stream - 1];
    char line[LXCONF_NAME_MAX + 4 + LXPROC_LINE_MAX + 1];
    size_t n = strlen(p->name);
    memcpy(line, p->name, n);
    line[n++] = '/';
    line[n++] = (char)('0' + stream);
    line[n++] = ':';
    line[n++] = ' ';
    memcpy(line + n, o->buf, o->len);
    n += o->len;
    line[n++] = '\n';
    warp_console_write(line, n);
    o->len = 0;
}

/* Adds n bytes to a stream: each whole line goes to the log (a line past LXPROC_LINE_MAX in pieces). */
static void lxio_put(struct lxproc *p, uint32_t stream, const char *data, uint64_t n)
{
    struct lxout *o = &p->out[stream - 1];
    for (uint64_t i = 0; i < n; i++) {
        if (data[i] == '\n') {
            lxio_emit(p, stream);
            continue;
        }
        o->buf[o->len++] = data[i];
        if (o->len == LXPROC_LINE_MAX)
            lxio_emit(p, stream);
    }
}

void lxio_console_flush(struct lxproc *p, uint32_t stream)
{
    if (stream >= 1 && stream <= 2 && p->out[stream - 1].len > 0)
        lxio_emit(p, stream);
}

void lxsys_flush(struct lxproc *p)
{
    lxio_console_flush(p, 1);
    lxio_console_flush(p, 2);
}

void lxio_xfer_one(struct lxxfer *x, uint64_t buf, uint64_t len)
{
    x->addr = buf;
    x->iovcnt = 0;
    x->len = len < LXIO_MAX ? len : LXIO_MAX;
}

/* Reads iovecs [i, i + k) of the array at iov. */
static int64_t lxio_iovs(struct lxproc *p, uint64_t iov, uint64_t i, struct lxiovec *v, uint64_t k)
{
    return lxmem_read(p, iov + i * sizeof(*v), v, k * sizeof(*v));
}

int64_t lxio_xfer_vec(struct lxproc *p, struct lxxfer *x, uint64_t iov, uint64_t cnt)
{
    struct lxiovec v[16];
    uint64_t total = 0;
    if (cnt > LXIO_IOV_MAX)
        return -LX_EINVAL;
    for (uint64_t i = 0; i < cnt; i += 16) {
        uint64_t k = cnt - i < 16 ? cnt - i : 16;
        if (lxio_iovs(p, iov, i, v, k) < 0)
            return -LX_EFAULT;
        for (uint64_t j = 0; j < k; j++) {
            if (v[j].len > LXIO_SSIZE_MAX || v[j].len > LXIO_SSIZE_MAX - total)
                return -LX_EINVAL;
            total += v[j].len;
        }
    }
    x->addr = iov;
    x->iovcnt = cnt;
    x->len = total < LXIO_MAX ? total : LXIO_MAX;
    return 0;
}

/* Calls fn for each (process address, length) piece of the transfer, up to x->len bytes in all,
 * until fn returns false; false if a piece or the iovec array could not be read. */
typedef bool (*lxio_piece_fn)(struct lxproc *p, uint64_t addr, uint64_t len, uint64_t at, void *ctx);
static bool lxio_each(struct lxproc *p, const struct lxxfer *x, lxio_piece_fn fn, void *ctx)
{
    if (x->iovcnt == 0)
        return fn(p, x->addr, x->len, 0, ctx);
    struct lxiovec v[16];
    uint64_t at = 0;
    for (uint64_t i = 0; i < x->iovcnt && at < x->len; i += 16) {
        uint64_t k = x->iovcnt - i < 16 ? x->iovcnt - i : 16;
        if (lxio_iovs(p, x->addr, i, v, k) < 0)
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

struct lxio_copy {
    uint8_t *buf;
    uint64_t done;
};

/* Gathers one piece in 4 KiB steps from its start; false at the first step that fails. */
static bool lxio_gather_piece(struct lxproc *p, uint64_t addr, uint64_t len, uint64_t at, void *ctx)
{
    struct lxio_copy *c = ctx;
    for (uint64_t off = 0; off < len; off += LXIO_CHUNK) {
        uint64_t n = len - off < LXIO_CHUNK ? len - off : LXIO_CHUNK;
        if (lxmem_read(p, addr + off, c->buf + at + off, n) < 0)
            return false;
        c->done = at + off + n;
    }
    return true;
}

int64_t lxio_gather(struct lxproc *p, const struct lxxfer *x, void *buf)
{
    struct lxio_copy c = {buf, 0};
    lxio_each(p, x, lxio_gather_piece, &c);
    return c.done == 0 && x->len > 0 ? -LX_EFAULT : (int64_t)c.done;
}

/* Scatters the part of c's n bytes that falls into one piece. */
static bool lxio_scatter_piece(struct lxproc *p, uint64_t addr, uint64_t len, uint64_t at, void *ctx)
{
    struct lxio_copy *c = ctx;
    if (at >= c->done)
        return false; /* all placed: stop */
    uint64_t n = c->done - at < len ? c->done - at : len;
    return lxmem_write(p, addr, c->buf + at, n) == 0;
}

int64_t lxio_scatter(struct lxproc *p, const struct lxxfer *x, const void *buf, uint64_t n)
{
    struct lxio_copy c = {(uint8_t *)buf, n};
    if (n == 0)
        return 0;
    struct lxxfer cut = *x;
    cut.len = n;
    return lxio_each(p, &cut, lxio_scatter_piece, &c) ? 0 : -LX_EFAULT;
}

/* Writes the transfer to a console stream with a pipe's partial-write rule: what could be read
 * (4 KiB pieces) goes out; none is -EFAULT. */
static int64_t lxio_console_write(struct lxproc *p, struct lxfile *f, const struct lxxfer *x)
{
    static uint8_t buf[LXIO_MAX];
    int64_t n = lxio_gather(p, x, buf);
    if (n > 0)
        lxio_put(p, f->stream, (const char *)buf, (uint64_t)n);
    return n;
}

/* True if f was opened for reading (writing). */
static bool lxio_readable(const struct lxfile *f)
{
    uint32_t acc = f->flags & LX_O_ACCMODE;
    return acc == LX_O_RDONLY || acc == LX_O_RDWR;
}

static bool lxio_writable(const struct lxfile *f)
{
    uint32_t acc = f->flags & LX_O_ACCMODE;
    return acc == LX_O_WRONLY || acc == LX_O_RDWR;
}

/* read, readv, pread64 (offset >= 0) and preadv-like calls on fd. */
static int64_t lxio_read(struct lxproc *p, uint64_t fd, struct lxxfer *x, int64_t offset)
{
    struct lxfile *f = lxfd_get(&p->fds, fd);
    if (!f || !lxio_readable(f))
        return -LX_EBADF;
    bool positioned = offset >= 0;
    switch (f->kind) {
    case LXFILE_NULL: return 0; /* the end of input */
    case LXFILE_PIPE_R: return positioned ? -LX_ESPIPE : lxpipe_read(p, f, x);
    case LXFILE_NODE:
        if (f->type == FS_TYPE_DIR)
            return -LX_EISDIR;
        if (x->len == 0)
            return 0;
        return lxnode_read(p, f, x, offset);
    default: return -LX_EBADF;
    }
}

/* write, writev, pwrite64 (offset >= 0) on fd. */
static int64_t lxio_write(struct lxproc *p, uint64_t fd, struct lxxfer *x, int64_t offset)
{
    struct lxfile *f = lxfd_get(&p->fds, fd);
    if (!f || !lxio_writable(f))
        return -LX_EBADF;
    bool positioned = offset >= 0;
    switch (f->kind) {
    case LXFILE_CONSOLE: return positioned ? -LX_ESPIPE : lxio_console_write(p, f, x);
    case LXFILE_PIPE_W: return positioned ? -LX_ESPIPE : lxpipe_write(p, f, x);
    case LXFILE_NODE:
        if (x->len == 0)
            return 0;
        return lxnode_write(p, f, x, offset);
    default: return -LX_EBADF;
    }
}

int64_t lxsys_read(struct lxproc *p, const struct trap_info *t)
{
    struct lxxfer x;
    if ((int64_t)t->args[2] < 0)
        return lxfd_get(&p->fds, t->args[0]) ? -LX_EINVAL : -LX_EBADF;
    lxio_xfer_one(&x, t->args[1], t->args[2]);
    return lxio_read(p, t->args[0], &x, -1);
}

int64_t lxsys_write(struct lxproc *p, const struct trap_info *t)
{
    struct lxxfer x;
    if ((int64_t)t->args[2] < 0)
        return lxfd_get(&p->fds, t->args[0]) ? -LX_EINVAL : -LX_EBADF;
    lxio_xfer_one(&x, t->args[1], t->args[2]);
    return lxio_write(p, t->args[0], &x, -1);
}

int64_t lxsys_pread64(struct lxproc *p, const struct trap_info *t)
{
    struct lxxfer x;
    if ((int64_t)t->args[3] < 0)
        return -LX_EINVAL; /* before the descriptor, as Linux */
    if (!lxfd_get(&p->fds, t->args[0]))
        return -LX_EBADF;
    if ((int64_t)t->args[2] < 0)
        return -LX_EINVAL;
    lxio_xfer_one(&x, t->args[1], t->args[2]);
    return lxio_read(p, t->args[0], &x, (int64_t)t->args[3]);
}

int64_t lxsys_pwrite64(struct lxproc *p, const struct trap_info *t)
{
    struct lxxfer x;
    if ((int64_t)t->args[3] < 0)
        return -LX_EINVAL; /* before the descriptor, as Linux */
    if (!lxfd_get(&p->fds, t->args[0]))
        return -LX_EBADF;
    if ((int64_t)t->args[2] < 0)
        return -LX_EINVAL;
    lxio_xfer_one(&x, t->args[1], t->args[2]);
    return lxio_write(p, t->args[0], &x, (int64_t)t->args[3]);
}

int64_t lxsys_readv(struct lxproc *p, const struct trap_info *t)
{
    struct lxxfer x;
    if (!lxfd_get(&p->fds, t->args[0]))
        return -LX_EBADF;
    int64_t r = lxio_xfer_vec(p, &x, t->args[1], t->args[2]);
    return r < 0 ? r : lxio_read(p, t->args[0], &x, -1);
}

int64_t lxsys_writev(struct lxproc *p, const struct trap_info *t)
{
    struct lxxfer x;
    if (!lxfd_get(&p->fds, t->args[0]))
        return -LX_EBADF;
    int64_t r = lxio_xfer_vec(p, &x, t->args[1], t->args[2]);
    return r < 0 ? r : lxio_write(p, t->args[0], &x, -1);
}

int64_t lxsys_ioctl(struct lxproc *p, const struct trap_info *t)
{
    if (!lxfd_get(&p->fds, t->args[0]))
        return -LX_EBADF;
    /* Nothing is a terminal: TCGETS and TIOCGWINSZ fail as on a pipe or file, so musl's stdio
     * buffers stdout fully (as on the host when the output is a pipe), and isatty() is 0. */
    return -LX_ENOTTY;
}
