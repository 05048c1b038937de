/* schema.c: opening a volume: the schema created on first use and its version checked, the volume row and its root directory. */
#include "pgs.h"

#include <warp/error.h>

/*
 * Version 1 of the schema (docs/persistence.md). Created once, in the transaction that finds no
 * pgs_schema row. The trigger keeps pgs_chunk.refs equal to the pgs_chunkmap rows naming the chunk
 * and deletes a chunk in the statement that drops its last reference.
 */
static const char schema_v1[] =
    "CREATE TABLE pgs_volume (id int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE, "
    "root int8);"
    "CREATE TABLE pgs_inode (ino int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
    "vol int8 NOT NULL REFERENCES pgs_volume (id), type int8 NOT NULL CHECK (type IN (1, 2)), "
    "mode int8 NOT NULL, size int8 NOT NULL DEFAULT 0 CHECK (size >= 0), mtime_ns int8 NOT NULL);"
    "CREATE TABLE pgs_dirent (id int8 GENERATED ALWAYS AS IDENTITY UNIQUE, "
    "dir int8 NOT NULL REFERENCES pgs_inode (ino) ON DELETE CASCADE, name text NOT NULL, "
    "child int8 NOT NULL UNIQUE REFERENCES pgs_inode (ino) ON DELETE CASCADE, PRIMARY KEY (dir, name));"
    "CREATE TABLE pgs_chunk (hash bytea PRIMARY KEY CHECK (length(hash) = 32), data bytea NOT NULL, "
    "refs int8 NOT NULL DEFAULT 0);"
    "CREATE TABLE pgs_chunkmap (ino int8 NOT NULL REFERENCES pgs_inode (ino) ON DELETE CASCADE, "
    "idx int8 NOT NULL CHECK (idx >= 0), hash bytea NOT NULL, PRIMARY KEY (ino, idx));"
    "CREATE TABLE pgs_lease (vol int8 PRIMARY KEY REFERENCES pgs_volume (id), holder text NOT NULL, "
    "expires_at timestamptz NOT NULL);"
    "CREATE FUNCTION pgs_chunk_refs() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'UPDATE' AND OLD.hash = NEW.hash THEN RETURN NULL; END IF; "
    "IF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE pgs_chunk SET refs = refs + 1 WHERE hash = NEW.hash; END IF; "
    "IF TG_OP IN ('DELETE', 'UPDATE') THEN "
    "UPDATE pgs_chunk SET refs = refs - 1 WHERE hash = OLD.hash; "
    "DELETE FROM pgs_chunk WHERE hash = OLD.hash AND refs <= 0; END IF; "
    "RETURN NULL; END $$;"
    "CREATE TRIGGER pgs_chunk_refs AFTER INSERT OR DELETE OR UPDATE OF hash ON pgs_chunkmap "
    "FOR EACH ROW EXECUTE FUNCTION pgs_chunk_refs();"
    "INSERT INTO pgs_schema (version) VALUES (1)";

/* Queues the volume row's insertion (nothing when it exists). */
static long open_volume_row(struct pgstore *s)
{
    struct pg_param p = pg_param_text(s->volume);
    return pgs_exec(s, "INSERT INTO pgs_volume (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", &p, 1);
}

/* Queues the root directory's creation, recorded in the volume row. */
static long open_root(struct pgstore *s)
{
    struct pg_param p = pg_param_int8(s->vol);
    return pgs_exec(s,
                    "WITH i AS (INSERT INTO pgs_inode (vol, type, mode, size, mtime_ns) "
                    "VALUES ($1, 2, 493, 0, 0) RETURNING ino) "
                    "UPDATE pgs_volume v SET root = i.ino FROM i WHERE v.id = $1 RETURNING v.id, v.root",
                    &p, 1);
}

/* Open: BEGIN, the schema lock, pgs_schema, its version (creating v1), the volume, its root; COMMIT. */
long pgs_step_open(struct pgstore *s, struct pgs_req *r)
{
    (void)r;
    struct pg_param name = pg_param_text(s->volume);
    switch (s->run.step++) {
    case 0: return pgs_begin(s);
    case 1: /* first users racing to create the schema take turns; the lock ends with the transaction */
        return pgs_query(s, "SELECT FROM pg_advisory_xact_lock(7310459201); "
                            "CREATE TABLE IF NOT EXISTS pgs_schema (version int8 NOT NULL)");
    case 2: return pgs_exec(s, "SELECT max(version) FROM pgs_schema", NULL, 0);
    case 3:
        if (s->run.null[0])
            return pgs_query(s, schema_v1);
        if (s->run.val[0] > PGS_SCHEMA_VERSION)
            return ERR_NOT_SUPPORTED; /* a newer Warp made this database: do not touch it */
        s->run.step++;
        return open_volume_row(s);
    case 4: return open_volume_row(s);
    case 5: return pgs_exec(s, "SELECT id, root FROM pgs_volume WHERE name = $1", &name, 1);
    case 6:
        if (s->run.rows != 1 || s->run.null[0])
            return ERR_IO;
        s->vol = s->run.val[0];
        if (s->run.null[1])
            return open_root(s);
        s->root = (uint64_t)s->run.val[1];
        return 0;
    case 7:
        if (s->run.rows != 1 || s->run.null[1])
            return ERR_IO;
        s->root = (uint64_t)s->run.val[1];
        return 0;
    default: return ERR_BAD_STATE;
    }
}
