/* hmac.h: HMAC-SHA-256 (RFC 2104) and PBKDF2-HMAC-SHA-256 (RFC 8018); pure code. */
#pragma once

#include <crypto/sha256.h>

/* A keyed hash in progress; the key's inner and outer pads are kept for hmac_sha256_final. */
struct hmac_sha256 {
    struct sha256 inner;
    uint8_t opad[SHA256_BLOCK_LEN];
};

/* Starts an HMAC under key (any length: a key longer than a block is hashed first). */
void hmac_sha256_init(struct hmac_sha256 *h, const void *key, size_t key_len);
/* Feeds len bytes of the message. */
void hmac_sha256_update(struct hmac_sha256 *h, const void *data, size_t len);
/* Writes the MAC to out. */
void hmac_sha256_final(struct hmac_sha256 *h, uint8_t out[SHA256_DIGEST_LEN]);
/* The MAC of one message. */
void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                 uint8_t out[SHA256_DIGEST_LEN]);
/* PBKDF2 with HMAC-SHA-256: out_len bytes derived from password and salt over iterations rounds. */
void pbkdf2_sha256(const void *password, size_t password_len, const void *salt, size_t salt_len,
                   uint32_t iterations, uint8_t *out, size_t out_len);
