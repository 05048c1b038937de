/* pgfs_data.c: the persistent mount's bytes: chunks read on demand into the mirror, dirty chunks
 * committed, clean ones dropped least recently used first (pgfs.h). */
#include "pgfs_data.h"

#include <warp/clock.h>
#include <warp/fmt.h>
#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

static void pgfs_commit(struct pgfs *f, struct tmpfs_node *n);
static uint64_t pgfs_dirty_bytes(const struct pgfs_file *file);

/* Chunks a file of size bytes has. */
uint64_t pgfs_chunks(uint64_t size)
{
    return (size + PGFS_CH - 1) / PGFS_CH;
}

/* Makes room in file's state for chunk index: 0 or ERR_NO_MEMORY. */
long pgfs_state_grow(struct pgfs_file *file, uint64_t index)
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
long pgfs_file_new(struct tmpfs_node *n, uint64_t size)
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
void pgfs_lru_out(struct pgfs *f, struct pgfs_file *file)
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
void pgfs_lru_touch(struct pgfs *f, struct pgfs_file *file)
{
    pgfs_lru_out(f, file);
    file->lru_prev = f->lru_tail;
    if (f->lru_tail)
        f->lru_tail->lru_next = file;
    else
        f->lru_head = file;
    f->lru_tail = file;
}

/* The tree frees node n: what pgfs kept of it goes. */
void pgfs_node_gone(void *ctx, struct tmpfs_node *n)
{
    struct pgfs *f = ctx;
    struct pgfs_file *file = pgfs_file_of(n);
    if (f->nodes > 0)
        f->nodes--;
    if (!file)
        return;
    pgfs_lru_out(f, file);
    free(file->state);
    free(file);
    n->ext = NULL;
}

/*
 * Drops clean cached chunks, least recently used file first, until bytes more fit in the tmpfs; of
 * file keep, the chunks keep_first..keep_last (those a read or write in progress needs) stay, so a
 * file larger than the mirror streams through it. True if the bytes fit.
 */
static bool pgfs_room(struct pgfs *f, uint64_t bytes, const struct pgfs_file *keep, uint64_t keep_first,
                      uint64_t keep_last)
{
    struct pgfs_file *file = f->lru_head;
    while (f->tree.bytes_used + bytes > f->tree.bytes_max && file) {
        struct pgfs_file *next = file->lru_next;
        bool kept = false;
        for (uint32_t i = 0; i < file->nstate; i++) {
            if (file->state[i] != PGFS_LOADED || i * (uint64_t)PGFS_CH >= file->committed_size)
                continue;
            if (file == keep && i >= keep_first && i <= keep_last) {
                kept = true;
                continue;
            }
            tmpfs_drop(&f->tree, file->node, i * (uint64_t)PGFS_CH, PGFS_CH);
            file->state[i] = 0;
        }
        if (!kept)
            pgfs_lru_out(f, file);
        f->c.evictions++;
        file = next;
    }
    return f->tree.bytes_used + bytes <= f->tree.bytes_max;
}

/* ---- chunks ---- */

/* A chunk's bytes came: into the cache (unless written meanwhile), and its waits go on. */
void pgfs_on_load(struct pgfs *f, struct pgfs_op *op, const struct pgs_result *res)
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
        if (!pgfs_room(f, PGFS_CH, file, i > PGFS_IO_CHUNKS ? i - PGFS_IO_CHUNKS : 0, i + PGFS_IO_CHUNKS))
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
        pgfs_wake(f, n, PGFS_WAIT_LOAD, r);
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
    bool crowded = for_write && pgfs_dirty_bytes(file) >= PGFS_DIRTY_HARD;
    uint64_t first = off / PGFS_CH, last = (off + len - 1) / PGFS_CH;
    if (for_write && (!pgfs_room(f, len + PGFS_CH, file, first, last) || crowded)) { /* clean chunks go */
        if (!crowded && !file->flushing && pgfs_dirty_bytes(file) == 0)
            return ERR_NO_RESOURCES; /* the mirror is full of other files' dirty chunks */
        pgfs_commit(f, n);           /* its commit makes its chunks clean: then they can go */
        return pgfs_wait_add(f, n, PGFS_WAIT_ROOM, fn, ctx) ? PGFS_PENDING : ERR_NO_MEMORY;
    }
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
    if (!pgfs_wait_add(f, n, PGFS_WAIT_LOAD, fn, ctx))
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
void pgfs_on_commit(struct pgfs *f, struct pgfs_op *op, long status)
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
    pgfs_wake(f, n, PGFS_WAIT_ROOM, status == ERR_NOT_FOUND ? 0 : status); /* writes waiting for room retry */
    if (back == 0 && file && !pgfs_clean(file)) {
        pgfs_commit(f, n); /* more was written meanwhile, or more than one commit holds */
        return;
    }
    pgfs_wake(f, n, PGFS_WAIT_SYNC, back == 0 ? 0 : status);
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
    if (!pgfs_wait_add(f, n, PGFS_WAIT_SYNC, fn, ctx))
        return ERR_NO_MEMORY;
    return PGFS_PENDING;
}

/* Adds directory d to the load's list of directories to read: 0 or ERR_NO_MEMORY. */
long pgfs_dir_push(struct pgfs *f, struct tmpfs_node *d)
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

/* Adds entry e of a readdir to directory dir of the mirror; see pgfs_data.h. */
struct tmpfs_node *pgfs_add_node(struct pgfs *f, struct tmpfs_node *dir, const struct pgs_dirent *e)
{
    struct tmpfs_node *n;
    uint32_t type = e->type == PGS_DIR ? TMPFS_S_IFDIR : TMPFS_S_IFREG;
    long r = f->nodes >= PGFS_NODES_MAX
                 ? ERR_NO_RESOURCES
                 : tmpfs_create(&f->tree, dir, e->name, strlen(e->name), type | (e->mode & 07777), &n);
    if (r == 0 && type == TMPFS_S_IFREG)
        r = pgfs_file_new(n, e->size);
    if (r < 0) {
        char msg[PGS_NAME_MAX + 64];
        fmt_snprintf(msg, sizeof(msg), "entry '%s' left out: %s", e->name, err_str(r));
        pgfs_log(f, msg);
        return NULL;
    }
    n->ext_ino = e->ino;
    n->mtime_ns = (uint64_t)e->mtime_ns;
    f->nodes++;
    return n;
}
