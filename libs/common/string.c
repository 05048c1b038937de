/* string.c: freestanding memcpy/memset/strlen and friends for the kernel and user space. */
#include <stdint.h>
#include <warp/string.h>
#include <warp/wordcopy.h>

#undef memcpy
#undef memset

/*
 * gcc recognises byte loops that look like memset/memcpy and replaces them with
 * calls to those very functions; here that would recurse forever, so every
 * function in this file is compiled without that transformation.
 */
#define STRING_NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* A machine word that may alias any object (the word-at-a-time loops use it). */
typedef uint64_t __attribute__((may_alias)) string_word_t;

#define STRING_WORD sizeof(string_word_t)
#define STRING_MISALIGN(p) ((uintptr_t)(p) & (STRING_WORD - 1))

/* Copies n bytes forward, a word at a time (warp/wordcopy.h). */
STRING_NO_LIBCALLS void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    wordcopy_forward(dst, src, n);
    return dst;
}

/* Copies n bytes between possibly overlapping ranges, in whichever direction is safe. */
STRING_NO_LIBCALLS void *memmove(void *dst, const void *src, size_t n)
{
    /* Integer comparison: the pointers may belong to different objects. */
    if ((uintptr_t)dst <= (uintptr_t)src || (uintptr_t)dst - (uintptr_t)src >= n)
        wordcopy_forward(dst, src, n);
    else
        wordcopy_backward(dst, src, n);
    return dst;
}

/* Fills n bytes with c, a word at a time once dst is aligned. */
STRING_NO_LIBCALLS void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    unsigned char byte = (unsigned char)c;
    string_word_t word = (string_word_t)byte * 0x0101010101010101ull;

    for (; n > 0 && STRING_MISALIGN(d) != 0; n--)
        *d++ = byte;
    for (; n >= STRING_WORD; n -= STRING_WORD, d += STRING_WORD)
        *(string_word_t *)d = word;
    for (; n > 0; n--)
        *d++ = byte;
    return dst;
}

/* Compares n bytes as unsigned chars. */
STRING_NO_LIBCALLS int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

/* Counts the characters before the terminating NUL. */
STRING_NO_LIBCALLS size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

/* Counts the characters before the NUL, stopping at max. */
STRING_NO_LIBCALLS size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n] != '\0')
        n++;
    return n;
}

/* Compares two strings as unsigned chars. */
STRING_NO_LIBCALLS int strcmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

    while (*x != '\0' && *x == *y) {
        x++;
        y++;
    }
    return (*x > *y) - (*x < *y);
}

/* Compares at most n characters of two strings as unsigned chars. */
STRING_NO_LIBCALLS int strncmp(const char *a, const char *b, size_t n)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

    for (; n > 0; n--, x++, y++) {
        if (*x != *y)
            return *x < *y ? -1 : 1;
        if (*x == '\0')
            return 0;
    }
    return 0;
}

/* Finds the first (char)c in s; searching for '\0' finds the terminator. */
STRING_NO_LIBCALLS char *strchr(const char *s, int c)
{
    char ch = (char)c;

    for (;; s++) {
        if (*s == ch)
            return (char *)s;
        if (*s == '\0')
            return NULL;
    }
}
