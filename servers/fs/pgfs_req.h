/* pgfs_req.h: the persistent mount's state and its requests to the store: records, waits, the
 * calls that park until the database answers (pgfs_req.c; docs/persistence.md). */
#pragma once

#include "pgconf.h"
#include "pglink.h"
#include "tmpfs.h"

#include <pgstore/pgstore.h>
#include <warp/proto/fs.h>

#define PGFS_PENDING 1             /* a call's answer waits: its callback comes later */
#define PGFS_FLUSH_CHUNKS 32       /* chunks (2 MiB) one commit carries at most */
#define PGFS_DIRTY_MAX (4u << 20)  /* dirty bytes of a file that start a commit without a sync */
#define PGFS_DIRTY_HARD (8u << 20) /* dirty bytes of a file past which its writes wait for a commit */
#define PGFS_NODES_MAX 65536       /* inodes the mirror holds */
#define PGFS_FILE_MAX (1ull << 40) /* the largest file of the mount: 1 TiB */

/* A chunk's state in the cache, one byte each. */
enum {
    PGFS_LOADED = 1,   /* its bytes are in the tmpfs (or it lies past the committed size: zeros) */
    PGFS_DIRTY = 2,    /* written since its last commit */
    PGFS_FLUSHING = 4, /* copied into a commit under way */
    PGFS_LOADING = 8,  /* a read of it is under way */
};

/* Told when a waiting call can go on (0) or failed (an error). */
typedef void (*pgfs_done_fn)(void *ctx, long result);

/* What a call waits for. */
enum pgfs_wait_kind {
    PGFS_WAIT_LOAD, /* the file's chunk reads */
    PGFS_WAIT_SYNC, /* the file's commits, all of them */
    PGFS_WAIT_ROOM, /* a commit of the file: a write waits for the mirror to have room */
};

/* A call waiting for the mount. */
struct pgfs_wait {
    struct pgfs_wait *next;
    pgfs_done_fn fn;
    void *ctx;
    struct tmpfs_node *node; /* the file it waits on (NULL: a change of names) */
    enum pgfs_wait_kind kind;
    uint64_t since_ns; /* when it began (a sync fails after the mount's timeout) */
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
    uint64_t hits, misses, fetched_bytes, commits, committed_bytes, evictions, errors, refreshes;
};

struct pgfs {
    struct pgconf conf;
    struct tmpfs tree;
    struct pgstore store;
    struct pglink link;
    enum pgfs_state state;
    bool writer;          /* we hold the lease */
    bool *read_only;      /* the VFS mount's flag, once mounted: set when the lease is lost */
    uint64_t lease_ok_ns; /* when the request behind the lease we hold was sent */
    uint32_t mount;       /* the VFS's number, once mounted */
    void (*on_ready)(struct pgfs *f);
    struct pgfs_wait *waits;
    struct pgfs_file *lru_head, *lru_tail;
    struct tmpfs_node **dirs; /* the tree's load: directories whose entries are still to be read */
    uint32_t ndirs, dirs_cap;
    uint64_t nodes;
    struct pgfs_counters c;
    struct loop *l;
    struct loop_timeout lease_timer;
    struct loop_timeout sync_timer;    /* every second: syncs waiting past the timeout fail */
    struct loop_timeout refresh_timer; /* a read-only mount's refresh */
    bool scanning;                     /* a refresh runs */
    struct pgs_dirent *scan;           /* the directory being refreshed: the database's entries */
    uint32_t nscan, scan_cap;
    uint8_t chunk[PGS_CHUNK_SIZE]; /* the read being run lands here */
    uint8_t pg_in[PGS_BUF_MIN], pg_out[PGS_BUF_MIN];
};

#define PGFS_CH PGS_CHUNK_SIZE
#define PGFS_IO_CHUNKS (FS_IO_MAX / PGS_CHUNK_SIZE + 1) /* chunks one READ or WRITE may span */

/* What a request was sent for. */
enum pgfs_kind {
    PGFS_OP_OPEN,
    PGFS_OP_LEASE,
    PGFS_OP_RENEW,
    PGFS_OP_TAKE, /* a read-only mount asks for the lease again */
    PGFS_OP_READDIR,
    PGFS_OP_SCAN, /* a read-only mount's refresh */
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
    uint64_t sent_ns; /* lease requests: when asked (the lease runs from no earlier) */
};

/* Logs "fs: /NAME: text". */
void pgfs_log(const struct pgfs *f, const char *text);
/* The file record of node n (NULL for a directory). */
struct pgfs_file *pgfs_file_of(const struct tmpfs_node *n);
/* A new request record of kind; NULL without memory. */
struct pgfs_op *pgfs_op_new(enum pgfs_kind kind, enum pgs_op op);
/* Sends a request of ours: 0, or the store's refusal (op freed). */
long pgfs_submit(struct pgfs *f, struct pgfs_op *op);
/* Queues a readdir of kind (PGFS_OP_READDIR or PGFS_OP_SCAN) of dir after cookie into buf
 * (PGS_READDIR_MAX entries), holding dir while it runs: 0 or the error (nothing queued). */
long pgfs_readdir_submit(struct pgfs *f, enum pgfs_kind kind, struct tmpfs_node *dir, uint64_t cookie,
                         struct pgs_dirent *buf);
/* Adds a wait on file n (NULL: a change of names); NULL without memory. */
struct pgfs_wait *pgfs_wait_add(struct pgfs *f, struct tmpfs_node *n, enum pgfs_wait_kind kind,
                                pgfs_done_fn fn, void *ctx);
/* Takes w out of the waits (false if it was forgotten meanwhile). */
bool pgfs_wait_take(struct pgfs *f, struct pgfs_wait *w);
/* Wakes the waits on file n of one kind with result. */
void pgfs_wake(struct pgfs *f, struct tmpfs_node *n, enum pgfs_wait_kind kind, long result);
/* Fails the syncs (and writes waiting for room) waiting longer than the mount's timeout with
 * ERR_TIMED_OUT. */
void pgfs_expire_syncs(struct pgfs *f);
/* Fails every sync and every write waiting for room with err (the lease is lost). */
void pgfs_fail_commits(struct pgfs *f, long err);
/* True for the errors a lost connection gives a request (then it is sent again). */
bool pgfs_link_error(long err);
/* Forgets every wait whose ctx is ctx (its caller went): their callbacks never come. */
void pgfs_forget(struct pgfs *f, void *ctx);
