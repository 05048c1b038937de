/* log.h: kernel logging, panics and assertions. */
#pragma once

#include <warp/types.h>

/* Print a timestamped log line ("[    1.234567] text"); fmt carries no trailing newline. */
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print without a timestamp (continuation output such as register dumps). */
void log_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The process whose console line is unfinished (0: none; LOG_LINE_CUT: one whose rest the full
 * console ring refused), kept by console.c: a kernel line ends that line first, so it always
 * starts a line of its own. */
#define LOG_LINE_CUT (-1L)
long log_line_owner(void);
void log_set_line_owner(long pid);

/* Stop the kernel: print the message, a backtrace of the caller, and halt. */
_Noreturn void panic_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define PANIC(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)
#define ASSERT(cond)                              \
    do {                                          \
        if (!(cond))                              \
            PANIC("assertion failed: %s", #cond); \
    } while (0)
