/* cond.h: HTTP dates, entity tags, conditional requests and byte ranges (RFC 9110 §8.8, §13, §14); pure code. */
#pragma once

#include "date.h"
#include "http.h"

#include <warp/types.h>

/*
 * What a GET or HEAD of a file gets, given the request's If-None-Match, If-Modified-Since, Range and
 * If-Range (http_select):
 *
 *   304  If-None-Match is present and one of its entity-tags matches ours by weak comparison (or it
 *        is "*"); or If-None-Match is absent and If-Modified-Since is a valid date not older than
 *        the file's mtime (whole seconds)
 *   416  a valid single "bytes=" range none of whose bytes exist (first-byte-pos >= size, or a
 *        suffix of 0 bytes); the response says "Content-Range: bytes * /size"
 *   206  a valid single "bytes=" range with bytes in the file (the last position is cut to the
 *        file's end); If-Range, when present, must match: an entity-tag by strong comparison, or a
 *        date equal to Last-Modified; otherwise the whole file (200)
 *   200  otherwise: no Range, a Range we ignore (another unit, bad syntax, several ranges, a field
 *        given twice, a value longer than we keep), or a failed If-Range
 *
 * A precondition field that is longer than the parser keeps, or given twice where a list is not
 * allowed, counts as absent; If-None-Match present but too long disables If-Modified-Since too, and
 * then the whole file is sent: never a 304 that was not asked for.
 */

#define HTTP_ETAG_MAX 80      /* bytes of our ETag values, quotes and NUL included */
#define HTTP_LOCATION_EXTRA 2 /* a Location takes at most 3 * strlen(path) + this many bytes */

/* The validators and size of the file being served. */
struct http_entity {
    uint64_t size;
    int64_t mtime;    /* seconds since the epoch */
    const char *etag; /* our ETag value, quoted */
};

/* Writes our strong ETag for a file: quoted hex of mount, ino, size, mtime and its nanoseconds.
 * Returns its length, or ERR_TOO_LARGE. */
long http_etag_format(char *buf, size_t size, uint32_t mount, uint64_t ino, uint64_t size_bytes,
                      int64_t mtime, uint32_t mtime_nsec);

/* True when the If-None-Match value (a comma-separated list of entity-tags, or "*") holds a tag
 * that matches etag by weak comparison. A malformed list matches nothing from its first bad tag. */
bool http_etag_match_weak(const char *list, const char *etag);

/* Which of 200, 206, 304 or 416 a GET/HEAD of e gets (see above); for 206 the inclusive byte
 * positions go to *first and *last. */
int http_select(const struct http_request *req, const struct http_entity *e, uint64_t *first, uint64_t *last);

/* Writes path percent-encoded (unreserved, sub-delims, ':', '@' and '/' stay) followed by "/":
 * a directory's Location. Returns its length, or ERR_TOO_LARGE. */
long http_location(char *buf, size_t size, const char *path);
