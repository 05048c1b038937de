/* copy.c: the copy lwIP's MEMCPY uses (lwipopts.h): eight bytes at a time whatever the alignment. */
#include "copy.h"

#include <stdint.h>

/* A machine word that may sit at any address and alias any object. */
typedef uint64_t __attribute__((may_alias, aligned(1))) copy_word_t;

/*
 * The copies lwIP makes (tcp_write of a WRITE's bytes into a segment, pbuf_copy_partial) rarely
 * have source and destination equally aligned: a segment's data follows 54 bytes of headers, and the
 * source advances by 1460-byte segments. The shared memcpy copies such ranges a byte at a time;
 * x86-64 loads and stores words at any address, so this one does not care, and under QEMU's TCG
 * (where every instruction costs) it is several times faster.
 */
void *tcpip_memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (; n >= sizeof(copy_word_t);
         n -= sizeof(copy_word_t), d += sizeof(copy_word_t), s += sizeof(copy_word_t))
        *(copy_word_t *)d = *(const copy_word_t *)s;
    for (; n > 0; n--)
        *d++ = *s++;
    return dst;
}
