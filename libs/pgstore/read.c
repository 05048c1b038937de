/* read.c: the store's reading ops: lookup, getattr, readdir in bounded batches, one chunk's bytes (checked against its hash). */
#include "pgs.h"

#include <crypto/sha256.h>
#include <warp/error.h>
#include <warp/string.h>

/* Lookup: the parent's type and the child's attributes in one statement. */
long pgs_step_lookup(struct pgstore *s, struct pgs_req *r)
{
    struct pg_param p[] = {pg_param_int8(s->vol), pg_param_int8((int64_t)r->ino), pg_param_text(r->name)};
    switch (s->run.step++) {
    case 0:
        return pgs_exec(s,
                        "SELECT p.type, c.ino, c.type, c.mode, c.size, c.mtime_ns "
                        "FROM pgs_inode p LEFT JOIN pgs_dirent d ON d.dir = p.ino AND d.name = $3 "
                        "LEFT JOIN pgs_inode c ON c.ino = d.child WHERE p.vol = $1 AND p.ino = $2",
                        p, 3);
    default: {
        long rc = pgs_probe_child(s);
        if (rc < 0)
            return rc;
        s->run.res.attr = pgs_attr_at(s, 1);
        return 0;
    }
    }
}

/* Getattr: one inode's row. */
long pgs_step_getattr(struct pgstore *s, struct pgs_req *r)
{
    struct pg_param p[] = {pg_param_int8(s->vol), pg_param_int8((int64_t)r->ino)};
    switch (s->run.step++) {
    case 0:
        return pgs_exec(
            s, "SELECT ino, type, mode, size, mtime_ns FROM pgs_inode WHERE vol = $1 AND ino = $2", p, 2);
    default:
        if (s->run.rows == 0)
            return ERR_NOT_FOUND;
        s->run.res.attr = pgs_attr_at(s, 0);
        return 0;
    }
}

/* Readdir: the directory's type, then up to max + 1 entries after the cookie (the extra one tells `end`). */
long pgs_step_readdir(struct pgstore *s, struct pgs_req *r)
{
    struct pg_param p[] = {pg_param_int8(s->vol), pg_param_int8((int64_t)r->ino),
                           pg_param_int8((int64_t)r->index), pg_param_int8(r->max + 1)};
    switch (s->run.step++) {
    case 0: return pgs_exec(s, "SELECT type FROM pgs_inode WHERE vol = $1 AND ino = $2", p, 2);
    case 1:
        if (s->run.rows == 0)
            return ERR_NOT_FOUND;
        if (s->run.val[0] != PGS_DIR)
            return ERR_NOT_DIR;
        return pgs_exec(s,
                        "SELECT d.id, d.child, c.type, d.name, c.mode, c.size, c.mtime_ns FROM pgs_dirent d "
                        "JOIN pgs_inode c ON c.ino = d.child "
                        "WHERE d.dir = $1 AND d.id > $2 ORDER BY d.id LIMIT $3",
                        p + 1, 3);
    default: s->run.res.end = s->run.rows <= r->max; return 0;
    }
}

/* Copies one entry row (cookie, ino, type, name, mode, size, mtime) into the caller's array while it
 * has room. */
void pgs_row_readdir(struct pgstore *s, struct pgs_req *r, const struct pg_row *row)
{
    if (s->run.step != 2) { /* the directory's type */
        pgs_row_int8(s, r, row);
        return;
    }
    s->run.rows++;
    if (s->run.res.count >= r->max)
        return; /* the extra row: more entries follow */
    struct pgs_dirent *e = (struct pgs_dirent *)r->buf + s->run.res.count;
    struct pg_value name, col;
    int64_t v[7];
    for (unsigned i = 0; i < 7; i++) {
        if (i == 3)
            continue;
        if (pg_row_get(row, i, &col) < 0 || pg_value_int8(&col, &v[i]) < 0) {
            s->run.row_error = ERR_BAD_FORMAT;
            return;
        }
    }
    if (pg_row_get(row, 3, &name) < 0 || name.null || name.len == 0 || name.len >= PGS_NAME_MAX || v[5] < 0) {
        s->run.row_error = ERR_BAD_FORMAT;
        return;
    }
    e->cookie = (uint64_t)v[0];
    e->ino = (uint64_t)v[1];
    e->type = (enum pgs_type)v[2];
    e->mode = (uint32_t)v[4];
    e->size = (uint64_t)v[5];
    e->mtime_ns = v[6];
    memcpy(e->name, name.data, name.len);
    e->name[name.len] = '\0';
    s->run.res.count++;
}

/* Read: the inode's type, the chunk's hash and bytes (both null: a hole or past the end). */
long pgs_step_read(struct pgstore *s, struct pgs_req *r)
{
    struct pg_param p[] = {pg_param_int8(s->vol), pg_param_int8((int64_t)r->ino),
                           pg_param_int8((int64_t)r->index)};
    switch (s->run.step++) {
    case 0:
        return pgs_exec(s,
                        "SELECT i.type, m.hash, c.data FROM pgs_inode i "
                        "LEFT JOIN pgs_chunkmap m ON m.ino = i.ino AND m.idx = $3 "
                        "LEFT JOIN pgs_chunk c ON c.hash = m.hash WHERE i.vol = $1 AND i.ino = $2",
                        p, 3);
    default:
        if (s->run.rows == 0)
            return ERR_NOT_FOUND;
        return s->run.val[0] == PGS_DIR ? ERR_IS_DIR : 0;
    }
}

/* Checks one chunk row and copies its bytes into the caller's buffer: bytes that miss their hash are ERR_IO. */
void pgs_row_read(struct pgstore *s, struct pgs_req *r, const struct pg_row *row)
{
    struct pg_value type, hash, data;
    if (s->run.rows++ > 0 || pg_row_get(row, 0, &type) < 0 || pg_row_get(row, 1, &hash) < 0 ||
        pg_row_get(row, 2, &data) < 0 || pg_value_int8(&type, &s->run.val[0]) < 0) {
        s->run.row_error = ERR_BAD_FORMAT;
        return;
    }
    if (hash.null && data.null)
        return; /* a hole: the caller reads zeros */
    uint8_t sum[SHA256_DIGEST_LEN];
    if (hash.null || data.null || hash.len != SHA256_DIGEST_LEN || data.len > PGS_CHUNK_SIZE) {
        s->run.row_error = ERR_IO;
        return;
    }
    sha256(data.data, data.len, sum);
    if (memcmp(sum, hash.data, sizeof(sum)) != 0) {
        s->run.row_error = ERR_IO;
        return;
    }
    memcpy(r->buf, data.data, data.len);
    s->run.res.len = data.len;
}
