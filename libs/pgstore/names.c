/* names.c: the store's name ops, each one transaction under the lease: create, unlink, rmdir, rename (atomic, replacing). */
#include "pgs.h"

#include <warp/error.h>

/* Queues the new inode and its entry together; returns its attributes. */
static long create_insert(struct pgstore *s, struct pgs_req *r)
{
    struct pg_param p[] = {pg_param_int8(s->vol),          pg_param_int8(r->type),
                           pg_param_int8(r->mode),         pg_param_int8(r->mtime_ns),
                           pg_param_int8((int64_t)r->ino), pg_param_text(r->name)};
    return pgs_exec(
        s,
        "WITH i AS (INSERT INTO pgs_inode (vol, type, mode, size, mtime_ns) VALUES ($1, $2, $3, 0, $4) "
        "RETURNING ino, type, mode, size, mtime_ns), "
        "d AS (INSERT INTO pgs_dirent (dir, name, child) SELECT $5, $6, ino FROM i) "
        "SELECT ino, type, mode, size, mtime_ns FROM i",
        p, 6);
}

/* Create: BEGIN, lease, probe the name, insert inode and entry; COMMIT. */
long pgs_step_create(struct pgstore *s, struct pgs_req *r)
{
    long rc;
    switch (s->run.step++) {
    case 0: return pgs_begin(s);
    case 1: return pgs_lease_check(s);
    case 2: return s->run.rows == 0 ? ERR_READ_ONLY : pgs_probe(s, r->ino, r->name);
    case 3:
        if ((rc = pgs_probe_parent(s)) < 0)
            return rc;
        return s->run.null[1] ? create_insert(s, r) : ERR_ALREADY_EXISTS;
    default:
        if (s->run.rows != 1)
            return ERR_IO;
        s->run.res.attr = pgs_attr_at(s, 0);
        return 0;
    }
}

/* Queues the deletion of an inode: its entry and chunk map go with it (ON DELETE CASCADE), its chunks by the trigger. */
static long drop_inode(struct pgstore *s, int64_t ino)
{
    struct pg_param p[] = {pg_param_int8(s->vol), pg_param_int8(ino)};
    return pgs_exec(s, "DELETE FROM pgs_inode WHERE vol = $1 AND ino = $2", p, 2);
}

/* Unlink (a file) and rmdir (an empty directory): BEGIN, lease, probe, delete; COMMIT. */
long pgs_step_unlink(struct pgstore *s, struct pgs_req *r)
{
    long rc;
    switch (s->run.step++) {
    case 0: return pgs_begin(s);
    case 1: return pgs_lease_check(s);
    case 2: return s->run.rows == 0 ? ERR_READ_ONLY : pgs_probe(s, r->ino, r->name);
    case 3:
        if ((rc = pgs_probe_child(s)) < 0)
            return rc;
        if (r->op == PGS_OP_UNLINK && s->run.val[2] == PGS_DIR)
            return ERR_IS_DIR;
        if (r->op == PGS_OP_RMDIR && s->run.val[2] != PGS_DIR)
            return ERR_NOT_DIR;
        if (r->op == PGS_OP_RMDIR && s->run.val[3] != 0)
            return ERR_NOT_EMPTY;
        return drop_inode(s, s->run.val[1]);
    default: return 0;
    }
}

/* The target's verdict: 0 (free, or replaceable: keep[2] set), or why the rename cannot happen. */
static long rename_target(struct pgstore *s, struct pgs_req *r)
{
    long rc = pgs_probe_parent(s);
    if (rc < 0 || s->run.null[1])
        return rc;
    bool src_dir = s->run.keep[1] == PGS_DIR, dst_dir = s->run.val[2] == PGS_DIR;
    if (!r->replace)
        return ERR_ALREADY_EXISTS;
    if (src_dir && !dst_dir)
        return ERR_NOT_DIR;
    if (!src_dir && dst_dir)
        return ERR_IS_DIR;
    if (dst_dir && s->run.val[3] != 0)
        return ERR_NOT_EMPTY;
    s->run.keep[2] = s->run.val[1];
    return 0;
}

/* Queues the check that a directory is not moved under itself: is the source an ancestor of the target directory? */
static long rename_cycle(struct pgstore *s, struct pgs_req *r)
{
    struct pg_param p[] = {pg_param_int8((int64_t)r->ino2), pg_param_int8(s->run.keep[0])};
    return pgs_exec(s,
                    "WITH RECURSIVE up (ino) AS (SELECT $1::int8 UNION "
                    "SELECT d.dir FROM pgs_dirent d JOIN up ON d.child = up.ino) "
                    "SELECT count(*) FROM up WHERE ino = $2",
                    p, 2);
}

/* Queues the move of the entry itself. */
static long rename_move(struct pgstore *s, struct pgs_req *r)
{
    struct pg_param p[] = {pg_param_int8((int64_t)r->ino), pg_param_text(r->name),
                           pg_param_int8((int64_t)r->ino2), pg_param_text(r->name2)};
    return pgs_exec(s, "UPDATE pgs_dirent SET dir = $3, name = $4 WHERE dir = $1 AND name = $2", p, 4);
}

/* Rename: BEGIN, lease, probe source and target, no cycle, drop a replaced target, move the entry; COMMIT. */
long pgs_step_rename(struct pgstore *s, struct pgs_req *r)
{
    long rc;
    switch (s->run.step++) {
    case 0: return pgs_begin(s);
    case 1: return pgs_lease_check(s);
    case 2: return s->run.rows == 0 ? ERR_READ_ONLY : pgs_probe(s, r->ino, r->name);
    case 3:
        if ((rc = pgs_probe_child(s)) < 0)
            return rc;
        s->run.keep[0] = s->run.val[1], s->run.keep[1] = s->run.val[2], s->run.keep[2] = 0;
        return pgs_probe(s, r->ino2, r->name2);
    case 4:
        if ((rc = rename_target(s, r)) < 0)
            return rc;
        if (s->run.keep[2] == s->run.keep[0])
            return 0; /* renamed onto itself: nothing changes */
        if (s->run.keep[1] == PGS_DIR)
            return rename_cycle(s, r);
        s->run.val[0] = 0;
        /* fall through */
    case 5:
        if (s->run.val[0] != 0)
            return ERR_INVALID_ARG;
        if (s->run.keep[2] != 0) {
            s->run.step = 6;
            return drop_inode(s, s->run.keep[2]);
        }
        s->run.step = 7;
        return rename_move(s, r);
    case 6: return rename_move(s, r);
    default: return 0;
    }
}
