/* lxfd.h: a Linux process's file descriptors, the open file descriptions they share, pipe buffers
 * (pure: no system calls; tests/unit/test_linux_fd.c). */
#pragma once

#include <warp/abi.h>

#define LXFD_MAX 256            /* descriptors per process (RLIMIT_NOFILE): the next open is EMFILE */
#define LXFILE_MAX 1024         /* open file descriptions in the server, all processes together */
#define LXPIPE_SIZE (64u << 10) /* a pipe's buffer, as Linux's default (16 pages) */
struct lxsock;
struct lxepoll;

#define LXPIPE_ATOMIC 4096u /* PIPE_BUF: a write of at most this much is never split */

/* What an open file description is. */
enum lxfile_kind {
    LXFILE_FREE = 0,
    LXFILE_NULL,    /* fd 0 at the start: reads as the end of input (/dev/null) */
    LXFILE_CONSOLE, /* fds 1 and 2 at the start: a pipe to the log (stream 1 or 2) */
    LXFILE_NODE,    /* a file or directory of service/fs (a node channel) */
    LXFILE_PIPE_R,  /* a pipe's read end */
    LXFILE_PIPE_W,  /* a pipe's write end */
    LXFILE_SOCKET,  /* a TCP socket (lxsock.h) */
    LXFILE_EPOLL,   /* an epoll instance (lxready.h) */
};

/* A pipe's bytes: a ring of LXPIPE_SIZE, and how many ends of each kind are open. */
struct lxpipe {
    uint8_t *buf; /* LXPIPE_SIZE bytes */
    uint32_t head, len;
    uint32_t readers, writers;
};

/* An open file description (Linux's struct file): what open, pipe and the first fds made, shared by
 * the descriptors dup gives (and by calls in flight, which hold a reference too). */
struct lxfile {
    uint32_t refs;   /* descriptors and calls in flight holding it; 0: free */
    uint32_t kind;   /* enum lxfile_kind */
    uint32_t flags;  /* Linux's O_ACCMODE bits and the status flags O_APPEND, O_NONBLOCK */
    uint32_t type;   /* LXFILE_NODE: enum fs_type of the node */
    uint64_t offset; /* file: byte offset; directory: the fs cookie where getdents64 goes on */
    handle_t node;   /* LXFILE_NODE: our end of its node channel (0 once fs closed it) */
    uint32_t stream; /* LXFILE_CONSOLE: 1 or 2 */
    struct lxpipe *pipe;
    struct lxsock *sock;   /* LXFILE_SOCKET */
    struct lxepoll *epoll; /* LXFILE_EPOLL */
};

/* The descriptors of one process. */
struct lxfdtab {
    struct lxfile *fd[LXFD_MAX];
    uint8_t cloexec[LXFD_MAX / 8];
};

/* The server's open file descriptions. */
struct lxfilepool {
    struct lxfile files[LXFILE_MAX];
};

/* A free description of kind with one reference (zeroed otherwise), or NULL when all are used. */
struct lxfile *lxfile_new(struct lxfilepool *pool, uint32_t kind, uint32_t flags);
/* One more reference to f. */
void lxfile_get(struct lxfile *f);
/* Drops one reference; true if it was the last (the caller then releases what f holds and calls
 * lxfile_free). */
bool lxfile_put(struct lxfile *f);
/* Marks f free (its refs are 0). */
void lxfile_free(struct lxfile *f);

/* Empties a table. */
void lxfd_init(struct lxfdtab *t);
/* The description fd names, or NULL (EBADF): fd is what the process passed (any 64-bit value). */
struct lxfile *lxfd_get(const struct lxfdtab *t, uint64_t fd);
/* Installs f at the lowest free number >= min (taking a reference); the number, or -EMFILE if
 * none below LXFD_MAX is free, -EINVAL for min >= LXFD_MAX. */
int64_t lxfd_install(struct lxfdtab *t, uint64_t min, struct lxfile *f, bool cloexec);
/* Installs f at exactly fd, which must be free and < LXFD_MAX (taking a reference). */
void lxfd_install_at(struct lxfdtab *t, uint32_t fd, struct lxfile *f, bool cloexec);
/* Removes fd from the table and returns its description (the caller puts its reference), or NULL. */
struct lxfile *lxfd_take(struct lxfdtab *t, uint64_t fd);
/* FD_CLOEXEC of an open fd. */
bool lxfd_cloexec(const struct lxfdtab *t, uint32_t fd);
void lxfd_set_cloexec(struct lxfdtab *t, uint32_t fd, bool on);
/* Open descriptors. */
uint32_t lxfd_count(const struct lxfdtab *t);

/* An empty pipe over buf (LXPIPE_SIZE bytes), no ends open. */
void lxpipe_init(struct lxpipe *p, uint8_t *buf);
/* Bytes free in the buffer. */
uint32_t lxpipe_space(const struct lxpipe *p);
/* Appends up to n bytes of data; the bytes taken. */
uint32_t lxpipe_put(struct lxpipe *p, const void *data, uint32_t n);
/* Takes up to n bytes into out; the bytes taken. */
uint32_t lxpipe_get(struct lxpipe *p, void *out, uint32_t n);
