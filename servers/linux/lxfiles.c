/* lxfiles.c: the open file descriptions of Linux processes (their pool and lifetime), a process's
 * first descriptors and its end, and pipes: their rings, reads, writes and waits. */
#include "lxfiles.h"

#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxconsole.h"
#include "lxnode.h"
#include "lxproc.h"
#include "lxready.h"
#include "lxsig.h"
#include "lxsock.h"
#include "lxsys.h"
#include "lxwait.h"

struct lxfilepool lxfile_pool;

/*
 * A read of an empty pipe that still has writers, or a write to a full one that still has readers,
 * and no O_NONBLOCK: the process stays stopped in its trap until another end's call changes the
 * pipe (lxpipe_wake): another process's (fork shares the ends), its own never (it is stopped), or
 * the end of a process holding the other end.
 */
struct lxpipewait {
    struct lxfile *file; /* the end it waits on (a reference) */
    uint64_t trap;       /* the trap to answer */
    bool write;
    struct lxxfer x;    /* read: where the bytes go */
    uint64_t done, len; /* write: bytes put, and gathered in data */
    uint8_t data[];
};

long lxfiles_start(struct lxproc *p, const char *cwd)
{
    static const uint32_t kinds[3] = {LXFILE_NULL, LXFILE_CONSOLE, LXFILE_CONSOLE};
    static const uint32_t flags[3] = {LX_O_RDONLY, LX_O_WRONLY, LX_O_WRONLY};
    lxfd_init(&p->leader->fds);
    p->leader->umask = 022;
    size_t n = strlen(cwd) + 1;
    p->leader->cwd = malloc(n);
    if (!p->leader->cwd)
        return ERR_NO_MEMORY;
    memcpy(p->leader->cwd, cwd, n);
    for (uint32_t fd = 0; fd < 3; fd++) {
        struct lxfile *f = lxfile_new(&lxfile_pool, kinds[fd], flags[fd]);
        if (!f) {
            lxfiles_end(p);
            return ERR_NO_RESOURCES;
        }
        f->stream = fd;
        lxfd_install_at(&p->leader->fds, fd, f, false);
        lxfile_unref(p, f); /* the table holds it now */
    }
    return 0;
}

long lxfiles_fork(struct lxproc *parent, struct lxproc *child)
{
    size_t n = strlen(parent->leader->cwd) + 1;
    lxfd_init(&child->leader->fds);
    child->leader->cwd = malloc(n);
    if (!child->leader->cwd)
        return ERR_NO_MEMORY;
    memcpy(child->leader->cwd, parent->leader->cwd, n);
    child->leader->umask = parent->leader->umask;
    for (uint32_t fd = 0; fd < LXFD_MAX; fd++) {
        struct lxfile *f = lxfd_get(&parent->leader->fds, fd);
        if (f)
            lxfd_install_at(&child->leader->fds, fd, f, lxfd_cloexec(&parent->leader->fds, fd));
    }
    return 0;
}

void lxfiles_exec(struct lxproc *p)
{
    for (uint32_t fd = 0; fd < LXFD_MAX; fd++) {
        if (lxfd_get(&p->leader->fds, fd) && lxfd_cloexec(&p->leader->fds, fd))
            lxfile_unref(p, lxfd_take(&p->leader->fds, fd));
    }
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
    if (p->leader != p)
        return; /* a thread: the descriptors and cwd are its group's, closed at the leader's end */
    for (uint32_t fd = 0; fd < LXFD_MAX; fd++) {
        struct lxfile *f = lxfd_take(&p->leader->fds, fd);
        if (f)
            lxfile_unref(p, f);
    }
    free(p->leader->cwd);
    p->leader->cwd = NULL;
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
    lxepoll_forget(f); /* epoll instances watching it let go, as Linux's eventpoll_release */
    switch (f->kind) {
    case LXFILE_CONSOLE:
        if (p)
            lxconsole_flush(p, f->stream); /* nothing can be written after */
        break;
    case LXFILE_NODE: lxnode_release(f); break;
    case LXFILE_PIPE_R:
    case LXFILE_PIPE_W: lxpipe_release(f); break;
    case LXFILE_SOCKET: lxsock_release(f->sock); break;
    case LXFILE_EPOLL: lxepoll_free(f->epoll); break;
    default: break;
    }
    lxfile_free(f);
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
    static uint8_t buf[LXXFER_MAX];
    uint32_t n = pipe->len < x->len ? pipe->len : (uint32_t)x->len;
    /* Copy out first and consume after, so a bad buffer leaves the bytes in the pipe (Linux). */
    uint32_t first = n < LXPIPE_SIZE - pipe->head ? n : LXPIPE_SIZE - pipe->head;
    memcpy(buf, pipe->buf + pipe->head, first);
    memcpy(buf + first, pipe->buf, n - first);
    if (lxxfer_scatter(p, x, buf, n) < 0)
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

/* SIGPIPE for a write to a pipe without readers, as Linux's pipe_write (SI_USER): raised here, it
 * acts when the trap is answered (lxsig_reply): its default ends the process, a handler runs with
 * the write's EPIPE in the frame, ignored or blocked the write is just EPIPE. */
static int64_t lxpipe_epipe(struct lxproc *p)
{
    lxsig_raise(p, LX_SIGPIPE, 0);
    return -LX_EPIPE;
}

/* Puts what fits of w's bytes; the result to answer, or LXSYS_NO_REPLY while some must wait. */
static int64_t lxpipe_push(struct lxproc *p, struct lxfile *f, struct lxpipewait *w)
{
    struct lxpipe *pipe = f->pipe;
    if (pipe->readers == 0) {
        if (w->done > 0)
            return (int64_t)w->done; /* the part written stands */
        return lxpipe_epipe(p);
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
        return lxpipe_epipe(p);
    if (x->len == 0)
        return 0;
    struct lxpipewait *w = malloc(sizeof(*w) + x->len);
    if (!w)
        return -LX_ENOMEM;
    memset(w, 0, sizeof(*w));
    w->write = true;
    int64_t n = lxxfer_gather(p, x, w->data);
    if (n < 0) {
        free(w);
        return n;
    }
    w->len = (uint64_t)n;
    int64_t r = lxpipe_push(p, f, w);
    if (r != LXSYS_NO_REPLY) {
        free(w);
        return r;
    }
    return lxpipe_wait(p, f, w, x);
}

/* Tries again the waits on pipe whose condition may have changed; answers those that are done.
 * Forked processes share pipes, so several may wait on one: each is tried in turn. */
static void lxpipe_wake(struct lxpipe *pipe)
{
    lxwait_wake(); /* poll and epoll waits watching it */
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
        if (r == LXSYS_NO_REPLY)
            continue;
        uint64_t trap = w->trap;
        /* The wait's reference may be the pipe's last end: then the pipe goes with it. */
        bool last = w->file->refs == 1 && pipe->readers + pipe->writers == 1;
        lxpipe_unwait(p);
        lxsig_reply(p, trap, r);
        if (last)
            return;
    }
}
