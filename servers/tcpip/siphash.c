/* siphash.c: SipHash-2-4 as its paper specifies it (2 compression rounds, 4 finalization rounds). */
#include "siphash.h"

/* Loads 8 bytes as a little-endian 64-bit word. */
static uint64_t siphash_load(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t siphash_rotl(uint64_t x, unsigned b)
{
    return x << b | x >> (64 - b);
}

/* One SipRound over the state v[0..3]. */
static void siphash_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = siphash_rotl(v[1], 13);
    v[1] ^= v[0];
    v[0] = siphash_rotl(v[0], 32);
    v[2] += v[3];
    v[3] = siphash_rotl(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = siphash_rotl(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = siphash_rotl(v[1], 17);
    v[1] ^= v[2];
    v[2] = siphash_rotl(v[2], 32);
}

/* Absorbs one 64-bit message word m. */
static void siphash_compress(uint64_t v[4], uint64_t m)
{
    v[3] ^= m;
    siphash_round(v);
    siphash_round(v);
    v[0] ^= m;
}

uint64_t siphash24(const uint8_t key[16], const void *data, size_t len)
{
    const uint8_t *in = data;
    uint64_t k0 = siphash_load(key), k1 = siphash_load(key + 8);
    /* The initial state: the key xor "somepseudorandomlygeneratedbytes" in ASCII. */
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
                     k1 ^ 0x7465646279746573ull};
    size_t whole = len - len % 8;
    for (size_t i = 0; i < whole; i += 8)
        siphash_compress(v, siphash_load(in + i));
    /* The last word: the remaining bytes, zero-padded, with len mod 256 in the top byte. */
    uint64_t last = (uint64_t)(len & 0xff) << 56;
    for (size_t i = 0; i < len % 8; i++)
        last |= (uint64_t)in[whole + i] << (8 * i);
    siphash_compress(v, last);
    v[2] ^= 0xff;
    for (int i = 0; i < 4; i++)
        siphash_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}
