/* write.c: committing a file's new contents: changed chunks stored once by hash, the chunk map, size and mtime, in one transaction. */
#include "pgs.h"

#include <crypto/sha256.h>
#include <warp/error.h>

/* Queues the chunk's row: inserted when its hash is new; an existing row is locked (see below). */
static long write_chunk(struct pgstore *s, const struct pgs_chunk *c)
{
    sha256(c->data, c->len, s->run.hash);
    struct pg_param p[] = {pg_param_bytea(s->run.hash, sizeof(s->run.hash)), pg_param_bytea(c->data, c->len)};
    /*
     * DO UPDATE rather than DO NOTHING: the no-op update locks an existing row until COMMIT, so that
     * another volume's transaction dropping the chunk's last reference cannot delete it between this
     * statement and our map row (its DELETE waits, then sees our reference). The bytes are not rewritten.
     */
    return pgs_exec(s,
                    "INSERT INTO pgs_chunk (hash, data) VALUES ($1, $2) "
                    "ON CONFLICT (hash) DO UPDATE SET refs = pgs_chunk.refs",
                    p, 2);
}

/* Queues the chunk map row of chunk c (the trigger moves the reference counts and frees the old chunk). */
static long write_map(struct pgstore *s, struct pgs_req *r, const struct pgs_chunk *c)
{
    struct pg_param p[] = {pg_param_int8((int64_t)r->ino), pg_param_int8((int64_t)c->index),
                           pg_param_bytea(s->run.hash, sizeof(s->run.hash))};
    return pgs_exec(s,
                    "INSERT INTO pgs_chunkmap (ino, idx, hash) VALUES ($1, $2, $3) "
                    "ON CONFLICT (ino, idx) DO UPDATE SET hash = EXCLUDED.hash "
                    "WHERE pgs_chunkmap.hash <> EXCLUDED.hash",
                    p, 3);
}

/* Queues the removal of the map rows past the new end of the file. */
static long write_truncate(struct pgstore *s, struct pgs_req *r)
{
    uint64_t chunks = r->size / PGS_CHUNK_SIZE + (r->size % PGS_CHUNK_SIZE != 0);
    struct pg_param p[] = {pg_param_int8((int64_t)r->ino), pg_param_int8((int64_t)chunks)};
    return pgs_exec(s, "DELETE FROM pgs_chunkmap WHERE ino = $1 AND idx >= $2", p, 2);
}

/* Write: BEGIN, lease, the inode's size and mtime, per chunk its row and its map row, the tail cut; COMMIT. */
long pgs_step_write(struct pgstore *s, struct pgs_req *r)
{
    struct pg_param p[] = {pg_param_int8(s->vol), pg_param_int8((int64_t)r->ino),
                           pg_param_int8((int64_t)r->size), pg_param_int8(r->mtime_ns)};
    switch (s->run.step++) {
    case 0: return pgs_begin(s);
    case 1: return pgs_lease_check(s);
    case 2:
        if (s->run.rows == 0)
            return ERR_READ_ONLY;
        return pgs_exec(
            s, "UPDATE pgs_inode SET size = $3, mtime_ns = $4 WHERE vol = $1 AND ino = $2 RETURNING type", p,
            4);
    case 3:
        if (s->run.rows == 0)
            return ERR_NOT_FOUND;
        if (s->run.val[0] == PGS_DIR)
            return ERR_IS_DIR;
        /* fall through */
    case 4: /* the next chunk, or the tail once all are in */
        if (s->run.chunk == r->nchunks) {
            s->run.step = 6;
            return write_truncate(s, r);
        }
        s->run.step = 5;
        return write_chunk(s, &r->chunks[s->run.chunk]);
    case 5: s->run.step = 4; return write_map(s, r, &r->chunks[s->run.chunk++]);
    default: return 0;
    }
}
