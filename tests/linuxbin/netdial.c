/* netdial: a Linux program connecting out through the linux server and tcpip: a blocking connect()
 * to an echo server whose answer must match, a non-blocking one (EINPROGRESS, poll for POLLOUT,
 * SO_ERROR 0) likewise, and both kinds to a closed port (ECONNREFUSED; POLLOUT|POLLERR|POLLHUP and
 * SO_ERROR ECONNREFUSED). Prints "netdial: ok ..." or "netdial: FAIL ..." per check and exits 0
 * only if all passed. Usage: netdial ADDR ECHO-PORT CLOSED-PORT [denied]; with "denied" (a program
 * whose manifest section lacks connect = yes) only checks that connect() fails with EACCES.
 * (tests/e2e/case_linuxnet.py.) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures;

/* Reports one check. */
static void check(int ok, const char *what, int err)
{
    printf("netdial: %s %s (%s)\n", ok ? "ok" : "FAIL", what, err ? strerror(err) : "no error");
    failures += !ok;
}

/* addr:port as a sockaddr. */
static struct sockaddr_in dest(const char *addr, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, addr, &a.sin_addr);
    return a;
}

/* Sends a line on fd and reads it back from the echo server; true if it came back whole. */
static int echo(int fd, const char *line)
{
    size_t n = strlen(line), got = 0;
    char buf[256];
    if (write(fd, line, n) != (ssize_t)n)
        return 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, sizeof(buf) - got);
        if (r <= 0)
            return 0;
        got += (size_t)r;
    }
    return got == n && memcmp(buf, line, n) == 0;
}

/* A blocking connect to addr:port: the errno, 0 if it connected (the socket in *fd). */
static int connect_blocking(const char *addr, int port, int *fd)
{
    struct sockaddr_in a = dest(addr, port);
    *fd = socket(AF_INET, SOCK_STREAM, 0);
    return connect(*fd, (struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : errno;
}

/* A non-blocking connect to addr:port, then poll: the revents (0 on a timeout) and SO_ERROR. */
static int connect_nonblocking(const char *addr, int port, int *fd, int *so_error, int *first_errno)
{
    struct sockaddr_in a = dest(addr, port);
    *fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    *first_errno = connect(*fd, (struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : errno;
    struct pollfd p = {.fd = *fd, .events = POLLOUT};
    int n = poll(&p, 1, 20000);
    socklen_t len = sizeof(*so_error);
    *so_error = -1;
    getsockopt(*fd, SOL_SOCKET, SO_ERROR, so_error, &len);
    return n == 1 ? p.revents : 0;
}

int main(int argc, char **argv)
{
    if (argc != 4 && !(argc == 5 && strcmp(argv[4], "denied") == 0)) {
        fprintf(stderr, "usage: netdial ADDR ECHO-PORT CLOSED-PORT [denied]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *addr = argv[1];
    int port = atoi(argv[2]), closed = atoi(argv[3]), fd, so_error, first;
    int err = connect_blocking(addr, port, &fd);
    if (argc == 5) {
        check(err == EACCES, "connect without connect = yes gives EACCES", err);
        return failures ? 1 : 0;
    }
    check(err == 0, "blocking connect to the echo server", err);
    check(err == 0 && echo(fd, "a line from a Linux program on Warp\n"), "its echo", 0);
    close(fd);

    int ev = connect_nonblocking(addr, port, &fd, &so_error, &first);
    check(first == EINPROGRESS, "non-blocking connect gives EINPROGRESS", first);
    check(ev == POLLOUT && so_error == 0, "then poll gives POLLOUT and SO_ERROR 0",
          so_error > 0 ? so_error : 0);
    fcntl(fd, F_SETFL, 0); /* blocking again, for the echo's reads */
    check(echo(fd, "and another, non-blocking\n"), "the non-blocking connection's echo", 0);
    close(fd);

    err = connect_blocking(addr, closed, &fd);
    check(err == ECONNREFUSED, "blocking connect to a closed port gives ECONNREFUSED", err);
    close(fd);
    ev = connect_nonblocking(addr, closed, &fd, &so_error, &first);
    check(first == EINPROGRESS && (ev & (POLLOUT | POLLERR)) == (POLLOUT | POLLERR) &&
              so_error == ECONNREFUSED,
          "non-blocking connect to a closed port: POLLOUT|POLLERR, SO_ERROR ECONNREFUSED",
          so_error > 0 ? so_error : first);
    close(fd);
    printf("netdial: %d failed\n", failures);
    return failures ? 1 : 0;
}
