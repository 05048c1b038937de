/* fuzz_http.c: libFuzzer harness for http_server's request parser and response builder. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "servers/http_server/cond.h"
#include "servers/http_server/date.h"
#include "servers/http_server/http.h"

/*
 * The first input byte picks how the rest is cut into pieces (1..64 bytes, or all at once when it
 * is 0); the rest is a byte stream of pipelined requests. Each request is parsed twice, in those
 * pieces and whole, and the two parses must agree. An accepted request must satisfy every promise
 * http.h makes about req (a path inside the root: starts with '/', no "." or ".." segment, no
 * backslash, NUL or control byte, no "//"); a refused one must carry a status the server knows.
 * The kept fields (If-None-Match, If-Modified-Since, Range, If-Range) go through http_select for
 * files of a few sizes: a 206 must name bytes inside the file, and its head must build.
 * abort() on any broken promise; ASan and UBSan catch the rest.
 */

/* Preconditions and ranges of the request against files of several sizes (cond.h's promises). */
static void check_conditions(const struct http_request *req)
{
    static const uint64_t sizes[] = {0, 1, 100, 1ull << 40};
    for (int f = 0; f < HTTP_KEPT_COUNT; f++) {
        const char *v = http_request_field(req, f);
        if (v && (strlen(v) > HTTP_INM_MAX || (v[0] && (v[strlen(v) - 1] == ' ' || v[0] == ' '))))
            abort(); /* kept values fit and carry no surrounding whitespace */
        int64_t t;
        char date[HTTP_DATE_LEN + 1];
        if (v && http_date_parse(v, &t) && http_date_format(t, date, sizeof(date)) != HTTP_DATE_LEN)
            abort(); /* every date we accept can be written back */
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char etag[HTTP_ETAG_MAX];
        http_etag_format(etag, sizeof(etag), 1, i, sizes[i], 784111777, 0);
        struct http_entity e = {.size = sizes[i], .mtime = 784111777, .etag = etag};
        uint64_t first = 0, last = 0;
        int st = http_select(req, &e, &first, &last);
        if (st != 200 && st != 206 && st != 304 && st != 416)
            abort();
        if (st == 206 && (first > last || last >= sizes[i]))
            abort();
        char buf[1024];
        struct http_response r = {.status = st,
                                  .content_length = last - first + 1,
                                  .has_mtime = true,
                                  .mtime = e.mtime,
                                  .etag = etag,
                                  .accept_ranges = true,
                                  .content_range = st == 206 || st == 416,
                                  .range_first = first,
                                  .range_last = last,
                                  .range_size = sizes[i]};
        if (http_response_head(buf, sizeof(buf), &r) <= 0)
            abort();
    }
}

/* Checks what http.h promises about an accepted request. */
static void check_request(const struct http_request *req)
{
    const char *p = req->path;
    size_t len = strnlen(p, sizeof(req->path));
    if (len == sizeof(req->path) || p[0] != '/')
        abort();
    if (req->method != HTTP_GET && req->method != HTTP_HEAD)
        abort();
    if (req->version != 10 && req->version != 11)
        abort();
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f || c == '\\')
            abort();
        if (c == '/' && p[i + 1] == '/')
            abort();
    }
    for (const char *seg = p + 1; *seg;) {
        size_t n = strcspn(seg, "/");
        if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            abort();
        seg += n + (seg[n] == '/');
    }
    /* Whatever the path, building a response for it must work. */
    char buf[1024];
    struct http_response r = {.status = 200,
                              .content_type = http_content_type(p),
                              .content_length = len,
                              .keep_alive = req->keep_alive};
    if (http_response_head(buf, sizeof(buf), &r) <= 0)
        abort();
    check_conditions(req);
}

/* Checks a refused request's status and that its error response can be built. */
static void check_error(const struct http_parser *p)
{
    static const int known[] = {400, 405, 413, 414, 431, 501, 505};
    int ok = 0;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        ok |= p->status == known[i];
    if (!ok)
        abort();
    char buf[512];
    if (http_error_response(buf, sizeof(buf), p->status, false, http_parser_method(p) == HTTP_HEAD) <= 0)
        abort();
}

/* Parses one request from data in pieces of `piece` bytes (0: whole); returns bytes consumed. */
static size_t parse_one(struct http_parser *p, const uint8_t *data, size_t size, size_t piece,
                        enum http_parse_result *out)
{
    http_parser_init(p);
    size_t off = 0;
    enum http_parse_result r = HTTP_PARSE_MORE;
    while (off < size && r == HTTP_PARSE_MORE) {
        size_t n = piece == 0 || piece > size - off ? size - off : piece;
        size_t used;
        r = http_parse(p, data + off, n, &used);
        if (used > n || (r == HTTP_PARSE_MORE && used != n))
            abort();
        off += used;
    }
    *out = r;
    return off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_parser a, b;
    if (size == 0)
        return 0;
    size_t piece = data[0] % 65;
    data++;
    size--;
    while (size > 0) {
        enum http_parse_result ra, rb;
        size_t na = parse_one(&a, data, size, piece, &ra);
        size_t nb = parse_one(&b, data, size, 0, &rb);
        if (ra != rb || na != nb)
            abort();
        if (ra == HTTP_PARSE_ERROR) {
            if (a.status != b.status)
                abort();
            check_error(&a);
            return 0;
        }
        if (ra == HTTP_PARSE_MORE)
            return 0; /* the stream ended inside a request */
        if (strcmp(a.req.path, b.req.path) != 0 || a.req.keep_alive != b.req.keep_alive)
            abort();
        check_request(&a.req);
        if (na == 0)
            abort(); /* a request takes at least one byte */
        data += na;
        size -= na;
    }
    return 0;
}
