/* select: select and pselect on pipes and a file: readiness, the sets written back (emptied by a
 * timeout), and the refusals (a closed descriptor, a negative count, bad times, a bad set). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lxtest.h"

/* Prints which of fds 0..7 a set holds (a set of FD_SETSIZE bits). */
static void bits(const char *name, fd_set *s)
{
    printf("  %s:", name);
    for (int fd = 0; fd < 8; fd++)
        if (FD_ISSET(fd, s))
            printf(" %d", fd);
    printf("\n");
}

int main(void)
{
    int p[2];
    if (pipe(p) != 0)
        return 1;
    int file = open(scratch("select.txt"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (file < 0)
        return 2;
    printf("fds: pipe %d %d, file %d\n", p[0], p[1], file);
    fd_set r, w, e;
    struct timeval zero = {0, 0}, short_wait = {0, 20000}, carry = {0, 1500000}, negative = {-1, 0};
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    FD_SET(file, &r);
    FD_SET(file, &w);
    FD_SET(p[0], &e);
    show("select: the write end and the file", select(8, &r, &w, &e, &zero));
    bits("read", &r);
    bits("write", &w);
    bits("except", &e);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    show("select an empty pipe, no wait", select(8, &r, NULL, NULL, &zero));
    bits("read", &r);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    show("select an empty pipe, 20 ms", select(8, &r, NULL, NULL, &short_wait));
    bits("read", &r);
    show("write", write(p[1], "x", 1));
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    show("select with 1.5 s in microseconds (carried over)", select(8, &r, NULL, NULL, &carry));
    bits("read", &r);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    show("select without timeout, readable", select(p[0] + 1, &r, NULL, NULL, NULL));
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    show("select with nfds leaving it out", select(p[0], &r, NULL, NULL, &zero));
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    struct timespec ts0 = {0, 0}, bad_ns = {0, 1000000000};
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    show("pselect with a mask", pselect(8, &r, NULL, NULL, &ts0, &mask));
    bits("read", &r);
    show("pselect nanoseconds out of range", pselect(8, &r, NULL, NULL, &bad_ns, NULL));
    show("select a negative time", select(8, &r, NULL, NULL, &negative));
    show("select a negative count", select(-1, &r, NULL, NULL, &zero));
    FD_ZERO(&r);
    FD_SET(7, &r);
    show("select a closed descriptor", select(8, &r, NULL, NULL, &zero));
    show("select a bad set", select(8, (fd_set *)16, NULL, NULL, &zero));
    show("select a bad time", syscall(SYS_select, 8, NULL, NULL, NULL, (void *)16)); /* musl reads it first */
    long sig[2] = {(long)&mask, 4};
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    show("pselect6 with a short mask size", syscall(SYS_pselect6, 8, &r, NULL, NULL, &ts0, sig));
    show("select nothing, no wait", select(0, NULL, NULL, NULL, &zero));
    return 0;
}
