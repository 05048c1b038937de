/* lxxfer.h: where a read's bytes go or a write's come from in a Linux process. */
#pragma once

#include "lxstate.h"

#define LXXFER_MAX (64ull << 10) /* bytes one read or write moves at most (a short count, as Linux allows) */
#define LXXFER_IOV_MAX 1024      /* Linux's UIO_MAXIOV */

/* One buffer, or an iovec array (readv, writev) that was checked whole. */
struct lxxfer {
    uint64_t addr;   /* the buffer, or the iovec array */
    uint64_t iovcnt; /* 0: one buffer */
    uint64_t len;    /* bytes asked, cut to LXXFER_MAX */
};

/* A transfer of one buffer. */
void lxxfer_one(struct lxxfer *x, uint64_t buf, uint64_t len);
/* A transfer of cnt iovecs at iov: 0, -EINVAL (too many, a length past SSIZE_MAX or a sum past it),
 * -EFAULT (the array unreadable): checked before anything moves, as Linux's import_iovec. */
int64_t lxxfer_vec(struct lxproc *p, struct lxxfer *x, uint64_t iov, uint64_t cnt);
/* Copies the transfer's bytes from the process into buf (x->len bytes) in 4 KiB pieces counted from
 * each buffer's start, stopping at the first piece that cannot be read whole; the bytes copied, or
 * -EFAULT if none could be and some were asked. */
int64_t lxxfer_gather(struct lxproc *p, const struct lxxfer *x, void *buf);
/* Copies n bytes of buf to the transfer's buffers; 0 or -EFAULT. */
int64_t lxxfer_scatter(struct lxproc *p, const struct lxxfer *x, const void *buf, uint64_t n);
