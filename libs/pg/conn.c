/* conn.c: a connection's life: set-up over the caller's buffers, framing of received bytes, dispatch, reset, close. */
#include "auth.h"
#include "backend.h"
#include "frontend.h"
#include "pgerror.h"
#include <warp/error.h>
#include <warp/string.h>

#define HEADER_LEN 5 /* type byte and int32 length */

/* Copies s into dst[cap]; false when it does not fit. */
static bool copy_name(char *dst, size_t cap, const char *s)
{
    size_t n = strnlen(s, cap);
    if (n == cap)
        return false;
    memcpy(dst, s, n + 1);
    return true;
}

long pg_init(struct pg_conn *c, const struct pg_config *cfg, uint8_t *in, size_t in_cap, uint8_t *out,
             size_t out_cap)
{
    if (!cfg->user || !cfg->user[0] || !cfg->random || !cfg->on_event || !in || !out || in_cap < 256 ||
        out_cap < 256)
        return ERR_INVALID_ARG;
    memset(c, 0, sizeof(*c));
    if (!copy_name(c->user, sizeof(c->user), cfg->user) ||
        !copy_name(c->database, sizeof(c->database), cfg->database ? cfg->database : cfg->user) ||
        !copy_name(c->application_name, sizeof(c->application_name),
                   cfg->application_name ? cfg->application_name : "") ||
        !copy_name(c->password, sizeof(c->password), cfg->password ? cfg->password : ""))
        return ERR_TOO_LARGE;
    c->have_password = cfg->password != NULL;
    c->allow_cleartext = cfg->allow_cleartext;
    c->random = cfg->random;
    c->random_ctx = cfg->random_ctx;
    c->on_event = cfg->on_event;
    c->event_ctx = cfg->event_ctx;
    c->in = in;
    c->in_cap = in_cap;
    c->out = out;
    c->out_cap = out_cap;
    return 0;
}

long pg_start(struct pg_conn *c)
{
    if (c->state != PG_STATE_NEW)
        return ERR_BAD_STATE;
    struct wbuf w = fe_begin(c);
    fe_startup(&w, c->user, c->database, c->application_name);
    long rc = fe_commit(c, &w);
    if (rc == 0)
        c->state = PG_STATE_AUTH;
    return rc;
}

/* True in the states before the session: every error there is fatal. */
static bool authenticating(enum pg_state s)
{
    return s >= PG_STATE_AUTH && s <= PG_STATE_SASL_VERIFIED;
}

/* ErrorResponse: reported; fatal before the session or at FATAL severity, else it ends only the statement. */
static long on_error(struct pg_conn *c, struct rbuf *r)
{
    struct pg_error e; /* a malformed one must not leave half of itself in c->error */
    long rc = pgerror_parse(r, &e);
    if (rc < 0)
        return rc;
    c->error = e;
    c->errors++;
    if (authenticating(c->state) || c->state == PG_STATE_STARTING)
        c->error.fatal = true;
    struct pg_event ev = {.type = PG_EV_ERROR, .error = &c->error};
    c->on_event(c->event_ctx, &ev);
    if (c->error.fatal)
        return pg_err_to_warp(&c->error);
    return c->state == PG_STATE_BUSY ? 0 : ERR_BAD_FORMAT;
}

/* NoticeResponse: reported, nothing else. */
static long on_notice(struct pg_conn *c, struct rbuf *r)
{
    struct pg_error notice;
    long rc = pgerror_parse(r, &notice);
    if (rc < 0)
        return rc;
    struct pg_event ev = {.type = PG_EV_NOTICE, .error = &notice};
    c->on_event(c->event_ctx, &ev);
    return 0;
}

/* Runs one whole message through the state machine. */
static long dispatch(struct pg_conn *c, char type, const uint8_t *body, size_t len)
{
    struct rbuf r = {.p = body, .len = len};
    if (type == 'E')
        return on_error(c, &r);
    if (type == 'N')
        return on_notice(c, &r);
    if (authenticating(c->state))
        return type == 'R' ? auth_handle(c, &r) : ERR_BAD_FORMAT;
    if (c->state == PG_STATE_STARTING || c->state == PG_STATE_READY || c->state == PG_STATE_BUSY)
        return backend_handle(c, type, &r);
    return ERR_BAD_STATE;
}

/* Marks c failed with rc; an error no fatal message explained (none came, or only a statement's) is
 * recorded as the library's own. */
static long fail(struct pg_conn *c, long rc, uint32_t errors_before)
{
    if (c->errors == errors_before || !c->error.fatal) {
        pgerror_local(&c->error, PG_ERR_PROTOCOL, err_str(rc));
        c->errors++;
    }
    c->state = PG_STATE_FAILED;
    return rc;
}

/* Parses every whole message in the input buffer, then moves the partial rest to its front. */
static long drain(struct pg_conn *c)
{
    size_t pos = 0;
    long rc = 0;
    while (rc == 0 && c->in_len - pos >= HEADER_LEN) {
        uint32_t len = wire_be32(c->in + pos + 1);
        if (len < 4)
            rc = ERR_BAD_FORMAT;
        else if (len > c->in_cap - 1)
            rc = ERR_TOO_LARGE;
        else if (c->in_len - pos < 1 + (size_t)len)
            break;
        else
            rc = dispatch(c, (char)c->in[pos], c->in + pos + HEADER_LEN, len - 4);
        if (rc == 0)
            pos += 1 + (size_t)len;
    }
    memmove(c->in, c->in + pos, c->in_len - pos);
    c->in_len -= pos;
    return rc;
}

long pg_feed(struct pg_conn *c, const void *data, size_t len)
{
    if (c->state == PG_STATE_NEW || c->state == PG_STATE_FAILED || c->state == PG_STATE_CLOSED)
        return ERR_BAD_STATE;
    const uint8_t *p = data;
    uint32_t errors_before = c->errors;
    while (len > 0) {
        size_t n = c->in_cap - c->in_len;
        if (n > len)
            n = len;
        memcpy(c->in + c->in_len, p, n);
        c->in_len += n;
        p += n;
        len -= n;
        long rc = drain(c);
        if (rc < 0)
            return fail(c, rc, errors_before);
    }
    return 0;
}

size_t pg_output(const struct pg_conn *c, const uint8_t **data)
{
    *data = c->out + c->out_off;
    return c->out_len - c->out_off;
}

void pg_consume(struct pg_conn *c, size_t n)
{
    size_t pending = c->out_len - c->out_off;
    c->out_off += n < pending ? n : pending;
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
}

void pg_reset(struct pg_conn *c)
{
    c->state = PG_STATE_NEW;
    c->in_len = c->out_len = c->out_off = 0;
    c->txstatus = 0;
    c->auth = PG_AUTH_NONE;
    c->have_columns = false;
    memset(&c->scram, 0, sizeof(c->scram));
}

long pg_close(struct pg_conn *c)
{
    long rc = 0;
    if (c->state != PG_STATE_NEW && c->state != PG_STATE_FAILED && c->state != PG_STATE_CLOSED) {
        struct wbuf w = fe_begin(c);
        fe_terminate(&w);
        rc = fe_commit(c, &w);
    }
    c->state = PG_STATE_CLOSED;
    return rc;
}

enum pg_state pg_state(const struct pg_conn *c)
{
    return c->state;
}

char pg_txstatus(const struct pg_conn *c)
{
    return c->txstatus;
}

enum pg_auth pg_auth_method(const struct pg_conn *c)
{
    return c->auth;
}

const struct pg_error *pg_last_error(const struct pg_conn *c)
{
    return &c->error;
}
