/* pgfs.c: the persistent mount over libs/pgstore: its start, the lease, the tree's load into the tmpfs
 * mirror, and the store's answers (pgfs.h; chunks in pgfs_data.c, names in pgfs_names.c). */
#include "pgfs.h"
#include "pgfs_scan.h"

#include <warp/clock.h>
#include <warp/fmt.h>
#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

/*
 * The tree is read whole at the start (readdirs, one at a time, depth first) into f->tree, so
 * lookups never wait. Names change write-through: a create, unlink, rmdir or rename is answered once
 * its transaction committed, and only then does the tree change. File bytes are written back: a write
 * lands in the tmpfs and marks its chunks dirty; a commit (pgfs_sync, or PGFS_DIRTY_MAX dirty bytes)
 * sends them with the size in one transaction. A read of a chunk the cache does not hold waits for
 * one PGS_OP_READ. Clean chunks are dropped, least recently used file first, when the tmpfs is full.
 * Requests lost with the connection are sent again (reads, commits and the lease are idempotent);
 * a change of names lost that way is answered ERR_IO (its outcome is unknown, docs/persistence.md).
 */

static struct pgs_dirent pgfs_dirents[PGS_READDIR_MAX];

/* ---- the start: the volume, the lease, the tree ---- */

/* Asks for the next batch of the directory at the front of the load (cookie after). */
static void pgfs_readdir(struct pgfs *f, struct tmpfs_node *dir, uint64_t cookie)
{
    if (pgfs_readdir_submit(f, PGFS_OP_READDIR, dir, cookie, pgfs_dirents) < 0)
        pgfs_log(f, "cannot queue a readdir; the mount is not served");
}

/* A readdir batch came: its entries join the tree; then the next batch or directory, or ready. */
static void pgfs_on_readdir(struct pgfs *f, struct pgfs_op *op, const struct pgs_result *res)
{
    struct tmpfs_node *dir = op->node;
    for (unsigned i = 0; i < res->count; i++) {
        struct tmpfs_node *n = pgfs_add_node(f, dir, &pgfs_dirents[i]);
        if (n && tmpfs_is_dir(n) && pgfs_dir_push(f, n) < 0)
            pgfs_log(f, "no memory for the tree's load: a directory is left empty");
    }
    if (!res->end && res->count > 0) {
        pgfs_readdir(f, dir, pgfs_dirents[res->count - 1].cookie);
        return;
    }
    if (f->ndirs > 0) { /* the next directory, last in first out: depth first, the list stays short */
        struct tmpfs_node *next = f->dirs[--f->ndirs];
        pgfs_readdir(f, next, 0);
        tmpfs_release(&f->tree, next); /* the readdir holds it now */
        return;
    }
    free(f->dirs);
    f->dirs = NULL;
    f->dirs_cap = 0;
    f->state = PGFS_READY;
    char msg[160];
    fmt_snprintf(msg, sizeof(msg), "volume '%s' served (%llu nodes, %s)", f->conf.volume,
                 (unsigned long long)f->nodes, f->writer ? "writer" : "read-only: another holds the lease");
    pgfs_log(f, msg);
    f->on_ready(f);
}

/* The writer becomes read-only (why: logged); it asks for the lease again like any replica. */
static void pgfs_lose_lease(struct pgfs *f, const char *why)
{
    if (!f->writer)
        return;
    f->writer = false;
    if (f->read_only)
        *f->read_only = true;
    char msg[160];
    fmt_snprintf(msg, sizeof(msg), "%s: read-only until the lease is free again", why);
    pgfs_log(f, msg);
    pgfs_fail_commits(f, ERR_READ_ONLY); /* what is not committed now cannot be */
}

/* Every third of the lease: the writer renews it; a read-only mount asks for it, and becomes the
 * writer once the holder has let it expire (a machine replaced by a new one). */
static void pgfs_on_lease_timer(struct loop *l, struct loop_timeout *t, void *ctx)
{
    struct pgfs *f = ctx;
    uint64_t now = warp_clock();
    if (f->writer && now - f->lease_ok_ns >= (uint64_t)f->conf.lease_s * 1000000000u)
        pgfs_lose_lease(f, "no renewal came through in time (the database unreachable)");
    struct pgfs_op *op = f->writer ? pgfs_op_new(PGFS_OP_RENEW, PGS_OP_LEASE_RENEW)
                                   : pgfs_op_new(PGFS_OP_TAKE, PGS_OP_LEASE_ACQUIRE);
    if (op) {
        op->req.lease_ms = f->conf.lease_s * 1000u;
        op->sent_ns = now;
        pgfs_submit(f, op);
    }
    loop_timeout_after(l, t, (uint64_t)f->conf.lease_s * 1000000000u / 3);
}

/* Every refresh interval: a read-only mount reads its tree again (the writer's changes come in). */
static void pgfs_on_refresh_timer(struct loop *l, struct loop_timeout *t, void *ctx)
{
    struct pgfs *f = ctx;
    if (!f->writer)
        pgfs_scan_start(f);
    loop_timeout_after(l, t, (uint64_t)f->conf.refresh_s * 1000000000u);
}

/* Every second: syncs that waited too long fail. */
static void pgfs_on_sync_timer(struct loop *l, struct loop_timeout *t, void *ctx)
{
    pgfs_expire_syncs(ctx);
    loop_timeout_after(l, t, 1000000000u);
}

/* The volume opened, the lease answered: the tree's load starts. */
static void pgfs_on_lease(struct pgfs *f, uint64_t op_sent_ns, long status)
{
    f->writer = status == 0;
    f->lease_ok_ns = op_sent_ns;
    if (status < 0 && status != ERR_READ_ONLY) {
        char msg[96];
        fmt_snprintf(msg, sizeof(msg), "the lease failed (%s): read-only", err_str(status));
        pgfs_log(f, msg);
    }
    loop_timeout_after(f->l, &f->lease_timer, (uint64_t)f->conf.lease_s * 1000000000u / 3);
    f->tree.root->ext_ino = pgstore_root(&f->store);
    f->state = PGFS_TREE;
    pgfs_readdir(f, f->tree.root, 0);
}

/* A renewal's answer: losing the lease makes the mount read-only. */
static void pgfs_on_renew(struct pgfs *f, const struct pgfs_op *op, long status)
{
    if (status == 0 && f->writer && op->sent_ns > f->lease_ok_ns)
        f->lease_ok_ns = op->sent_ns;
    if (status == ERR_READ_ONLY)
        pgfs_lose_lease(f, "the lease was taken");
}

/* A read-only mount's request for the lease was answered: on success it is the writer now. */
static void pgfs_on_take(struct pgfs *f, const struct pgfs_op *op, long status)
{
    if (status != 0 || f->writer)
        return;
    f->writer = true;
    f->lease_ok_ns = op->sent_ns;
    if (f->read_only)
        *f->read_only = false;
    pgfs_log(f, "took the lease: writer from now on");
}

/* ---- the store's answers ---- */

/* Every request's end. */
static void pgfs_on_done(void *ctx, const struct pgs_req *req, const struct pgs_result *res)
{
    struct pgfs *f = ctx;
    struct pgfs_op *op = req->tag;
    if (pgfs_link_error(res->status) && op->kind != PGFS_OP_NAMES) {
        struct pgs_req again = op->req; /* idempotent: once more, after the reconnect */
        again.tag = op;
        if (pgstore_submit(&f->store, &again) == 0)
            return;
    }
    switch (op->kind) {
    case PGFS_OP_OPEN:
        if (res->status < 0) {
            char msg[128];
            fmt_snprintf(msg, sizeof(msg), "cannot open volume '%s': %s; not mounted", f->conf.volume,
                         err_str(res->status));
            pgfs_log(f, msg);
        }
        break;
    case PGFS_OP_LEASE:
        if (f->store.vol)
            pgfs_on_lease(f, op->sent_ns, res->status);
        break;
    case PGFS_OP_RENEW: pgfs_on_renew(f, op, res->status); break;
    case PGFS_OP_TAKE: pgfs_on_take(f, op, res->status); break;
    case PGFS_OP_READDIR: pgfs_on_readdir(f, op, res); break;
    case PGFS_OP_SCAN: pgfs_on_scan(f, op, res); break;
    case PGFS_OP_LOAD: pgfs_on_load(f, op, res); break;
    case PGFS_OP_COMMIT: pgfs_on_commit(f, op, res->status); break;
    case PGFS_OP_NAMES: pgfs_on_names(f, op, res); break;
    }
    if (op->node)
        tmpfs_release(&f->tree, op->node);
    if (op->node2)
        tmpfs_release(&f->tree, op->node2);
    free(op);
}

/* The link came up or went down. */
static void pgfs_on_link(void *ctx, bool up, long why)
{
    (void)ctx;
    (void)up;
    (void)why; /* pglink logs; lost requests come back through pgfs_on_done */
}

/* The store's nonces and the holder id: SYS_ENTROPY. */
static long pgfs_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    return warp_entropy(buf, len) == (long)len ? 0 : ERR_IO;
}

/* Start; see pgfs.h. */
long pgfs_start(struct pgfs *f, struct loop *l, const struct pgconf *conf, uint64_t cache_bytes,
                void (*on_ready)(struct pgfs *f))
{
    uint8_t id[8];
    char holder[PGS_HOLDER_MAX];
    memset(f, 0, sizeof(*f));
    f->conf = *conf;
    f->l = l;
    f->on_ready = on_ready;
    long r = tmpfs_init(&f->tree, cache_bytes, 0777, clock_ns);
    if (r < 0)
        return r;
    f->tree.node_gone = pgfs_node_gone;
    f->tree.gone_ctx = f;
    f->tree.file_max = PGFS_FILE_MAX; /* a file's chunks come and go: it may outgrow the mirror */
    if (pgfs_random(NULL, id, sizeof(id)) < 0)
        return ERR_IO;
    fmt_snprintf(holder, sizeof(holder), "warp-fs-%02x%02x%02x%02x%02x%02x%02x%02x", id[0], id[1], id[2],
                 id[3], id[4], id[5], id[6], id[7]);
    struct pgstore_config cfg = {.pg = {.user = f->conf.user,
                                        .database = f->conf.database,
                                        .application_name = "warp-fs",
                                        .password = f->conf.password,
                                        .random = pgfs_random},
                                 .volume = f->conf.volume,
                                 .holder = holder,
                                 .done = pgfs_on_done,
                                 .ctx = f};
    r = pgstore_init(&f->store, &cfg, f->pg_in, sizeof(f->pg_in), f->pg_out, sizeof(f->pg_out));
    struct pgfs_op *open = r < 0 ? NULL : pgfs_op_new(PGFS_OP_OPEN, PGS_OP_OPEN);
    struct pgfs_op *lease = open ? pgfs_op_new(PGFS_OP_LEASE, PGS_OP_LEASE_ACQUIRE) : NULL;
    if (!lease) {
        free(open);
        return r < 0 ? r : ERR_NO_MEMORY;
    }
    lease->req.lease_ms = f->conf.lease_s * 1000u;
    lease->sent_ns = warp_clock();
    loop_timeout_init(&f->lease_timer, pgfs_on_lease_timer, f);
    loop_timeout_init(&f->sync_timer, pgfs_on_sync_timer, f);
    loop_timeout_init(&f->refresh_timer, pgfs_on_refresh_timer, f);
    loop_timeout_after(l, &f->refresh_timer, (uint64_t)f->conf.refresh_s * 1000000000u);
    loop_timeout_after(l, &f->sync_timer, 1000000000u);
    pglink_start(&f->link, l, &f->store, &f->conf, pgfs_on_link, f);
    r = pgfs_submit(f, open);
    if (r == 0)
        r = pgfs_submit(f, lease);
    else
        free(lease);
    return r;
}

/* The counters; see pgfs.h. */
void pgfs_stats(const struct pgfs *f, char *buf, size_t size)
{
    fmt_snprintf(buf, size,
                 "pg_fetched=%llu pg_commits=%llu pg_committed=%llu pg_hits=%llu pg_misses=%llu "
                 "pg_evictions=%llu pg_errors=%llu pg_refreshes=%llu pg_cache=%llu",
                 (unsigned long long)f->c.fetched_bytes, (unsigned long long)f->c.commits,
                 (unsigned long long)f->c.committed_bytes, (unsigned long long)f->c.hits,
                 (unsigned long long)f->c.misses, (unsigned long long)f->c.evictions,
                 (unsigned long long)f->c.errors, (unsigned long long)f->c.refreshes,
                 (unsigned long long)f->tree.bytes_used);
}
