/* lxsys_io.c: read, write, readv, writev, pread64, pwrite64 and ioctl, by what the descriptor is:
 * /dev/null (fd 0 at the start), a console stream (fds 1 and 2), a pipe end, an fs node. */
#include <warp/proto/fs.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxconsole.h"
#include "lxfiles.h"
#include "lxmem.h"
#include "lxnetabi.h"
#include "lxsock.h"
#include "lxsys.h"

/* Writes the transfer to a console stream with a pipe's partial-write rule: what could be read
 * (4 KiB pieces) goes out; none is -EFAULT. */
static int64_t lxio_console_write(struct lxproc *p, struct lxfile *f, const struct lxxfer *x)
{
    static uint8_t buf[LXXFER_MAX];
    int64_t n = lxxfer_gather(p, x, buf);
    if (n > 0)
        lxconsole_put(p, f->stream, (const char *)buf, (uint64_t)n);
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
    struct lxfile *f = lxfd_get(&p->leader->fds, fd);
    if (!f || !lxio_readable(f))
        return -LX_EBADF;
    bool positioned = offset >= 0;
    switch (f->kind) {
    case LXFILE_NULL: return 0; /* the end of input */
    case LXFILE_PIPE_R: return positioned ? -LX_ESPIPE : lxpipe_read(p, f, x);
    case LXFILE_SOCKET: return positioned ? -LX_ESPIPE : lxsys_sock_recv(p, f, x, 0);
    case LXFILE_NODE:
        if (f->type == FS_TYPE_DIR)
            return -LX_EISDIR;
        if (x->len == 0)
            return 0;
        return lxsys_file_read(p, f, x, offset);
    default: return -LX_EBADF;
    }
}

/* write, writev, pwrite64 (offset >= 0) on fd. */
static int64_t lxio_write(struct lxproc *p, uint64_t fd, struct lxxfer *x, int64_t offset)
{
    struct lxfile *f = lxfd_get(&p->leader->fds, fd);
    if (!f || !lxio_writable(f))
        return -LX_EBADF;
    bool positioned = offset >= 0;
    switch (f->kind) {
    case LXFILE_NULL: return (int64_t)x->len; /* /dev/null takes everything */
    case LXFILE_CONSOLE: return positioned ? -LX_ESPIPE : lxio_console_write(p, f, x);
    case LXFILE_PIPE_W: return positioned ? -LX_ESPIPE : lxpipe_write(p, f, x);
    case LXFILE_SOCKET: return positioned ? -LX_ESPIPE : lxsys_sock_send(p, f, x, 0);
    case LXFILE_NODE:
        if (x->len == 0)
            return 0;
        return lxsys_file_write(p, f, x, offset);
    default: return -LX_EBADF;
    }
}

int64_t lxsys_read(struct lxproc *p, const struct trap_info *t)
{
    struct lxxfer x;
    if ((int64_t)t->args[2] < 0)
        return lxfd_get(&p->leader->fds, t->args[0]) ? -LX_EINVAL : -LX_EBADF;
    lxxfer_one(&x, t->args[1], t->args[2]);
    return lxsys_sock_io_wait(p, t, lxsys_read, lxio_read(p, t->args[0], &x, -1));
}

int64_t lxsys_write(struct lxproc *p, const struct trap_info *t)
{
    struct lxxfer x;
    if ((int64_t)t->args[2] < 0)
        return lxfd_get(&p->leader->fds, t->args[0]) ? -LX_EINVAL : -LX_EBADF;
    lxxfer_one(&x, t->args[1], t->args[2]);
    return lxsys_sock_io_wait(p, t, lxsys_write, lxio_write(p, t->args[0], &x, -1));
}

int64_t lxsys_pread64(struct lxproc *p, const struct trap_info *t)
{
    struct lxxfer x;
    if ((int64_t)t->args[3] < 0)
        return -LX_EINVAL; /* before the descriptor, as Linux */
    if (!lxfd_get(&p->leader->fds, t->args[0]))
        return -LX_EBADF;
    if ((int64_t)t->args[2] < 0)
        return -LX_EINVAL;
    lxxfer_one(&x, t->args[1], t->args[2]);
    return lxio_read(p, t->args[0], &x, (int64_t)t->args[3]);
}

int64_t lxsys_pwrite64(struct lxproc *p, const struct trap_info *t)
{
    struct lxxfer x;
    if ((int64_t)t->args[3] < 0)
        return -LX_EINVAL; /* before the descriptor, as Linux */
    if (!lxfd_get(&p->leader->fds, t->args[0]))
        return -LX_EBADF;
    if ((int64_t)t->args[2] < 0)
        return -LX_EINVAL;
    lxxfer_one(&x, t->args[1], t->args[2]);
    return lxio_write(p, t->args[0], &x, (int64_t)t->args[3]);
}

int64_t lxsys_readv(struct lxproc *p, const struct trap_info *t)
{
    struct lxxfer x;
    if (!lxfd_get(&p->leader->fds, t->args[0]))
        return -LX_EBADF;
    int64_t r = lxxfer_vec(p, &x, t->args[1], t->args[2]);
    return r < 0 ? r : lxsys_sock_io_wait(p, t, lxsys_readv, lxio_read(p, t->args[0], &x, -1));
}

int64_t lxsys_writev(struct lxproc *p, const struct trap_info *t)
{
    struct lxxfer x;
    if (!lxfd_get(&p->leader->fds, t->args[0]))
        return -LX_EBADF;
    int64_t r = lxxfer_vec(p, &x, t->args[1], t->args[2]);
    return r < 0 ? r : lxsys_sock_io_wait(p, t, lxsys_writev, lxio_write(p, t->args[0], &x, -1));
}

int64_t lxsys_ioctl(struct lxproc *p, const struct trap_info *t)
{
    struct lxfile *f = lxfd_get(&p->leader->fds, t->args[0]);
    int32_t v;
    if (!f)
        return -LX_EBADF;
    if ((uint32_t)t->args[1] == LX_FIONBIO) { /* any descriptor: its O_NONBLOCK */
        if (lxmem_read(p, t->args[2], &v, sizeof(v)) < 0)
            return -LX_EFAULT;
        f->flags = v ? f->flags | LX_O_NONBLOCK : f->flags & ~(uint32_t)LX_O_NONBLOCK;
        return 0;
    }
    if ((uint32_t)t->args[1] == LX_FIONREAD && (f->kind == LXFILE_SOCKET || f->kind == LXFILE_PIPE_R)) {
        if (f->kind == LXFILE_SOCKET && f->sock->state == LXSOCK_LISTEN)
            return -LX_EINVAL;
        v = (int32_t)(f->kind == LXFILE_SOCKET ? f->sock->rxlen : f->pipe->len);
        return lxmem_write(p, t->args[2], &v, sizeof(v)) < 0 ? -LX_EFAULT : 0;
    }
    /* Nothing is a terminal: TCGETS and TIOCGWINSZ fail as on a pipe or file, so musl's stdio
     * buffers stdout fully (as on the host when the output is a pipe), and isatty() is 0. */
    return -LX_ENOTTY;
}
