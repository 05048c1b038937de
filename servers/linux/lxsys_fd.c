/* lxsys_fd.c: the descriptor calls: close, dup, dup2, dup3, fcntl, umask, pipe and pipe2 (the
 * descriptions and pipes themselves are lxfiles.c's). */
#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxfiles.h"
#include "lxmem.h"
#include "lxproc.h"
#include "lxsys.h"

int64_t lxsys_close(struct lxproc *p, const struct trap_info *t)
{
    struct lxfile *f = lxfd_take(&p->leader->fds, t->args[0]);
    if (!f)
        return -LX_EBADF;
    lxfile_unref(p, f);
    return 0;
}

int64_t lxsys_dup(struct lxproc *p, const struct trap_info *t)
{
    struct lxfile *f = lxfd_get(&p->leader->fds, t->args[0]);
    return f ? lxfd_install(&p->leader->fds, 0, f, false) : -LX_EBADF;
}

/* dup2 and dup3: newfd becomes oldfd's description, whatever it named before is closed. */
static int64_t lxfd_dup_to(struct lxproc *p, uint64_t oldfd, uint64_t newfd, bool cloexec)
{
    struct lxfile *f = lxfd_get(&p->leader->fds, oldfd);
    if (!f || (uint32_t)newfd >= LXFD_MAX)
        return -LX_EBADF;
    lxfile_get(f); /* kept while newfd's old description is closed */
    struct lxfile *old = lxfd_take(&p->leader->fds, newfd);
    if (old)
        lxfile_unref(p, old);
    lxfd_install_at(&p->leader->fds, (uint32_t)newfd, f, cloexec);
    lxfile_unref(p, f);
    return (uint32_t)newfd;
}

int64_t lxsys_dup2(struct lxproc *p, const struct trap_info *t)
{
    if ((uint32_t)t->args[0] == (uint32_t)t->args[1])
        return lxfd_get(&p->leader->fds, t->args[0]) ? (int64_t)(uint32_t)t->args[1] : -LX_EBADF;
    return lxfd_dup_to(p, t->args[0], t->args[1], false);
}

int64_t lxsys_dup3(struct lxproc *p, const struct trap_info *t)
{
    if (t->args[2] & ~(uint64_t)LX_O_CLOEXEC)
        return -LX_EINVAL;
    if ((uint32_t)t->args[0] == (uint32_t)t->args[1])
        return -LX_EINVAL;
    return lxfd_dup_to(p, t->args[0], t->args[1], (t->args[2] & LX_O_CLOEXEC) != 0);
}

/* fcntl: duplicating, the descriptor flag FD_CLOEXEC and the status flags O_APPEND, O_NONBLOCK. */
int64_t lxsys_fcntl(struct lxproc *p, const struct trap_info *t)
{
    struct lxfile *f = lxfd_get(&p->leader->fds, t->args[0]);
    uint32_t fd = (uint32_t)t->args[0];
    if (!f)
        return -LX_EBADF;
    switch (t->args[1]) {
    case LX_F_DUPFD:
    case LX_F_DUPFD_CLOEXEC:
        /* The lowest number is an int: a negative one, or one past the table, is EINVAL. */
        if ((int32_t)t->args[2] < 0)
            return -LX_EINVAL;
        return lxfd_install(&p->leader->fds, (uint32_t)t->args[2], f, t->args[1] == LX_F_DUPFD_CLOEXEC);
    case LX_F_GETFD: return lxfd_cloexec(&p->leader->fds, fd) ? LX_FD_CLOEXEC : 0;
    case LX_F_SETFD: lxfd_set_cloexec(&p->leader->fds, fd, (t->args[2] & LX_FD_CLOEXEC) != 0); return 0;
    case LX_F_GETFL: return f->flags;
    case LX_F_SETFL: {
        /* Only these two change here; the access mode and the creation flags never do, and the
         * others Linux may change (O_ASYNC, O_DIRECT, O_NOATIME) are not kept. */
        const uint32_t settable = LX_O_APPEND | LX_O_NONBLOCK;
        f->flags = (f->flags & ~settable) | ((uint32_t)t->args[2] & settable);
        return 0;
    }
    default: return -LX_EINVAL;
    }
}

int64_t lxsys_umask(struct lxproc *p, const struct trap_info *t)
{
    uint32_t old = p->leader->umask;
    p->leader->umask = (uint32_t)t->args[0] & 0777;
    return old;
}

/* pipe2: two descriptions over one new pipe, their numbers written to the process's int[2]. */
int64_t lxsys_pipe2(struct lxproc *p, const struct trap_info *t)
{
    uint64_t flags = t->args[1];
    if (flags & ~(uint64_t)(LX_O_CLOEXEC | LX_O_NONBLOCK))
        return -LX_EINVAL; /* O_DIRECT (packet mode) and O_NOTIFICATION_PIPE are not offered */
    bool cloexec = (flags & LX_O_CLOEXEC) != 0;
    uint32_t status = (uint32_t)flags & LX_O_NONBLOCK;
    struct lxpipe *pipe = malloc(sizeof(*pipe));
    uint8_t *buf = malloc(LXPIPE_SIZE);
    struct lxfile *r = lxfile_new(&lxfile_pool, LXFILE_PIPE_R, LX_O_RDONLY | status);
    struct lxfile *w = r ? lxfile_new(&lxfile_pool, LXFILE_PIPE_W, LX_O_WRONLY | status) : NULL;
    if (!pipe || !buf || !w) {
        if (r)
            lxfile_free(r);
        free(pipe);
        free(buf);
        return pipe && buf ? -LX_ENFILE : -LX_ENOMEM;
    }
    lxpipe_init(pipe, buf);
    pipe->readers = pipe->writers = 1;
    r->pipe = w->pipe = pipe;
    int64_t fds[2] = {lxfd_install(&p->leader->fds, 0, r, cloexec), 0};
    fds[1] = fds[0] < 0 ? fds[0] : lxfd_install(&p->leader->fds, 0, w, cloexec);
    int32_t out[2] = {(int32_t)fds[0], (int32_t)fds[1]};
    int64_t err = fds[1] < 0 ? fds[1] : lxmem_write(p, t->args[0], out, sizeof(out));
    if (err < 0) { /* nothing stays: the numbers are taken back, the pipe goes with its ends */
        for (int i = 0; i < 2; i++)
            if (fds[i] >= 0)
                lxfile_unref(p, lxfd_take(&p->leader->fds, (uint64_t)fds[i]));
    }
    lxfile_unref(p, r);
    lxfile_unref(p, w);
    return err < 0 ? err : 0;
}

int64_t lxsys_pipe(struct lxproc *p, const struct trap_info *t)
{
    struct trap_info t2 = *t;
    t2.args[1] = 0;
    return lxsys_pipe2(p, &t2);
}
