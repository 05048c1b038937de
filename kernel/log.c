/* log.c: timestamped kernel log lines on the console, and panics. */
#include <arch.h>
#include <log.h>
#include <warp/fmt.h>
#include <stdarg.h>

#define LOG_LINE_MAX 512

static long line_owner; /* the process whose console line is unfinished, or 0 (console.c) */

/* Console.c's bookkeeping of who has a line open; kept here so that a kernel line can end it. */
long log_line_owner(void)
{
    return line_owner;
}
void log_set_line_owner(long pid)
{
    line_owner = pid;
}

/* A kernel line starts a line of its own: end a process's unfinished one first. */
static void log_end_user_line(void)
{
    if (line_owner) {
        line_owner = 0;
        arch_console_write("\n", 1);
    }
}

/* Format into a line buffer and write it in one piece (lines never interleave mid-way). */
static void log_vwrite(bool stamp, const char *fmt, va_list ap)
{
    char buf[LOG_LINE_MAX];
    int n = 0;
    if (stamp) {
        uint64_t ns = arch_time_ns();
        n = fmt_snprintf(buf, sizeof(buf), "[%5lu.%06lu] ", ns / 1000000000, ns / 1000 % 1000000);
    }
    int m = fmt_vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
    /* m is the untruncated length: count only what fit, keeping a byte for the newline. */
    n += m < (int)(sizeof(buf) - (size_t)n - 1) ? m : (int)(sizeof(buf) - (size_t)n - 2);
    if (stamp) {
        buf[n++] = '\n';
        log_end_user_line();
    }
    arch_console_write(buf, (size_t)n);
}

/* One stamped line per call; the newline is added here, so messages never carry their own. */
void log_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(true, fmt, ap);
    va_end(ap);
}

/* No stamp and no newline added: the pieces of multi-line reports (panics, register dumps). */
void log_raw(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(false, fmt, ap);
    va_end(ap);
}

/* No lock and no allocation on this path: it must work whatever state the kernel is in. */
_Noreturn void panic_at(const char *file, int line, const char *fmt, ...)
{
    log_end_user_line();
    log_raw("\nKERNEL PANIC at %s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(false, fmt, ap);
    va_end(ap);
    log_raw("\n");
    arch_backtrace_here();
    log_raw("system halted\n");
    arch_halt();
}
