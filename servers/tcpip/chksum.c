/* chksum.c: the Internet checksum eight bytes at a time, alone or while copying (tcpip_chksum.h). */
#include "include/tcpip_chksum.h"

/* sum + v with the carry out of bit 63 added back in (one's complement addition of 64-bit words,
 * which keeps the 16-bit one's complement sum: 2^64 = 1 modulo 2^16 - 1). */
static inline uint64_t chksum_add(uint64_t sum, uint64_t v)
{
    uint64_t out = sum + v;
    return out + (out < v); /* a carry leaves out <= 2^64 - 2: adding it back cannot carry again */
}

/* Folds a 64-bit one's complement sum to 16 bits. */
static uint16_t chksum_fold(uint64_t sum)
{
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)((sum & 0xffffu) + (sum >> 16));
}

/* The last len (< 8) bytes at p as a little-endian word, zero above them. */
static inline uint64_t chksum_tail(const uint8_t *p, size_t len)
{
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* The sum of data's len bytes, eight at a time. */
uint16_t tcpip_chksum(const void *data, int len)
{
    const uint8_t *p = data;
    size_t n = len > 0 ? (size_t)len : 0;
    uint64_t sum = 0, v;
    for (; n >= 8; p += 8, n -= 8) {
        __builtin_memcpy(&v, p, 8);
        sum = chksum_add(sum, v);
    }
    return chksum_fold(chksum_add(sum, chksum_tail(p, n)));
}

/* Copies and sums in one pass over the data. */
uint16_t tcpip_chksum_copy(void *dst, const void *src, uint16_t len)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    size_t n = len;
    uint64_t sum = 0, v;
    for (; n >= 8; s += 8, d += 8, n -= 8) {
        __builtin_memcpy(&v, s, 8);
        __builtin_memcpy(d, &v, 8);
        sum = chksum_add(sum, v);
    }
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
    return chksum_fold(chksum_add(sum, chksum_tail(s, n)));
}
