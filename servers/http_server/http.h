/* http.h: an incremental HTTP/1.1 request parser and response builder; pure code, no system calls. */
#pragma once

#include <warp/types.h>

/*
 * The parser takes a request's bytes in pieces of any size (one byte at a time works) and keeps
 * only what it needs: the method, the request-target (up to HTTP_TARGET_MAX bytes) and a few facts
 * about the header fields that decide framing and keep-alive. It consumes bytes up to the end of one
 * request's header block and no further, so pipelined requests are parsed one after the other from
 * the same buffer: the caller keeps the unconsumed bytes, serves the request, re-initialises the
 * parser and feeds it the rest.
 *
 * The server takes no request bodies but a PUT's (uploads: upload.h), whose Content-Length the
 * parser reads and whose bytes it leaves to the caller. Every decision the parser makes, with its
 * status code (docs/http.md has the same table with the RFC 9110/9112 reasoning):
 *
 *   400  request line not `method SP target SP HTTP/d.d` (one space each, CRLF or bare LF at the end),
 *        a method or header name that is not a token, a byte outside the target's or a field value's
 *        character set (controls, DEL, non-ASCII in the target), a bare CR, whitespace before a colon,
 *        a line without a colon, obs-fold (a field line starting with SP or HT), a Content-Length that
 *        is not one decimal number (or overflows), Content-Length given twice, Content-Length with
 *        Transfer-Encoding, Transfer-Encoding in HTTP/1.0 or not ending in "chunked" or with
 *        "chunked" twice, a Connection value that is not a token list, no Host (1.1) or two Host
 *        fields or a Host value with characters no authority has, a target that is not origin-form
 *        or absolute-form ("*" or authority-form with GET/HEAD), a bad percent escape in the path,
 *        a path that decodes to NUL, a control byte or a backslash, a raw backslash or '#', and any
 *        ".." segment (after decoding: %2e%2e counts, and %2f separates segments)
 *   405  a known method other than GET and HEAD (POST, PUT, DELETE, PATCH, OPTIONS, TRACE, CONNECT):
 *        every resource here is static; the response carries Allow: GET, HEAD. With uploads
 *        allowed (http_parser_allow_uploads) PUT and DELETE are accepted, and the caller decides
 *   411  (uploads allowed) a PUT without Content-Length, or with Transfer-Encoding: chunked
 *   413  a request with a body: Content-Length > 0, or Transfer-Encoding: chunked (but an allowed PUT)
 *   414  a request-target longer than HTTP_TARGET_MAX bytes (known as soon as byte 2049 arrives)
 *   431  a header block (leading blank lines, request line, fields, final blank line) longer than
 *        HTTP_HEADER_MAX bytes, or more than HTTP_FIELDS_MAX fields
 *   501  an unknown method (methods are case-sensitive: "get" is unknown), one longer than
 *        HTTP_METHOD_MAX, or a Transfer-Encoding with codings other than chunked (gzip, chunked)
 *   505  an HTTP major version other than 1 (HTTP/2.0, HTTP/0.9 written as a version)
 *
 * 411 is sent only for a PUT: any other request without Content-Length or Transfer-Encoding has
 * no body (RFC 9112 section 6.3). HTTP/1.x with a minor version above 1 is served as 1.1. Blank lines
 * before the request line are skipped (RFC 9112 section 2.2); so is a bare LF used as a line end.
 */

#define HTTP_HEADER_MAX 8192 /* bytes of one header block, the final blank line included; more: 431 */
#define HTTP_TARGET_MAX 2048 /* bytes of the request-target as sent; more: 414 */
#define HTTP_METHOD_MAX 16   /* bytes of a method; longer ones are no method we know: 501 */
#define HTTP_FIELDS_MAX 100  /* header fields per request; more: 431 */
#define HTTP_INM_MAX 512     /* bytes of If-None-Match kept (its field lines joined by ", ") */
#define HTTP_KEPT_MAX 128    /* bytes kept of If-Modified-Since, Range and If-Range */
#define HTTP_AUTH_MAX 160    /* bytes kept of Authorization (uploads' bearer token); more: unusable */

/*
 * Four fields are kept for the file server's conditional and range requests (cond.h), each as its
 * value without surrounding whitespace and a state: absent, kept, or unusable (longer than kept, or
 * given twice: only If-None-Match is a list whose lines may be joined). They never make a request
 * bad; an unusable one is ignored by http_select (cond.h says how).
 */
enum http_kept_field {
    HTTP_KEPT_IF_NONE_MATCH,
    HTTP_KEPT_IF_MODIFIED_SINCE,
    HTTP_KEPT_RANGE,
    HTTP_KEPT_IF_RANGE,
    HTTP_KEPT_COUNT,
};
enum http_kept_state {
    HTTP_KEPT_ABSENT = 0,
    HTTP_KEPT_OK,       /* the value is in its buffer */
    HTTP_KEPT_UNUSABLE, /* too long, or repeated */
};

enum http_method {
    HTTP_METHOD_NONE = 0, /* not parsed yet */
    HTTP_METHOD_UNKNOWN,  /* a token, but no method of RFC 9110 */
    HTTP_GET,
    HTTP_HEAD,
    HTTP_POST,
    HTTP_PUT,
    HTTP_DELETE,
    HTTP_PATCH,
    HTTP_OPTIONS,
    HTTP_TRACE,
    HTTP_CONNECT,
};

enum http_parse_result {
    HTTP_PARSE_MORE = 0, /* every byte consumed; the request is not complete yet */
    HTTP_PARSE_DONE,     /* a complete, acceptable request: see http_parser.req */
    HTTP_PARSE_ERROR,    /* a bad request: http_parser.status says which 4xx/5xx to answer */
};

/* A request the parser accepted (HTTP_PARSE_DONE). Only GET and HEAD get this far, and PUT and
 * DELETE when the parser allows uploads. */
struct http_request {
    enum http_method method;
    unsigned version;        /* 10 or 11 */
    uint64_t content_length; /* PUT's body (the bytes after the header block); else 0 */
    uint8_t auth;            /* enum http_kept_state of Authorization (repeated: unusable) */
    bool expect_continue;    /* "Expect: 100-continue": the client waits for 100 before the body */
    char authorization[HTTP_AUTH_MAX + 1]; /* its value when HTTP_KEPT_OK; never logged */
    bool keep_alive;                       /* 1.1 unless "Connection: close"; 1.0 only with keep-alive */
    char path[HTTP_TARGET_MAX + 1];        /* decoded, starts with '/', no "." or ".." or empty segments,
                                         no query; NUL-terminated (it holds no other NUL) */
    uint8_t kept[HTTP_KEPT_COUNT];         /* enum http_kept_state of each kept field */
    char if_none_match[HTTP_INM_MAX + 1];
    char if_modified_since[HTTP_KEPT_MAX + 1];
    char range[HTTP_KEPT_MAX + 1];
    char if_range[HTTP_KEPT_MAX + 1];
};

/* Parser state. Fields other than req and status are private to http.c. */
struct http_parser {
    unsigned state; /* HP_* in http.c */
    enum http_parse_result result;
    int status;      /* the error's status code once result is HTTP_PARSE_ERROR */
    size_t total;    /* header-block bytes consumed so far */
    unsigned fields; /* header fields seen */
    unsigned vpos;   /* position inside "HTTP/d.d" */
    unsigned major, minor;
    char method[HTTP_METHOD_MAX + 1];
    unsigned method_len;
    char target[HTTP_TARGET_MAX + 1];
    size_t target_len;
    char name[24]; /* the current field name, lower-cased, if it is short */
    unsigned name_len;
    unsigned field; /* which field the current line is (HF_* in http.c) */
    char tok[16];   /* current list element (Connection, Transfer-Encoding), lower-cased */
    unsigned tok_len;
    unsigned el_state; /* where in a list element we are */
    bool tok_long;     /* the element is longer than tok: it is none we know */
    bool tok_params;   /* the element has parameters (";..."): it is none we know */
    bool value_ws;     /* whitespace seen after a single-valued field's value */
    bool cl_digits;    /* Content-Length has at least one digit */
    unsigned host_count, cl_count;
    uint64_t content_length;
    bool te_seen, te_last_chunked, te_other;
    unsigned te_count, te_chunked;
    bool conn_close, conn_keep_alive;
    unsigned kept_len[HTTP_KEPT_COUNT]; /* bytes in each kept field's buffer */
    unsigned auth_len;                  /* bytes in req.authorization */
    bool uploads;                       /* PUT and DELETE are the caller's to answer */
    struct http_request req;
};

/* Starts (or restarts, for the next pipelined request) a parser. */
void http_parser_init(struct http_parser *p);

/*
 * Feeds len bytes. Sets *consumed to how many were used: all of them for HTTP_PARSE_MORE; up to and
 * including the header block's last byte for HTTP_PARSE_DONE (the rest belongs to the next request);
 * up to the offending byte for HTTP_PARSE_ERROR. Once DONE or ERROR, it returns the same result
 * again, consuming nothing, until http_parser_init.
 */
enum http_parse_result http_parse(struct http_parser *p, const void *buf, size_t len, size_t *consumed);

/* Lets PUT (with Content-Length; chunked or none: 411) and DELETE (without a body: 413) through to
 * the caller instead of 405: call after http_parser_init. */
void http_parser_allow_uploads(struct http_parser *p);

/* True once any byte of the current request (a leading blank line included) was consumed. */
bool http_parser_started(const struct http_parser *p);

/* The method as far as it is known (HTTP_METHOD_NONE before the request line's first space). */
enum http_method http_parser_method(const struct http_parser *p);

/* A kept field's value (NUL-terminated) if the request had it usable, else NULL. */
const char *http_request_field(const struct http_request *r, enum http_kept_field f);

/* The reason phrase of a status code this server sends ("Not Found"); "Unknown" otherwise. */
const char *http_reason(int status);

/*
 * The media type for a path by its extension, case-insensitively: html htm txt css js mjs json png
 * jpg jpeg gif svg ico webp wasm xml pdf mp4 woff2; application/octet-stream for any other or none.
 */
const char *http_content_type(const char *path);

/* What goes into a response's header block. */
struct http_response {
    int status;
    const char *content_type; /* NULL: no Content-Type field */
    uint64_t content_length;  /* not sent with 304 (which has no content) nor 204 */
    bool keep_alive;          /* Connection: keep-alive, else Connection: close */
    bool allow;               /* add "Allow: GET, HEAD" (405) */
    bool accept_ranges;       /* add "Accept-Ranges: bytes" */
    bool has_mtime;           /* add "Last-Modified: <IMF-fixdate of mtime>" */
    int64_t mtime;
    const char *etag;     /* ETag value (quoted), or NULL */
    const char *location; /* Location (301), or NULL */
    bool content_range;   /* 206: "Content-Range: bytes first-last/size"; 416: "bytes * /size" */
    uint64_t range_first, range_last, range_size;
};

/*
 * Writes the status line and header block (HTTP/1.1, Server: warp, Content-Type, Content-Length,
 * and the optional fields of struct http_response, Connection, the final blank line) into buf;
 * returns its length, or ERR_TOO_LARGE if size is too small (buf then holds nothing useful). There
 * is no Date field: Warp has no clock that knows the date (RFC 9110 section 6.6.1 lets such a
 * server leave it out).
 */
long http_response_head(char *buf, size_t size, const struct http_response *r);

/*
 * Writes a whole error response: head plus a one-line text/plain body "<status> <reason>\n" (the
 * body only if !head_only; Content-Length is the body's length either way). 405 gets Allow.
 * Returns the length or ERR_TOO_LARGE.
 */
long http_error_response(char *buf, size_t size, int status, bool keep_alive, bool head_only);

/* The same with the head's other fields (Location, Content-Range) from r; its content type and
 * length are the text body's. */
long http_error_response_with(char *buf, size_t size, const struct http_response *r, bool head_only);
