/* stdio.c: printf and puts over SYS_CONSOLE_WRITE, buffered so each call is one write. */
#include <warp/stdio.h>
#include <warp/syscall.h>

/* Output being collected by one printf call. */
struct stdio_buf {
    char data[STDIO_BUF_SIZE];
    size_t len; /* bytes in data */
    long err;   /* first console write error, 0 if none */
};

/* Writes out what the buffer holds. */
static void stdio_flush(struct stdio_buf *b)
{
    if (b->len == 0)
        return;
    long r = warp_console_write(b->data, b->len);
    if (r < 0 && b->err == 0)
        b->err = r;
    b->len = 0;
}

/* fmt_putc_fn: appends one character, flushing a full buffer first. */
static void stdio_putc(void *ctx, char c)
{
    struct stdio_buf *b = ctx;
    if (b->len == sizeof(b->data))
        stdio_flush(b);
    b->data[b->len++] = c;
}

/* Formats fmt with ap and writes it to the console. */
int vprintf(const char *fmt, va_list ap)
{
    struct stdio_buf b;
    b.len = 0;
    b.err = 0;
    int n = fmt_vformat(stdio_putc, &b, fmt, ap);
    stdio_flush(&b);
    return b.err ? (int)b.err : n;
}

/* printf(3) to the console. */
int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

/* Writes s and a newline in one console write (when it fits in the buffer). */
int puts(const char *s)
{
    return printf("%s\n", s);
}
