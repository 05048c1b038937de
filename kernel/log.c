/* log.c: timestamped kernel log lines on the console, and panics. */
#include <arch.h>
#include <conring.h>
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

static uint64_t lost; /* kernel output the full console ring refused, not yet reported */

/* Queue kernel output; what the ring refuses is counted for log_report_lost. */
static bool log_put(const char *s, size_t n)
{
    if (conring_write(s, n, true))
        return true;
    lost += n;
    return false;
}

/* A kernel line starts a line of its own: end a process's unfinished one first. */
static void log_end_user_line(void)
{
    if (line_owner && log_put("\n", 1))
        line_owner = 0;
}

/* Say, in a line of its own, how much kernel output was lost since the last such line; a report
 * that is itself refused counts too, and waits for the next line. */
static void log_report_lost(void)
{
    uint64_t n = lost;
    if (!n)
        return;
    lost = 0;
    log_printf("console: %lu bytes of kernel output lost: the console could not keep up", n);
    if (lost)
        lost += n;
}

/* Format into a line buffer and queue it in one piece (lines never interleave mid-way). A stamped
 * line goes out whole with the newline that ends a process's open line before it, or not at all:
 * the console then reads as before it, and the open line stays open. */
static void log_vwrite(bool stamp, const char *fmt, va_list ap)
{
    char buf[LOG_LINE_MAX + 1];
    char *line = buf + 1; /* buf[0]: room for that newline */
    int n = 0;
    if (stamp) {
        log_report_lost();
        uint64_t ns = arch_time_ns();
        n = fmt_snprintf(line, LOG_LINE_MAX, "[%5lu.%06lu] ", ns / 1000000000, ns / 1000 % 1000000);
    }
    int m = fmt_vsnprintf(line + n, LOG_LINE_MAX - (size_t)n - 1, fmt, ap);
    /* m is the untruncated length: count only what fit, keeping a byte for the newline. */
    n += m < (int)(LOG_LINE_MAX - (size_t)n - 1) ? m : (int)(LOG_LINE_MAX - (size_t)n - 2);
    if (!stamp) {
        log_put(line, (size_t)n);
        return;
    }
    line[n++] = '\n';
    bool end_open = line_owner != 0;
    buf[0] = '\n';
    if (log_put(end_open ? buf : line, (size_t)n + end_open))
        line_owner = 0;
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

/* No lock and no allocation on this path: it must work whatever state the kernel is in. What the
 * console ring holds goes out first, then the report, polled. */
_Noreturn void panic_at(const char *file, int line, const char *fmt, ...)
{
    conring_sync();
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
