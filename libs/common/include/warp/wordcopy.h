/* wordcopy.h: the loops under memcpy and memmove (string.c): eight bytes at a time at any alignment. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * x86-64 loads and stores a word at any address, so the loops need not care whether source and
 * destination are aligned alike: a segment's data behind 54 bytes of headers, a file's bytes at an
 * odd offset of a page. A copy that went a byte at a time whenever they were not cost eight times
 * the instructions, each of which QEMU's TCG emulates one by one. Each loop reads a whole word before
 * it writes it, so a forward copy to a lower address, or a backward one to a higher address, is safe
 * however the ranges overlap (memmove). Inline, for string.c and its host test
 * (tests/unit/test_wordcopy.c); gcc may not turn the byte loops into calls to memcpy itself.
 */

/* A machine word at any address that may alias any object. */
typedef uint64_t __attribute__((may_alias, aligned(1))) wordcopy_word_t;

#define WORDCOPY_NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* Copies n bytes from s to d, lowest address first. */
static inline WORDCOPY_NO_LIBCALLS void wordcopy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
    for (; n >= sizeof(wordcopy_word_t);
         n -= sizeof(wordcopy_word_t), d += sizeof(wordcopy_word_t), s += sizeof(wordcopy_word_t))
        *(wordcopy_word_t *)d = *(const wordcopy_word_t *)s;
    for (; n > 0; n--)
        *d++ = *s++;
}

/* Copies n bytes from s to d, highest address first. */
static inline WORDCOPY_NO_LIBCALLS void wordcopy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
    d += n;
    s += n;
    for (; n >= sizeof(wordcopy_word_t); n -= sizeof(wordcopy_word_t)) {
        d -= sizeof(wordcopy_word_t);
        s -= sizeof(wordcopy_word_t);
        *(wordcopy_word_t *)d = *(const wordcopy_word_t *)s;
    }
    while (n-- > 0)
        *--d = *--s;
}
