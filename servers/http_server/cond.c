/* cond.c: entity tags, preconditions (If-None-Match, If-Modified-Since, If-Range) and single byte ranges. */
#include "cond.h"

#include <warp/error.h>
#include <warp/fmt.h>
#include <warp/string.h>

/* A range position with more digits than this is past any file: 10^18 > FS sizes, < 2^63. */
#define COND_POS_DIGITS 18

enum cond_range {
    COND_RANGE_IGNORE, /* not one we serve: the whole file (200) */
    COND_RANGE_OK,
    COND_RANGE_UNSATISFIABLE,
};

/* Our ETag: "mount-ino-size-mtime.nsec" in hex, quoted. */
long http_etag_format(char *buf, size_t size, uint32_t mount, uint64_t ino, uint64_t size_bytes,
                      int64_t mtime, uint32_t mtime_nsec)
{
    int n = fmt_snprintf(buf, size, "\"%x-%llx-%llx-%llx.%x\"", mount, (unsigned long long)ino,
                         (unsigned long long)size_bytes, (unsigned long long)mtime, mtime_nsec);
    if (n < 0 || (size_t)n >= size)
        return ERR_TOO_LARGE;
    return n;
}

/* Skips optional whitespace. */
static const char *cond_ows(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* True for the bytes of an entity-tag's opaque part (etagc: '!', '#'..'~', obs-text). */
static bool cond_etagc(uint8_t c)
{
    return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

/*
 * Reads one entity-tag at s: [W/] DQUOTE etagc* DQUOTE. Sets *opaque and *len to the quoted part,
 * *weak to whether it had W/; returns the first byte after it, or NULL if it is malformed.
 */
static const char *cond_etag(const char *s, const char **opaque, size_t *len, bool *weak)
{
    *weak = s[0] == 'W' && s[1] == '/';
    if (*weak)
        s += 2;
    if (*s != '"')
        return NULL;
    const char *q = s + 1;
    while (cond_etagc((uint8_t)*q))
        q++;
    if (*q != '"')
        return NULL;
    *opaque = s;
    *len = (size_t)(q + 1 - s);
    return q + 1;
}

/* Weak comparison of each tag of an If-None-Match list with ours (RFC 9110 §8.8.3.2). */
bool http_etag_match_weak(const char *list, const char *etag)
{
    const char *s = cond_ows(list);
    if (s[0] == '*' && *cond_ows(s + 1) == '\0')
        return true;
    size_t ours = strlen(etag);
    for (;;) {
        while (*s == ',' || *s == ' ' || *s == '\t')
            s++; /* empty list elements are allowed (RFC 9110 §5.6.1) */
        if (!*s)
            return false;
        const char *opaque;
        size_t len;
        bool weak;
        s = cond_etag(s, &opaque, &len, &weak);
        if (!s)
            return false;
        if (len == ours && memcmp(opaque, etag, len) == 0)
            return true;
        s = cond_ows(s);
        if (*s != ',' && *s)
            return false;
    }
}

/* If-Range (RFC 9110 §13.1.5): a strong tag equal to ours, or a date equal to Last-Modified. */
static bool cond_if_range(const char *v, const struct http_entity *e)
{
    if (v[0] == '"' || (v[0] == 'W' && v[1] == '/')) {
        const char *opaque;
        size_t len;
        bool weak;
        const char *end = cond_etag(v, &opaque, &len, &weak);
        return end && !*end && !weak && e->etag && strlen(e->etag) == len &&
               memcmp(opaque, e->etag, len) == 0;
    }
    int64_t t;
    return http_date_parse(v, &t) && t == e->mtime;
}

/* Reads a run of decimal digits at *s (advancing it); false without one. Too many digits give
 * UINT64_MAX, which is past any file. */
static bool cond_pos(const char **s, uint64_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    int n = 0;
    for (; *p >= '0' && *p <= '9'; p++, n++)
        if (n < COND_POS_DIGITS)
            v = v * 10 + (uint64_t)(*p - '0');
    if (n == 0)
        return false;
    *s = p;
    *out = n > COND_POS_DIGITS ? UINT64_MAX : v;
    return true;
}

/* Parses a Range value for a file of size bytes: one range-spec of unit "bytes" (RFC 9110 §14.1). */
static enum cond_range cond_range(const char *v, uint64_t size, uint64_t *first, uint64_t *last)
{
    static const char unit[] = "bytes=";
    for (size_t i = 0; i < sizeof(unit) - 1; i++)
        if ((v[i] | (v[i] >= 'A' && v[i] <= 'Z' ? 0x20 : 0)) != unit[i])
            return COND_RANGE_IGNORE;
    const char *s = cond_ows(v + sizeof(unit) - 1);
    uint64_t a = 0, b = UINT64_MAX;
    bool suffix = *s == '-';
    if (suffix)
        s++;
    if (!cond_pos(&s, suffix ? &b : &a))
        return COND_RANGE_IGNORE;
    if (!suffix) {
        if (*s++ != '-')
            return COND_RANGE_IGNORE;
        if (*s >= '0' && *s <= '9')
            cond_pos(&s, &b);
    }
    if (*cond_ows(s) != '\0')
        return COND_RANGE_IGNORE; /* several ranges (','), or junk: the whole file */
    if (suffix) {
        if (b == 0)
            return COND_RANGE_UNSATISFIABLE;
        if (size == 0)
            return COND_RANGE_IGNORE; /* satisfiable but selects nothing: the whole, empty, file */
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return COND_RANGE_OK;
    }
    if (b < a)
        return COND_RANGE_IGNORE; /* invalid: a range-spec with last < first is ignored */
    if (a >= size)
        return COND_RANGE_UNSATISFIABLE;
    *first = a;
    *last = b >= size ? size - 1 : b;
    return COND_RANGE_OK;
}

/* 200, 206, 304 or 416, in the order of RFC 9110 §13.2.2 (If-Match and If-Unmodified-Since are
 * not kept: they are for state-changing methods, which this server refuses). */
int http_select(const struct http_request *req, const struct http_entity *e, uint64_t *first, uint64_t *last)
{
    if (req->kept[HTTP_KEPT_IF_NONE_MATCH] != HTTP_KEPT_ABSENT) {
        const char *inm = http_request_field(req, HTTP_KEPT_IF_NONE_MATCH);
        if (inm && e->etag && http_etag_match_weak(inm, e->etag))
            return 304;
    } else {
        const char *ims = http_request_field(req, HTTP_KEPT_IF_MODIFIED_SINCE);
        int64_t t;
        if (ims && http_date_parse(ims, &t) && e->mtime <= t)
            return 304;
    }
    const char *range = http_request_field(req, HTTP_KEPT_RANGE);
    if (!range)
        return 200;
    if (req->kept[HTTP_KEPT_IF_RANGE] != HTTP_KEPT_ABSENT) {
        const char *ir = http_request_field(req, HTTP_KEPT_IF_RANGE);
        if (!ir || !cond_if_range(ir, e))
            return 200;
    }
    switch (cond_range(range, e->size, first, last)) {
    case COND_RANGE_OK: return 206;
    case COND_RANGE_UNSATISFIABLE: return 416;
    default: return 200;
    }
}

/* True for the bytes a path segment may hold unescaped (RFC 3986 pchar, minus pct-encoded). */
static bool cond_pchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != 0 && strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

/* The path, escaped, plus "/". */
long http_location(char *buf, size_t size, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const uint8_t *p = (const uint8_t *)path; *p; p++) {
        if (n + (cond_pchar(*p) ? 1 : 3) + 2 > size) /* and room for the '/' and the NUL */
            return ERR_TOO_LARGE;
        if (cond_pchar(*p)) {
            buf[n++] = (char)*p;
        } else {
            buf[n++] = '%';
            buf[n++] = hex[*p >> 4];
            buf[n++] = hex[*p & 15];
        }
    }
    if (n + 2 > size)
        return ERR_TOO_LARGE;
    buf[n++] = '/';
    buf[n] = '\0';
    return (long)n;
}
