/* pgstore.h: a file volume kept in PostgreSQL (inodes, names, content-addressed chunks, a writer's lease) over libs/pg, without I/O. */
#pragma once

#include <pg/pg.h>
#include <warp/types.h>

/*
 * The caller owns the transport and the clock, as with libs/pg (docs/persistence.md):
 *   pgstore_init(s, &cfg, in, in_cap, out, out_cap);   transport up: pgstore_start(s);
 *   loop: send what pg_output(pgstore_pg(s)) shows and pg_consume it; pgstore_feed() received bytes;
 *         transport lost or a reply too late: pgstore_disconnected(s, ERR_PEER_CLOSED or ERR_TIMED_OUT),
 *         then a new transport and pgstore_start(s) again (the queued requests wait for it).
 *   pgstore_submit(s, &req) queues a request; cfg.done reports its result once its transaction ended.
 * One statement is in flight at a time; requests run in order, one after the other.
 */

#define PGS_SCHEMA_VERSION 1       /* the schema this code creates and understands */
#define PGS_CHUNK_SIZE (64u << 10) /* bytes of file content per chunk (the last one may be shorter) */
#define PGS_QUEUE_MAX 16           /* requests queued or in flight per store (ERR_QUEUE_FULL beyond) */
#define PGS_NAME_MAX 256           /* a name with its NUL (255 bytes, UTF-8, no '/' or NUL) */
#define PGS_HOLDER_MAX 64          /* a lease holder id with its NUL */
#define PGS_READDIR_MAX 64         /* entries of one readdir batch */
#define PGS_ROW_VALS 6             /* int8 columns of a statement's first row that the store keeps */
#define PGS_BUF_MIN (PGS_CHUNK_SIZE + 4096) /* pg buffers: a chunk's row or INSERT and its framing fit */

/* What an inode is. */
enum pgs_type {
    PGS_FILE = 1,
    PGS_DIR = 2,
};

/* The operations a request asks for. */
enum pgs_op {
    PGS_OP_OPEN,          /* create the schema if missing, check its version, the volume and its root */
    PGS_OP_LEASE_ACQUIRE, /* become the volume's writer for lease_ms (ERR_READ_ONLY: someone else is) */
    PGS_OP_LEASE_RENEW,   /* extend our lease by lease_ms from now (ERR_READ_ONLY: it expired or was taken) */
    PGS_OP_LEASE_RELEASE, /* give the lease up (expire it now) */
    PGS_OP_LOOKUP,        /* name in directory ino -> attr */
    PGS_OP_GETATTR,       /* ino -> attr */
    PGS_OP_READDIR,       /* entries of directory ino after cookie index, at most max into ents */
    PGS_OP_READ,          /* chunk index of file ino into buf (PGS_CHUNK_SIZE bytes) -> len */
    PGS_OP_WRITE,         /* commit file ino: size, mtime and the chunks that changed, in one transaction */
    PGS_OP_CREATE,        /* name of type and mode in directory ino -> attr of the new inode */
    PGS_OP_UNLINK,        /* remove the file name from directory ino */
    PGS_OP_RMDIR,         /* remove the empty directory name from directory ino */
    PGS_OP_RENAME,        /* move name in ino to name2 in ino2, replacing a target only with replace */
    PGS_OP_COUNT,
};

/* One changed chunk of a write: its bytes stay in the caller's memory until the request completes. */
struct pgs_chunk {
    uint64_t index;   /* which PGS_CHUNK_SIZE piece of the file */
    const void *data; /* its bytes (the store computes their SHA-256) */
    uint32_t len;     /* at most PGS_CHUNK_SIZE; shorter only for the file's last chunk */
};

/* An inode's attributes. */
struct pgs_attr {
    uint64_t ino;
    enum pgs_type type;
    uint32_t mode;    /* permission bits */
    uint64_t size;    /* bytes (0 for a directory) */
    int64_t mtime_ns; /* the caller's clock, nanoseconds since 1970 */
};

/* One directory entry of a readdir batch, with its inode's attributes (a whole tree loads with
 * readdirs alone). */
struct pgs_dirent {
    uint64_t ino;
    enum pgs_type type;
    uint32_t mode;
    uint64_t size;
    int64_t mtime_ns;
    uint64_t cookie; /* pass the last one back to continue after it */
    char name[PGS_NAME_MAX];
};

/* A request: the fields its op names; the store copies it (names included) when it is submitted. */
struct pgs_req {
    enum pgs_op op;
    void *tag;     /* the caller's, handed back with the result */
    uint64_t ino;  /* the inode, or the directory the name is in (rename: the source directory) */
    uint64_t ino2; /* rename: the target directory */
    char name[PGS_NAME_MAX];
    char name2[PGS_NAME_MAX];       /* rename: the target name */
    uint64_t index;                 /* read: the chunk index; readdir: the cookie (0: from the start) */
    enum pgs_type type;             /* create */
    uint32_t mode;                  /* create */
    uint64_t size;                  /* write: the new file size */
    int64_t mtime_ns;               /* write, create */
    bool replace;                   /* rename: an existing target is replaced (else ERR_ALREADY_EXISTS) */
    uint32_t lease_ms;              /* lease acquire and renew: how long from the database's now() */
    const struct pgs_chunk *chunks; /* write: the changed chunks (caller memory until completion) */
    unsigned nchunks;
    void *buf;    /* read: PGS_CHUNK_SIZE bytes; readdir: struct pgs_dirent[max] */
    unsigned max; /* readdir: entries buf holds (1..PGS_READDIR_MAX) */
};

/* What a request came to. */
struct pgs_result {
    long status;          /* 0 or an ERR_* code (docs/persistence.md lists which op gives which) */
    struct pgs_attr attr; /* lookup, getattr, create */
    unsigned count;       /* readdir: entries filled */
    bool end;             /* readdir: no entry after these */
    size_t len;           /* read: bytes of the chunk (0: a hole or past the end: zeros) */
};

struct pgstore;
/* Reports a request's result (req is a copy, valid during the call); it may submit further requests. */
typedef void (*pgs_done_fn)(void *ctx, const struct pgs_req *req, const struct pgs_result *res);

/* What pgstore_init needs; pg.on_event is the store's own (ignored here), the strings are copied. */
struct pgstore_config {
    struct pg_config pg;
    const char *volume; /* the volume's name */
    const char *holder; /* this writer's lease holder id (unique per VM and mount) */
    pgs_done_fn done;
    void *ctx;
};

/* The request being run: its step and what the last statement returned. */
struct pgs_run {
    bool active;
    unsigned step;  /* the op's next step */
    unsigned chunk; /* write: the next chunk to send */
    long final;     /* the result once decided, while ROLLBACK or COMMIT runs */
    bool ending;    /* a ROLLBACK or COMMIT is in flight: then complete with final */
    bool failed;    /* the last statement got an ErrorResponse */
    enum pg_errclass cls;
    unsigned rows;             /* rows the last statement returned */
    int64_t val[PGS_ROW_VALS]; /* the first row's int8 columns */
    bool null[PGS_ROW_VALS];
    long row_error;   /* a row refused (hostile bytes, too large): the request fails with it */
    int64_t keep[3];  /* rename: the source's inode and type, the target's inode (0: none) */
    uint8_t hash[32]; /* write: the SHA-256 of the chunk being sent */
    struct pgs_result res;
};

/* A store: one connection, one volume, a bounded queue of requests. */
struct pgstore {
    struct pg_conn pg;
    char volume[PGS_NAME_MAX];
    char holder[PGS_HOLDER_MAX];
    pgs_done_fn done;
    void *ctx;
    int64_t vol;                         /* the volume's id, once opened (0 before) */
    uint64_t root;                       /* its root directory */
    struct pgs_req queue[PGS_QUEUE_MAX]; /* queue[head] runs first */
    unsigned head, count;
    struct pgs_run run; /* queue[head]'s progress */
};

/* Sets s up over the caller's pg buffers (each at least PGS_BUF_MIN). Returns 0 or ERR_INVALID_ARG/TOO_LARGE. */
long pgstore_init(struct pgstore *s, const struct pgstore_config *cfg, uint8_t *in, size_t in_cap,
                  uint8_t *out, size_t out_cap);
/* The transport is up: queues the login (pg_start). Returns 0 or ERR_BAD_STATE. */
long pgstore_start(struct pgstore *s);
/* The connection, for pg_output and pg_consume. */
struct pg_conn *pgstore_pg(struct pgstore *s);
/* Takes received bytes; a connection failure completes the running request and resets the session (close the
 * transport, then a new one and pgstore_start). Returns pg_feed's result. */
long pgstore_feed(struct pgstore *s, const void *data, size_t len);
/* The transport is gone or timed out: the running request completes with err, the session is reset. */
void pgstore_disconnected(struct pgstore *s, long err);
/* Queues a copy of req. Returns 0, ERR_QUEUE_FULL, ERR_INVALID_ARG (bad fields), ERR_NAME_TOO_LONG. */
long pgstore_submit(struct pgstore *s, const struct pgs_req *req);
/* The root directory's inode (0 until a volume was opened). */
uint64_t pgstore_root(const struct pgstore *s);
/* The Warp error a PostgreSQL error class stands for in the store (ERR_IO for most). */
long pgs_err_of(enum pg_errclass cls);
