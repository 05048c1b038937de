/* pgfs.c: the persistent mount over libs/pgstore, its tree and chunk cache in a tmpfs (pgfs.h). */
#include "pgfs.h"

#include <warp/clock.h>
#include <warp/fmt.h>
#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

/*
 * The tree is read whole at the start (readdirs, one at a time, breadth first) into f->tree, so
 * lookups never wait. Names change write-through: a create, unlink, rmdir or rename is answered once
 * its transaction committed, and only then does the tree change. File bytes are written back: a write
 * lands in the tmpfs and marks its chunks dirty; a commit (pgfs_sync, or PGFS_DIRTY_MAX dirty bytes)
 * sends them with the size in one transaction. A read of a chunk the cache does not hold waits for
 * one PGS_OP_READ. Clean chunks are dropped, least recently used file first, when the tmpfs is full.
 * Requests lost with the connection are sent again (reads, commits and the lease are idempotent);
 * a change of names lost that way is answered ERR_IO (its outcome is unknown, docs/persistence.md).
 */

#define PGFS_CH PGS_CHUNK_SIZE

/* What a request was sent for. */
enum pgfs_kind {
    PGFS_OP_OPEN,
    PGFS_OP_LEASE,
    PGFS_OP_RENEW,
    PGFS_OP_TAKE, /* a read-only mount asks for the lease again */
    PGFS_OP_READDIR,
    PGFS_OP_LOAD,
    PGFS_OP_COMMIT,
    PGFS_OP_NAMES,
};

/* One request of ours in the store's queue. */
struct pgfs_op {
    enum pgfs_kind kind;
    struct pgs_req req;
    struct tmpfs_node *node, *node2; /* held while the request runs (node2: rename's target) */
    struct pgfs_wait *wait;          /* names: the caller's */
    uint8_t *data;                   /* commit: the chunks' bytes */
    struct pgs_chunk *chunks;
};

static struct pgs_dirent pgfs_dirents[PGS_READDIR_MAX];

static void pgfs_commit(struct pgfs *f, struct tmpfs_node *n);

/* Logs "fs: /NAME: text". */
static void pgfs_log(const struct pgfs *f, const char *text)
{
    printf("fs: /%s: %s\n", f->conf.name, text);
}

/* The file record of node n (NULL for a directory). */
static struct pgfs_file *pgfs_file_of(const struct tmpfs_node *n)
{
    return tmpfs_is_dir(n) ? NULL : n->ext;
}

/* Chunks a file of size bytes has. */
static uint64_t pgfs_chunks(uint64_t size)
{
    return (size + PGFS_CH - 1) / PGFS_CH;
}

/* Makes room in file's state for chunk index: 0 or ERR_NO_MEMORY. */
static long pgfs_state_grow(struct pgfs_file *file, uint64_t index)
{
    if (index < file->nstate)
        return 0;
    if (index >= (1u << 26))
        return ERR_NO_RESOURCES; /* 4 TiB */
    uint32_t n = (uint32_t)index + 1 + file->nstate / 2;
    uint8_t *s = realloc(file->state, n);
    if (!s)
        return ERR_NO_MEMORY;
    memset(s + file->nstate, 0, n - file->nstate);
    file->state = s;
    file->nstate = n;
    return 0;
}

/* Gives a file node its record, committed at size bytes: 0 or ERR_NO_MEMORY. */
static long pgfs_file_new(struct tmpfs_node *n, uint64_t size)
{
    struct pgfs_file *file = calloc(1, sizeof(*file));
    if (!file)
        return ERR_NO_MEMORY;
    file->committed_size = size;
    file->node = n;
    n->ext = file;
    n->size = size;
    return 0;
}

/* Takes file out of the clean-chunk LRU list. */
static void pgfs_lru_out(struct pgfs *f, struct pgfs_file *file)
{
    if (file->lru_prev)
        file->lru_prev->lru_next = file->lru_next;
    else if (f->lru_head == file)
        f->lru_head = file->lru_next;
    if (file->lru_next)
        file->lru_next->lru_prev = file->lru_prev;
    else if (f->lru_tail == file)
        f->lru_tail = file->lru_prev;
    file->lru_prev = file->lru_next = NULL;
}

/* Puts file at the LRU list's tail: the most recently used. */
static void pgfs_lru_touch(struct pgfs *f, struct pgfs_file *file)
{
    pgfs_lru_out(f, file);
    file->lru_prev = f->lru_tail;
    if (f->lru_tail)
        f->lru_tail->lru_next = file;
    else
        f->lru_head = file;
    f->lru_tail = file;
}

static struct pgfs *pgfs_the; /* the mount, for the tmpfs's node_gone */

/* The tree frees node n: what pgfs kept of it goes. */
void pgfs_node_gone(struct tmpfs_node *n)
{
    struct pgfs_file *file = pgfs_file_of(n);
    if (!file)
        return;
    if (pgfs_the)
        pgfs_lru_out(pgfs_the, file);
    free(file->state);
    free(file);
    n->ext = NULL;
}

/* Drops the clean cached chunks of files other than keep, least recently used first, until bytes
 * more fit in the tmpfs. True if they do. */
static bool pgfs_room(struct pgfs *f, uint64_t bytes, struct pgfs_file *keep)
{
    struct pgfs_file *file = f->lru_head;
    while (f->tree.bytes_used + bytes > f->tree.bytes_max && file) {
        struct pgfs_file *next = file->lru_next;
        if (file != keep) {
            for (uint32_t i = 0; i < file->nstate; i++) {
                if (file->state[i] == PGFS_LOADED && i * (uint64_t)PGFS_CH < file->committed_size) {
                    tmpfs_drop(&f->tree, file->node, i * (uint64_t)PGFS_CH, PGFS_CH);
                    file->state[i] = 0;
                }
            }
            pgfs_lru_out(f, file);
            f->c.evictions++;
        }
        file = next;
    }
    return f->tree.bytes_used + bytes <= f->tree.bytes_max;
}

/* Sends a request of ours: 0, or the store's refusal (op freed). */
static long pgfs_submit(struct pgfs *f, struct pgfs_op *op)
{
    op->req.tag = op;
    long r = pgstore_submit(&f->store, &op->req);
    if (r < 0) {
        free(op);
        return r;
    }
    pglink_pump(&f->link);
    return 0;
}

/* A new request record of kind; NULL without memory. */
static struct pgfs_op *pgfs_op_new(enum pgfs_kind kind, enum pgs_op op)
{
    struct pgfs_op *o = calloc(1, sizeof(*o));
    if (o) {
        o->kind = kind;
        o->req.op = op;
    }
    return o;
}

/* Adds a wait; NULL without memory. */
static struct pgfs_wait *pgfs_wait_add(struct pgfs *f, struct tmpfs_node *n, bool for_sync, pgfs_done_fn fn,
                                       void *ctx)
{
    struct pgfs_wait *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    *w = (struct pgfs_wait){.next = f->waits, .fn = fn, .ctx = ctx, .node = n, .for_sync = for_sync};
    f->waits = w;
    return w;
}

/* Takes w out of the waits (false if it was forgotten meanwhile). */
static bool pgfs_wait_take(struct pgfs *f, struct pgfs_wait *w)
{
    for (struct pgfs_wait **pp = &f->waits; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            return true;
        }
    }
    return false;
}

/* Wakes the waits on file n of one kind with result. */
static void pgfs_wake(struct pgfs *f, struct tmpfs_node *n, bool for_sync, long result)
{
    struct pgfs_wait **pp = &f->waits;
    while (*pp) {
        struct pgfs_wait *w = *pp;
        if (w->node != n || w->for_sync != for_sync || !w->fn) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        w->fn(w->ctx, result);
        free(w);
        pp = &f->waits; /* the callback may have changed the list */
    }
}

/* Forgets ctx's waits; see pgfs.h. A change of names keeps its record (its op points at it) but
 * never calls back. */
void pgfs_forget(struct pgfs *f, void *ctx)
{
    for (struct pgfs_wait **pp = &f->waits; *pp;) {
        struct pgfs_wait *w = *pp;
        if (w->ctx != ctx) {
            pp = &w->next;
            continue;
        }
        if (!w->node && w->fn) { /* a change of names under way: its op frees the record */
            w->fn = NULL;
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        free(w);
    }
}

/* True for the errors a lost connection gives a request (then it is sent again). */
static bool pgfs_link_error(long err)
{
    return err == ERR_PEER_CLOSED || err == ERR_TIMED_OUT;
}

/* ---- the start: the volume, the lease, the tree ---- */

/* Asks for the next batch of the directory at the front of the load (cookie after). */
static void pgfs_readdir(struct pgfs *f, struct tmpfs_node *dir, uint64_t cookie)
{
    struct pgfs_op *op = pgfs_op_new(PGFS_OP_READDIR, PGS_OP_READDIR);
    if (!op) {
        pgfs_log(f, "no memory to read the tree; the mount is not served");
        return;
    }
    op->node = dir;
    op->req.ino = dir->ext_ino;
    op->req.index = cookie;
    op->req.buf = pgfs_dirents;
    op->req.max = PGS_READDIR_MAX;
    tmpfs_hold(dir);
    if (pgfs_submit(f, op) < 0)
        pgfs_log(f, "cannot queue a readdir; the mount is not served");
}

/* Adds directory d to the load's list of directories to read: 0 or ERR_NO_MEMORY. */
static long pgfs_dir_push(struct pgfs *f, struct tmpfs_node *d)
{
    if (f->ndirs == f->dirs_cap) {
        uint32_t cap = f->dirs_cap ? f->dirs_cap * 2 : 64;
        struct tmpfs_node **a = realloc(f->dirs, cap * sizeof(*a));
        if (!a)
            return ERR_NO_MEMORY;
        f->dirs = a;
        f->dirs_cap = cap;
    }
    tmpfs_hold(d);
    f->dirs[f->ndirs++] = d;
    return 0;
}

/* Adds one entry of a readdir batch to directory dir. */
static void pgfs_add_entry(struct pgfs *f, struct tmpfs_node *dir, const struct pgs_dirent *e)
{
    struct tmpfs_node *n;
    uint32_t type = e->type == PGS_DIR ? TMPFS_S_IFDIR : TMPFS_S_IFREG;
    long r = f->nodes >= PGFS_NODES_MAX
                 ? ERR_NO_RESOURCES
                 : tmpfs_create(&f->tree, dir, e->name, strlen(e->name), type | (e->mode & 07777), &n);
    if (r == 0)
        r = type == TMPFS_S_IFREG ? pgfs_file_new(n, e->size) : pgfs_dir_push(f, n);
    if (r < 0) {
        char msg[PGS_NAME_MAX + 64];
        fmt_snprintf(msg, sizeof(msg), "entry '%s' left out: %s", e->name, err_str(r));
        pgfs_log(f, msg);
        return;
    }
    n->ext_ino = e->ino;
    n->mtime_ns = (uint64_t)e->mtime_ns;
    f->nodes++;
}

/* A readdir batch came: its entries join the tree; then the next batch or directory, or ready. */
static void pgfs_on_readdir(struct pgfs *f, struct pgfs_op *op, const struct pgs_result *res)
{
    struct tmpfs_node *dir = op->node;
    for (unsigned i = 0; i < res->count; i++)
        pgfs_add_entry(f, dir, &pgfs_dirents[i]);
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

/* Every third of the lease: the writer renews it; a read-only mount asks for it, and becomes the
 * writer once the holder has let it expire (a machine replaced by a new one). */
static void pgfs_on_lease_timer(struct loop *l, struct loop_timeout *t, void *ctx)
{
    struct pgfs *f = ctx;
    struct pgfs_op *op = f->writer ? pgfs_op_new(PGFS_OP_RENEW, PGS_OP_LEASE_RENEW)
                                   : pgfs_op_new(PGFS_OP_TAKE, PGS_OP_LEASE_ACQUIRE);
    if (op) {
        op->req.lease_ms = f->conf.lease_s * 1000u;
        pgfs_submit(f, op);
    }
    loop_timeout_after(l, t, (uint64_t)f->conf.lease_s * 1000000000u / 3);
}

/* The volume opened, the lease answered: the tree's load starts. */
static void pgfs_on_lease(struct pgfs *f, long status)
{
    f->writer = status == 0;
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
static void pgfs_on_renew(struct pgfs *f, long status)
{
    if (status == ERR_READ_ONLY && f->writer) {
        f->writer = false;
        if (f->read_only)
            *f->read_only = true;
        pgfs_log(f, "the lease was lost: read-only until it is free again");
    }
}

/* A read-only mount's request for the lease was answered: on success it is the writer now. */
static void pgfs_on_take(struct pgfs *f, long status)
{
    if (status != 0 || f->writer)
        return;
    f->writer = true;
    if (f->read_only)
        *f->read_only = false;
    pgfs_log(f, "took the lease: writer from now on");
}

/* ---- chunks ---- */

/* A chunk's bytes came: into the cache (unless written meanwhile), and its waits go on. */
static void pgfs_on_load(struct pgfs *f, struct pgfs_op *op, const struct pgs_result *res)
{
    struct tmpfs_node *n = op->node;
    struct pgfs_file *file = pgfs_file_of(n);
    uint64_t i = op->req.index, at = i * PGFS_CH;
    long r = res->status;
    if (file && file->loading)
        file->loading--;
    if (file && i < file->nstate)
        file->state[i] &= (uint8_t)~PGFS_LOADING;
    if (r == 0 && file && i < file->nstate && !(file->state[i] & (PGFS_DIRTY | PGFS_LOADED))) {
        size_t len = at >= n->size ? 0 : n->size - at < res->len ? (size_t)(n->size - at) : res->len;
        uint64_t mtime = n->mtime_ns;
        if (!pgfs_room(f, PGFS_CH, file))
            r = ERR_NO_RESOURCES;
        else if (len > 0)
            r = tmpfs_write(&f->tree, n, at, f->chunk, len) < 0 ? ERR_NO_RESOURCES : 0;
        n->mtime_ns = mtime;
        if (r == 0) {
            file->state[i] |= PGFS_LOADED;
            f->c.fetched_bytes += res->len;
            pgfs_lru_touch(f, file);
        }
    }
    if (r < 0)
        f->c.errors++;
    if (!file || file->loading == 0 || r < 0)
        pgfs_wake(f, n, false, r);
}

/* Whether chunk i of file (size bytes now) must be read before [off, off + len) is used. */
static bool pgfs_needs(const struct pgfs_file *file, uint64_t i, uint64_t off, uint64_t len, bool for_write)
{
    uint64_t at = i * PGFS_CH;
    if (at >= file->committed_size ||
        (i < file->nstate && (file->state[i] & (PGFS_LOADED | PGFS_DIRTY | PGFS_LOADING))))
        return false; /* a chunk being read makes the caller wait for the file's loads below */
    if (!for_write)
        return true;
    uint64_t end = at + PGFS_CH < file->committed_size ? at + PGFS_CH : file->committed_size;
    return off > at || off + len < end; /* a write that covers the chunk's bytes needs none of them */
}

/* Cached; see pgfs.h. */
bool pgfs_cached(const struct pgfs *f, const struct tmpfs_node *n, uint64_t off, uint64_t len)
{
    const struct pgfs_file *file = pgfs_file_of(n);
    (void)f;
    if (!file || len == 0)
        return true;
    for (uint64_t i = off / PGFS_CH; i <= (off + len - 1) / PGFS_CH; i++) {
        if (pgfs_needs(file, i, off, len, false))
            return false;
        if (i < file->nstate && (file->state[i] & PGFS_LOADING))
            return false;
    }
    return true;
}

/* Ready; see pgfs.h. */
long pgfs_ready(struct pgfs *f, struct tmpfs_node *n, uint64_t off, uint64_t len, bool for_write,
                pgfs_done_fn fn, void *ctx)
{
    struct pgfs_file *file = pgfs_file_of(n);
    if (!file || len == 0)
        return 0;
    if (for_write)
        pgfs_room(f, len + PGFS_CH, file); /* the write's pages: clean chunks of other files make room */
    uint64_t first = off / PGFS_CH, last = (off + len - 1) / PGFS_CH;
    unsigned sent = 0;
    for (uint64_t i = first; i <= last; i++) {
        if (!pgfs_needs(file, i, off, len, for_write))
            continue;
        long r = pgfs_state_grow(file, i);
        if (r < 0)
            return r;
        struct pgfs_op *op = pgfs_op_new(PGFS_OP_LOAD, PGS_OP_READ);
        if (!op)
            return ERR_NO_MEMORY;
        op->node = n;
        op->req.ino = n->ext_ino;
        op->req.index = i;
        op->req.buf = f->chunk;
        tmpfs_hold(n);
        r = pgfs_submit(f, op);
        if (r < 0) {
            tmpfs_release(&f->tree, n);
            return sent ? PGFS_PENDING : r;
        }
        file->loading++;
        file->state[i] |= PGFS_LOADING;
        sent++;
    }
    if (sent == 0 && file->loading == 0) {
        f->c.hits++;
        pgfs_lru_touch(f, file);
        return 0;
    }
    if (!pgfs_wait_add(f, n, false, fn, ctx))
        return ERR_NO_MEMORY;
    f->c.misses++;
    return PGFS_PENDING;
}

/* Dirty bytes of file (whole chunks). */
static uint64_t pgfs_dirty_bytes(const struct pgfs_file *file)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < file->nstate; i++)
        if (file->state[i] & PGFS_DIRTY)
            n += PGFS_CH;
    return n;
}

/* After a write; see pgfs.h. */
void pgfs_wrote(struct pgfs *f, struct tmpfs_node *n, uint64_t off, uint64_t len)
{
    struct pgfs_file *file = pgfs_file_of(n);
    if (!file || len == 0)
        return;
    uint64_t last = (off + len - 1) / PGFS_CH;
    if (pgfs_state_grow(file, last) < 0) {
        pgfs_log(f, "no memory for a file's chunk table: its writes stay uncommitted");
        return;
    }
    for (uint64_t i = off / PGFS_CH; i <= last; i++)
        file->state[i] |= PGFS_DIRTY | PGFS_LOADED;
    file->size_dirty = true;
    if (pgfs_dirty_bytes(file) >= PGFS_DIRTY_MAX)
        pgfs_commit(f, n);
}

/* After a truncate; see pgfs.h. The chunks past the new end are forgotten. */
void pgfs_truncated(struct pgfs *f, struct tmpfs_node *n)
{
    struct pgfs_file *file = pgfs_file_of(n);
    (void)f;
    if (!file)
        return;
    for (uint64_t i = pgfs_chunks(n->size); i < file->nstate; i++)
        file->state[i] &= (uint8_t)~PGFS_LOADED;
    if (n->size % PGFS_CH && pgfs_chunks(n->size) > 0 && pgfs_chunks(n->size) - 1 < file->nstate &&
        pgfs_state_grow(file, pgfs_chunks(n->size) - 1) == 0)
        file->state[pgfs_chunks(n->size) - 1] |= PGFS_DIRTY | PGFS_LOADED; /* its tail is zeros now */
    if (file->committed_size > n->size)
        file->committed_size = n->size; /* nothing past it needs reading any more */
    file->size_dirty = true;
}

/* ---- commits ---- */

/* Starts a commit of file n's dirty chunks (up to PGFS_FLUSH_CHUNKS) and its size, if it has any
 * and none is under way. */
static void pgfs_commit(struct pgfs *f, struct tmpfs_node *n)
{
    struct pgfs_file *file = pgfs_file_of(n);
    if (!file || file->flushing || !f->writer)
        return;
    uint64_t nch = pgfs_chunks(n->size);
    unsigned k = 0;
    for (uint64_t i = 0; i < file->nstate && i < nch && k < PGFS_FLUSH_CHUNKS; i++)
        k += (file->state[i] & PGFS_DIRTY) != 0;
    if (k == 0 && !file->size_dirty)
        return;
    struct pgfs_op *op = pgfs_op_new(PGFS_OP_COMMIT, PGS_OP_WRITE);
    uint8_t *data = op && k ? malloc((size_t)k * PGFS_CH) : NULL;
    struct pgs_chunk *chunks = op && k ? calloc(k, sizeof(*chunks)) : NULL;
    if (!op || (k && (!data || !chunks))) {
        free(op), free(data), free(chunks);
        pgfs_log(f, "no memory for a commit: it waits for the next sync");
        return;
    }
    unsigned j = 0;
    for (uint64_t i = 0; i < file->nstate && i < nch && j < k; i++) {
        if (!(file->state[i] & PGFS_DIRTY))
            continue;
        uint64_t at = i * PGFS_CH;
        uint32_t len = n->size - at < PGFS_CH ? (uint32_t)(n->size - at) : PGFS_CH;
        tmpfs_read(&f->tree, n, at, data + (size_t)j * PGFS_CH, len);
        chunks[j] = (struct pgs_chunk){.index = i, .data = data + (size_t)j * PGFS_CH, .len = len};
        file->state[i] = (uint8_t)((file->state[i] & ~PGFS_DIRTY) | PGFS_FLUSHING);
        j++;
    }
    *op = (struct pgfs_op){.kind = PGFS_OP_COMMIT, .node = n, .data = data, .chunks = chunks};
    op->req = (struct pgs_req){.op = PGS_OP_WRITE,
                               .ino = n->ext_ino,
                               .size = n->size,
                               .mtime_ns = (int64_t)n->mtime_ns,
                               .chunks = chunks,
                               .nchunks = k};
    file->size_dirty = false;
    file->flushing = true;
    tmpfs_hold(n);
    if (pgfs_submit(f, op) < 0) {
        free(data), free(chunks);
        for (uint32_t i = 0; i < file->nstate; i++)
            if (file->state[i] & PGFS_FLUSHING)
                file->state[i] = (uint8_t)((file->state[i] & ~PGFS_FLUSHING) | PGFS_DIRTY);
        file->size_dirty = true;
        file->flushing = false;
        tmpfs_release(&f->tree, n);
    }
}

/* True if file has nothing left to commit. */
static bool pgfs_clean(const struct pgfs_file *file)
{
    if (file->flushing || file->size_dirty)
        return false;
    for (uint32_t i = 0; i < file->nstate; i++)
        if (file->state[i] & (PGFS_DIRTY | PGFS_FLUSHING))
            return false;
    return true;
}

/* A commit ended: its chunks are clean (or dirty again on failure); more commits or the syncs. */
static void pgfs_on_commit(struct pgfs *f, struct pgfs_op *op, long status)
{
    struct tmpfs_node *n = op->node;
    struct pgfs_file *file = pgfs_file_of(n);
    uint8_t back = status == 0 || status == ERR_NOT_FOUND ? 0 : PGFS_DIRTY; /* an unlinked file: done */
    for (uint32_t i = 0; file && i < file->nstate; i++)
        if (file->state[i] & PGFS_FLUSHING)
            file->state[i] = (uint8_t)((file->state[i] & ~PGFS_FLUSHING) | back);
    if (file) {
        file->flushing = false;
        file->size_dirty = file->size_dirty || back != 0;
        if (back == 0)
            file->committed_size = op->req.size;
    }
    if (status == 0) {
        f->c.commits++;
        for (unsigned i = 0; i < op->req.nchunks; i++)
            f->c.committed_bytes += op->chunks[i].len;
        if (file)
            pgfs_lru_touch(f, file);
    } else {
        f->c.errors++;
    }
    free(op->data);
    free(op->chunks);
    if (back == 0 && file && !pgfs_clean(file)) {
        pgfs_commit(f, n); /* more was written meanwhile, or more than one commit holds */
        return;
    }
    pgfs_wake(f, n, true, back == 0 ? 0 : status);
}

/* Sync; see pgfs.h. */
long pgfs_sync(struct pgfs *f, struct tmpfs_node *n, pgfs_done_fn fn, void *ctx)
{
    struct pgfs_file *file = pgfs_file_of(n);
    if (!file || pgfs_clean(file))
        return 0;
    if (!f->writer)
        return ERR_READ_ONLY;
    pgfs_commit(f, n);
    if (pgfs_clean(file))
        return 0;
    if (!pgfs_wait_add(f, n, true, fn, ctx))
        return ERR_NO_MEMORY;
    return PGFS_PENDING;
}

/* ---- changes of names ---- */

/* Queues a change of names for the caller fn/ctx, holding its directories. */
static long pgfs_names_submit(struct pgfs *f, struct pgfs_op *op, pgfs_done_fn fn, void *ctx)
{
    if (!f->writer || f->state != PGFS_READY) {
        free(op);
        return ERR_READ_ONLY;
    }
    op->wait = pgfs_wait_add(f, NULL, false, fn, ctx);
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
static void pgfs_on_names(struct pgfs *f, struct pgfs_op *op, const struct pgs_result *res)
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
            pgfs_on_lease(f, res->status);
        break;
    case PGFS_OP_RENEW: pgfs_on_renew(f, res->status); break;
    case PGFS_OP_TAKE: pgfs_on_take(f, res->status); break;
    case PGFS_OP_READDIR: pgfs_on_readdir(f, op, res); break;
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
    pgfs_the = f;
    long r = tmpfs_init(&f->tree, cache_bytes, 0777, clock_ns);
    if (r < 0)
        return r;
    f->tree.node_gone = pgfs_node_gone;
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
    loop_timeout_init(&f->lease_timer, pgfs_on_lease_timer, f);
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
                 "pg_evictions=%llu pg_errors=%llu pg_cache=%llu",
                 (unsigned long long)f->c.fetched_bytes, (unsigned long long)f->c.commits,
                 (unsigned long long)f->c.committed_bytes, (unsigned long long)f->c.hits,
                 (unsigned long long)f->c.misses, (unsigned long long)f->c.evictions,
                 (unsigned long long)f->c.errors, (unsigned long long)f->tree.bytes_used);
}
