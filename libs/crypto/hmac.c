/* hmac.c: HMAC-SHA-256 (RFC 2104) and PBKDF2-HMAC-SHA-256 (RFC 8018 section 5.2). */
#include <crypto/hmac.h>
#include <warp/string.h>

void hmac_sha256_init(struct hmac_sha256 *h, const void *key, size_t key_len)
{
    uint8_t k[SHA256_BLOCK_LEN] = {0};
    if (key_len > SHA256_BLOCK_LEN)
        sha256(key, key_len, k);
    else
        memcpy(k, key, key_len);
    uint8_t ipad[SHA256_BLOCK_LEN];
    for (int i = 0; i < SHA256_BLOCK_LEN; i++) {
        ipad[i] = k[i] ^ 0x36;
        h->opad[i] = k[i] ^ 0x5c;
    }
    sha256_init(&h->inner);
    sha256_update(&h->inner, ipad, sizeof(ipad));
}

void hmac_sha256_update(struct hmac_sha256 *h, const void *data, size_t len)
{
    sha256_update(&h->inner, data, len);
}

void hmac_sha256_final(struct hmac_sha256 *h, uint8_t out[SHA256_DIGEST_LEN])
{
    uint8_t inner[SHA256_DIGEST_LEN];
    sha256_final(&h->inner, inner);
    struct sha256 outer;
    sha256_init(&outer);
    sha256_update(&outer, h->opad, sizeof(h->opad));
    sha256_update(&outer, inner, sizeof(inner));
    sha256_final(&outer, out);
}

void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                 uint8_t out[SHA256_DIGEST_LEN])
{
    struct hmac_sha256 h;
    hmac_sha256_init(&h, key, key_len);
    hmac_sha256_update(&h, data, len);
    hmac_sha256_final(&h, out);
}

/* One output block: U1 = PRF(P, S || INT(i)), Uj = PRF(P, Uj-1), T = U1 ^ ... ^ Uc. */
static void pbkdf2_block(const struct hmac_sha256 *keyed, const void *salt, size_t salt_len, uint32_t index,
                         uint32_t iterations, uint8_t t[SHA256_DIGEST_LEN])
{
    uint8_t be[4] = {(uint8_t)(index >> 24), (uint8_t)(index >> 16), (uint8_t)(index >> 8), (uint8_t)index};
    uint8_t u[SHA256_DIGEST_LEN];
    struct hmac_sha256 h = *keyed;
    hmac_sha256_update(&h, salt, salt_len);
    hmac_sha256_update(&h, be, sizeof(be));
    hmac_sha256_final(&h, u);
    memcpy(t, u, sizeof(u));
    for (uint32_t j = 1; j < iterations; j++) {
        h = *keyed;
        hmac_sha256_update(&h, u, sizeof(u));
        hmac_sha256_final(&h, u);
        for (int i = 0; i < SHA256_DIGEST_LEN; i++)
            t[i] ^= u[i];
    }
}

/* The keyed state is made once and copied per round: the key's pads are not rehashed each time. */
void pbkdf2_sha256(const void *password, size_t password_len, const void *salt, size_t salt_len,
                   uint32_t iterations, uint8_t *out, size_t out_len)
{
    struct hmac_sha256 keyed;
    hmac_sha256_init(&keyed, password, password_len);
    for (uint32_t index = 1; out_len > 0; index++) {
        uint8_t t[SHA256_DIGEST_LEN];
        pbkdf2_block(&keyed, salt, salt_len, index, iterations, t);
        size_t n = out_len < sizeof(t) ? out_len : sizeof(t);
        memcpy(out, t, n);
        out += n;
        out_len -= n;
    }
}
