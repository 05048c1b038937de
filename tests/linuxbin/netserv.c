/* netserv: a small HTTP-like server over Linux sockets, as an event-driven server is written:
 * non-blocking sockets, accept4, and epoll (argv[3] "epoll", edge-triggered connections) or poll.
 * GET /small answers with writev, /file with sendfile from a file it made under $LXTEST_DIR,
 * /big with 300,000 bytes of write()s taken in part; /peer tells the peer's and its own address;
 * /endless writes until the client resets the connection (ECONNRESET, then EPIPE).
 * Every answer ends with close; after argv[2] connections it prints its count and exits 0.
 * Usage: netserv PORT CONNECTIONS epoll|poll. (tests/e2e/case_linuxnet.py drives it.) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define CONNS_MAX 64
#define FILE_SIZE 100000
#define BIG_SIZE 300000

struct conn {
    int fd;
    char req[2048];
    size_t got;
    char head[512];
    size_t head_len, head_sent;
    int kind; /* 0 reading, 1 writev done, 2 sendfile, 3 big, 4 endless */
    off_t off;
    size_t body_sent;
};

static struct conn conns[CONNS_MAX];
static int file_fd, served, wanted, use_epoll, ep, lfd;
static char big[BIG_SIZE];

static void die(const char *what)
{
    printf("netserv: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* The byte at offset i of /file and /big: a pattern the host recomputes. */
static char pattern(size_t i)
{
    return (char)('a' + (i * 7 + i / 251) % 26);
}

static void make_file(void)
{
    static char buf[FILE_SIZE];
    char path[512];
    snprintf(path, sizeof(path), "%s/netserv.dat", getenv("LXTEST_DIR") ? getenv("LXTEST_DIR") : "/tmp");
    for (size_t i = 0; i < FILE_SIZE; i++)
        buf[i] = pattern(i);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0)
        die("make the file");
    for (size_t done = 0; done < FILE_SIZE;) { /* a write may take part of it */
        ssize_t n = write(fd, buf + done, FILE_SIZE - done);
        if (n <= 0)
            die("write the file");
        done += (size_t)n;
    }
    file_fd = fd;
}

static void watch(struct conn *c, unsigned events, int op)
{
    if (!use_epoll)
        return;
    struct epoll_event ev = {.events = events | EPOLLET | EPOLLRDHUP, .data = {.ptr = c}};
    if (epoll_ctl(ep, op, c->fd, &ev) < 0)
        die("epoll_ctl");
}

static void finish(struct conn *c)
{
    if (use_epoll && epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL) < 0)
        die("epoll_ctl del");
    shutdown(c->fd, SHUT_WR);
    close(c->fd);
    c->fd = -1;
    served++;
}

/* Sends what is left of the answer; 1 when all of it went. */
static int push(struct conn *c)
{
    while (c->head_sent < c->head_len) {
        ssize_t n = send(c->fd, c->head + c->head_sent, c->head_len - c->head_sent, MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN ? 0 : -1;
        c->head_sent += (size_t)n;
    }
    if (c->kind == 2) {
        while (c->off < FILE_SIZE) {
            ssize_t n = sendfile(c->fd, file_fd, &c->off, FILE_SIZE - (size_t)c->off);
            if (n < 0)
                return errno == EAGAIN ? 0 : -1;
            if (n == 0)
                return -1;
        }
    } else if (c->kind == 3) {
        while (c->body_sent < BIG_SIZE) {
            ssize_t n = write(c->fd, big + c->body_sent, BIG_SIZE - c->body_sent);
            if (n < 0)
                return errno == EAGAIN ? 0 : -1;
            c->body_sent += (size_t)n;
        }
    } else if (c->kind == 4) { /* until the client resets the connection */
        for (;;) {
            ssize_t n = write(c->fd, big + c->body_sent % BIG_SIZE, BIG_SIZE - c->body_sent % BIG_SIZE);
            if (n < 0 && errno == EAGAIN)
                return 0;
            if (n < 0) {
                printf("netserv: the peer went away: %s\n",
                       errno == ECONNRESET || errno == EPIPE ? "ECONNRESET or EPIPE" : strerror(errno));
                return -1;
            }
            c->body_sent += (size_t)n;
        }
    }
    return 1;
}

static void answer(struct conn *c)
{
    char path[64] = "";
    sscanf(c->req, "GET %63s", path);
    if (strcmp(path, "/small") == 0) {
        static const char body[] = "hello from a Linux program on Warp\n";
        char head[128];
        int hl =
            snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Length: %zu\r\n\r\n", sizeof(body) - 1);
        struct iovec iov[2] = {{head, (size_t)hl}, {(void *)body, sizeof(body) - 1}};
        ssize_t n = writev(c->fd, iov, 2);
        if (n != (ssize_t)(hl + sizeof(body) - 1))
            die("writev");
        c->kind = 1;
        c->head_len = c->head_sent = 0;
    } else if (strcmp(path, "/peer") == 0) {
        struct sockaddr_in me, peer;
        socklen_t ml = sizeof(me), pl = sizeof(peer);
        if (getsockname(c->fd, (struct sockaddr *)&me, &ml) < 0 ||
            getpeername(c->fd, (struct sockaddr *)&peer, &pl) < 0)
            die("names");
        char body[128], a[32], b[32];
        inet_ntop(AF_INET, &peer.sin_addr, a, sizeof(a));
        inet_ntop(AF_INET, &me.sin_addr, b, sizeof(b));
        int bl = snprintf(body, sizeof(body), "peer %s me %s:%u\n", a, b, ntohs(me.sin_port));
        c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
                                       "HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s", bl, body);
        c->kind = 1;
    } else if (strcmp(path, "/file") == 0) {
        c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
                                       "HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n", FILE_SIZE);
        c->kind = 2;
        c->off = 0;
    } else if (strcmp(path, "/big") == 0) {
        c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
                                       "HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n", BIG_SIZE);
        c->kind = 3;
    } else if (strcmp(path, "/endless") == 0) {
        c->head_len = (size_t)snprintf(c->head, sizeof(c->head), "HTTP/1.0 200 OK\r\n\r\n");
        c->kind = 4;
    } else {
        c->head_len =
            (size_t)snprintf(c->head, sizeof(c->head), "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        c->kind = 1;
    }
    c->head_sent = 0;
}

/* The connection can go on: read the request, then send the answer. */
static void serve(struct conn *c)
{
    if (c->kind == 0) {
        for (;;) {
            ssize_t n = read(c->fd, c->req + c->got, sizeof(c->req) - 1 - c->got);
            if (n < 0 && errno == EAGAIN)
                return;
            if (n <= 0) {
                finish(c);
                return;
            }
            c->got += (size_t)n;
            c->req[c->got] = 0;
            if (strstr(c->req, "\r\n\r\n"))
                break;
            if (c->got == sizeof(c->req) - 1) {
                finish(c);
                return;
            }
        }
        char peek[4];
        if (recv(c->fd, peek, sizeof(peek), MSG_PEEK | MSG_DONTWAIT) != -1 || errno != EAGAIN)
            die("nothing more should have come");
        answer(c);
        watch(c, EPOLLOUT, EPOLL_CTL_MOD);
    }
    int r = push(c);
    if (r != 0)
        finish(c);
}

static void accept_all(void)
{
    for (;;) {
        struct sockaddr_in peer;
        socklen_t len = sizeof(peer);
        int fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN)
                return;
            die("accept4");
        }
        if (len != sizeof(peer) || peer.sin_family != AF_INET)
            die("accept4's address");
        struct conn *c = NULL;
        for (int i = 0; i < CONNS_MAX && !c; i++)
            if (conns[i].fd < 0)
                c = &conns[i];
        if (!c)
            die("too many connections");
        memset(c, 0, sizeof(*c));
        c->fd = fd;
        watch(c, EPOLLIN, EPOLL_CTL_ADD);
    }
}

static void loop_epoll(void)
{
    struct epoll_event ev = {.events = EPOLLIN, .data = {.ptr = NULL}}, out[16];
    if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
        die("epoll");
    while (served < wanted) {
        int n = epoll_wait(ep, out, 16, -1);
        if (n < 0)
            die("epoll_wait");
        for (int i = 0; i < n; i++) {
            if (!out[i].data.ptr)
                accept_all();
            else if (((struct conn *)out[i].data.ptr)->fd >= 0)
                serve(out[i].data.ptr);
        }
    }
}

static void loop_poll(void)
{
    struct pollfd fds[CONNS_MAX + 1];
    struct conn *who[CONNS_MAX + 1];
    while (served < wanted) {
        int n = 0;
        fds[n] = (struct pollfd){.fd = lfd, .events = POLLIN};
        who[n++] = NULL;
        for (int i = 0; i < CONNS_MAX; i++)
            if (conns[i].fd >= 0) {
                fds[n] = (struct pollfd){.fd = conns[i].fd, .events = conns[i].kind ? POLLOUT : POLLIN};
                who[n++] = &conns[i];
            }
        if (poll(fds, (nfds_t)n, 10000) < 0)
            die("poll");
        for (int i = 0; i < n; i++) {
            if (!fds[i].revents)
                continue;
            if (!who[i])
                accept_all();
            else if (who[i]->fd >= 0)
                serve(who[i]);
        }
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc != 4)
        return 2;
    int port = atoi(argv[1]), one = 1;
    wanted = atoi(argv[2]);
    use_epoll = strcmp(argv[3], "epoll") == 0;
    for (int i = 0; i < CONNS_MAX; i++)
        conns[i].fd = -1;
    for (size_t i = 0; i < BIG_SIZE; i++)
        big[i] = pattern(i);
    make_file();
    signal(SIGPIPE, SIG_IGN);
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
        die("socket");
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = {htonl(INADDR_ANY)}};
    if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 16) < 0)
        die("bind and listen");
    socklen_t len = sizeof(a);
    if (getsockname(lfd, (struct sockaddr *)&a, &len) < 0)
        die("getsockname");
    printf("netserv: listening on port %u with %s\n", ntohs(a.sin_port), argv[3]);
    if (use_epoll)
        loop_epoll();
    else
        loop_poll();
    printf("netserv: served %d connections\n", served);
    return 0;
}
