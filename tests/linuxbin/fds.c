/* fds: the standard descriptors as a program started with stdin from /dev/null and stdout and
 * stderr to pipes sees them: fstat, lseek, fcntl, isatty, close, and writes after a close. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sched.h>
#include <unistd.h>

/* Prints what a call returned and its errno. */
static void show(const char *what, long r)
{
    printf("%s: %ld errno %d\n", what, r, r < 0 ? errno : 0);
    errno = 0;
}

int main(void)
{
    struct stat st;
    for (int fd = 0; fd < 3; fd++) {
        int r = fstat(fd, &st);
        printf("fstat(%d): %d chr %d fifo %d\n", fd, r, S_ISCHR(st.st_mode), S_ISFIFO(st.st_mode));
    }
    show("fstat(5)", fstat(5, &st));
    show("fstat(1, bad pointer)", syscall(SYS_fstat, 1, 16));
    show("lseek(0)", lseek(0, 0, SEEK_CUR));
    show("lseek(1)", lseek(1, 0, SEEK_CUR));
    show("fcntl(0, F_GETFL) access", fcntl(0, F_GETFL) & O_ACCMODE);
    show("fcntl(1, F_GETFL) access", fcntl(1, F_GETFL) & O_ACCMODE);
    show("fcntl(1, F_GETFD)", fcntl(1, F_GETFD));
    show("fcntl(1, F_SETFD, FD_CLOEXEC)", fcntl(1, F_SETFD, FD_CLOEXEC));
    show("fcntl(1, F_GETFD) after", fcntl(1, F_GETFD));
    show("fcntl(1, 12345)", fcntl(1, 12345));
    show("isatty(1)", isatty(1));
    show("sched_yield", sched_yield());
    fputs("stderr before its close\n", stderr);
    show("close(2)", close(2));
    show("close(2) again", close(2));
    show("write(2) after the close", write(2, "x\n", 2));
    show("close(9)", close(9));
    return 0;
}
