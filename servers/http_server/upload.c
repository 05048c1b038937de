/* upload.c: the [http upload] section, bearer tokens and upload paths (upload.h); pure code. */
#include "upload.h"

#include <warp/error.h>
#include <warp/fmt.h>
#include <warp/mfsection.h>
#include <warp/proto/fs.h>
#include <warp/string.h>

/* The keys of the section, one bit each. */
enum { UP_KEY_PREFIX = 1, UP_KEY_DIR = 2, UP_KEY_TOKEN = 4, UP_KEY_MAX_BODY = 8 };
#define UP_KEYS_REQUIRED (UP_KEY_PREFIX | UP_KEY_DIR | UP_KEY_TOKEN)

/* The section being read. */
struct up_parser {
    struct http_upload_conf *out;
    http_upload_log_fn log;
    void *ctx;
    unsigned line;
    bool in_section, seen, bad;
    unsigned keys;
};

/* Logs "http_server: manifest line N: why" style diagnostics through the caller's function. */
static void up_log(struct up_parser *p, const char *why)
{
    char msg[160];
    fmt_snprintf(msg, sizeof(msg), "manifest line %u: [http upload]: %s", p->line, why);
    if (p->log)
        p->log(p->ctx, msg);
    p->bad = true;
}

/* True for the characters of a bearer token (RFC 6750 b64token, without its trailing '='s). */
static bool up_token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("-._~+/", c) != NULL);
}

/* prefix = /a/b/: starts and ends with '/', no empty, "." or ".." segment, printable ASCII. */
static bool up_set_prefix(struct up_parser *p, const char *v)
{
    size_t n = strlen(v);
    if (n < 1 || n > HTTP_UP_PREFIX_MAX || v[0] != '/' || v[n - 1] != '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] <= ' ' || v[i] > '~' || v[i] == '%' || v[i] == '\\' || v[i] == '?' || v[i] == '#')
            return false;
        if (v[i] == '/' && i > 0 &&
            (v[i - 1] == '/' || (v[i - 1] == '.' && (v[i - 2] == '/' || v[i - 2] == '.'))))
            return false; /* "//", "/./", "/../" (v[i - 2] exists: v[0] is '/') */
    }
    memcpy(p->out->prefix, v, n + 1);
    p->out->prefix_len = n;
    return true;
}

/* dir = /tmp/uploads: absolute, no trailing '/', no empty, "." or ".." segment. */
static bool up_set_dir(struct up_parser *p, const char *v)
{
    size_t n = strlen(v);
    if (n < 2 || n > HTTP_UP_DIR_MAX || v[0] != '/' || v[n - 1] == '/')
        return false;
    for (size_t i = 0; i <= n; i++) {
        bool end = i == n || v[i] == '/';
        if (i < n && (v[i] <= ' ' || v[i] > '~'))
            return false;
        if (end && i > 0 && (v[i - 1] == '/' || (v[i - 1] == '.' && (v[i - 2] == '/' || v[i - 2] == '.'))))
            return false;
    }
    memcpy(p->out->dir, v, n + 1);
    p->out->dir_len = n;
    return true;
}

/* token = ...: HTTP_UP_TOKEN_MIN..HTTP_UP_TOKEN_MAX token characters, then any '='s. */
static bool up_set_token(struct up_parser *p, const char *v)
{
    size_t n = strlen(v), i = 0;
    while (i < n && up_token_char(v[i]))
        i++;
    while (i < n && v[i] == '=')
        i++;
    if (i != n || n < HTTP_UP_TOKEN_MIN || n > HTTP_UP_TOKEN_MAX || v[0] == '=')
        return false;
    memcpy(p->out->token, v, n + 1);
    p->out->token_len = n;
    return true;
}

/* max_body = N: 1..HTTP_UP_BODY_LIMIT decimal. */
static bool up_set_max_body(struct up_parser *p, const char *v)
{
    uint64_t n = 0;
    if (!*v)
        return false;
    for (; *v; v++) {
        if (*v < '0' || *v > '9')
            return false;
        n = n * 10 + (uint64_t)(*v - '0');
        if (n > HTTP_UP_BODY_LIMIT)
            return false;
    }
    p->out->max_body = n;
    return n > 0;
}

/* One key = value line of the section; the token's value is never logged. */
static void up_key(struct up_parser *p, const char *key, const char *v)
{
    static const struct {
        const char *name;
        unsigned bit;
        bool (*set)(struct up_parser *, const char *);
        const char *why;
    } keys[] = {
        {"prefix", UP_KEY_PREFIX, up_set_prefix, "prefix must be /.../ (64 bytes at most, no //, . or ..)"},
        {"dir", UP_KEY_DIR, up_set_dir, "dir must be an absolute fs path without a trailing /"},
        {"token", UP_KEY_TOKEN, up_set_token, "token must be 16..128 of A-Z a-z 0-9 - . _ ~ + / (then =s)"},
        {"max_body", UP_KEY_MAX_BODY, up_set_max_body, "max_body must be 1..2^40 bytes"},
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(key, keys[i].name) != 0)
            continue;
        if (p->keys & keys[i].bit)
            up_log(p, "a key given twice");
        else if (!keys[i].set(p, v))
            up_log(p, keys[i].why);
        p->keys |= keys[i].bit;
        return;
    }
    up_log(p, "an unknown key");
}

/* One event of mfsection's reading of the [http NAME] sections: only [http upload] is known. */
static void up_item(void *ctx, const struct mfsection_item *it)
{
    struct up_parser *p = ctx;
    p->line = it->line;
    switch (it->what) {
    case MFSECTION_BEGIN:
        p->in_section = strcmp(it->name, "upload") == 0;
        if (!p->in_section)
            up_log(p, "an [http] section other than [http upload]");
        else if (p->seen)
            up_log(p, "given twice");
        p->seen = p->seen || p->in_section;
        break;
    case MFSECTION_KEY:
        if (p->in_section)
            up_key(p, it->key, it->value);
        break;
    case MFSECTION_BAD: up_log(p, it->why); break;
    case MFSECTION_END: p->in_section = false; break;
    }
}

/* Reads the manifest's [http] sections; see upload.h. */
void http_upload_conf_parse(const char *text, size_t len, struct http_upload_conf *out,
                            http_upload_log_fn log, void *ctx)
{
    struct up_parser p = {.out = out, .log = log, .ctx = ctx};
    memset(out, 0, sizeof(*out));
    out->max_body = HTTP_UP_BODY_DEFAULT;
    mfsection_read(text, len, "http", up_item, &p);
    if (p.seen && !p.bad && (p.keys & UP_KEYS_REQUIRED) != UP_KEYS_REQUIRED)
        up_log(&p, "prefix, dir and token are required");
    out->enabled = p.seen && !p.bad;
    if (!out->enabled)
        memset(out->token, 0, sizeof(out->token));
}

/* Equal bytes and lengths, compared without an early exit: every byte of a is read. */
bool http_token_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    volatile uint8_t diff = alen != blen;
    for (size_t i = 0; i < alen; i++)
        diff |= (uint8_t)a[i] ^ (uint8_t)(blen ? b[i % blen] : 0);
    return diff == 0;
}

/* Checks "Bearer <token>". */
enum http_auth_result http_upload_auth(const struct http_upload_conf *c, const char *authorization)
{
    static const char scheme[] = "bearer";
    const char *a = authorization;
    if (!a)
        return HTTP_AUTH_MISSING;
    for (size_t i = 0; i < sizeof(scheme) - 1; i++)
        if ((a[i] | 0x20) != scheme[i])
            return HTTP_AUTH_MISSING;
    a += sizeof(scheme) - 1;
    if (*a != ' ')
        return HTTP_AUTH_MISSING;
    while (*a == ' ')
        a++;
    if (!*a)
        return HTTP_AUTH_MISSING;
    return http_token_equal(a, strlen(a), c->token, c->token_len) ? HTTP_AUTH_OK : HTTP_AUTH_WRONG;
}

/* The fs path of an upload. */
long http_upload_map(const struct http_upload_conf *c, const char *path, char *out, size_t size)
{
    if (!c->enabled || strncmp(path, c->prefix, c->prefix_len) != 0)
        return ERR_NOT_FOUND;
    const char *rest = path + c->prefix_len;
    size_t n = strlen(rest);
    if (n == 0 || rest[n - 1] == '/')
        return ERR_INVALID_ARG;
    for (const char *seg = rest; *seg;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (seg[0] == '.')
            return ERR_INVALID_ARG;
        if (len > FS_NAME_MAX)
            return ERR_NAME_TOO_LONG;
        seg += len + (end ? 1 : 0);
    }
    if (c->dir_len + 1 + n + 1 > size || c->dir_len + 1 + n > FS_PATH_MAX)
        return ERR_NAME_TOO_LONG;
    memcpy(out, c->dir, c->dir_len);
    out[c->dir_len] = '/';
    memcpy(out + c->dir_len + 1, rest, n + 1);
    return (long)(c->dir_len + 1 + n);
}

/* The status before the fs: method, place, credentials, path, size, in that order. */
int http_upload_status(const struct http_upload_conf *c, const struct http_request *req, long mapped)
{
    if (!c->enabled || mapped == ERR_NOT_FOUND)
        return 405;
    const char *auth = req->auth == HTTP_KEPT_OK ? req->authorization : NULL;
    switch (http_upload_auth(c, auth)) {
    case HTTP_AUTH_MISSING: return 401;
    case HTTP_AUTH_WRONG: return 403;
    case HTTP_AUTH_OK: break;
    }
    if (mapped == ERR_NAME_TOO_LONG)
        return 414;
    if (mapped < 0)
        return 400;
    if (req->method == HTTP_PUT && req->content_length > c->max_body)
        return 413;
    return 0;
}

/* The status of an fs error during an upload (docs/http.md, Uploads). */
int http_upload_fs_status(long err, bool put)
{
    switch (err) {
    case ERR_NOT_FOUND: return put ? 409 : 404; /* PUT: a directory on the way went meanwhile */
    case ERR_NOT_DIR:
    case ERR_IS_DIR:
    case ERR_NOT_EMPTY:
    case ERR_ALREADY_EXISTS: return 409;
    case ERR_PERMISSION:
    case ERR_READ_ONLY: return 403;
    case ERR_NAME_TOO_LONG: return 414;
    case ERR_NO_RESOURCES: return 507;
    case ERR_PEER_CLOSED:
    case ERR_TIMED_OUT:
    case ERR_QUEUE_FULL:
    case ERR_WOULD_BLOCK: return 503;
    default: return 500;
    }
}
