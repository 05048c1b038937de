/* auth.c: the authentication exchange, protocol 3.0 "Start-up" and "SASL Authentication" (cleartext, md5, SCRAM-SHA-256). */
#include "auth.h"
#include "frontend.h"
#include "pgerror.h"
#include <crypto/md5.h>
#include <warp/error.h>
#include <warp/string.h>

enum {
    AUTH_OK = 0,
    AUTH_CLEARTEXT = 3,
    AUTH_MD5 = 5,
    AUTH_SASL = 10,
    AUTH_SASL_CONTINUE = 11,
    AUTH_SASL_FINAL = 12,
};

#define NONCE_BYTES 18 /* 24 base64 characters, as other clients send */
#define SCRAM_OUT_MAX 256

/* Records why authentication failed (not a server's ErrorResponse) and returns ERR_PERMISSION. */
static long refuse(struct pg_conn *c, const char *why)
{
    pgerror_local(&c->error, PG_ERR_AUTH, why);
    c->errors++;
    return ERR_PERMISSION;
}

/* Lower-case hex of n bytes into out (2n characters, no NUL). */
static void hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
}

void auth_md5_password(const char *user, const char *password, const uint8_t salt[4], char out[36])
{
    uint8_t d[MD5_DIGEST_LEN];
    char inner[2 * MD5_DIGEST_LEN];
    struct md5 m;
    md5_init(&m);
    md5_update(&m, password, strlen(password));
    md5_update(&m, user, strlen(user));
    md5_final(&m, d);
    hex(d, sizeof(d), inner);
    md5_init(&m);
    md5_update(&m, inner, sizeof(inner));
    md5_update(&m, salt, 4);
    md5_final(&m, d);
    memcpy(out, "md5", 3);
    hex(d, sizeof(d), out + 3);
    out[35] = '\0';
}

/* Queues a PasswordMessage and waits for AuthenticationOk. */
static long send_password(struct pg_conn *c, const char *password)
{
    struct wbuf w = fe_begin(c);
    fe_password(&w, password);
    c->state = PG_STATE_PASSWORD_SENT;
    return fe_commit(c, &w);
}

/* AuthenticationMD5Password: 4 bytes of salt. */
static long on_md5(struct pg_conn *c, struct rbuf *r)
{
    const uint8_t *salt = rbuf_bytes(r, 4);
    if (!rbuf_done(r))
        return ERR_BAD_FORMAT;
    char answer[36];
    auth_md5_password(c->user, c->password, salt, answer);
    c->auth = PG_AUTH_MD5;
    return send_password(c, answer);
}

/* True when the NUL-terminated mechanism list of r offers SCRAM-SHA-256. */
static bool offers_scram(struct rbuf *r)
{
    bool found = false;
    for (;;) {
        const char *m = rbuf_str(r);
        if (!m)
            return false;
        if (!m[0])
            return found && rbuf_done(r);
        found |= strcmp(m, "SCRAM-SHA-256") == 0;
    }
}

/* AuthenticationSASL: pick SCRAM-SHA-256 and send client-first with a fresh nonce. */
static long on_sasl(struct pg_conn *c, struct rbuf *r)
{
    if (!offers_scram(r))
        return r->bad ? ERR_BAD_FORMAT : ERR_NOT_SUPPORTED;
    uint8_t raw[NONCE_BYTES];
    char nonce[SCRAM_NONCE_MAX + 1], first[SCRAM_OUT_MAX];
    long rc = c->random(c->random_ctx, raw, sizeof(raw));
    if (rc < 0)
        return rc;
    long n = scram_base64_encode(raw, sizeof(raw), nonce, sizeof(nonce) - 1);
    if (n < 0)
        return n;
    nonce[n] = '\0';
    /* The user name goes in the startup message; PostgreSQL ignores SCRAM's, so it is left empty. */
    long len = scram_client_first(&c->scram, "", nonce, first, sizeof(first));
    if (len < 0)
        return len;
    struct wbuf w = fe_begin(c);
    fe_sasl_initial(&w, "SCRAM-SHA-256", first, (size_t)len);
    c->auth = PG_AUTH_SCRAM;
    c->state = PG_STATE_SASL_FIRST;
    return fe_commit(c, &w);
}

/* AuthenticationSASLContinue: server-first in, client-final out. */
static long on_sasl_continue(struct pg_conn *c, struct rbuf *r)
{
    size_t len = r->len - r->off;
    const char *server_first = (const char *)rbuf_bytes(r, len);
    if (len == 0 || len >= SCRAM_MSG_MAX)
        return ERR_BAD_FORMAT;
    char final[SCRAM_OUT_MAX];
    long n = scram_client_final(&c->scram, c->password, server_first, len, final, sizeof(final));
    if (n < 0)
        return n;
    struct wbuf w = fe_begin(c);
    fe_sasl_response(&w, final, (size_t)n);
    c->state = PG_STATE_SASL_FINAL;
    return fe_commit(c, &w);
}

/* AuthenticationSASLFinal: the server's signature, which must match. */
static long on_sasl_final(struct pg_conn *c, struct rbuf *r)
{
    size_t len = r->len - r->off;
    const char *server_final = (const char *)rbuf_bytes(r, len);
    long rc = scram_verify_final(&c->scram, server_final, len);
    if (rc == ERR_PERMISSION)
        return refuse(c, "SCRAM: the server's signature is wrong");
    if (rc < 0)
        return rc;
    c->state = PG_STATE_SASL_VERIFIED;
    return 0;
}

/* AuthenticationOk: only where nothing of an exchange is left unproven. */
static long on_ok(struct pg_conn *c, struct rbuf *r)
{
    if (!rbuf_done(r))
        return ERR_BAD_FORMAT;
    if (c->state == PG_STATE_SASL_FIRST || c->state == PG_STATE_SASL_FINAL)
        return refuse(c, "SCRAM: the server skipped its proof");
    c->state = PG_STATE_STARTING;
    return 0;
}

/* Whether request code may come in state s. */
static bool expected(enum pg_state s, int32_t code)
{
    switch (code) {
    case AUTH_CLEARTEXT:
    case AUTH_MD5:
    case AUTH_SASL: return s == PG_STATE_AUTH;
    case AUTH_SASL_CONTINUE: return s == PG_STATE_SASL_FIRST;
    case AUTH_SASL_FINAL: return s == PG_STATE_SASL_FINAL;
    default: return true; /* AuthenticationOk (on_ok checks the state) or a method refused later */
    }
}

long auth_handle(struct pg_conn *c, struct rbuf *r)
{
    int32_t code = rbuf_i32(r);
    if (r->bad || !expected(c->state, code))
        return ERR_BAD_FORMAT;
    bool needs_password = code == AUTH_CLEARTEXT || code == AUTH_MD5 || code == AUTH_SASL;
    if (needs_password && !c->have_password)
        return refuse(c, "the server asks for a password and none was given");
    switch (code) {
    case AUTH_OK: return on_ok(c, r);
    case AUTH_CLEARTEXT:
        if (!c->allow_cleartext)
            return refuse(c, "the server asks for a cleartext password, not allowed");
        c->auth = PG_AUTH_CLEARTEXT;
        return rbuf_done(r) ? send_password(c, c->password) : ERR_BAD_FORMAT;
    case AUTH_MD5: return on_md5(c, r);
    case AUTH_SASL: return on_sasl(c, r);
    case AUTH_SASL_CONTINUE: return on_sasl_continue(c, r);
    case AUTH_SASL_FINAL: return on_sasl_final(c, r);
    default: return ERR_NOT_SUPPORTED; /* Kerberos, GSSAPI, SSPI */
    }
}
