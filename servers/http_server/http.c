/* http.c: the incremental HTTP/1.1 request parser and the response builder (RFC 9110, RFC 9112). */
#include "http.h"
#include "date.h"
#include <warp/text.h>

#include <warp/error.h>
#include <warp/fmt.h>
#include <warp/string.h>

/* Parser states: where the next byte goes. */
enum {
    HP_START,    /* before the request line; blank lines are skipped */
    HP_START_LF, /* a CR of a leading blank line: LF must follow */
    HP_METHOD,
    HP_TARGET0, /* the target's first byte (a second space is an error) */
    HP_TARGET,
    HP_VERSION,     /* inside "HTTP/d.d", vpos says where */
    HP_VERSION_END, /* after the version: CR or LF */
    HP_LINE_LF,     /* a CR ended the request line: LF must follow */
    HP_FIELD,       /* the start of a field line, or of the final blank line */
    HP_NAME,
    HP_OWS, /* whitespace after the colon */
    HP_VALUE,
    HP_FIELD_LF, /* a CR ended a field line */
    HP_END_LF,   /* a CR of the final blank line */
    HP_FINISHED, /* DONE or ERROR: nothing more is consumed */
};

/* The fields the parser looks into; the others are only checked for syntax. */
enum {
    HF_OTHER,
    HF_HOST,
    HF_CONTENT_LENGTH,
    HF_TRANSFER_ENCODING,
    HF_CONNECTION,
    HF_AUTHORIZATION, /* kept for uploads (upload.h); never logged */
    HF_EXPECT,        /* "100-continue" before a PUT's body */
    HF_KEPT,          /* HF_KEPT + enum http_kept_field: a field kept for cond.c */
};

/* Where a list element (Connection, Transfer-Encoding) is. */
enum {
    EL_START, /* before the token: OWS or empty elements */
    EL_TOKEN,
    EL_AFTER,  /* whitespace after the token: only OWS, ',' (or ';' for codings) may follow */
    EL_PARAMS, /* ";param" of a transfer coding, up to the next ',' */
};

/* Decimal Content-Length values above this are refused as malformed (no real body is that long). */
#define HTTP_CONTENT_LENGTH_LIMIT 1000000000000000ull

static const char HTTP_VERSION_PREFIX[] = "HTTP/";

/* True for the characters of a token (RFC 9110 section 5.6.2: tchar). */
static bool http_is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* True for bytes allowed in a field value: VCHAR, obs-text, SP and HT (RFC 9110 section 5.5). */
static bool http_is_field_char(uint8_t c)
{
    return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
}

/* True for characters a Host value may hold: an authority's (uri-host [":" port], RFC 3986). */
static bool http_is_host_char(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != 0 && strchr("-._~!$&'()*+,;=:[]%", c) != NULL;
}

/* ASCII lower case. */
static char http_lower(uint8_t c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* Ends parsing with an error status. */
static enum http_parse_result http_fail(struct http_parser *p, int status)
{
    p->state = HP_FINISHED;
    p->result = HTTP_PARSE_ERROR;
    p->status = status;
    return HTTP_PARSE_ERROR;
}

/* Starts a parser. */
void http_parser_init(struct http_parser *p)
{
    memset(p, 0, sizeof(*p));
    p->state = HP_START;
    p->result = HTTP_PARSE_MORE;
}

/* Lets PUT and DELETE through to the caller (it serves uploads: upload.h). */
void http_parser_allow_uploads(struct http_parser *p)
{
    p->uploads = true;
}

/* True once the request has begun. */
bool http_parser_started(const struct http_parser *p)
{
    return p->total > 0;
}

/* The method, once known. */
enum http_method http_parser_method(const struct http_parser *p)
{
    return p->req.method;
}

/* Which method the token in p->method names (case-sensitive, RFC 9110 section 9.1). */
static enum http_method http_method_lookup(const char *m)
{
    static const struct {
        const char *name;
        enum http_method method;
    } methods[] = {
        {"GET", HTTP_GET},         {"HEAD", HTTP_HEAD},     {"POST", HTTP_POST},
        {"PUT", HTTP_PUT},         {"DELETE", HTTP_DELETE}, {"PATCH", HTTP_PATCH},
        {"OPTIONS", HTTP_OPTIONS}, {"TRACE", HTTP_TRACE},   {"CONNECT", HTTP_CONNECT},
    };
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (strcmp(m, methods[i].name) == 0)
            return methods[i].method;
    return HTTP_METHOD_UNKNOWN;
}

/* The field the lower-cased name in p->name is. */
static unsigned http_field_lookup(const struct http_parser *p)
{
    if (p->name_len >= sizeof(p->name))
        return HF_OTHER; /* longer than any we look for */
    if (strcmp(p->name, "host") == 0)
        return HF_HOST;
    if (strcmp(p->name, "content-length") == 0)
        return HF_CONTENT_LENGTH;
    if (strcmp(p->name, "transfer-encoding") == 0)
        return HF_TRANSFER_ENCODING;
    if (strcmp(p->name, "connection") == 0)
        return HF_CONNECTION;
    if (strcmp(p->name, "authorization") == 0)
        return HF_AUTHORIZATION;
    if (strcmp(p->name, "expect") == 0)
        return HF_EXPECT;
    if (strcmp(p->name, "if-none-match") == 0)
        return HF_KEPT + HTTP_KEPT_IF_NONE_MATCH;
    if (strcmp(p->name, "if-modified-since") == 0)
        return HF_KEPT + HTTP_KEPT_IF_MODIFIED_SINCE;
    if (strcmp(p->name, "range") == 0)
        return HF_KEPT + HTTP_KEPT_RANGE;
    if (strcmp(p->name, "if-range") == 0)
        return HF_KEPT + HTTP_KEPT_IF_RANGE;
    return HF_OTHER;
}

/* The buffer of kept field f and its size (NUL included). */
static char *http_kept_buf(struct http_request *r, unsigned f, size_t *size)
{
    switch (f) {
    case HTTP_KEPT_IF_NONE_MATCH: *size = sizeof(r->if_none_match); return r->if_none_match;
    case HTTP_KEPT_IF_MODIFIED_SINCE: *size = sizeof(r->if_modified_since); return r->if_modified_since;
    case HTTP_KEPT_RANGE: *size = sizeof(r->range); return r->range;
    default: *size = sizeof(r->if_range); return r->if_range;
    }
}

/* Appends byte c to kept field f; a value that does not fit makes the field unusable. */
static void http_kept_byte(struct http_parser *p, unsigned f, char c)
{
    size_t size;
    char *buf = http_kept_buf(&p->req, f, &size);
    if (p->req.kept[f] != HTTP_KEPT_OK)
        return;
    if (p->kept_len[f] + 1 >= size) {
        p->req.kept[f] = HTTP_KEPT_UNUSABLE;
        return;
    }
    buf[p->kept_len[f]++] = c;
}

/* A kept field's line begins: the first makes it present; a second one is joined to If-None-Match's
 * list (RFC 9110 §5.3) and makes any other unusable. */
static void http_kept_begin(struct http_parser *p, unsigned f)
{
    if (p->req.kept[f] == HTTP_KEPT_ABSENT) {
        p->req.kept[f] = HTTP_KEPT_OK;
        return;
    }
    if (f != HTTP_KEPT_IF_NONE_MATCH) {
        p->req.kept[f] = HTTP_KEPT_UNUSABLE;
        return;
    }
    http_kept_byte(p, f, ',');
    http_kept_byte(p, f, ' ');
}

/* A kept field's line ended: trailing whitespace goes, the value is terminated. */
static void http_kept_end(struct http_parser *p, unsigned f)
{
    size_t size;
    char *buf = http_kept_buf(&p->req, f, &size);
    while (p->kept_len[f] > 0 && (buf[p->kept_len[f] - 1] == ' ' || buf[p->kept_len[f] - 1] == '\t'))
        p->kept_len[f]--;
    buf[p->kept_len[f]] = '\0';
}

/* A kept field's value, if usable. */
const char *http_request_field(const struct http_request *r, enum http_kept_field f)
{
    if ((unsigned)f >= HTTP_KEPT_COUNT || r->kept[f] != HTTP_KEPT_OK)
        return NULL;
    size_t size;
    return http_kept_buf((struct http_request *)r, f, &size);
}

/* An Authorization line begins: a second one makes the field unusable (which credentials?). */
static void http_auth_begin(struct http_parser *p)
{
    p->req.auth = p->req.auth == HTTP_KEPT_ABSENT ? HTTP_KEPT_OK : HTTP_KEPT_UNUSABLE;
    p->auth_len = 0;
}

/* Appends byte c to the Authorization value; one longer than HTTP_AUTH_MAX is unusable. */
static void http_auth_byte(struct http_parser *p, char c)
{
    if (p->req.auth != HTTP_KEPT_OK)
        return;
    if (p->auth_len >= HTTP_AUTH_MAX) {
        p->req.auth = HTTP_KEPT_UNUSABLE;
        return;
    }
    p->req.authorization[p->auth_len++] = c;
}

/* The Authorization line ended: trailing whitespace goes, the value is terminated. */
static void http_auth_end(struct http_parser *p)
{
    while (p->auth_len > 0 &&
           (p->req.authorization[p->auth_len - 1] == ' ' || p->req.authorization[p->auth_len - 1] == '\t'))
        p->auth_len--;
    p->req.authorization[p->auth_len] = '\0';
}

/* One byte of an Expect value, lower-cased into tok (a longer value is none we know). */
static void http_expect_byte(struct http_parser *p, uint8_t c)
{
    if (p->tok_len < sizeof(p->tok) - 1)
        p->tok[p->tok_len] = http_lower(c);
    p->tok_len++;
}

/* An Expect line ended: "100-continue" (and nothing else; trailing whitespace aside) is noted. */
static void http_expect_end(struct http_parser *p)
{
    static const char want[] = "100-continue";
    while (p->tok_len > 0 && p->tok_len < sizeof(p->tok) &&
           (p->tok[p->tok_len - 1] == ' ' || p->tok[p->tok_len - 1] == '\t'))
        p->tok_len--;
    if (p->tok_len == sizeof(want) - 1 && memcmp(p->tok, want, p->tok_len) == 0)
        p->req.expect_continue = true;
}

/* A field name ended with its colon: note which field it is; a second Host or Content-Length is 400. */
static enum http_parse_result http_field_begin(struct http_parser *p)
{
    p->field = http_field_lookup(p);
    p->value_ws = false;
    p->el_state = EL_START;
    p->tok_len = 0;
    p->tok_long = p->tok_params = false;
    switch (p->field) {
    case HF_HOST:
        if (++p->host_count > 1)
            return http_fail(p, 400);
        break;
    case HF_CONTENT_LENGTH:
        if (++p->cl_count > 1)
            return http_fail(p, 400); /* even with equal values: nobody sends that by accident */
        p->cl_digits = false;
        break;
    case HF_TRANSFER_ENCODING: p->te_seen = true; break;
    case HF_AUTHORIZATION: http_auth_begin(p); break;
    case HF_EXPECT: p->tok_len = 0; break;
    default:
        if (p->field >= HF_KEPT)
            http_kept_begin(p, p->field - HF_KEPT);
        break;
    }
    return HTTP_PARSE_MORE;
}

/* A list element of Connection or Transfer-Encoding ended (at ',' or at the end of the line). */
static void http_element_end(struct http_parser *p)
{
    if (p->el_state == EL_START)
        return; /* an empty element: lists may have them (RFC 9110 section 5.6.1) */
    p->tok[p->tok_len] = '\0';
    bool known = !p->tok_long && !p->tok_params;
    if (p->field == HF_CONNECTION) {
        if (known && strcmp(p->tok, "close") == 0)
            p->conn_close = true;
        else if (known && strcmp(p->tok, "keep-alive") == 0)
            p->conn_keep_alive = true;
    } else {
        p->te_count++;
        p->te_last_chunked = known && strcmp(p->tok, "chunked") == 0;
        if (p->te_last_chunked)
            p->te_chunked++;
        else
            p->te_other = true;
    }
    p->el_state = EL_START;
    p->tok_len = 0;
    p->tok_long = p->tok_params = false;
}

/* One byte of a Connection or Transfer-Encoding value (a comma-separated token list). */
static enum http_parse_result http_list_byte(struct http_parser *p, uint8_t c)
{
    bool ws = c == ' ' || c == '\t';
    if (c == ',') {
        http_element_end(p);
        return HTTP_PARSE_MORE;
    }
    switch (p->el_state) {
    case EL_START:
    case EL_TOKEN:
        if (ws) {
            if (p->el_state == EL_TOKEN)
                p->el_state = EL_AFTER;
            return HTTP_PARSE_MORE;
        }
        if (http_is_tchar(c)) {
            p->el_state = EL_TOKEN;
            if (p->tok_len < sizeof(p->tok) - 1)
                p->tok[p->tok_len++] = http_lower(c);
            else
                p->tok_long = true;
            return HTTP_PARSE_MORE;
        }
        break;
    case EL_AFTER:
        if (ws)
            return HTTP_PARSE_MORE;
        break;
    case EL_PARAMS: return HTTP_PARSE_MORE; /* parameters are not looked into */
    }
    if (c == ';' && p->field == HF_TRANSFER_ENCODING && p->el_state != EL_START) {
        p->el_state = EL_PARAMS;
        p->tok_params = true;
        return HTTP_PARSE_MORE;
    }
    return http_fail(p, 400);
}

/* One byte of a Content-Length value: digits, then only trailing whitespace. */
static enum http_parse_result http_length_byte(struct http_parser *p, uint8_t c)
{
    if (c == ' ' || c == '\t') {
        p->value_ws = true;
        return HTTP_PARSE_MORE;
    }
    if (c < '0' || c > '9' || p->value_ws)
        return http_fail(p, 400);
    p->content_length = p->content_length * 10 + (uint64_t)(c - '0');
    if (p->content_length > HTTP_CONTENT_LENGTH_LIMIT)
        return http_fail(p, 400);
    p->cl_digits = true;
    return HTTP_PARSE_MORE;
}

/* One byte of a Host value: authority characters, then only trailing whitespace. */
static enum http_parse_result http_host_byte(struct http_parser *p, uint8_t c)
{
    if (c == ' ' || c == '\t') {
        p->value_ws = true;
        return HTTP_PARSE_MORE;
    }
    if (!http_is_host_char(c) || p->value_ws)
        return http_fail(p, 400);
    return HTTP_PARSE_MORE;
}

/* One byte of a field value (leading whitespace already skipped; c is a field character). */
static enum http_parse_result http_value_byte(struct http_parser *p, uint8_t c)
{
    switch (p->field) {
    case HF_HOST: return http_host_byte(p, c);
    case HF_CONTENT_LENGTH: return http_length_byte(p, c);
    case HF_TRANSFER_ENCODING:
    case HF_CONNECTION: return http_list_byte(p, c);
    case HF_AUTHORIZATION: http_auth_byte(p, (char)c); return HTTP_PARSE_MORE;
    case HF_EXPECT: http_expect_byte(p, c); return HTTP_PARSE_MORE;
    default:
        if (p->field >= HF_KEPT)
            http_kept_byte(p, p->field - HF_KEPT, (char)c);
        return HTTP_PARSE_MORE;
    }
}

/* The field line ended. */
static enum http_parse_result http_field_end(struct http_parser *p)
{
    if (p->field == HF_CONNECTION || p->field == HF_TRANSFER_ENCODING)
        http_element_end(p);
    if (p->field == HF_CONTENT_LENGTH && !p->cl_digits)
        return http_fail(p, 400);
    if (p->field >= HF_KEPT)
        http_kept_end(p, p->field - HF_KEPT);
    if (p->field == HF_AUTHORIZATION)
        http_auth_end(p);
    if (p->field == HF_EXPECT)
        http_expect_end(p);
    p->state = HP_FIELD;
    return HTTP_PARSE_MORE;
}

/* The request line ended: the version decides whether we can go on. */
static enum http_parse_result http_line_end(struct http_parser *p)
{
    if (p->major != 1)
        return http_fail(p, 505);
    p->req.version = p->minor == 0 ? 10 : 11;
    p->state = HP_FIELD;
    return HTTP_PARSE_MORE;
}

/* Case-insensitive prefix test on a NUL-terminated string. */
static bool http_has_prefix_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (http_lower((uint8_t)*s) != *prefix)
            return false;
    return true;
}

/* Ends the path segment that starts at seg in out (of length *len): drops ".", empty; ".." fails. */
static bool http_segment_end(char *out, size_t *len, size_t seg)
{
    size_t n = *len - seg;
    if (n == 2 && out[seg] == '.' && out[seg + 1] == '.')
        return false;
    if (n == 0 || (n == 1 && out[seg] == '.'))
        *len = seg; /* drop it; the '/' before it stays */
    else
        out[(*len)++] = '/';
    return true;
}

/*
 * Decodes the path of the target starting at raw (up to '?' or the end) into out, which has room for
 * strlen(raw) + 2 bytes. Returns false for a bad escape, a decoded NUL, control byte or backslash,
 * a raw backslash or '#', or a ".." segment.
 */
static bool http_decode_path(const char *raw, char *out)
{
    size_t len = 1, seg = 1;
    out[0] = '/';
    for (const char *s = raw + 1; *s && *s != '?'; s++) {
        uint8_t c = (uint8_t)*s;
        if (c == '\\' || c == '#')
            return false;
        if (c == '%') {
            int hi = text_hex_digit((uint8_t)s[1]);
            int lo = hi < 0 ? -1 : text_hex_digit((uint8_t)s[2]);
            if (lo < 0)
                return false;
            c = (uint8_t)(hi << 4 | lo);
            s += 2;
            if (c < 0x20 || c == 0x7f || c == '\\')
                return false;
        }
        if (c == '/') {
            if (!http_segment_end(out, &len, seg))
                return false;
            seg = len;
        } else {
            out[len++] = (char)c;
        }
    }
    /* The last segment: a trailing '/' stays ("/dir/"), a trailing "." or ".." is like one. */
    size_t n = len - seg;
    if (n == 2 && out[seg] == '.' && out[seg + 1] == '.')
        return false;
    if (n == 1 && out[seg] == '.')
        len = seg;
    out[len] = '\0';
    return true;
}

/* Turns the target into req.path: origin-form "/..." or absolute-form "http://host/...". */
static bool http_resolve_target(struct http_parser *p)
{
    const char *t = p->target;
    if (t[0] != '/') {
        const char *rest;
        if (http_has_prefix_ci(t, "http://"))
            rest = t + 7;
        else if (http_has_prefix_ci(t, "https://"))
            rest = t + 8;
        else
            return false; /* "*" or authority-form: not for GET or HEAD */
        for (; *rest && *rest != '/' && *rest != '?'; rest++)
            if (*rest == '#' || *rest == '\\')
                return false; /* no fragment or backslash in the authority either */
        if (*rest != '/') {
            /* "http://host" or "http://host?q": the path is "/" (RFC 9112 section 3.2.2). */
            p->req.path[0] = '/';
            p->req.path[1] = '\0';
            return true;
        }
        t = rest;
    }
    return http_decode_path(t, p->req.path);
}

/*
 * Whether the method may go on with or without a body: GET and HEAD without one; with uploads
 * allowed (http_parser_allow_uploads), PUT with a Content-Length (chunked: 411) and DELETE without
 * a body; everything else 405. Returns 0 or the status.
 */
static int http_method_status(const struct http_parser *p, bool body)
{
    bool upload = p->uploads && (p->req.method == HTTP_PUT || p->req.method == HTTP_DELETE);
    if (p->req.method != HTTP_GET && p->req.method != HTTP_HEAD && !upload)
        return 405;
    if (p->req.method == HTTP_PUT)
        return p->te_seen || p->cl_count == 0 ? 411 : 0; /* the length decides before any byte */
    return body ? 413 : 0;
}

/* The blank line ended the header block: framing, Host, method, body and target decide. */
static enum http_parse_result http_headers_end(struct http_parser *p)
{
    bool body = false;
    if (p->te_seen) {
        /* RFC 9112 section 6.1 and 6.3: these framings cannot be trusted. */
        if (p->req.version == 10 || p->cl_count > 0 || p->te_count == 0 || !p->te_last_chunked ||
            p->te_chunked > 1)
            return http_fail(p, 400);
        if (p->te_other)
            return http_fail(p, 501); /* gzip, deflate... before chunked: not implemented */
        body = true;
    }
    if (p->content_length > 0)
        body = true;
    if (p->req.version == 11 && p->host_count == 0)
        return http_fail(p, 400);
    if (p->req.method == HTTP_METHOD_UNKNOWN)
        return http_fail(p, 501);
    int status = http_method_status(p, body);
    if (status)
        return http_fail(p, status);
    p->req.content_length = p->content_length;
    p->target[p->target_len] = '\0';
    if (!http_resolve_target(p))
        return http_fail(p, 400);
    if (p->req.version == 11)
        p->req.keep_alive = !p->conn_close;
    else
        p->req.keep_alive = p->conn_keep_alive && !p->conn_close;
    p->state = HP_FINISHED;
    p->result = HTTP_PARSE_DONE;
    return HTTP_PARSE_DONE;
}

/* The method token ended at its space. */
static void http_method_end(struct http_parser *p)
{
    p->method[p->method_len] = '\0';
    p->req.method = http_method_lookup(p->method);
}

/* One byte of the request line. */
static enum http_parse_result http_line_byte(struct http_parser *p, uint8_t c)
{
    switch (p->state) {
    case HP_START:
        if (c == '\r')
            p->state = HP_START_LF;
        else if (c == '\n')
            ;
        else if (http_is_tchar(c)) {
            p->method[p->method_len++] = (char)c;
            p->state = HP_METHOD;
        } else
            return http_fail(p, 400);
        return HTTP_PARSE_MORE;
    case HP_START_LF:
        if (c != '\n')
            return http_fail(p, 400);
        p->state = HP_START;
        return HTTP_PARSE_MORE;
    case HP_METHOD:
        if (c == ' ') {
            http_method_end(p);
            p->state = HP_TARGET0;
        } else if (!http_is_tchar(c)) {
            return http_fail(p, 400);
        } else if (p->method_len == HTTP_METHOD_MAX) {
            p->req.method = HTTP_METHOD_UNKNOWN;
            return http_fail(p, 501);
        } else {
            p->method[p->method_len++] = (char)c;
        }
        return HTTP_PARSE_MORE;
    case HP_TARGET0:
    case HP_TARGET:
        if (c == ' ' && p->state == HP_TARGET) {
            p->state = HP_VERSION;
            return HTTP_PARSE_MORE;
        }
        if (c <= 0x20 || c >= 0x7f)
            return http_fail(p, 400);
        if (p->target_len == HTTP_TARGET_MAX)
            return http_fail(p, 414);
        p->target[p->target_len++] = (char)c;
        p->state = HP_TARGET;
        return HTTP_PARSE_MORE;
    case HP_VERSION:
        if (p->vpos < 5) {
            if (c != (uint8_t)HTTP_VERSION_PREFIX[p->vpos])
                return http_fail(p, 400);
        } else if (p->vpos == 6) {
            if (c != '.')
                return http_fail(p, 400);
        } else {
            if (c < '0' || c > '9')
                return http_fail(p, 400);
            if (p->vpos == 5)
                p->major = (unsigned)(c - '0');
            else
                p->minor = (unsigned)(c - '0');
        }
        if (++p->vpos == 8)
            p->state = HP_VERSION_END;
        return HTTP_PARSE_MORE;
    case HP_VERSION_END:
        if (c == '\r') {
            p->state = HP_LINE_LF;
            return HTTP_PARSE_MORE;
        }
        if (c == '\n')
            return http_line_end(p);
        return http_fail(p, 400);
    case HP_LINE_LF:
        if (c != '\n')
            return http_fail(p, 400);
        return http_line_end(p);
    }
    return http_fail(p, 400);
}

/* One byte of a field name (c is the name's first byte when the state has just become HP_NAME). */
static enum http_parse_result http_name_byte(struct http_parser *p, uint8_t c)
{
    if (c == ':') {
        /* A name too long to keep is none we look for; http_field_lookup knows by its length. */
        p->name[p->name_len < sizeof(p->name) ? p->name_len : 0] = '\0';
        p->state = HP_OWS;
        return http_field_begin(p);
    }
    if (!http_is_tchar(c))
        return http_fail(p, 400); /* whitespace before the colon, or no colon at all */
    if (p->name_len < sizeof(p->name) - 1)
        p->name[p->name_len] = http_lower(c);
    if (p->name_len < sizeof(p->name))
        p->name_len++;
    return HTTP_PARSE_MORE;
}

/* One byte of the header fields or the final blank line. */
static enum http_parse_result http_field_byte(struct http_parser *p, uint8_t c)
{
    switch (p->state) {
    case HP_FIELD:
        if (c == '\r') {
            p->state = HP_END_LF;
            return HTTP_PARSE_MORE;
        }
        if (c == '\n')
            return http_headers_end(p);
        if (!http_is_tchar(c))
            return http_fail(p, 400); /* obs-fold (SP/HT), a colon with no name, a control... */
        if (++p->fields > HTTP_FIELDS_MAX)
            return http_fail(p, 431);
        p->name_len = 0;
        p->state = HP_NAME;
        return http_name_byte(p, c);
    case HP_NAME: return http_name_byte(p, c);
    case HP_OWS:
    case HP_VALUE:
        if (c == '\r') {
            p->state = HP_FIELD_LF;
            return HTTP_PARSE_MORE;
        }
        if (c == '\n')
            return http_field_end(p);
        if (!http_is_field_char(c))
            return http_fail(p, 400);
        if (p->state == HP_OWS && (c == ' ' || c == '\t'))
            return HTTP_PARSE_MORE;
        p->state = HP_VALUE;
        return http_value_byte(p, c);
    case HP_FIELD_LF:
        if (c != '\n')
            return http_fail(p, 400);
        return http_field_end(p);
    case HP_END_LF:
        if (c != '\n')
            return http_fail(p, 400);
        return http_headers_end(p);
    }
    return http_fail(p, 400);
}

/* Feeds bytes until the request is complete, bad, or the bytes run out. */
enum http_parse_result http_parse(struct http_parser *p, const void *buf, size_t len, size_t *consumed)
{
    const uint8_t *b = buf;
    size_t i = 0;
    enum http_parse_result r = p->result;
    while (r == HTTP_PARSE_MORE && i < len) {
        uint8_t c = b[i++];
        if (++p->total > HTTP_HEADER_MAX) {
            r = http_fail(p, 431);
            break;
        }
        r = p->state < HP_FIELD ? http_line_byte(p, c) : http_field_byte(p, c);
    }
    *consumed = i;
    return r;
}

/* Reason phrases (RFC 9110 section 15). */
const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    default: return "Unknown";
    }
}

/* Media type by extension. */
const char *http_content_type(const char *path)
{
    static const struct {
        const char *ext;
        const char *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"txt", "text/plain; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"json", "application/json"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"svg", "image/svg+xml"},
        {"ico", "image/x-icon"},
        {"webp", "image/webp"},
        {"wasm", "application/wasm"},
        {"xml", "application/xml"},
        {"pdf", "application/pdf"},
        {"mp4", "video/mp4"},
        {"woff2", "font/woff2"},
    };
    const char *dot = NULL;
    for (const char *s = path; *s; s++) {
        if (*s == '.')
            dot = s;
        else if (*s == '/')
            dot = NULL;
    }
    if (dot) {
        char ext[8];
        size_t n = strlen(dot + 1);
        if (n < sizeof(ext)) {
            for (size_t i = 0; i <= n; i++)
                ext[i] = http_lower((uint8_t)dot[1 + i]);
            for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if (strcmp(ext, types[i].ext) == 0)
                    return types[i].type;
        }
    }
    return "application/octet-stream";
}

/* The optional fields of a head (ETag, Last-Modified, Accept-Ranges, Content-Range, Location). */
static int http_head_extras(char *buf, size_t size, const struct http_response *r)
{
    char date[HTTP_DATE_LEN + 1];
    char range[80] = "";
    if (r->has_mtime && http_date_format(r->mtime, date, sizeof(date)) < 0)
        return -1;
    if (r->content_range && r->status == 416)
        fmt_snprintf(range, sizeof(range), "Content-Range: bytes */%llu\r\n",
                     (unsigned long long)r->range_size);
    else if (r->content_range)
        fmt_snprintf(range, sizeof(range), "Content-Range: bytes %llu-%llu/%llu\r\n",
                     (unsigned long long)r->range_first, (unsigned long long)r->range_last,
                     (unsigned long long)r->range_size);
    return fmt_snprintf(
        buf, size, "%s%s%s%s%s%s%s%s%s%s%s", r->etag ? "ETag: " : "", r->etag ? r->etag : "",
        r->etag ? "\r\n" : "", r->has_mtime ? "Last-Modified: " : "", r->has_mtime ? date : "",
        r->has_mtime ? "\r\n" : "", r->accept_ranges ? "Accept-Ranges: bytes\r\n" : "", range,
        r->location ? "Location: " : "", r->location ? r->location : "", r->location ? "\r\n" : "");
}

/* The header block. */
long http_response_head(char *buf, size_t size, const struct http_response *r)
{
    char length[48] = "";
    /* RFC 9110 §8.6: a 304 need not say the length of what it does not send; a 204 must not. */
    if (r->status != 304 && r->status != 204)
        fmt_snprintf(length, sizeof(length), "Content-Length: %llu\r\n",
                     (unsigned long long)r->content_length);
    int n = fmt_snprintf(buf, size,
                         "HTTP/1.1 %d %s\r\n"
                         "Server: warp\r\n"
                         "%s%s%s"
                         "%s"
                         "%s%s",
                         r->status, http_reason(r->status), r->content_type ? "Content-Type: " : "",
                         r->content_type ? r->content_type : "", r->content_type ? "\r\n" : "", length,
                         r->allow ? "Allow: GET, HEAD\r\n" : "",
                         r->status == 401 ? "WWW-Authenticate: Bearer\r\n" : "");
    if (n < 0 || (size_t)n >= size)
        return ERR_TOO_LARGE;
    int m = http_head_extras(buf + n, size - (size_t)n, r);
    if (m < 0 || (size_t)m >= size - (size_t)n)
        return ERR_TOO_LARGE;
    n += m;
    m = fmt_snprintf(buf + n, size - (size_t)n, "Connection: %s\r\n\r\n",
                     r->keep_alive ? "keep-alive" : "close");
    if (m < 0 || (size_t)m >= size - (size_t)n)
        return ERR_TOO_LARGE;
    return n + m;
}

/* A whole error response with its short text body. */
long http_error_response(char *buf, size_t size, int status, bool keep_alive, bool head_only)
{
    struct http_response r = {.status = status, .keep_alive = keep_alive};
    return http_error_response_with(buf, size, &r, head_only);
}

/* An error (or redirect) response with its short text body and the head's fields of base. */
long http_error_response_with(char *buf, size_t size, const struct http_response *base, bool head_only)
{
    char body[64];
    int blen = fmt_snprintf(body, sizeof(body), "%d %s\n", base->status, http_reason(base->status));
    struct http_response r = *base;
    r.content_type = "text/plain; charset=utf-8";
    r.content_length = (uint64_t)blen;
    r.allow = base->status == 405;
    long n = http_response_head(buf, size, &r);
    if (n < 0 || head_only)
        return n;
    if ((size_t)n + (size_t)blen >= size)
        return ERR_TOO_LARGE;
    memcpy(buf + n, body, (size_t)blen);
    return n + blen;
}
