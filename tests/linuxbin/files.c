/* files: regular files in a scratch directory: create, write, read, seek, pread/pwrite, O_APPEND,
 * O_TRUNC, ftruncate, fstat and stat, stdio, readv/writev, a file larger than one call moves, and
 * the errno of each failing call. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lxtest.h"

static char path[1200], big[200000], back[200000];

/* dir/name into path. */
static const char *in(const char *dir, const char *name)
{
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return path;
}

/* Reads the whole file at p and prints it as one line. */
static void cat(const char *p)
{
    char buf[256];
    int fd = open(p, O_RDONLY);
    long n = read(fd, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = 0;
    for (char *c = buf; *c; c++)
        if (*c == '\n')
            *c = '|';
        else if (*c == 0)
            *c = '0';
    printf("contents (%ld): %s\n", n, buf);
    close(fd);
}

int main(void)
{
    char dir[512], buf[64];
    struct stat st;
    umask(022);
    snprintf(dir, sizeof(dir), "%s", scratch("files"));
    show("mkdir", mkdir(dir, 0755));
    show("mkdir again", mkdir(dir, 0755));

    int fd = open(in(dir, "a.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644);
    show("open O_CREAT|O_EXCL", fd >= 0 ? 0 : -1);
    show("write", write(fd, "hello, file\nsecond line\n", 24));
    show("fstat", fstat(fd, &st));
    printf("regular %d size %ld mode %o\n", S_ISREG(st.st_mode), (long)st.st_size, st.st_mode & 07770);
    show("read on a write-only fd", read(fd, buf, 4));
    show("close", close(fd));
    show("open O_EXCL again", open(in(dir, "a.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644));
    cat(in(dir, "a.txt"));

    fd = open(in(dir, "a.txt"), O_RDWR);
    show("lseek SEEK_END", lseek(fd, 0, SEEK_END));
    show("lseek SEEK_SET 7", lseek(fd, 7, SEEK_SET));
    show("read 4", read(fd, buf, 4));
    printf("read: %.4s\n", buf);
    show("lseek SEEK_CUR 0", lseek(fd, 0, SEEK_CUR));
    show("lseek SEEK_CUR -100", lseek(fd, -100, SEEK_CUR));
    show("lseek SEEK_SET -1", lseek(fd, -1, SEEK_SET));
    show("lseek whence 9", lseek(fd, 0, 9));
    show("pread 5 at 0", pread(fd, buf, 5, 0));
    printf("pread: %.5s\n", buf);
    show("offset after pread", lseek(fd, 0, SEEK_CUR));
    show("pwrite HELLO at 0", pwrite(fd, "HELLO", 5, 0));
    show("pread at -1", pread(fd, buf, 5, -1));
    show("pread past the end", pread(fd, buf, 5, 1000));
    show("lseek past the end", lseek(fd, 30, SEEK_SET));
    show("write past the end", write(fd, "Z", 1));
    show("read at the end", read(fd, buf, 10));
    show("read into a bad buffer", syscall(SYS_read, fd, 8, 10));
    show("lseek 0", lseek(fd, 0, SEEK_SET));
    show("read into a bad buffer", syscall(SYS_read, fd, 8, 10));
    show("close", close(fd));
    cat(in(dir, "a.txt"));

    fd = open(in(dir, "a.txt"), O_WRONLY | O_APPEND);
    show("lseek 0 before an O_APPEND write", lseek(fd, 0, SEEK_SET));
    show("write O_APPEND", write(fd, "tail\n", 5));
    show("offset after", lseek(fd, 0, SEEK_CUR));
    show("ftruncate 8", ftruncate(fd, 8));
    show("ftruncate -1", ftruncate(fd, -1));
    show("read on O_WRONLY", read(fd, buf, 1));
    close(fd);
    cat(in(dir, "a.txt"));
    fd = open(in(dir, "a.txt"), O_RDONLY);
    show("ftruncate on O_RDONLY", ftruncate(fd, 0));
    show("write on O_RDONLY", write(fd, "x", 1));
    close(fd);
    fd = open(in(dir, "a.txt"), O_RDWR | O_TRUNC);
    show("fstat after O_TRUNC", fstat(fd, &st));
    printf("size %ld\n", (long)st.st_size);
    close(fd);
    show("stat", stat(in(dir, "a.txt"), &st));
    printf("regular %d size %ld\n", S_ISREG(st.st_mode), (long)st.st_size);
    show("stat the directory", stat(dir, &st));
    printf("directory %d mode %o\n", S_ISDIR(st.st_mode), st.st_mode & 07770);
    show("lstat", lstat(in(dir, "a.txt"), &st));

    /* stdio: fopen, fprintf, fgets (musl reads with readv) */
    FILE *f = fopen(in(dir, "stdio.txt"), "w");
    for (int i = 0; i < 5; i++)
        fprintf(f, "line %d of %d\n", i + 1, 5);
    show("fclose", fclose(f));
    f = fopen(in(dir, "stdio.txt"), "r");
    while (fgets(buf, sizeof(buf), f))
        printf("fgets: %s", buf);
    show("fseek 5", fseek(f, 5, SEEK_SET));
    printf("fgetc: %c ftell %ld\n", fgetc(f), ftell(f));
    fclose(f);
    show("fopen of a missing file", fopen(in(dir, "missing"), "r") ? 0 : -1);

    /* readv and writev */
    fd = open(in(dir, "vec"), O_RDWR | O_CREAT | O_TRUNC, 0600);
    struct iovec w[3] = {{"one ", 4}, {"", 0}, {"two three", 9}};
    show("writev", writev(fd, w, 3));
    char a[5] = {0}, b[20] = {0};
    struct iovec r[2] = {{a, 4}, {b, sizeof(b) - 1}};
    lseek(fd, 0, SEEK_SET);
    show("readv", readv(fd, r, 2));
    printf("readv: [%s] [%s]\n", a, b);
    struct iovec bad[1] = {{a, (size_t)-1}};
    show("readv with a length past SSIZE_MAX", readv(fd, bad, 1));
    show("readv with 1025 vectors", readv(fd, r, 1025));
    show("readv of a bad array", syscall(SYS_readv, fd, 8, 2));
    close(fd);

    /* a file larger than one call moves: write and read in loops */
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 7 + i / 251);
    fd = open(in(dir, "big"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    size_t done = 0;
    while (done < sizeof(big)) {
        long n = write(fd, big + done, sizeof(big) - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    printf("wrote %zu\n", done);
    show("lseek SEEK_END of big", lseek(fd, 0, SEEK_END));
    lseek(fd, 0, SEEK_SET);
    done = 0;
    for (;;) {
        long n = read(fd, back + done, sizeof(back) - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    printf("read back %zu, same %d\n", done, memcmp(big, back, sizeof(big)) == 0);
    close(fd);

    /* path errors */
    show("open a missing file", open(in(dir, "nothing"), O_RDONLY));
    show("open under a missing directory", open(in(dir, "no/where"), O_RDONLY | O_CREAT, 0644));
    show("open through a file", open(in(dir, "a.txt/x"), O_RDONLY));
    show("open a file with a trailing slash", open(in(dir, "a.txt/"), O_RDONLY));
    show("create with a trailing slash", open(in(dir, "new/"), O_RDWR | O_CREAT, 0644));
    show("open the directory O_WRONLY", open(dir, O_WRONLY));
    show("open the directory O_RDWR", open(dir, O_RDWR));
    show("open a file O_DIRECTORY", open(in(dir, "a.txt"), O_RDONLY | O_DIRECTORY));
    show("open \"\"", open("", O_RDONLY));
    show("open NULL", syscall(SYS_open, 0, O_RDONLY));
    char longname[300];
    memset(longname, 'n', 256);
    longname[256] = 0;
    show("open a 256-byte name", open(in(dir, longname), O_RDONLY | O_CREAT, 0644));
    longname[255] = 0;
    fd = open(in(dir, longname), O_RDONLY | O_CREAT, 0644);
    show("open a 255-byte name", fd >= 0 ? 0 : -1);
    close(fd);
    static char longpath[5000];
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[0] = '/';
    show("open a 4999-byte path", open(longpath, O_RDONLY));
    fd = open(dir, O_RDONLY);
    show("read a directory", read(fd, buf, 10));
    show("write a directory", write(fd, buf, 10));
    close(fd);
    show("access F_OK", access(in(dir, "a.txt"), F_OK));
    show("access R_OK", access(in(dir, "a.txt"), R_OK));
    show("access X_OK of a 0644 file", access(in(dir, "a.txt"), X_OK));
    show("access F_OK of a missing file", access(in(dir, "nothing"), F_OK));
    show("access mode 8", access(in(dir, "a.txt"), 8));
    show("read of fd 77", read(77, buf, 1));
    show("fstat of fd 77", fstat(77, &st));
    show("close of fd 77", close(77));
    return 0;
}
