/* pgfs.h: the persistent mount: a volume kept in PostgreSQL (libs/pgstore), mirrored in a tmpfs that
 * holds its tree and caches its files' chunks (docs/persistence.md). */
#pragma once

#include "pgconf.h"
#include "pglink.h"
#include "tmpfs.h"

#include <pgstore/pgstore.h>

#define PGFS_PENDING 1            /* a call's answer waits: its callback comes later */
#define PGFS_FLUSH_CHUNKS 32      /* chunks (2 MiB) one commit carries at most */
#define PGFS_DIRTY_MAX (4u << 20) /* dirty bytes of a file that start a commit without a sync */
#define PGFS_NODES_MAX 65536      /* inodes the mirror holds */

/* A chunk's state in the cache, one byte each. */
enum {
    PGFS_LOADED = 1,   /* its bytes are in the tmpfs (or it lies past the committed size: zeros) */
    PGFS_DIRTY = 2,    /* written since its last commit */
    PGFS_FLUSHING = 4, /* copied into a commit under way */
    PGFS_LOADING = 8,  /* a read of it is under way */
};

/* Told when a waiting call can go on (0) or failed (an error). */
typedef void (*pgfs_done_fn)(void *ctx, long result);

/* A call waiting for the mount. */
struct pgfs_wait {
    struct pgfs_wait *next;
    pgfs_done_fn fn;
    void *ctx;
    struct tmpfs_node *node; /* the file it waits on (NULL: a change of names) */
    bool for_sync;           /* it waits for the file's commits; else for its chunks' loads */
};

/* What pgfs keeps of a file of the mount (its tmpfs node's ext). */
struct pgfs_file {
    struct tmpfs_node *node;               /* whose record it is */
    uint8_t *state;                        /* per chunk: PGFS_* bits */
    uint32_t nstate;                       /* chunks state covers */
    uint64_t committed_size;               /* the size the database holds */
    bool size_dirty;                       /* size or mtime changed since the last commit */
    bool flushing;                         /* a commit of it is under way */
    uint32_t loading;                      /* chunk loads of it under way */
    struct pgfs_file *lru_prev, *lru_next; /* files with clean chunks, least recently used first */
};

/* How far the mount is. */
enum pgfs_state {
    PGFS_CONNECTING, /* the link, the volume, the lease */
    PGFS_TREE,       /* the tree is being read */
    PGFS_READY,      /* served */
};

struct pgfs_counters {
    uint64_t hits, misses, fetched_bytes, commits, committed_bytes, evictions, errors;
};

struct pgfs {
    struct pgconf conf;
    struct tmpfs tree;
    struct pgstore store;
    struct pglink link;
    enum pgfs_state state;
    bool writer;     /* we hold the lease */
    bool *read_only; /* the VFS mount\'s flag, once mounted: set when the lease is lost */
    uint32_t mount;  /* the VFS's number, once mounted */
    void (*on_ready)(struct pgfs *f);
    struct pgfs_wait *waits;
    struct pgfs_file *lru_head, *lru_tail;
    struct tmpfs_node **dirs; /* the tree's load: directories whose entries are still to be read */
    uint32_t ndirs, dirs_cap;
    uint64_t nodes;
    struct pgfs_counters c;
    struct loop *l;
    struct loop_timeout lease_timer;
    uint8_t chunk[PGS_CHUNK_SIZE]; /* the read being run lands here */
    uint8_t pg_in[PGS_BUF_MIN], pg_out[PGS_BUF_MIN];
};

/*
 * Starts the mount of conf on loop l: connect, open the volume, take the lease (or stay read-only),
 * read the tree; on_ready runs once it can be served (the caller mounts f->tree then). cache_bytes
 * bounds the tree and the cached chunks.
 */
long pgfs_start(struct pgfs *f, struct loop *l, const struct pgconf *conf, uint64_t cache_bytes,
                void (*on_ready)(struct pgfs *f));
/* Makes [off, off + len) of file n readable (for_write: the chunks a write covers only in part):
 * 0 at once, PGFS_PENDING (fn(ctx, result) follows), or an error. */
long pgfs_ready(struct pgfs *f, struct tmpfs_node *n, uint64_t off, uint64_t len, bool for_write,
                pgfs_done_fn fn, void *ctx);
/* Whether [off, off + len) of file n can be read now, without waiting. */
bool pgfs_cached(const struct pgfs *f, const struct tmpfs_node *n, uint64_t off, uint64_t len);
/* After a write of [off, off + len) into file n: its chunks are dirty (a commit may start). */
void pgfs_wrote(struct pgfs *f, struct tmpfs_node *n, uint64_t off, uint64_t len);
/* After a truncate of file n: its size is to be committed. */
void pgfs_truncated(struct pgfs *f, struct tmpfs_node *n);
/* Commits what was written to n: 0 if nothing waits, PGFS_PENDING (fn follows), or an error. */
long pgfs_sync(struct pgfs *f, struct tmpfs_node *n, pgfs_done_fn fn, void *ctx);
/* Makes name (len bytes) of type (TMPFS_S_IFDIR or TMPFS_S_IFREG) and mode in directory dir:
 * PGFS_PENDING (fn(ctx, 0) once the node is in the tree) or an error. */
long pgfs_create(struct pgfs *f, struct tmpfs_node *dir, const char *name, size_t len, uint32_t type,
                 uint32_t mode, pgfs_done_fn fn, void *ctx);
/* Removes name from dir (dir_wanted: an empty directory): PGFS_PENDING or an error. */
long pgfs_remove(struct pgfs *f, struct tmpfs_node *dir, const char *name, size_t len, bool dir_wanted,
                 pgfs_done_fn fn, void *ctx);
/* Renames odir/oname to ndir/nname (replace: over an existing name): PGFS_PENDING or an error. */
long pgfs_rename(struct pgfs *f, struct tmpfs_node *odir, const char *oname, size_t olen,
                 struct tmpfs_node *ndir, const char *nname, size_t nlen, bool replace, pgfs_done_fn fn,
                 void *ctx);
/* Forgets every wait whose ctx is ctx (its caller went): their callbacks never come. */
void pgfs_forget(struct pgfs *f, void *ctx);
/* The node of tree t is going (removed and released): pgfs drops what it kept of it. */
void pgfs_node_gone(struct tmpfs_node *n);
/* The counters as "pg_hits=.. pg_misses=.. ..." into buf. */
void pgfs_stats(const struct pgfs *f, char *buf, size_t size);
