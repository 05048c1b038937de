/* lxfiles.h: what the descriptor, file and pipe calls share inside the server (lxsys_io.c,
 * lxsys_fd.c, lxsys_file.c; docs/linux-compat.md, Files). */
#pragma once

#include "lxstate.h"

#define LXIO_MAX (64ull << 10) /* bytes one read or write moves at most (a short count, as Linux allows) */
#define LXIO_IOV_MAX 1024      /* Linux's UIO_MAXIOV */

/* Where a read's bytes go or a write's come from in the process: one buffer, or an iovec array
 * (readv, writev) that was checked whole. */
struct lxxfer {
    uint64_t addr;   /* the buffer, or the iovec array */
    uint64_t iovcnt; /* 0: one buffer */
    uint64_t len;    /* bytes asked, cut to LXIO_MAX */
};

/* lxsys_io.c */
/* A transfer of one buffer. */
void lxio_xfer_one(struct lxxfer *x, uint64_t buf, uint64_t len);
/* A transfer of cnt iovecs at iov: 0, -EINVAL (too many, a length past SSIZE_MAX or a sum past it),
 * -EFAULT (the array unreadable): checked before anything moves, as Linux's import_iovec. */
int64_t lxio_xfer_vec(struct lxproc *p, struct lxxfer *x, uint64_t iov, uint64_t cnt);
/* Copies the transfer's bytes from the process into buf (x->len bytes) in 4 KiB pieces counted from
 * each buffer's start, stopping at the first piece that cannot be read whole; the bytes copied, or
 * -EFAULT if none could be and some were asked. */
int64_t lxio_gather(struct lxproc *p, const struct lxxfer *x, void *buf);
/* Copies n bytes of buf to the transfer's buffers; 0 or -EFAULT. */
int64_t lxio_scatter(struct lxproc *p, const struct lxxfer *x, const void *buf, uint64_t n);
/* Sends what stream 1 or 2 holds of an unfinished line to the log. */
void lxio_console_flush(struct lxproc *p, uint32_t stream);

/* lxsys_fd.c */
extern struct lxfilepool lxfile_pool;
/* Gives a new process fds 0 (/dev/null), 1 and 2 (the log), the cwd "/" and umask 022; 0 or
 * ERR_NO_RESOURCES / ERR_NO_MEMORY. */
long lxfiles_start(struct lxproc *p);
/* Closes every descriptor of an ending process and drops its pipe wait. */
void lxfiles_end(struct lxproc *p);
/* Drops one reference to f; the last releases what it holds (a node channel, a pipe end, a console
 * stream's unfinished line: p is the process whose stream it is, or NULL). */
void lxfile_unref(struct lxproc *p, struct lxfile *f);
/* read/write on a pipe end: the bytes moved, -errno, or LXSYS_NO_REPLY (the process waits). */
int64_t lxpipe_read(struct lxproc *p, struct lxfile *f, const struct lxxfer *x);
int64_t lxpipe_write(struct lxproc *p, struct lxfile *f, const struct lxxfer *x);

/* lxsys_file.c */
/* Opens the session with service/fs (at start, before the loop runs); logs and goes on without. */
void lxfs_init(struct loop *l);
/* read/write of a file of fs at offset (-1: the description's offset, which then moves): starts
 * the call and returns LXSYS_NO_REPLY (the trap is answered with its reply), or -errno. */
int64_t lxnode_read(struct lxproc *p, struct lxfile *f, const struct lxxfer *x, int64_t offset);
int64_t lxnode_write(struct lxproc *p, struct lxfile *f, const struct lxxfer *x, int64_t offset);
/* Releases a node description's channel (its last reference went). */
void lxnode_release(struct lxfile *f);
/* fs's error as the errno Linux gives for the same failure (open: what_open true). */
int64_t lxfs_errno(long err, bool what_open);
