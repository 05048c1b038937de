/* lxsys_fd.c: descriptors (close, dup, dup2, dup3, fcntl, umask), the start and end of a process's
 * descriptors, and pipes (pipe, pipe2, their reads and writes, a process waiting on one). */
#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxfiles.h"
#include "lxmem.h"
#include "lxproc.h"
#include "lxsys.h"

#define LXSIG_DFL 0 /* sa_handler values (lxsys_signal.c) */
#define LXSIG_IGN 1

struct lxfilepool lxfile_pool;

/*
 * A read of an empty pipe that still has writers, or a write to a full one that still has readers,
 * and no O_NONBLOCK: the process stays stopped in its trap until another end's call changes the
 * pipe (lxpipe_wake). Today every end of a pipe belongs to the process that made it (no fork, no
 * descriptor passing), so such a wait lasts until the process is killed, as on Linux for a lone
 * thread; the wait is real so that a pipe shared between processes works once they can share one.
 */
struct lxpipewait {
    struct lxfile *file; /* the end it waits on (a reference) */
    uint64_t trap;       /* the trap to answer */
    bool write;
    struct lxxfer x;    /* read: where the bytes go */
    uint64_t done, len; /* write: bytes put, and gathered in data */
    uint8_t data[];
};

long lxfiles_start(struct lxproc *p)
{
    static const uint32_t kinds[3] = {LXFILE_NULL, LXFILE_CONSOLE, LXFILE_CONSOLE};
    static const uint32_t flags[3] = {LX_O_RDONLY, LX_O_WRONLY, LX_O_WRONLY};
    lxfd_init(&p->fds);
    p->umask = 022;
    p->cwd = malloc(2);
    if (!p->cwd)
        return ERR_NO_MEMORY;
    memcpy(p->cwd, "/", 2);
    for (uint32_t fd = 0; fd < 3; fd++) {
        struct lxfile *f = lxfile_new(&lxfile_pool, kinds[fd], flags[fd]);
        if (!f) {
            lxfiles_end(p);
            return ERR_NO_RESOURCES;
        }
        f->stream = fd;
        lxfd_install_at(&p->fds, fd, f, false);
        lxfile_unref(p, f); /* the table holds it now */
    }
    return 0;
}

/* Forgets p's pipe wait (its end's reference dropped, its trap left unanswered). */
static void lxpipe_unwait(struct lxproc *p)
{
    struct lxpipewait *w = p->pipewait;
    if (!w)
        return;
    p->pipewait = NULL;
    lxfile_unref(p, w->file);
    free(w);
}

void lxfiles_end(struct lxproc *p)
{
    lxpipe_unwait(p);
    for (uint32_t fd = 0; fd < LXFD_MAX; fd++) {
        struct lxfile *f = lxfd_take(&p->fds, fd);
        if (f)
            lxfile_unref(p, f);
    }
    free(p->cwd);
    p->cwd = NULL;
}

static void lxpipe_wake(struct lxpipe *pipe);

/* A pipe end's last reference went: one end fewer; the pipe goes with its last end. */
static void lxpipe_release(struct lxfile *f)
{
    struct lxpipe *pipe = f->pipe;
    if (f->kind == LXFILE_PIPE_R)
        pipe->readers--;
    else
        pipe->writers--;
    if (pipe->readers == 0 && pipe->writers == 0) {
        free(pipe->buf);
        free(pipe);
        return;
    }
    lxpipe_wake(pipe); /* a reader sees the end of input, a writer EPIPE */
}

void lxfile_unref(struct lxproc *p, struct lxfile *f)
{
    if (!lxfile_put(f))
        return;
    switch (f->kind) {
    case LXFILE_CONSOLE:
        if (p)
            lxio_console_flush(p, f->stream); /* nothing can be written after */
        break;
    case LXFILE_NODE: lxnode_release(f); break;
    case LXFILE_PIPE_R:
    case LXFILE_PIPE_W: lxpipe_release(f); break;
    default: break;
    }
    lxfile_free(f);
}

int64_t lxsys_close(struct lxproc *p, const struct trap_info *t)
{
    struct lxfile *f = lxfd_take(&p->fds, t->args[0]);
    if (!f)
        return -LX_EBADF;
    lxfile_unref(p, f);
    return 0;
}

int64_t lxsys_dup(struct lxproc *p, const struct trap_info *t)
{
    struct lxfile *f = lxfd_get(&p->fds, t->args[0]);
    return f ? lxfd_install(&p->fds, 0, f, false) : -LX_EBADF;
}

/* dup2 and dup3: newfd becomes oldfd's description, whatever it named before is closed. */
static int64_t lxfd_dup_to(struct lxproc *p, uint64_t oldfd, uint64_t newfd, bool cloexec)
{
    struct lxfile *f = lxfd_get(&p->fds, oldfd);
    if (!f || (uint32_t)newfd >= LXFD_MAX)
        return -LX_EBADF;
    lxfile_get(f); /* kept while newfd's old description is closed */
    struct lxfile *old = lxfd_take(&p->fds, newfd);
    if (old)
        lxfile_unref(p, old);
    lxfd_install_at(&p->fds, (uint32_t)newfd, f, cloexec);
    lxfile_unref(p, f);
    return (uint32_t)newfd;
}

int64_t lxsys_dup2(struct lxproc *p, const struct trap_info *t)
{
    if ((uint32_t)t->args[0] == (uint32_t)t->args[1])
        return lxfd_get(&p->fds, t->args[0]) ? (int64_t)(uint32_t)t->args[1] : -LX_EBADF;
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
    struct lxfile *f = lxfd_get(&p->fds, t->args[0]);
    uint32_t fd = (uint32_t)t->args[0];
    if (!f)
        return -LX_EBADF;
    switch (t->args[1]) {
    case LX_F_DUPFD:
    case LX_F_DUPFD_CLOEXEC:
        /* The lowest number is an int: a negative one, or one past the table, is EINVAL. */
        if ((int32_t)t->args[2] < 0)
            return -LX_EINVAL;
        return lxfd_install(&p->fds, (uint32_t)t->args[2], f, t->args[1] == LX_F_DUPFD_CLOEXEC);
    case LX_F_GETFD: return lxfd_cloexec(&p->fds, fd) ? LX_FD_CLOEXEC : 0;
    case LX_F_SETFD: lxfd_set_cloexec(&p->fds, fd, (t->args[2] & LX_FD_CLOEXEC) != 0); return 0;
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
    uint32_t old = p->umask;
    p->umask = (uint32_t)t->args[0] & 0777;
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
    int64_t fds[2] = {lxfd_install(&p->fds, 0, r, cloexec), 0};
    fds[1] = fds[0] < 0 ? fds[0] : lxfd_install(&p->fds, 0, w, cloexec);
    int32_t out[2] = {(int32_t)fds[0], (int32_t)fds[1]};
    int64_t err = fds[1] < 0 ? fds[1] : lxmem_write(p, t->args[0], out, sizeof(out));
    if (err < 0) { /* nothing stays: the numbers are taken back, the pipe goes with its ends */
        for (int i = 0; i < 2; i++)
            if (fds[i] >= 0)
                lxfile_unref(p, lxfd_take(&p->fds, (uint64_t)fds[i]));
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

/* Starts a wait of p on f's pipe (w prepared by the caller, or NULL for a read); LXSYS_NO_REPLY. */
static int64_t lxpipe_wait(struct lxproc *p, struct lxfile *f, struct lxpipewait *w, const struct lxxfer *x)
{
    if (!w) {
        w = malloc(sizeof(*w));
        if (!w)
            return -LX_ENOMEM;
        memset(w, 0, sizeof(*w));
        w->x = *x;
    }
    lxfile_get(f);
    w->file = f;
    w->trap = p->call_id;
    p->pipewait = w;
    return LXSYS_NO_REPLY;
}

/* Moves what the pipe holds to the transfer: the bytes, or -EFAULT (nothing is taken then). */
static int64_t lxpipe_take(struct lxproc *p, struct lxpipe *pipe, const struct lxxfer *x)
{
    static uint8_t buf[LXIO_MAX];
    uint32_t n = pipe->len < x->len ? pipe->len : (uint32_t)x->len;
    /* Copy out first and consume after, so a bad buffer leaves the bytes in the pipe (Linux). */
    uint32_t first = n < LXPIPE_SIZE - pipe->head ? n : LXPIPE_SIZE - pipe->head;
    memcpy(buf, pipe->buf + pipe->head, first);
    memcpy(buf + first, pipe->buf, n - first);
    if (lxio_scatter(p, x, buf, n) < 0)
        return -LX_EFAULT;
    lxpipe_get(pipe, buf, n);
    return n;
}

int64_t lxpipe_read(struct lxproc *p, struct lxfile *f, const struct lxxfer *x)
{
    struct lxpipe *pipe = f->pipe;
    if (x->len == 0)
        return 0;
    if (pipe->len > 0) {
        int64_t n = lxpipe_take(p, pipe, x);
        if (n > 0)
            lxpipe_wake(pipe); /* room for a waiting writer */
        return n;
    }
    if (pipe->writers == 0)
        return 0; /* the end of input */
    if (f->flags & LX_O_NONBLOCK)
        return -LX_EAGAIN;
    return lxpipe_wait(p, f, NULL, x);
}

/* SIGPIPE for a write to a pipe without readers: with SIG_DFL and not blocked it ends the process
 * (true: no answer); ignored, blocked or handled, the write answers EPIPE (blocked or handled, the
 * signal stays pending, as lxsys_signal.c keeps signals whose handlers cannot be run yet). */
static bool lxpipe_sigpipe(struct lxproc *p)
{
    uint64_t bit = 1ull << (LX_SIGPIPE - 1);
    uint64_t handler = p->sigs[LX_SIGPIPE - 1].handler;
    if (handler == LXSIG_IGN)
        return false;
    if (handler == LXSIG_DFL && !(p->sigmask & bit)) {
        lxproc_kill(p, LX_SIGPIPE);
        return true;
    }
    p->sigpending |= bit;
    return false;
}

/* Puts what fits of w's bytes; the result to answer, or LXSYS_NO_REPLY while some must wait. */
static int64_t lxpipe_push(struct lxproc *p, struct lxfile *f, struct lxpipewait *w)
{
    struct lxpipe *pipe = f->pipe;
    if (pipe->readers == 0) {
        if (w->done > 0)
            return (int64_t)w->done; /* the part written stands */
        return lxpipe_sigpipe(p) ? LXSYS_NO_REPLY : -LX_EPIPE;
    }
    uint64_t left = w->len - w->done;
    uint32_t space = lxpipe_space(pipe);
    /* Up to PIPE_BUF bytes go in whole or not at all; more may be split. */
    if (space > 0 && (left > LXPIPE_ATOMIC || space >= left)) {
        w->done += lxpipe_put(pipe, w->data + w->done, (uint32_t)(left < space ? left : space));
        lxpipe_wake(pipe);
    }
    if (w->done == w->len)
        return (int64_t)w->done;
    if (f->flags & LX_O_NONBLOCK)
        return w->done ? (int64_t)w->done : -LX_EAGAIN;
    return LXSYS_NO_REPLY;
}

int64_t lxpipe_write(struct lxproc *p, struct lxfile *f, const struct lxxfer *x)
{
    if (f->pipe->readers == 0)
        return lxpipe_sigpipe(p) ? LXSYS_NO_REPLY : -LX_EPIPE;
    if (x->len == 0)
        return 0;
    struct lxpipewait *w = malloc(sizeof(*w) + x->len);
    if (!w)
        return -LX_ENOMEM;
    memset(w, 0, sizeof(*w));
    w->write = true;
    int64_t n = lxio_gather(p, x, w->data);
    if (n < 0) {
        free(w);
        return n;
    }
    w->len = (uint64_t)n;
    int64_t r = lxpipe_push(p, f, w);
    if (r != LXSYS_NO_REPLY || p->killed_by) {
        free(w);
        return r;
    }
    return lxpipe_wait(p, f, w, x);
}

/* Tries again the waits on pipe whose condition may have changed; answers those that are done. */
static void lxpipe_wake(struct lxpipe *pipe)
{
    for (unsigned i = 0; i < LXPROC_MAX; i++) {
        struct lxproc *p = lxproc_at(i);
        struct lxpipewait *w = p ? p->pipewait : NULL;
        if (!w || w->file->pipe != pipe)
            continue;
        int64_t r;
        if (w->write)
            r = lxpipe_push(p, w->file, w);
        else if (pipe->len == 0 && pipe->writers > 0)
            r = LXSYS_NO_REPLY;
        else
            r = pipe->len ? lxpipe_take(p, pipe, &w->x) : 0;
        if (r == LXSYS_NO_REPLY && !p->killed_by)
            continue;
        uint64_t trap = w->trap;
        lxpipe_unwait(p); /* may free the pipe when it held the last end: pipe is not used after */
        if (r != LXSYS_NO_REPLY)
            lxproc_reply(p, trap, r);
        return; /* the pipe may be gone; a pipe is held by one process, so one waiter at most */
    }
}
