/* lxsys_io.c: read, write, writev and ioctl on the console streams (fd 0: empty, fd 1 and 2: the log). */
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxload.h"
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
 * if none could be read. As Linux's pipe_write, the bytes go in 4 KiB pieces counted from the
 * write's start, and a piece that cannot be read whole is not taken. */
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

/* fd (Linux takes an unsigned int) as 0, 1 or 2 while it is open, else -EBADF: nothing else is open
 * yet. */
static int64_t lxio_fd(struct lxproc *p, uint64_t fd)
{
    uint32_t n = (uint32_t)fd;
    return n <= 2 && !(p->fds_closed & (1u << n)) ? (int64_t)n : -LX_EBADF;
}

/* fd 1 and 2 are the console; fd 0 is an empty input. */
static int64_t lxio_check_out_fd(struct lxproc *p, uint64_t fd)
{
    int64_t n = lxio_fd(p, fd);
    return n == 1 || n == 2 ? 0 : -LX_EBADF;
}

int64_t lxsys_read(struct lxproc *p, const struct trap_info *t)
{
    if (lxio_fd(p, t->args[0]) != 0)
        return -LX_EBADF;
    return 0; /* stdin reads as the end of input (/dev/null) */
}

int64_t lxsys_write(struct lxproc *p, const struct trap_info *t)
{
    int64_t r = lxio_check_out_fd(p, t->args[0]);
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
    int64_t r = lxio_check_out_fd(p, t->args[0]);
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
    if (lxio_fd(p, t->args[0]) < 0)
        return -LX_EBADF;
    /* The streams are no terminal: TCGETS and TIOCGWINSZ fail as on a pipe, so musl's stdio buffers
     * stdout fully (as it does on the host when the output is a pipe or file), and isatty() is 0. */
    return -LX_ENOTTY;
}

int64_t lxsys_close(struct lxproc *p, const struct trap_info *t)
{
    int64_t fd = lxio_fd(p, t->args[0]);
    if (fd < 0)
        return fd;
    if (fd > 0 && p->out[fd - 1].len > 0)
        lxio_emit(p, (int)fd); /* what the stream held goes out: nothing can be written after */
    p->fds_closed |= (uint8_t)(1u << fd);
    return 0;
}

/* fstat: fd 0 is a character device (as /dev/null), fds 1 and 2 are pipes (to the log). */
int64_t lxsys_fstat(struct lxproc *p, const struct trap_info *t)
{
    struct {
        uint64_t dev, ino, nlink;
        uint32_t mode, uid, gid, pad;
        uint64_t rdev;
        int64_t size, blksize, blocks;
        int64_t times[6]; /* atime, mtime, ctime: seconds and nanoseconds */
        int64_t reserved[3];
    } st; /* struct stat on x86-64: 144 bytes */
    _Static_assert(sizeof(st) == 144, "struct stat layout");
    int64_t fd = lxio_fd(p, t->args[0]);
    if (fd < 0)
        return fd;
    memset(&st, 0, sizeof(st));
    st.ino = (uint64_t)fd + 1;
    st.nlink = 1;
    st.mode = fd == 0 ? LX_S_IFCHR | 0666 : LX_S_IFIFO | 0600;
    st.uid = st.gid = LXLOAD_UID;
    st.rdev = fd == 0 ? (1u << 8) | 3 : 0; /* /dev/null's device number, 1:3 */
    st.blksize = 4096;
    return lxmem_write(p, t->args[1], &st, sizeof(st));
}

int64_t lxsys_lseek(struct lxproc *p, const struct trap_info *t)
{
    int64_t fd = lxio_fd(p, t->args[0]);
    if (fd < 0)
        return fd;
    if (fd > 0)
        return -LX_ESPIPE;                   /* a pipe */
    return t->args[2] <= 2 ? 0 : -LX_EINVAL; /* /dev/null: every seek lands at 0 */
}

/* fcntl: the descriptor flags (FD_CLOEXEC, kept for exec to come) and the access mode. */
int64_t lxsys_fcntl(struct lxproc *p, const struct trap_info *t)
{
    int64_t fd = lxio_fd(p, t->args[0]);
    if (fd < 0)
        return fd;
    switch (t->args[1]) {
    case LX_F_GETFD: return (p->fds_cloexec >> fd) & 1;
    case LX_F_SETFD:
        p->fds_cloexec = (uint8_t)((p->fds_cloexec & ~(1u << fd)) | ((t->args[2] & 1) << fd));
        return 0;
    case LX_F_GETFL: return fd == 0 ? LX_O_RDONLY : LX_O_WRONLY;
    default: return -LX_EINVAL;
    }
}
