/* md5.c: MD5 as RFC 1321 section 3 defines it (little-endian words, four rounds of 16 steps). */
#include <crypto/md5.h>
#include <warp/string.h>

/* Per-step left-rotation amounts, four per round. */
static const uint8_t SHIFT[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

/* T[i] = floor(2^32 * |sin(i + 1)|), RFC 1321 section 3.4. */
static const uint32_t T[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* Rotates x left by n bits (0 < n < 32). */
static uint32_t rol(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

/* The round function and message word of step i. */
static uint32_t step_mix(int i, uint32_t b, uint32_t c, uint32_t d, int *word)
{
    switch (i / 16) {
    case 0: *word = i; return (b & c) | (~b & d);
    case 1: *word = (5 * i + 1) % 16; return (b & d) | (c & ~d);
    case 2: *word = (3 * i + 5) % 16; return b ^ c ^ d;
    default: *word = (7 * i) % 16; return c ^ (b | ~d);
    }
}

/* Runs the four rounds over one 64-byte block. */
static void compress(uint32_t h[4], const uint8_t *block)
{
    uint32_t x[16];
    for (int i = 0; i < 16; i++) {
        const uint8_t *p = block + 4 * i;
        x[i] = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
        int k;
        uint32_t f = step_mix(i, b, c, d, &k);
        uint32_t t = d;
        d = c;
        c = b;
        b = b + rol(a + f + x[k] + T[i], SHIFT[i / 16][i % 4]);
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
}

void md5_init(struct md5 *m)
{
    m->h[0] = 0x67452301;
    m->h[1] = 0xefcdab89;
    m->h[2] = 0x98badcfe;
    m->h[3] = 0x10325476;
    m->total = 0;
    m->fill = 0;
}

void md5_update(struct md5 *m, const void *data, size_t len)
{
    const uint8_t *p = data;
    m->total += len;
    while (len > 0) {
        size_t n = sizeof(m->block) - m->fill;
        if (n > len)
            n = len;
        memcpy(m->block + m->fill, p, n);
        m->fill += n;
        p += n;
        len -= n;
        if (m->fill == sizeof(m->block)) {
            compress(m->h, m->block);
            m->fill = 0;
        }
    }
}

void md5_final(struct md5 *m, uint8_t out[MD5_DIGEST_LEN])
{
    uint64_t bits = m->total * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (m->fill < 56 ? 56 : 120) - m->fill;
    for (int i = 0; i < 8; i++)
        pad[padlen + i] = (uint8_t)(bits >> (8 * i));
    md5_update(m, pad, padlen + 8);
    for (int i = 0; i < 16; i++)
        out[i] = (uint8_t)(m->h[i / 4] >> (8 * (i % 4)));
}

void md5(const void *data, size_t len, uint8_t out[MD5_DIGEST_LEN])
{
    struct md5 m;
    md5_init(&m);
    md5_update(&m, data, len);
    md5_final(&m, out);
}
