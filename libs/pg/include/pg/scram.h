/* scram.h: the client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses it; pure code. */
#pragma once

#include <crypto/sha256.h>

#define SCRAM_NONCE_MAX 64          /* longest client nonce accepted (printable, no ',') */
#define SCRAM_MSG_MAX 512           /* longest server-first and client-first-bare message kept */
#define SCRAM_SALT_MAX 64           /* longest salt (decoded) accepted from a server */
#define SCRAM_ITERATIONS_MAX 100000 /* more rounds than this is refused: a hostile server's CPU sink */

/* One exchange: what the client sent first, what the server answered, the signature to expect. */
struct scram {
    char client_first_bare[SCRAM_MSG_MAX];
    size_t client_first_bare_len;
    size_t nonce_len; /* the client nonce starts at client_first_bare + nonce_off */
    size_t nonce_off;
    uint8_t server_signature[SHA256_DIGEST_LEN]; /* valid after scram_client_final */
};

/*
 * Writes client-first-message "n,,n=<user>,r=<nonce>" to out (at most cap bytes) and returns its length,
 * or ERR_INVALID_ARG (nonce empty, too long or with ',' or unprintable bytes; user with ',' or '=') or
 * ERR_TOO_LARGE.
 */
long scram_client_first(struct scram *s, const char *user, const char *nonce, char *out, size_t cap);

/*
 * Parses server-first-message (len bytes), derives the keys from password and writes
 * client-final-message to out. Returns its length, or ERR_BAD_FORMAT (malformed, nonce not extending
 * ours, bad salt, iteration count 0 or over SCRAM_ITERATIONS_MAX, a mandatory extension) or
 * ERR_TOO_LARGE.
 */
long scram_client_final(struct scram *s, const char *password, const char *server_first, size_t len,
                        char *out, size_t cap);

/*
 * Checks server-final-message "v=<signature>" (len bytes). Returns 0 when the server proved it knows
 * the password, ERR_PERMISSION for a wrong signature or an "e=" error, ERR_BAD_FORMAT otherwise.
 */
long scram_verify_final(const struct scram *s, const char *server_final, size_t len);

/* Base64 (RFC 4648, with padding) of len bytes into out; returns the length written or ERR_TOO_LARGE. */
long scram_base64_encode(const uint8_t *in, size_t len, char *out, size_t cap);
/* Decodes padded base64 of len characters into out; returns the bytes written or ERR_BAD_FORMAT/TOO_LARGE. */
long scram_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap);
