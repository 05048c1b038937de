/* lxop.c: fs calls in flight for stopped Linux processes, and the paths they take (lxop.h). */
#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/string.h>

#include "lxabi.h"
#include "lxfiles.h"
#include "lxmem.h"
#include "lxnode.h"
#include "lxop.h"
#include "lxsig.h"

/* A record for a call of p with extra bytes of data; takes a reference to file (may be NULL). */
struct lxop *lxop_new(struct lxproc *p, uint32_t kind, struct lxfile *file, uint64_t extra)
{
    struct lxop *op = malloc(sizeof(*op) + extra);
    if (!op)
        return NULL;
    memset(op, 0, sizeof(*op));
    op->p = p;
    op->pid = p->pid;
    op->trap = p->call_id;
    op->kind = kind;
    op->file = file;
    op->offset = -1;
    if (file)
        lxfile_get(file);
    return op;
}

/* The process op was made for, if it still lives. */
struct lxproc *lxop_proc(const struct lxop *op)
{
    return op->p->used && op->p->pid == op->pid ? op->p : NULL;
}

/* Answers op's trap with r (if its process lives) and frees op. */
void lxop_finish(struct lxop *op, int64_t r)
{
    struct lxproc *p = lxop_proc(op);
    if (p && r != LXSYS_NO_REPLY)
        lxsig_reply(p, op->trap, r); /* pending signals act first */
    if (op->file)
        lxfile_unref(NULL, op->file);
    free(op);
}

/* Sends m as a call on ch for op; LXSYS_NO_REPLY, or -errno (op freed) if it could not be sent. */
int64_t lxop_call(struct lxop *op, handle_t ch, struct warp_msg *m, loop_msg_fn fn)
{
    long r = ch ? loop_call(lxnode_loop(), ch, m, fn, op) : ERR_PEER_CLOSED;
    if (r < 0) {
        if (op->file)
            lxfile_unref(NULL, op->file);
        free(op);
        return r == ERR_QUEUE_FULL || r == ERR_NO_MEMORY ? -LX_ENOMEM : -LX_EIO;
    }
    return LXSYS_NO_REPLY;
}

/*
 * Copies the NUL-terminated path at uaddr into out (LXPATH_MAX bytes): its length, -EFAULT,
 * -ENAMETOOLONG (no NUL in the first LXPATH_MAX bytes), or -ENOENT for an empty one unless
 * empty_ok.
 */
static int64_t lxpath_copyin(struct lxproc *p, uint64_t uaddr, char *out, bool empty_ok)
{
    int64_t len = lxmem_read_string(p, uaddr, out, LXPATH_MAX);
    if (len == -LX_ERANGE)
        return -LX_ENAMETOOLONG;
    return len == 0 && !empty_ok ? -LX_ENOENT : len;
}

/*
 * Reads the path at uaddr for a call relative to dirfd (Linux's int; AT_FDCWD the cwd) into out
 * (LXPATH_MAX + 2 bytes): absolute ones as they are, relative ones joined to the cwd, or left
 * relative to dirfd's directory node. 0 or -errno, in Linux's order (the path first, then dirfd).
 */
int64_t lxpath_get(struct lxproc *p, uint64_t dirfd, uint64_t uaddr, char *out, struct lxpath *res,
                   bool empty_ok)
{
    static char raw[LXPATH_MAX];
    int64_t n = lxpath_copyin(p, uaddr, raw, empty_ok);
    if (n < 0)
        return n;
    memset(res, 0, sizeof(*res));
    res->dir_only = n > 1 && raw[n - 1] == '/';
    if (n > 0 && raw[0] == '/') {
        memcpy(out, raw, (size_t)n + 1);
        res->len = (uint32_t)n;
        return 0;
    }
    if ((int32_t)dirfd != LX_AT_FDCWD) {
        struct lxfile *f = lxfd_get(&p->leader->fds, (uint32_t)(int32_t)dirfd);
        if (!f || (int32_t)dirfd < 0)
            return -LX_EBADF;
        if (f->kind != LXFILE_NODE || f->type != FS_TYPE_DIR)
            return -LX_ENOTDIR;
        memcpy(out, raw, (size_t)n + 1);
        res->len = (uint32_t)n;
        res->dir = f;
        return 0;
    }
    size_t c = strlen(p->leader->cwd);
    if (c + 1 + (size_t)n > LXPATH_MAX)
        return -LX_ENAMETOOLONG;
    memcpy(out, p->leader->cwd, c);
    if (c > 1)
        out[c++] = '/';
    memcpy(out + c, raw, (size_t)n + 1);
    res->len = (uint32_t)(c + (size_t)n);
    return 0;
}

int64_t lxsys_path_get(struct lxproc *p, uint64_t uaddr, char *out, struct lxpath *res)
{
    return lxpath_get(p, (uint64_t)(int64_t)LX_AT_FDCWD, uaddr, out, res, false);
}

/* Drops the trailing slashes of a path of len bytes (not the root's); the new length. */
uint32_t lxpath_trim(char *path, uint32_t len)
{
    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';
    return len;
}

/* The channel a path's OPEN goes to. */
handle_t lxpath_channel(const struct lxpath *res)
{
    if (!res->dir)
        return lxnode_session();
    return res->dir->node && loop_has(lxnode_loop(), res->dir->node) ? res->dir->node : 0;
}

/* A record for a call on the path at uaddr relative to dirfd: the path in op->data, op->len; the
 * record holds the directory's description. */
int64_t lxop_path(struct lxproc *p, uint32_t kind, uint64_t dirfd, uint64_t uaddr, bool empty_ok,
                  struct lxpath *res, struct lxop **out)
{
    struct lxop *op = lxop_new(p, kind, NULL, LXPATH_MAX + 2);
    if (!op)
        return -LX_ENOMEM;
    int64_t r = lxpath_get(p, dirfd, uaddr, (char *)op->data, res, empty_ok);
    if (r < 0) {
        free(op);
        return r;
    }
    op->len = res->len;
    if (res->dir) {
        op->file = res->dir;
        lxfile_get(res->dir);
    }
    *out = op;
    return 0;
}

/* SETATTR's reply (ftruncate). */
void lxop_on_status(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ch;
    loop_close_handles(l, m, 0);
    long r = msg_result(m, MSG_SETATTR);
    lxop_finish(ctx, r < 0 ? lxnode_errno(r, false) : 0);
}
