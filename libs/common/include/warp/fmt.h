/* fmt.h: printf-style formatting into a callback or a buffer (integers, strings, chars; no floating point). */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/*
 * Conversions: %d %i %u %x %X %o %p %s %c %%, length modifiers hh h l ll z j t,
 * flags - 0 + space #, width and precision (digits or *). %s of NULL prints
 * "(null)"; %p prints 0x-prefixed hex (also "0x0" for NULL). Anything else is
 * printed literally (%n included: it never writes through a pointer).
 */

/* Receives each output character in order; ctx is the caller's. */
typedef void (*fmt_putc_fn)(void *ctx, char c);

/* Formats into putc; returns the number of characters emitted (saturating at INT_MAX). */
int fmt_vformat(fmt_putc_fn putc, void *ctx, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/*
 * C99 vsnprintf: writes at most size bytes including the NUL (always terminated
 * when size > 0; buf may be NULL when size is 0) and returns the length the
 * whole output would have had.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* C99 snprintf on top of fmt_vsnprintf. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
