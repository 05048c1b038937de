/* fuzz_http.c: libFuzzer harness for http_server's request parser and response builder. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <warp/error.h>

#include "servers/http_server/cond.h"
#include "servers/http_server/date.h"
#include "servers/http_server/http.h"
#include "servers/http_server/upload.h"

/*
 * The first input byte picks how the rest is cut into pieces (its low 7 bits: 1..64 bytes, or all
 * at once when 0) and whether uploads are allowed (its top bit: PUT and DELETE then pass, and a
 * PUT's Content-Length bytes are skipped as conn.c skips its body); the rest is a byte stream of
 * pipelined requests. Each request is parsed twice, in those
 * pieces and whole, and the two parses must agree. An accepted request must satisfy every promise
 * http.h makes about req (a path inside the root: starts with '/', no "." or ".." segment, no
 * backslash, NUL or control byte, no "//"); a refused one must carry a status the server knows.
 * The kept fields (If-None-Match, If-Modified-Since, Range, If-Range) go through http_select for
 * files of a few sizes: a 206 must name bytes inside the file, and its head must build. Every path
 * goes through the upload mapping of a fixed configuration: what it maps to must stay under that
 * directory with no hidden, "." or ".." segment, and the status choice must be one upload.h names.
 * abort() on any broken promise; ASan and UBSan catch the rest.
 */

static bool uploads; /* this input's parsers allow PUT and DELETE */

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

/* The upload mapping and status choice (upload.h's promises) for any accepted request. */
static void check_upload(const struct http_request *req)
{
    static struct http_upload_conf conf;
    if (!conf.enabled) {
        static const char m[] = "[http upload]\nprefix = /u/\ndir = /tmp/up\ntoken = 0123456789abcdef\n";
        http_upload_conf_parse(m, sizeof(m) - 1, &conf, NULL, NULL);
        if (!conf.enabled)
            abort();
    }
    char out[HTTP_UP_DIR_MAX + 2 + HTTP_TARGET_MAX];
    long n = http_upload_map(&conf, req->path, out, sizeof(out));
    if (n >= 0) {
        if ((size_t)n != strlen(out) || strncmp(out, "/tmp/up/", 8) != 0 || strstr(out, "/.") ||
            strstr(out, "//"))
            abort(); /* inside the directory, no hidden, "." or ".." name */
    } else if (n != ERR_NOT_FOUND && n != ERR_INVALID_ARG && n != ERR_NAME_TOO_LONG) {
        abort();
    }
    int st = http_upload_status(&conf, req, n);
    if (st != 0 && st != 400 && st != 401 && st != 403 && st != 405 && st != 413 && st != 414)
        abort();
    if (st == 0 && (n < 0 || req->auth != HTTP_KEPT_OK))
        abort(); /* nothing goes ahead unmapped or without credentials */
}

/* Checks what http.h promises about an accepted request. */
static void check_request(const struct http_request *req)
{
    const char *p = req->path;
    size_t len = strnlen(p, sizeof(req->path));
    if (len == sizeof(req->path) || p[0] != '/')
        abort();
    bool upload = req->method == HTTP_PUT || req->method == HTTP_DELETE;
    if (req->method != HTTP_GET && req->method != HTTP_HEAD && !(uploads && upload))
        abort();
    if (req->content_length && req->method != HTTP_PUT)
        abort(); /* only a PUT has a body */
    if (req->auth == HTTP_KEPT_OK) {
        size_t n = strnlen(req->authorization, sizeof(req->authorization));
        if (n > HTTP_AUTH_MAX ||
            (n && (req->authorization[n - 1] == ' ' || req->authorization[n - 1] == '\t')))
            abort();
    }
    check_upload(req);
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
    static const int known[] = {400, 405, 411, 413, 414, 431, 501, 505};
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
    if (uploads)
        http_parser_allow_uploads(p);
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
    size_t piece = (data[0] & 0x7f) % 65;
    uploads = data[0] & 0x80;
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
        if (strcmp(a.req.path, b.req.path) != 0 || a.req.keep_alive != b.req.keep_alive ||
            a.req.content_length != b.req.content_length || a.req.auth != b.req.auth ||
            a.req.expect_continue != b.req.expect_continue)
            abort();
        check_request(&a.req);
        if (na == 0)
            abort(); /* a request takes at least one byte */
        data += na;
        size -= na;
        size_t body = a.req.content_length < size ? (size_t)a.req.content_length : size;
        data += body; /* a PUT's body is not the next request */
        size -= body;
    }
    return 0;
}
