/* string.h: the freestanding memory and string functions used inside Warp (kernel and user space). */
#pragma once

#include <stddef.h>

/*
 * Standard names and semantics, so gcc's implicit calls (struct copies, zeroing)
 * land here. Host unit tests use the C library's versions instead.
 */

/* Copies n bytes from src to dst; the ranges must not overlap. Returns dst. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
/* Copies n bytes from src to dst; the ranges may overlap. Returns dst. */
void *memmove(void *dst, const void *src, size_t n);
/* Fills n bytes at dst with the byte value c. Returns dst. */
void *memset(void *dst, int c, size_t n);
/* Compares n bytes as unsigned chars: <0, 0 or >0. */
int memcmp(const void *a, const void *b, size_t n);

/*
 * -ffreestanding turns the compiler's builtins off, so even an 8-byte copy would be a call. Through
 * the builtins, copies and fills of a small known size become a few moves; the rest still calls
 * the functions above (string.c defines them with these macros undone).
 */
#define memcpy(dst, src, n) __builtin_memcpy(dst, src, n)
#define memset(dst, c, n) __builtin_memset(dst, c, n)
/* Length of a NUL-terminated string. */
size_t strlen(const char *s);
/* Length of s, but at most max (reads no byte past s[max - 1]). */
size_t strnlen(const char *s, size_t max);
/* Compares two strings as unsigned chars: <0, 0 or >0. */
int strcmp(const char *a, const char *b);
/* Compares at most n characters of two strings. */
int strncmp(const char *a, const char *b, size_t n);
/* First occurrence of (char)c in s (the terminating NUL included), or NULL. */
char *strchr(const char *s, int c);
