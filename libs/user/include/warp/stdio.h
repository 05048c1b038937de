/* stdio.h: console output for user programs: printf and puts, one console write per call. */
#pragma once

#include <stdarg.h>
#include <warp/fmt.h>

/*
 * Each call formats into a stack buffer and writes it with one SYS_CONSOLE_WRITE, so a line from one
 * process is never split by another's output. Output longer than STDIO_BUF_SIZE is written in
 * STDIO_BUF_SIZE pieces. All return the number of characters written or a negative ERR_*.
 */
#define STDIO_BUF_SIZE 512

/* printf(3) with fmt.h's conversions, to the console. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* vprintf(3) to the console. */
int vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Writes s and a newline to the console. */
int puts(const char *s);
