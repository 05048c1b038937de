/* lxsys_io.c: read, write, writev and ioctl on the console streams (fd 0: empty, fd 1 and 2: the log). */
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxmem.h"
#include "lxsys.h"

#define LXIO_WRITE_MAX (64ull << 10) /* bytes one write or writev takes at most (a short write) */
#define LXIO_IOV_MAX 1024            /* Linux's UIO_MAXIOV */
#define LXIO_CHUNK 4096ull

/* Logs fd's collected line as "NAME/fd: text" in one console write (any byte, NUL included, goes
 * out as the console shows it) and empties it. */
static void lxio_emit(struct lxproc *p, int fd)
{
    struct lxout *o = &p->out[fd - 1];
    char line[LXCONF_NAME_MAX + 4 + LXPROC_LINE_MAX + 1];
    size_t n = strlen(p->name);
    memcpy(line, p->name, n);
    line[n++] = '/';
    line[n++] = (char)('0' + fd);
    line[n++] = ':';
    line[n++] = ' ';
    memcpy(line + n, o->buf, o->len);
    n += o->len;
    line[n++] = '\n';
    warp_console_write(line, n);
    o->len = 0;
}

/* Adds n bytes to fd's stream: each whole line goes to the log (a line past LXPROC_LINE_MAX in pieces). */
static void lxio_put(struct lxproc *p, int fd, const char *data, uint64_t n)
{
    struct lxout *o = &p->out[fd - 1];
    for (uint64_t i = 0; i < n; i++) {
        if (data[i] == '\n') {
            lxio_emit(p, fd);
            continue;
        }
        o->buf[o->len++] = data[i];
        if (o->len == LXPROC_LINE_MAX)
            lxio_emit(p, fd);
    }
}

void lxsys_flush(struct lxproc *p)
{
    for (int fd = 1; fd <= 2; fd++)
        if (p->out[fd - 1].len > 0)
            lxio_emit(p, fd);
}

/* Copies up to len bytes from the process's buf to fd's stream; returns the bytes taken or -EFAULT
 * if none could be read (Linux's partial-write rule). */
static int64_t lxio_copy_out(struct lxproc *p, int fd, uint64_t buf, uint64_t len)
{
    static char chunk[LXIO_CHUNK];
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < LXIO_CHUNK ? len - done : LXIO_CHUNK;
        if (lxmem_read(p, buf + done, chunk, n) < 0)
            return done ? (int64_t)done : -LX_EFAULT;
        lxio_put(p, fd, chunk, n);
        done += n;
    }
    return (int64_t)done;
}

/* fd 1 and 2 are the console; fd 0 is an empty input; nothing else is open yet. */
static int64_t lxio_check_out_fd(uint64_t fd)
{
    return (uint32_t)fd == 1 || (uint32_t)fd == 2 ? 0 : -LX_EBADF; /* Linux takes an unsigned int */
}

int64_t lxsys_read(struct lxproc *p, const struct trap_info *t)
{
    (void)p;
    if ((uint32_t)t->args[0] != 0)
        return -LX_EBADF;
    return 0; /* stdin reads as the end of input (/dev/null) */
}

int64_t lxsys_write(struct lxproc *p, const struct trap_info *t)
{
    int64_t r = lxio_check_out_fd(t->args[0]);
    if (r < 0)
        return r;
    uint64_t len = t->args[2] < LXIO_WRITE_MAX ? t->args[2] : LXIO_WRITE_MAX;
    return lxio_copy_out(p, (int)(uint32_t)t->args[0], t->args[1], len);
}

int64_t lxsys_writev(struct lxproc *p, const struct trap_info *t)
{
    struct {
        uint64_t base, len;
    } iov[16];
    int64_t r = lxio_check_out_fd(t->args[0]);
    uint64_t cnt = t->args[2], done = 0;
    if (r < 0)
        return r;
    if (cnt > LXIO_IOV_MAX)
        return -LX_EINVAL;
    for (uint64_t i = 0; i < cnt; i += 16) {
        uint64_t k = cnt - i < 16 ? cnt - i : 16;
        if (lxmem_read(p, t->args[1] + i * sizeof(iov[0]), iov, k * sizeof(iov[0])) < 0)
            return done ? (int64_t)done : -LX_EFAULT;
        for (uint64_t j = 0; j < k; j++) {
            if ((int64_t)iov[j].len < 0)
                return done ? (int64_t)done : -LX_EINVAL;
            uint64_t want = iov[j].len < LXIO_WRITE_MAX - done ? iov[j].len : LXIO_WRITE_MAX - done;
            int64_t n = lxio_copy_out(p, (int)(uint32_t)t->args[0], iov[j].base, want);
            if (n < 0)
                return done ? (int64_t)done : n;
            done += (uint64_t)n;
            if ((uint64_t)n < iov[j].len)
                return (int64_t)done; /* short: a bad page, or the cap */
        }
    }
    return (int64_t)done;
}

int64_t lxsys_ioctl(struct lxproc *p, const struct trap_info *t)
{
    (void)p;
    if ((uint32_t)t->args[0] > 2)
        return -LX_EBADF;
    /* The streams are no terminal: TCGETS and TIOCGWINSZ fail as on a pipe, so musl's stdio buffers
     * stdout fully (as it does on the host when the output is a pipe or file), and isatty() is 0. */
    return -LX_ENOTTY;
}
