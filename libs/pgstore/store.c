/* store.c: the store's engine: the bounded request queue, libs/pg's events, the end of each transaction, completions. */
#include "pgs.h"

#include <warp/error.h>
#include <warp/string.h>

/* Each op's steps, its row reader and whether it needs an opened volume. */
static const struct pgs_opdef {
    pgs_step_fn step;
    pgs_row_fn row;
    bool needs_volume;
} pgs_ops[PGS_OP_COUNT] = {
    [PGS_OP_OPEN] = {pgs_step_open, pgs_row_int8, false},
    [PGS_OP_LEASE_ACQUIRE] = {pgs_step_acquire, pgs_row_int8, true},
    [PGS_OP_LEASE_RENEW] = {pgs_step_renew, pgs_row_int8, true},
    [PGS_OP_LEASE_RELEASE] = {pgs_step_release, pgs_row_int8, true},
    [PGS_OP_LOOKUP] = {pgs_step_lookup, pgs_row_int8, true},
    [PGS_OP_GETATTR] = {pgs_step_getattr, pgs_row_int8, true},
    [PGS_OP_READDIR] = {pgs_step_readdir, pgs_row_readdir, true},
    [PGS_OP_READ] = {pgs_step_read, pgs_row_read, true},
    [PGS_OP_WRITE] = {pgs_step_write, pgs_row_int8, true},
    [PGS_OP_CREATE] = {pgs_step_create, pgs_row_int8, true},
    [PGS_OP_UNLINK] = {pgs_step_unlink, pgs_row_int8, true},
    [PGS_OP_RMDIR] = {pgs_step_unlink, pgs_row_int8, true},
    [PGS_OP_RENAME] = {pgs_step_rename, pgs_row_int8, true},
};

/* The Warp error a PostgreSQL error class stands for in the store (ERR_IO for most). */
long pgs_err_of(enum pg_errclass cls)
{
    switch (cls) {
    case PG_ERR_NONE: return 0;
    case PG_ERR_UNIQUE: return ERR_ALREADY_EXISTS;     /* a name taken between our probe and our insert */
    case PG_ERR_SERIALIZATION: return ERR_WOULD_BLOCK; /* deadlock victim: the caller retries */
    case PG_ERR_CONNECTION: return ERR_PEER_CLOSED;
    default: return ERR_IO;
    }
}

/* The request at the head of the queue. */
static struct pgs_req *pgs_head(struct pgstore *s)
{
    return &s->queue[s->head];
}

/* Takes the head request off the queue and reports its result (the callback may submit more). */
static void pgs_complete(struct pgstore *s, long status)
{
    struct pgs_req req = *pgs_head(s);
    struct pgs_result res = s->run.res;
    res.status = status;
    if (req.op == PGS_OP_OPEN && status < 0)
        s->vol = 0, s->root = 0; /* its volume row may have been rolled back: open again first */
    s->head = (s->head + 1) % PGS_QUEUE_MAX;
    s->count--;
    memset(&s->run, 0, sizeof(s->run));
    s->done(s->ctx, &req, &res);
}

/* The op decided (status): end an open transaction (COMMIT after success, ROLLBACK else) or complete. */
static void pgs_decided(struct pgstore *s, long status)
{
    if (pg_txstatus(&s->pg) == 'I') {
        pgs_complete(s, status);
        return;
    }
    long rc = status == 0 ? pg_commit(&s->pg) : pg_rollback(&s->pg);
    if (rc < 0) { /* the output buffer cannot take even that: a broken caller; the session is unusable */
        pgs_complete(s, rc);
        return;
    }
    s->run.ending = true;
    s->run.final = status;
}

/* Starts the head request, or runs its next step; repeats while requests finish without a statement. */
static void pgs_kick(struct pgstore *s)
{
    while (s->count > 0 && pg_state(&s->pg) == PG_STATE_READY) {
        struct pgs_req *r = pgs_head(s);
        const struct pgs_opdef *op = &pgs_ops[r->op];
        if (!s->run.active) {
            memset(&s->run, 0, sizeof(s->run));
            s->run.active = true;
            if (op->needs_volume && s->vol == 0) {
                pgs_complete(s, ERR_BAD_STATE);
                continue;
            }
        }
        long rc = op->step(s, r);
        if (rc == PGS_MORE)
            return;
        pgs_decided(s, rc);
        if (s->run.ending)
            return;
    }
}

/* A statement ended (ReadyForQuery): COMMIT/ROLLBACK done, a failure decided, or the op's next step. */
static void pgs_ready(struct pgstore *s)
{
    if (s->count == 0 || !s->run.active)
        return;
    if (s->run.ending) {
        long status = s->run.final;
        if (s->run.failed && status == 0)
            status = pgs_err_of(s->run.cls); /* COMMIT failed: nothing of it holds */
        pgs_complete(s, status);
    } else if (s->run.failed) {
        pgs_decided(s, pgs_err_of(s->run.cls));
    } else if (s->run.row_error) {
        pgs_decided(s, s->run.row_error);
    } else {
        pgs_kick(s);
        return;
    }
    if (!s->run.active)
        pgs_kick(s);
}

/* libs/pg's events: rows go to the op, errors are noted, ReadyForQuery moves the request on. */
static void pgs_on_event(void *ctx, const struct pg_event *ev)
{
    struct pgstore *s = ctx;
    switch (ev->type) {
    case PG_EV_CONNECTED: pgs_kick(s); break;
    case PG_EV_ROW:
        if (s->count > 0 && s->run.active)
            pgs_ops[pgs_head(s)->op].row(s, pgs_head(s), &ev->row);
        break;
    case PG_EV_ERROR:
        if (!s->run.failed) {
            s->run.failed = true;
            s->run.cls = ev->error->cls;
        }
        break;
    case PG_EV_READY: pgs_ready(s); break;
    default: break;
    }
}

/* Sets s up over the caller's pg buffers (each at least PGS_BUF_MIN). Returns 0 or ERR_INVALID_ARG/TOO_LARGE. */
long pgstore_init(struct pgstore *s, const struct pgstore_config *cfg, uint8_t *in, size_t in_cap,
                  uint8_t *out, size_t out_cap)
{
    if (!cfg->volume || !cfg->holder || !cfg->done || in_cap < PGS_BUF_MIN || out_cap < PGS_BUF_MIN)
        return ERR_INVALID_ARG;
    size_t vlen = strnlen(cfg->volume, PGS_NAME_MAX), hlen = strnlen(cfg->holder, PGS_HOLDER_MAX);
    if (vlen == 0 || vlen == PGS_NAME_MAX || hlen == 0 || hlen == PGS_HOLDER_MAX)
        return ERR_TOO_LARGE;
    memset(s, 0, sizeof(*s));
    struct pg_config pc = cfg->pg;
    pc.on_event = pgs_on_event;
    pc.event_ctx = s;
    long rc = pg_init(&s->pg, &pc, in, in_cap, out, out_cap);
    if (rc < 0)
        return rc;
    memcpy(s->volume, cfg->volume, vlen + 1);
    memcpy(s->holder, cfg->holder, hlen + 1);
    s->done = cfg->done;
    s->ctx = cfg->ctx;
    return 0;
}

/* The transport is up: queues the login (pg_start). Returns 0 or ERR_BAD_STATE. */
long pgstore_start(struct pgstore *s)
{
    return pg_start(&s->pg);
}

/* The connection, for pg_output and pg_consume. */
struct pg_conn *pgstore_pg(struct pgstore *s)
{
    return &s->pg;
}

/* The root directory's inode (0 until a volume was opened). */
uint64_t pgstore_root(const struct pgstore *s)
{
    return s->root;
}

/* The transport is gone or timed out: the running request completes with err, the session is reset. */
void pgstore_disconnected(struct pgstore *s, long err)
{
    pg_reset(&s->pg);
    if (s->count > 0 && s->run.active)
        pgs_complete(s, err);
}

/* Takes received bytes; a connection failure completes the running request and resets the session. */
long pgstore_feed(struct pgstore *s, const void *data, size_t len)
{
    long rc = pg_feed(&s->pg, data, len);
    if (rc < 0)
        pgstore_disconnected(s, rc == ERR_PEER_CLOSED ? rc : pgs_err_of(pg_last_error(&s->pg)->cls));
    return rc;
}

/* A name the store takes: 1..255 bytes, no '/', not "." or "..". */
static bool pgs_name_ok(const char *name)
{
    size_t n = strnlen(name, PGS_NAME_MAX);
    if (n == 0 || n == PGS_NAME_MAX || (name[0] == '.' && (n == 1 || (n == 2 && name[1] == '.'))))
        return false;
    for (size_t i = 0; i < n; i++)
        if (name[i] == '/')
            return false;
    return true;
}

/* Checks a write's chunks: each within the chunk size, inside the new size, full unless it is the last. */
static bool pgs_chunks_ok(const struct pgs_req *r)
{
    if (r->nchunks > 0 && !r->chunks)
        return false;
    for (unsigned i = 0; i < r->nchunks; i++) {
        const struct pgs_chunk *c = &r->chunks[i];
        uint64_t start = c->index * PGS_CHUNK_SIZE;
        if (c->index >= (UINT64_MAX / PGS_CHUNK_SIZE) || start >= r->size || c->len > PGS_CHUNK_SIZE ||
            c->len != (r->size - start < PGS_CHUNK_SIZE ? r->size - start : PGS_CHUNK_SIZE) ||
            (!c->data && c->len))
            return false;
    }
    return r->size <= INT64_MAX;
}

/* Checks the fields req's op uses: 0, ERR_INVALID_ARG or ERR_NAME_TOO_LONG. */
static long pgs_req_check(const struct pgs_req *r)
{
    bool named = r->op == PGS_OP_LOOKUP || r->op == PGS_OP_CREATE || r->op == PGS_OP_UNLINK ||
                 r->op == PGS_OP_RMDIR || r->op == PGS_OP_RENAME;
    if ((unsigned)r->op >= PGS_OP_COUNT)
        return ERR_INVALID_ARG;
    if (named && !pgs_name_ok(r->name))
        return strnlen(r->name, PGS_NAME_MAX) == PGS_NAME_MAX ? ERR_NAME_TOO_LONG : ERR_INVALID_ARG;
    if (r->op == PGS_OP_RENAME && !pgs_name_ok(r->name2))
        return strnlen(r->name2, PGS_NAME_MAX) == PGS_NAME_MAX ? ERR_NAME_TOO_LONG : ERR_INVALID_ARG;
    if (r->op == PGS_OP_CREATE && ((r->type != PGS_FILE && r->type != PGS_DIR) || r->mode > 07777))
        return ERR_INVALID_ARG;
    if (r->op == PGS_OP_READDIR &&
        (!r->buf || r->max == 0 || r->max > PGS_READDIR_MAX || r->index > INT64_MAX))
        return ERR_INVALID_ARG;
    if (r->op == PGS_OP_READ && (!r->buf || r->index > INT64_MAX / PGS_CHUNK_SIZE))
        return ERR_INVALID_ARG;
    if (r->op == PGS_OP_WRITE && !pgs_chunks_ok(r))
        return ERR_INVALID_ARG;
    if ((r->op == PGS_OP_LEASE_ACQUIRE || r->op == PGS_OP_LEASE_RENEW) && r->lease_ms == 0)
        return ERR_INVALID_ARG;
    return 0;
}

/* Queues a copy of req. Returns 0, ERR_QUEUE_FULL, ERR_INVALID_ARG (bad fields), ERR_NAME_TOO_LONG. */
long pgstore_submit(struct pgstore *s, const struct pgs_req *req)
{
    long rc = pgs_req_check(req);
    if (rc < 0)
        return rc;
    if (s->count == PGS_QUEUE_MAX)
        return ERR_QUEUE_FULL;
    s->queue[(s->head + s->count) % PGS_QUEUE_MAX] = *req;
    s->count++;
    if (s->count == 1)
        pgs_kick(s);
    return 0;
}
