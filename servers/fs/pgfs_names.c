/* pgfs_names.c: the persistent mount's changes of names: made in the database first, then in the
 * mirror, then answered (pgfs.h). */
#include "pgfs_data.h"
#include "pgfs_names.h"

#include <warp/clock.h>
#include <warp/fmt.h>
#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

/* ---- changes of names ---- */

/* Queues a change of names for the caller fn/ctx, holding its directories. */
static long pgfs_names_submit(struct pgfs *f, struct pgfs_op *op, pgfs_done_fn fn, void *ctx)
{
    if (!f->writer || f->state != PGFS_READY) {
        free(op);
        return ERR_READ_ONLY;
    }
    op->wait = pgfs_wait_add(f, NULL, PGFS_WAIT_LOAD, fn, ctx);
    if (!op->wait) {
        free(op);
        return ERR_NO_MEMORY;
    }
    tmpfs_hold(op->node);
    if (op->node2)
        tmpfs_hold(op->node2);
    struct pgfs_wait *w = op->wait;
    struct tmpfs_node *a = op->node, *b = op->node2;
    long r = pgfs_submit(f, op);
    if (r < 0) {
        pgfs_wait_take(f, w);
        free(w);
        tmpfs_release(&f->tree, a);
        if (b)
            tmpfs_release(&f->tree, b);
        return r;
    }
    return PGFS_PENDING;
}

/* Copies a name (len bytes) into a request's: 0 or ERR_NAME_TOO_LONG. */
static long pgfs_name(char *dst, const char *name, size_t len)
{
    if (len >= PGS_NAME_MAX)
        return ERR_NAME_TOO_LONG;
    memcpy(dst, name, len);
    dst[len] = '\0';
    return 0;
}

/* Create; see pgfs.h. */
long pgfs_create(struct pgfs *f, struct tmpfs_node *dir, const char *name, size_t len, uint32_t type,
                 uint32_t mode, pgfs_done_fn fn, void *ctx)
{
    struct pgfs_op *op = pgfs_op_new(PGFS_OP_NAMES, PGS_OP_CREATE);
    if (!op)
        return ERR_NO_MEMORY;
    op->node = dir;
    op->req.ino = dir->ext_ino;
    op->req.type = type == TMPFS_S_IFDIR ? PGS_DIR : PGS_FILE;
    op->req.mode = mode & 07777;
    op->req.mtime_ns = (int64_t)clock_ns();
    if (pgfs_name(op->req.name, name, len) < 0) {
        free(op);
        return ERR_NAME_TOO_LONG;
    }
    return pgfs_names_submit(f, op, fn, ctx);
}

/* Remove; see pgfs.h. */
long pgfs_remove(struct pgfs *f, struct tmpfs_node *dir, const char *name, size_t len, bool dir_wanted,
                 pgfs_done_fn fn, void *ctx)
{
    struct pgfs_op *op = pgfs_op_new(PGFS_OP_NAMES, dir_wanted ? PGS_OP_RMDIR : PGS_OP_UNLINK);
    if (!op)
        return ERR_NO_MEMORY;
    op->node = dir;
    op->req.ino = dir->ext_ino;
    if (pgfs_name(op->req.name, name, len) < 0) {
        free(op);
        return ERR_NAME_TOO_LONG;
    }
    return pgfs_names_submit(f, op, fn, ctx);
}

/* Rename; see pgfs.h. */
long pgfs_rename(struct pgfs *f, struct tmpfs_node *odir, const char *oname, size_t olen,
                 struct tmpfs_node *ndir, const char *nname, size_t nlen, bool replace, pgfs_done_fn fn,
                 void *ctx)
{
    struct pgfs_op *op = pgfs_op_new(PGFS_OP_NAMES, PGS_OP_RENAME);
    if (!op)
        return ERR_NO_MEMORY;
    op->node = odir;
    op->node2 = ndir;
    op->req.ino = odir->ext_ino;
    op->req.ino2 = ndir->ext_ino;
    op->req.replace = replace;
    if (pgfs_name(op->req.name, oname, olen) < 0 || pgfs_name(op->req.name2, nname, nlen) < 0) {
        free(op);
        return ERR_NAME_TOO_LONG;
    }
    return pgfs_names_submit(f, op, fn, ctx);
}

/* The tree follows a committed change of names: 0, or why it could not (logged). */
static long pgfs_apply_names(struct pgfs *f, struct pgfs_op *op, const struct pgs_result *res)
{
    const struct pgs_req *q = &op->req;
    struct tmpfs_node *n;
    long r;
    switch (q->op) {
    case PGS_OP_CREATE:
        r = tmpfs_create(&f->tree, op->node, q->name, strlen(q->name),
                         (q->type == PGS_DIR ? TMPFS_S_IFDIR : TMPFS_S_IFREG) | q->mode, &n);
        if (r == 0 && q->type == PGS_FILE)
            r = pgfs_file_new(n, 0);
        if (r == 0) {
            n->ext_ino = res->attr.ino;
            f->nodes++;
        }
        return r;
    case PGS_OP_UNLINK:
    case PGS_OP_RMDIR:
        return tmpfs_remove(&f->tree, op->node, q->name, strlen(q->name), q->op == PGS_OP_RMDIR);
    default:
        return tmpfs_rename(&f->tree, op->node, q->name, strlen(q->name), op->node2, q->name2,
                            strlen(q->name2), q->replace);
    }
}

/* A change of names ended: the tree follows it, then the caller hears. */
void pgfs_on_names(struct pgfs *f, struct pgfs_op *op, const struct pgs_result *res)
{
    long r = res->status;
    if (pgfs_link_error(r))
        r = ERR_IO; /* sent, maybe committed: unknown (docs/persistence.md) */
    if (r == 0) {
        long t = pgfs_apply_names(f, op, res);
        if (t < 0) {
            char msg[128];
            fmt_snprintf(msg, sizeof(msg), "the tree could not follow a committed change (%s)", err_str(t));
            pgfs_log(f, msg);
        }
    }
    struct pgfs_wait *w = op->wait;
    bool live = pgfs_wait_take(f, w);
    if (live && w->fn)
        w->fn(w->ctx, r);
    free(w);
}
