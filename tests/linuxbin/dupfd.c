/* dupfd: dup, dup2, dup3 and fcntl's F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD/F_SETFD, F_GETFL/F_SETFL:
 * the lowest free number, a shared offset and shared status flags, the 256-descriptor limit
 * (EMFILE), and every refusal. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lxtest.h"

int main(void)
{
    char dir[512], path[600], buf[16];
    snprintf(dir, sizeof(dir), "%s", scratch("dupfd"));
    show("mkdir", mkdir(dir, 0755));
    snprintf(path, sizeof(path), "%s/data", dir);

    fflush(stdout);
    show("dup(1)", dup(1));
    show("write via fd 3", write(3, "through fd 3\n", 13));
    show("dup2(1, 10)", dup2(1, 10));
    show("dup2(10, 10)", dup2(10, 10));
    show("dup2(99, 5)", dup2(99, 5));
    show("dup2(1, 256)", dup2(1, 256));
    show("dup2(1, -1)", dup2(1, -1));
    show("dup2(77, 77)", dup2(77, 77));
    show("dup3(1, 1, 0)", dup3(1, 1, 0));
    show("dup3(1, 11, O_CLOEXEC)", dup3(1, 11, O_CLOEXEC));
    show("F_GETFD of 11", fcntl(11, F_GETFD));
    show("F_GETFD of 10", fcntl(10, F_GETFD));
    show("dup3(1, 12, O_APPEND)", dup3(1, 12, O_APPEND));
    show("F_DUPFD 20", fcntl(1, F_DUPFD, 20));
    show("F_DUPFD 20 again", fcntl(1, F_DUPFD, 20));
    show("F_DUPFD_CLOEXEC 20", fcntl(1, F_DUPFD_CLOEXEC, 20));
    show("F_GETFD of 22", fcntl(22, F_GETFD));
    show("F_SETFD 0", fcntl(22, F_SETFD, 0));
    show("F_GETFD of 22 after", fcntl(22, F_GETFD));
    show("F_DUPFD -1", fcntl(1, F_DUPFD, -1));
    show("F_DUPFD 256", fcntl(1, F_DUPFD, 256));
    show("F_DUPFD 255", fcntl(1, F_DUPFD, 255));
    show("fcntl of a bad fd", fcntl(99, F_GETFD));
    show("dup of a bad fd", dup(99));
    for (int fd = 3; fd < 256; fd++)
        close(fd);

    /* the lowest free number, a shared offset */
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    show("open gives", fd);
    write(fd, "0123456789", 10);
    int d = dup(fd);
    show("dup gives", d);
    show("lseek 2 on the first", lseek(fd, 2, SEEK_SET));
    show("read 3 on the dup", read(d, buf, 3));
    printf("read: %.3s\n", buf);
    show("offset of the first", lseek(fd, 0, SEEK_CUR));
    show("F_GETFL", fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
    show("F_SETFL O_APPEND|O_NONBLOCK|O_RDONLY", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK | O_RDONLY));
    show("F_GETFL of the dup", fcntl(d, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
    show("write appends", write(d, "X", 1));
    show("offset", lseek(fd, 0, SEEK_CUR));
    show("F_SETFL 0", fcntl(d, F_SETFL, 0));
    show("F_GETFL", fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
    show("close the first", close(fd));
    show("the dup still reads", pread(d, buf, 4, 8));
    printf("read: %.4s\n", buf);
    show("open takes the lowest free number", open(path, O_RDONLY));
    close(d);
    close(fd);

    /* 256 descriptors at most */
    int last = -1, n = 0;
    while ((fd = dup(0)) >= 0) {
        last = fd;
        n++;
    }
    show("dup until", fd);
    printf("dups %d, last %d\n", n, last);
    show("open with the table full", open(path, O_RDONLY));
    show("pipe with the table full", pipe((int[2]){0, 0}));
    close(100);
    int p[2];
    show("pipe with one free", pipe(p));
    show("open with one free", open(path, O_RDONLY));
    show("its number", dup(0));
    for (fd = 3; fd < 256; fd++)
        close(fd);
    show("after closing them, dup gives", dup(0));
    show("close(-1)", close(-1));
    return 0;
}
