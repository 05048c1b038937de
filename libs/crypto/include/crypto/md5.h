/* md5.h: MD5 (RFC 1321), only for PostgreSQL's legacy md5 password exchange; pure code. */
#pragma once

#include <warp/types.h>

#define MD5_DIGEST_LEN 16

/* A hash in progress: feed it with md5_update, read it with md5_final. */
struct md5 {
    uint32_t h[4];
    uint64_t total;    /* bytes fed so far */
    uint8_t block[64]; /* the partial block */
    size_t fill;       /* bytes in block */
};

/* Starts a new hash. */
void md5_init(struct md5 *m);
/* Feeds len bytes of data. */
void md5_update(struct md5 *m, const void *data, size_t len);
/* Pads and writes the digest to out. */
void md5_final(struct md5 *m, uint8_t out[MD5_DIGEST_LEN]);
/* The digest of one buffer. */
void md5(const void *data, size_t len, uint8_t out[MD5_DIGEST_LEN]);
