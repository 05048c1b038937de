/* stmt.c: the statement helpers every op of the store uses (queueing, decoding rows, the lease check, the name probe). */
#include "pgs.h"

#include <warp/error.h>

/* Forgets the previous statement's outcome before the next one. */
static void pgs_forget(struct pgstore *s)
{
    s->run.failed = false;
    s->run.cls = PG_ERR_NONE;
    s->run.rows = 0;
    s->run.row_error = 0;
    for (unsigned i = 0; i < PGS_ROW_VALS; i++) {
        s->run.val[i] = 0;
        s->run.null[i] = true;
    }
}

/* Queues sql with binary parameters and binary results, forgetting the last statement's outcome. */
long pgs_exec(struct pgstore *s, const char *sql, const struct pg_param *p, unsigned n)
{
    pgs_forget(s);
    long rc = pg_exec(&s->pg, sql, p, n, PG_FORMAT_BINARY);
    return rc < 0 ? rc : PGS_MORE;
}

/* Queues a simple query (several statements), forgetting the last statement's outcome. */
long pgs_query(struct pgstore *s, const char *sql)
{
    pgs_forget(s);
    long rc = pg_query(&s->pg, sql);
    return rc < 0 ? rc : PGS_MORE;
}

/* Queues BEGIN. */
long pgs_begin(struct pgstore *s)
{
    pgs_forget(s);
    long rc = pg_begin(&s->pg);
    return rc < 0 ? rc : PGS_MORE;
}

/*
 * Queues the lease check of a write. The UPDATE returns a row only while we hold an unexpired lease,
 * and it locks the lease row until our COMMIT: a second VM's acquire waits for it, so no write of ours
 * commits after someone else got the lease.
 */
long pgs_lease_check(struct pgstore *s)
{
    struct pg_param p[] = {pg_param_int8(s->vol), pg_param_text(s->holder)};
    return pgs_exec(s,
                    "UPDATE pgs_lease SET holder = holder WHERE vol = $1 AND holder = $2 "
                    "AND expires_at > now() RETURNING 1::int8",
                    p, 2);
}

/* Keeps the first row's int8 columns (binary) in s->run.val, nulls in s->run.null. */
void pgs_row_int8(struct pgstore *s, struct pgs_req *r, const struct pg_row *row)
{
    (void)r;
    if (s->run.rows++ > 0)
        return;
    for (unsigned i = 0; i < row->count && i < PGS_ROW_VALS; i++) {
        struct pg_value v;
        if (pg_row_get(row, i, &v) < 0 || v.null)
            continue;
        if (pg_value_int8(&v, &s->run.val[i]) < 0)
            s->run.row_error = ERR_BAD_FORMAT;
        else
            s->run.null[i] = false;
    }
}

/* Queues the probe of name in directory dir: parent type, child ino, child type, child has entries. */
long pgs_probe(struct pgstore *s, uint64_t dir, const char *name)
{
    struct pg_param p[] = {pg_param_int8(s->vol), pg_param_int8((int64_t)dir), pg_param_text(name)};
    return pgs_exec(s,
                    "SELECT p.type, c.ino, c.type, "
                    "(SELECT count(*) FROM (SELECT 1 FROM pgs_dirent e WHERE e.dir = c.ino LIMIT 1) x) "
                    "FROM pgs_inode p LEFT JOIN pgs_dirent d ON d.dir = p.ino AND d.name = $3 "
                    "LEFT JOIN pgs_inode c ON c.ino = d.child WHERE p.vol = $1 AND p.ino = $2",
                    p, 3);
}

/* The probe's verdict on the parent: 0, ERR_NOT_FOUND or ERR_NOT_DIR. */
long pgs_probe_parent(const struct pgstore *s)
{
    if (s->run.rows == 0)
        return ERR_NOT_FOUND;
    return s->run.val[0] == PGS_DIR ? 0 : ERR_NOT_DIR;
}

/* The probe's verdict on the name; see pgs.h. */
long pgs_probe_child(const struct pgstore *s)
{
    long rc = pgs_probe_parent(s);
    return rc < 0 ? rc : s->run.null[1] ? ERR_NOT_FOUND : 0;
}

/* The attributes in s->run.val[first..first+4] (ino, type, mode, size, mtime). */
struct pgs_attr pgs_attr_at(const struct pgstore *s, unsigned first)
{
    const int64_t *v = &s->run.val[first];
    return (struct pgs_attr){.ino = (uint64_t)v[0],
                             .type = (enum pgs_type)v[1],
                             .mode = (uint32_t)v[2],
                             .size = (uint64_t)v[3],
                             .mtime_ns = v[4]};
}
