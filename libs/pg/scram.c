/* scram.c: the client side of SCRAM-SHA-256, RFC 5802 section 3 and 5 with RFC 7677's hash, no channel binding. */
#include <pg/scram.h>
#include <crypto/hmac.h>
#include <warp/error.h>
#include <warp/string.h>
#include <warp/text.h>

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

long scram_base64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    size_t need = (len + 2) / 3 * 4;
    if (need > cap)
        return ERR_TOO_LARGE;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = B64[v >> 18];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = i + 1 < len ? B64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? B64[v & 63] : '=';
    }
    return (long)o;
}

/* The value of one base64 character, or -1. */
static int b64_value(char c)
{
    const char *p = c ? strchr(B64, c) : NULL;
    return p ? (int)(p - B64) : -1;
}

long scram_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    if (len % 4 != 0)
        return ERR_BAD_FORMAT;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        int pad = (last && in[i + 3] == '=') + (last && in[i + 2] == '=');
        uint32_t v = 0;
        for (int k = 0; k < 4; k++) {
            int d = k >= 4 - pad ? 0 : b64_value(in[i + k]);
            if (d < 0)
                return ERR_BAD_FORMAT;
            v = v << 6 | (uint32_t)d;
        }
        if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
            return ERR_BAD_FORMAT; /* bits under the padding must be zero: one encoding per value */
        if ((size_t)(3 - pad) > cap - o)
            return ERR_TOO_LARGE;
        for (int k = 0; k < 3 - pad; k++)
            out[o++] = (uint8_t)(v >> (16 - 8 * k));
    }
    return (long)o;
}

/* True when nonce is a valid SCRAM nonce of at most 2 * SCRAM_NONCE_MAX: printable ASCII without ','. */
static bool nonce_ok(const char *nonce, size_t len)
{
    if (len == 0 || len > 2 * SCRAM_NONCE_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (nonce[i] < 0x21 || nonce[i] > 0x7e || nonce[i] == ',')
            return false;
    return true;
}

long scram_client_first(struct scram *s, const char *user, const char *nonce, char *out, size_t cap)
{
    size_t nlen = strlen(nonce);
    if (nlen > SCRAM_NONCE_MAX || !nonce_ok(nonce, nlen) || strchr(user, ',') || strchr(user, '='))
        return ERR_INVALID_ARG;
    size_t ulen = strlen(user);
    size_t bare = 2 + ulen + 3 + nlen; /* "n=" user ",r=" nonce */
    if (bare > sizeof(s->client_first_bare) || bare + 3 > cap)
        return ERR_TOO_LARGE;
    char *b = s->client_first_bare;
    memcpy(b, "n=", 2);
    memcpy(b + 2, user, ulen);
    memcpy(b + 2 + ulen, ",r=", 3);
    memcpy(b + 5 + ulen, nonce, nlen);
    s->client_first_bare_len = bare;
    s->nonce_off = 5 + ulen;
    s->nonce_len = nlen;
    memcpy(out, "n,,", 3);
    memcpy(out + 3, b, bare);
    return (long)(bare + 3);
}

/* The parsed server-first-message: the nonce points into it, the salt is decoded. */
struct server_first {
    const char *nonce;
    size_t nonce_len;
    uint8_t salt[SCRAM_SALT_MAX];
    size_t salt_len;
    uint32_t iterations;
};

/* Reads "<key>=<value>" at *p (up to end), value ending at ',' or end; advances past the ','. */
static bool attr(const char **p, const char *end, char key, const char **val, size_t *len)
{
    const char *s = *p;
    if (end - s < 2 || s[0] != key || s[1] != '=')
        return false;
    const char *v = s + 2, *e = v;
    while (e < end && *e != ',')
        e++;
    *val = v;
    *len = (size_t)(e - v);
    *p = e < end ? e + 1 : e;
    return true;
}

/* Parses "r=<nonce>,s=<salt>,i=<count>" (a leading "m=" extension is refused, trailing ones ignored). */
static long parse_server_first(const char *msg, size_t len, struct server_first *f)
{
    const char *p = msg, *end = msg + len, *v;
    size_t n;
    if (!attr(&p, end, 'r', &f->nonce, &f->nonce_len) || !attr(&p, end, 's', &v, &n))
        return ERR_BAD_FORMAT;
    long salt = scram_base64_decode(v, n, f->salt, sizeof(f->salt));
    if (salt <= 0)
        return ERR_BAD_FORMAT;
    f->salt_len = (size_t)salt;
    if (!attr(&p, end, 'i', &v, &n) || n == 0 || n > 9)
        return ERR_BAD_FORMAT;
    char digits[10];
    memcpy(digits, v, n);
    digits[n] = '\0';
    long it = text_decimal(digits, 1, SCRAM_ITERATIONS_MAX);
    if (it < 0)
        return ERR_BAD_FORMAT;
    f->iterations = (uint32_t)it;
    return 0;
}

/* Appends len bytes to out at *o (bounded by cap); false when they do not fit. */
static bool put(char *out, size_t cap, size_t *o, const void *data, size_t len)
{
    if (len > cap - *o)
        return false;
    memcpy(out + *o, data, len);
    *o += len;
    return true;
}

/* HMAC over AuthMessage = client-first-bare "," server-first "," client-final-without-proof. */
static void auth_hmac(const struct scram *s, const uint8_t key[SHA256_DIGEST_LEN], const char *server_first,
                      size_t sf_len, const char *final, size_t final_len, uint8_t out[SHA256_DIGEST_LEN])
{
    struct hmac_sha256 h;
    hmac_sha256_init(&h, key, SHA256_DIGEST_LEN);
    hmac_sha256_update(&h, s->client_first_bare, s->client_first_bare_len);
    hmac_sha256_update(&h, ",", 1);
    hmac_sha256_update(&h, server_first, sf_len);
    hmac_sha256_update(&h, ",", 1);
    hmac_sha256_update(&h, final, final_len);
    hmac_sha256_final(&h, out);
}

/* ClientProof = ClientKey XOR HMAC(H(ClientKey), AuthMessage); also keeps ServerSignature in s. */
static void proofs(struct scram *s, const uint8_t salted[SHA256_DIGEST_LEN], const char *server_first,
                   size_t sf_len, const char *final, size_t final_len, uint8_t proof[SHA256_DIGEST_LEN])
{
    uint8_t client_key[SHA256_DIGEST_LEN], stored[SHA256_DIGEST_LEN], server_key[SHA256_DIGEST_LEN];
    hmac_sha256(salted, SHA256_DIGEST_LEN, "Client Key", 10, client_key);
    sha256(client_key, sizeof(client_key), stored);
    auth_hmac(s, stored, server_first, sf_len, final, final_len, proof);
    for (int i = 0; i < SHA256_DIGEST_LEN; i++)
        proof[i] ^= client_key[i];
    hmac_sha256(salted, SHA256_DIGEST_LEN, "Server Key", 10, server_key);
    auth_hmac(s, server_key, server_first, sf_len, final, final_len, s->server_signature);
}

long scram_client_final(struct scram *s, const char *password, const char *server_first, size_t len,
                        char *out, size_t cap)
{
    struct server_first f;
    long rc = parse_server_first(server_first, len, &f);
    if (rc < 0)
        return rc;
    const char *ours = s->client_first_bare + s->nonce_off;
    if (f.nonce_len <= s->nonce_len || memcmp(f.nonce, ours, s->nonce_len) != 0 ||
        !nonce_ok(f.nonce, f.nonce_len))
        return ERR_BAD_FORMAT;
    size_t o = 0;
    /* "biws" is base64("n,,"): no channel binding, as the client-first header said. */
    if (!put(out, cap, &o, "c=biws,r=", 9) || !put(out, cap, &o, f.nonce, f.nonce_len))
        return ERR_TOO_LARGE;
    size_t without_proof = o;
    uint8_t salted[SHA256_DIGEST_LEN], proof[SHA256_DIGEST_LEN];
    pbkdf2_sha256(password, strlen(password), f.salt, f.salt_len, f.iterations, salted, sizeof(salted));
    proofs(s, salted, server_first, len, out, without_proof, proof);
    if (!put(out, cap, &o, ",p=", 3))
        return ERR_TOO_LARGE;
    long b = scram_base64_encode(proof, sizeof(proof), out + o, cap - o);
    if (b < 0)
        return b;
    return (long)(o + (size_t)b);
}

long scram_verify_final(const struct scram *s, const char *server_final, size_t len)
{
    const char *p = server_final, *end = server_final + len, *v;
    size_t n;
    if (attr(&p, end, 'e', &v, &n))
        return ERR_PERMISSION;
    uint8_t sig[SHA256_DIGEST_LEN + 2];
    if (!attr(&p, end, 'v', &v, &n) || scram_base64_decode(v, n, sig, sizeof(sig)) != SHA256_DIGEST_LEN)
        return ERR_BAD_FORMAT;
    uint8_t diff = 0;
    for (int i = 0; i < SHA256_DIGEST_LEN; i++)
        diff |= sig[i] ^ s->server_signature[i];
    return diff ? ERR_PERMISSION : 0;
}
