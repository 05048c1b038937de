/* statx: statx against stat for a file, a directory, a pipe and /dev/null (by path and by
 * descriptor with AT_EMPTY_PATH), and its refusals (files under $LXTEST_DIR). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lxtest.h"

/* Linux's struct statx and its constants (Debian's musl headers have none). */
struct lx_statx_time {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t pad;
};
struct lx_statx {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, pad;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct lx_statx_time stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t spare[14];
};
#define STATX_BASIC_STATS 0x7ffu
#define AT_STATX_DONT_SYNC 0x4000

/* The statx system call itself (musl's wrapper may fall back to fstatat). */
static long sx(int dirfd, const char *path, int flags, unsigned mask, void *buf)
{
    return syscall(SYS_statx, dirfd, path, flags, mask, buf);
}

/* Prints whether statx and fstatat agree on path (relative to dirfd, with flags). */
static void agree(const char *what, int dirfd, const char *path, int flags)
{
    struct lx_statx x;
    struct stat st;
    long r = sx(dirfd, path, flags, STATX_BASIC_STATS, &x);
    int s = fstatat(dirfd, path, &st, flags);
    if (r != 0 || s != 0) {
        printf("%s: statx %ld, fstatat %d, errno %d\n", what, r, s, errno);
        return;
    }
    int same = x.stx_ino == st.st_ino && x.stx_size == (unsigned long long)st.st_size &&
               x.stx_mode == (st.st_mode & 0xffff) && x.stx_nlink == st.st_nlink &&
               x.stx_mtime.tv_sec == st.st_mtim.tv_sec &&
               x.stx_mtime.tv_nsec == (unsigned)st.st_mtim.tv_nsec &&
               x.stx_blocks == (unsigned long long)st.st_blocks && x.stx_uid == st.st_uid &&
               makedev(x.stx_dev_major, x.stx_dev_minor) == st.st_dev &&
               makedev(x.stx_rdev_major, x.stx_rdev_minor) == st.st_rdev;
    printf("%s: basic stats %d, agrees with fstatat %d, type %o, size %lld\n", what,
           (x.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS, same, x.stx_mode & S_IFMT,
           S_ISREG(x.stx_mode) ? (long long)x.stx_size : -1); /* a directory's size is its file system's */
}

int main(void)
{
    const char *dir = getenv("LXTEST_DIR");
    char path[64];
    int pipefd[2];
    struct lx_statx x;
    if (!dir || chdir(dir) != 0 || pipe(pipefd) != 0)
        return 1;
    snprintf(path, sizeof(path), "statx-%d.txt", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "twelve bytes", 12) != 12)
        return 2;
    agree("a file by path", AT_FDCWD, path, 0);
    agree("a file by descriptor", fd, "", AT_EMPTY_PATH);
    agree("the directory", AT_FDCWD, ".", 0);
    agree("a pipe", pipefd[0], "", AT_EMPTY_PATH);
    agree("/dev/null", AT_FDCWD, "/dev/null", 0);
    agree("with AT_STATX_DONT_SYNC", AT_FDCWD, path, AT_STATX_DONT_SYNC);
    show("statx of a missing file", sx(AT_FDCWD, "no-such-file", 0, STATX_BASIC_STATS, &x));
    show("statx with the reserved mask bit", sx(AT_FDCWD, path, 0, 0x80000000u, &x));
    show("statx with an unknown flag", sx(AT_FDCWD, path, 0x10000000, STATX_BASIC_STATS, &x));
    show("statx into a bad address", sx(AT_FDCWD, path, 0, STATX_BASIC_STATS, (void *)8));
    show("statx of an empty path without AT_EMPTY_PATH", sx(AT_FDCWD, "", 0, STATX_BASIC_STATS, &x));
    show("statx of a closed descriptor", sx(999, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &x));
    close(fd);
    unlink(path);
    return 0;
}
