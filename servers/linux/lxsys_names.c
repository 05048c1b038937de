/* lxsys_names.c: unlink, unlinkat, rmdir, rename, renameat and renameat2 through service/fs's name
 * calls (SETATTR unlink=, rmdir=, rename= on the session or a directory node: warp/proto/fs.h). */
#include <warp/msg.h>
#include <warp/proto/fs.h>

#include "lxabi.h"
#include "lxop.h"
#include "lxsys.h"

#define LXNAMES_PATH (LXPATH_MAX + 2) /* bytes of one path in an op's data */

/* Sends the name call attr=value with op's path (and rename's second one, at nlen > 0) on ch. */
static int64_t lxnames_call(struct lxop *op, handle_t ch, const char *attr, const char *value, uint64_t nlen)
{
    struct warp_msg m;
    msg_setattr(&m, attr, value);
    msg_add_buf(&m, op->data, op->len, BUF_READ);
    if (nlen > 0)
        msg_add_buf(&m, op->data + LXNAMES_PATH, nlen, BUF_READ);
    if (!ch) {
        lxop_finish(op, LXSYS_NO_REPLY);
        return -LX_ENOENT; /* no file system at all, or the directory's node is gone */
    }
    return lxop_call(op, ch, &m, lxop_on_status);
}

/* unlink, unlinkat and rmdir: the path at uaddr relative to dirfd loses its name. */
static int64_t lxnames_remove(struct lxproc *p, uint64_t dirfd, uint64_t uaddr, bool dir)
{
    struct lxpath res;
    struct lxop *op;
    int64_t r = lxop_path(p, LXOP_NAMES, dirfd, uaddr, false, &res, &op);
    if (r < 0)
        return r;
    return lxnames_call(op, lxpath_channel(&res), dir ? FS_ATTR_RMDIR : FS_ATTR_UNLINK, "", 0);
}

int64_t lxsys_unlink(struct lxproc *p, const struct trap_info *t)
{
    return lxnames_remove(p, (uint64_t)(int64_t)LX_AT_FDCWD, t->args[0], false);
}

int64_t lxsys_rmdir(struct lxproc *p, const struct trap_info *t)
{
    return lxnames_remove(p, (uint64_t)(int64_t)LX_AT_FDCWD, t->args[0], true);
}

int64_t lxsys_unlinkat(struct lxproc *p, const struct trap_info *t)
{
    if (t->args[2] & ~(uint64_t)LX_AT_REMOVEDIR)
        return -LX_EINVAL;
    return lxnames_remove(p, t->args[0], t->args[1], (t->args[2] & LX_AT_REMOVEDIR) != 0);
}

/*
 * rename, renameat, renameat2: fs renames two paths from one base, so the two must agree on it:
 * absolute ones (and those relative to the cwd, made absolute) go with anything, but two paths
 * relative to two different directory descriptions cannot be said: EXDEV, which makes programs
 * such as mv copy instead (docs/linux-compat.md). renameat2's RENAME_NOREPLACE is fs's
 * "rename=noreplace"; RENAME_EXCHANGE and RENAME_WHITEOUT are not offered: EINVAL, as Linux answers
 * for a file system without them.
 */
static int64_t lxnames_rename(struct lxproc *p, uint64_t odirfd, uint64_t oaddr, uint64_t ndirfd,
                              uint64_t naddr, bool noreplace)
{
    struct lxpath ores, nres;
    struct lxop *op = lxop_new(p, LXOP_NAMES, NULL, 2 * LXNAMES_PATH);
    if (!op)
        return -LX_ENOMEM;
    int64_t r = lxpath_get(p, odirfd, oaddr, (char *)op->data, &ores, false);
    if (r == 0)
        r = lxpath_get(p, ndirfd, naddr, (char *)op->data + LXNAMES_PATH, &nres, false);
    if (r == 0 && ores.dir && nres.dir && ores.dir != nres.dir)
        r = -LX_EXDEV;
    if (r < 0) {
        lxop_finish(op, LXSYS_NO_REPLY);
        return r;
    }
    op->len = ores.len;
    const struct lxpath *base = ores.dir ? &ores : &nres;
    if (base->dir) {
        op->file = base->dir; /* the record holds the directory while fs works */
        lxfile_get(base->dir);
    }
    return lxnames_call(op, lxpath_channel(base), FS_ATTR_RENAME, noreplace ? FS_RENAME_NOREPLACE : "",
                        nres.len);
}

int64_t lxsys_rename(struct lxproc *p, const struct trap_info *t)
{
    uint64_t cwd = (uint64_t)(int64_t)LX_AT_FDCWD;
    return lxnames_rename(p, cwd, t->args[0], cwd, t->args[1], false);
}

int64_t lxsys_renameat(struct lxproc *p, const struct trap_info *t)
{
    return lxnames_rename(p, t->args[0], t->args[1], t->args[2], t->args[3], false);
}

int64_t lxsys_renameat2(struct lxproc *p, const struct trap_info *t)
{
    if (t->args[4] & ~(uint64_t)LX_RENAME_NOREPLACE)
        return -LX_EINVAL;
    return lxnames_rename(p, t->args[0], t->args[1], t->args[2], t->args[3], t->args[4] != 0);
}
