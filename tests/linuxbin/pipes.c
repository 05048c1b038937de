/* pipes: pipe and pipe2 inside one process: bytes through, fstat, the access modes, ESPIPE,
 * O_NONBLOCK's EAGAIN and a full 64 KiB buffer, the end of input once the writers are closed,
 * EPIPE with SIGPIPE ignored, the errors of pipe2; last, SIGPIPE's default action ends it. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lxtest.h"

static char chunk[4096], big[100000];

int main(void)
{
    int p[2];
    char buf[128];
    struct stat st;
    show("pipe", pipe(p));
    printf("fds %d %d\n", p[0], p[1]);
    show("write", write(p[1], "ping", 4));
    show("read", read(p[0], buf, sizeof(buf)));
    printf("read: %.4s\n", buf);
    show("fstat", fstat(p[0], &st));
    printf("fifo %d\n", S_ISFIFO(st.st_mode));
    show("fstat of the other end", fstat(p[1], &st));
    printf("fifo %d\n", S_ISFIFO(st.st_mode));
    show("F_GETFL read end", fcntl(p[0], F_GETFL) & (O_ACCMODE | O_NONBLOCK | O_APPEND));
    show("F_GETFL write end", fcntl(p[1], F_GETFL) & (O_ACCMODE | O_NONBLOCK | O_APPEND));
    show("F_GETFD", fcntl(p[0], F_GETFD));
    show("lseek", lseek(p[0], 0, SEEK_CUR));
    show("pread", pread(p[0], buf, 1, 0));
    show("pwrite", pwrite(p[1], buf, 1, 0));
    show("write the read end", write(p[0], "x", 1));
    show("read the write end", read(p[1], buf, 1));
    show("read into a bad buffer, nothing there", 0);
    write(p[1], "abc", 3);
    show("read into a bad buffer", syscall(SYS_read, p[0], 8, 3));
    show("the bytes stay", read(p[0], buf, sizeof(buf)));
    show("write from a bad buffer", syscall(SYS_write, p[1], 8, 3));
    show("write 0 bytes", write(p[1], buf, 0));
    show("read 0 bytes", read(p[0], buf, 0));

    /* a writer's dup keeps the pipe open */
    int w2 = dup(p[1]);
    show("close the writer", close(p[1]));
    show("write through its dup", write(w2, "dup!", 4));
    show("close the dup", close(w2));
    show("read what is left", read(p[0], buf, sizeof(buf)));
    show("read at the end of input", read(p[0], buf, sizeof(buf)));
    close(p[0]);

    /* O_NONBLOCK */
    show("pipe2 O_NONBLOCK|O_CLOEXEC", pipe2(p, O_NONBLOCK | O_CLOEXEC));
    show("F_GETFL", fcntl(p[0], F_GETFL) & (O_ACCMODE | O_NONBLOCK | O_APPEND));
    show("F_GETFD", fcntl(p[1], F_GETFD));
    show("read an empty pipe", read(p[0], buf, sizeof(buf)));
    long total = 0, n;
    while ((n = write(p[1], chunk, sizeof(chunk))) > 0)
        total += n;
    show("fill until", n);
    printf("buffered %ld\n", total);
    total = 0;
    while ((n = read(p[0], big, sizeof(big))) > 0)
        total += n;
    show("drain until", n);
    printf("drained %ld\n", total);
    show("one large write", write(p[1], big, sizeof(big)));
    show("F_SETFL blocking", fcntl(p[0], F_SETFL, 0));
    show("F_GETFL", fcntl(p[0], F_GETFL) & (O_ACCMODE | O_NONBLOCK | O_APPEND));
    show("read it back", read(p[0], big, sizeof(big)));
    close(p[0]);

    /* no reader */
    signal(SIGPIPE, SIG_IGN);
    show("write with no reader (SIGPIPE ignored)", write(p[1], "x", 1));
    close(p[1]);

    show("pipe2 bad flags", pipe2(p, 0x1));
    show("pipe2 O_APPEND", pipe2(p, O_APPEND));
    show("pipe of a bad pointer", syscall(SYS_pipe, 8));
    show("pipe2 of a bad pointer", syscall(SYS_pipe2, 8, 0));

    pipe(p);
    close(p[0]);
    signal(SIGPIPE, SIG_DFL);
    printf("now SIGPIPE's default action\n");
    fflush(stdout);
    write(p[1], "x", 1);
    printf("not reached\n");
    return 0;
}
