/* upload.h: PUT and DELETE under a configured prefix: the configuration, the bearer token, the path mapping; pure code. */
#pragma once

#include "http.h"

#include <warp/types.h>

/*
 * Uploads are off unless the manifest (etc/init.manifest in the initfs, which init leaves alone in
 * this section) has:
 *
 *     [http upload]
 *     prefix   = /uploads/      URL path under which PUT and DELETE are taken (and GET maps too)
 *     dir      = /tmp/uploads   the fs directory it maps to (created at the first PUT, mode 0777)
 *     token    = ...            the bearer token: 16..HTTP_UP_TOKEN_MAX of A-Z a-z 0-9 - . _ ~ + /
 *     max_body = 67108864       bytes a PUT may send at most (1..2^40; default 64 MiB)
 *
 * All four but max_body are required; a section with an error leaves uploads off and says why
 * (never the token's value). GET under the prefix reads the same directory; PUT and DELETE anywhere
 * else are 405, as they are everywhere without the section.
 */
#define HTTP_UP_PREFIX_MAX 64 /* bytes of prefix: "/" ... "/" */
#define HTTP_UP_DIR_MAX 128   /* bytes of dir: an absolute fs path, no trailing '/' */
#define HTTP_UP_TOKEN_MIN 16  /* a shorter token is too easy to guess */
#define HTTP_UP_TOKEN_MAX 128 /* "Bearer " and the token fit HTTP_AUTH_MAX */
#define HTTP_UP_BODY_DEFAULT (64ull << 20)
#define HTTP_UP_BODY_LIMIT (1ull << 40)
#define HTTP_UP_TEMP_PREFIX ".put-" /* a PUT's temporary file: ".put-<n>" beside the final name */

struct http_upload_conf {
    bool enabled;
    char prefix[HTTP_UP_PREFIX_MAX + 1];
    size_t prefix_len;
    char dir[HTTP_UP_DIR_MAX + 1];
    size_t dir_len;
    char token[HTTP_UP_TOKEN_MAX + 1];
    size_t token_len;
    uint64_t max_body;
};

/* Receives one diagnostic line (no newline) about the section. */
typedef void (*http_upload_log_fn)(void *ctx, const char *msg);

/* Reads the [http upload] section of the manifest's len bytes at text into *out (enabled only if
 * the whole section is good); diagnostics go to log. */
void http_upload_conf_parse(const char *text, size_t len, struct http_upload_conf *out,
                            http_upload_log_fn log, void *ctx);

/* True if a and b (alen, blen bytes) are equal; the time taken depends on the lengths only. */
bool http_token_equal(const char *a, size_t alen, const char *b, size_t blen);

enum http_auth_result {
    HTTP_AUTH_OK,
    HTTP_AUTH_MISSING, /* no Authorization, another scheme, or unusable (too long, given twice): 401 */
    HTTP_AUTH_WRONG,   /* "Bearer <token>" with another token: 403 */
};

/* Checks an Authorization value (NULL: absent) against the configured token. The scheme is
 * case-insensitive, one or more spaces follow it, trailing whitespace is gone already. */
enum http_auth_result http_upload_auth(const struct http_upload_conf *c, const char *authorization);

/*
 * Maps a decoded request path (http_request.path: starts with '/', no "." or ".." or empty
 * segments) under the prefix to its fs path, dir + "/" + the rest, into out (size bytes, NUL
 * added). Returns the length, ERR_NOT_FOUND if path is not under the prefix (or uploads are off),
 * ERR_INVALID_ARG if it names the directory itself, ends in '/', or has a segment starting with '.'
 * (no hidden or temporary names), ERR_NAME_TOO_LONG past FS_NAME_MAX or size.
 */
long http_upload_map(const struct http_upload_conf *c, const char *path, char *out, size_t size);

/*
 * The status a PUT or DELETE gets before any fs call, or 0 to go ahead: 405 (uploads off, or not
 * under the prefix), 401/403 (the token), 400 or 414 (map's ERR_INVALID_ARG, ERR_NAME_TOO_LONG), 413
 * (a body over max_body). mapped is http_upload_map's result for the request's path.
 */
int http_upload_status(const struct http_upload_conf *c, const struct http_request *req, long mapped);

/* The status an fs error gets during a PUT (put) or DELETE: 404 (DELETE of a missing name), 409 (a
 * file in the way of a directory, a directory in the way of a file), 403 (fs's permission rule, a
 * read-only mount), 414, 507 (the mount is full), 503 (fs restarting), 500 (anything else). */
int http_upload_fs_status(long err, bool put);
