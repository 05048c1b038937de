/* sha256.h: SHA-256 (FIPS 180-4), incremental and one-shot; pure code. */
#pragma once

#include <warp/types.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_BLOCK_LEN 64

/* A hash in progress: feed it with sha256_update, read it with sha256_final. */
struct sha256 {
    uint32_t h[8];
    uint64_t total;                  /* bytes fed so far */
    uint8_t block[SHA256_BLOCK_LEN]; /* the partial block */
    size_t fill;                     /* bytes in block */
};

/* Starts a new hash. */
void sha256_init(struct sha256 *s);
/* Feeds len bytes of data. */
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Pads, writes the digest to out and leaves s unusable until sha256_init. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_LEN]);
/* The digest of one buffer. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN]);
