/* neterr: the socket, epoll and poll calls that need no network, and every refusal of them, as
 * Linux gives it: socket's families, types and protocols, options, bind's address checks and
 * EADDRINUSE, calls on a socket that is not connected or not listening, descriptors that are no
 * sockets; epoll_ctl's and epoll_wait's errors, level, edge and one-shot reports on a pipe, a
 * closed descriptor leaving its epoll; poll's revents of pipes, files and closed numbers. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "lxtest.h"

static void sockets(void)
{
    int one = 1, v = 0;
    socklen_t len = sizeof(v);
    show("socket family 12345", socket(12345, SOCK_STREAM, 0));
    show("socket family -1", socket(-1, SOCK_STREAM, 0));
    show("socket tcp protocol 17", socket(AF_INET, SOCK_STREAM, 17));
    show("socket seqpacket", socket(AF_INET, SOCK_SEQPACKET, 0));
    show("socket type 11", socket(AF_INET, 11, 0));
    show("socket bad flag", socket(AF_INET, SOCK_STREAM | 0x100000, 0));
    show("socket protocol 1000", socket(AF_INET, SOCK_STREAM, 1000));
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    show("socket", s >= 0 ? 0 : -1);
    show("F_GETFD", fcntl(s, F_GETFD));
    show("F_GETFL", fcntl(s, F_GETFL) & (O_ACCMODE | O_NONBLOCK));
    struct stat st;
    show("fstat", fstat(s, &st));
    printf("socket %d\n", S_ISSOCK(st.st_mode));
    int n = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("F_GETFL nonblock", fcntl(n, F_GETFL) & (O_ACCMODE | O_NONBLOCK));

    show("setsockopt unknown", setsockopt(s, SOL_SOCKET, 12345, &one, sizeof(one)));
    show("setsockopt short", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, 2));
    show("setsockopt fault", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (void *)16, sizeof(one)));
    show("setsockopt level", setsockopt(s, 12345, 1, &one, sizeof(one)));
    show("setsockopt tcp unknown", setsockopt(s, IPPROTO_TCP, 9999, &one, sizeof(one)));
    show("setsockopt SO_TYPE", setsockopt(s, SOL_SOCKET, SO_TYPE, &one, sizeof(one)));
    show("SO_REUSEADDR", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
    show("SO_KEEPALIVE", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
    show("TCP_NODELAY", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
    v = 0;
    show("TCP_KEEPIDLE 0", setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)));
    v = 30;
    show("TCP_KEEPIDLE", setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)));
    v = 8192;
    show("SO_RCVBUF", setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
    show("SO_SNDBUF", setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
    static const int opts[][2] = {
        {SOL_SOCKET, SO_REUSEADDR}, {SOL_SOCKET, SO_KEEPALIVE},  {IPPROTO_TCP, TCP_NODELAY},
        {SOL_SOCKET, SO_RCVBUF},    {SOL_SOCKET, SO_SNDBUF},     {SOL_SOCKET, SO_TYPE},
        {SOL_SOCKET, SO_ERROR},     {SOL_SOCKET, SO_ACCEPTCONN}, {IPPROTO_TCP, TCP_KEEPIDLE},
        {IPPROTO_TCP, TCP_KEEPCNT}, {IPPROTO_TCP, TCP_CORK}};
    for (unsigned i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        v = -1;
        len = sizeof(v);
        long r = getsockopt(s, opts[i][0], opts[i][1], &v, &len);
        printf("getsockopt %d/%d: %ld errno %d value %d len %u\n", opts[i][0], opts[i][1], r,
               r < 0 ? errno : 0, v, (unsigned)len);
    }
    len = (socklen_t)-1;
    show("getsockopt negative length", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len));
    len = sizeof(v);
    show("getsockopt unknown", getsockopt(s, SOL_SOCKET, 12345, &v, &len));

    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_ANY)}}, got;
    show("bind short", bind(s, (struct sockaddr *)&a, 8));
    a.sin_family = AF_INET6;
    show("bind inet6", bind(s, (struct sockaddr *)&a, sizeof(a)));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0xc0000201); /* 192.0.2.1: no address of this machine */
    show("bind foreign address", bind(s, (struct sockaddr *)&a, sizeof(a)));
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    show("bind fault", bind(s, (struct sockaddr *)16, sizeof(a)));
    show("bind any", bind(s, (struct sockaddr *)&a, sizeof(a)));
    show("bind again", bind(s, (struct sockaddr *)&a, sizeof(a)));
    len = sizeof(got);
    show("getsockname", getsockname(s, (struct sockaddr *)&got, &len));
    printf("family %d port nonzero %d addr %x len %u\n", got.sin_family, got.sin_port != 0,
           ntohl(got.sin_addr.s_addr), (unsigned)len);
    int s2 = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_port = got.sin_port;
    show("bind used port", bind(s2, (struct sockaddr *)&a, sizeof(a)));
    show("accept not listening", accept(s, NULL, NULL));
    show("accept4 bad flags", accept4(s, NULL, NULL, 0x10));
    len = sizeof(got);
    show("getpeername", getpeername(s, (struct sockaddr *)&got, &len));
    show("shutdown how 5", shutdown(s, 5));
    show("shutdown not connected", shutdown(s, SHUT_WR));
    char buf[16];
    show("read not connected", read(s, buf, sizeof(buf)));
    show("recv not connected", recv(s, buf, sizeof(buf), MSG_DONTWAIT));
    show("send not connected", send(s, "x", 1, MSG_NOSIGNAL));
    signal(SIGPIPE, SIG_IGN);
    show("write not connected", write(s, "x", 1));
    show("lseek", lseek(s, 0, SEEK_SET));
    show("pread", pread(s, buf, 1, 0));

    int p[2];
    show("pipe", pipe(p));
    show("bind on a pipe", bind(p[0], (struct sockaddr *)&a, sizeof(a)));
    show("listen on a pipe", listen(p[0], 1));
    show("accept on a pipe", accept(p[0], NULL, NULL));
    show("setsockopt on a pipe", setsockopt(p[0], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
    show("getsockname on a pipe", getsockname(p[0], (struct sockaddr *)&got, &len));
    show("shutdown on a pipe", shutdown(p[0], SHUT_RDWR));
    show("socket call on a closed fd", listen(200, 1));
    show("write 5", write(p[1], "hello", 5));
    v = -1;
    show("FIONREAD", ioctl(p[0], FIONREAD, &v));
    printf("FIONREAD %d\n", v);
    v = 1;
    show("FIONBIO", ioctl(p[0], FIONBIO, &v));
    show("F_GETFL after FIONBIO", fcntl(p[0], F_GETFL) & O_NONBLOCK);
    show("sendfile bad in", sendfile(s, 200, NULL, 10));
    close(p[0]);
    close(p[1]);
    close(s2);
    close(n);
    close(s);
}

static void epolls(void)
{
    struct epoll_event ev = {.events = EPOLLIN, .data = {.u64 = 0x1122334455667788ull}}, out[4];
    int p[2], q[2];
    show("epoll_create 0", epoll_create(0));
    show("epoll_create1 bad flag", epoll_create1(1));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    show("epoll_create1", ep >= 0 ? 0 : -1);
    show("F_GETFD", fcntl(ep, F_GETFD));
    show("pipe", pipe(p));
    show("ctl bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 200, &ev));
    show("ctl bad epfd", epoll_ctl(200, EPOLL_CTL_ADD, p[0], &ev));
    show("ctl itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    show("ctl not epoll", epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev));
    show("ctl event fault", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (void *)16));
    int fd = open(scratch("neterr.txt"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    show("ctl regular file", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    show("ctl add", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    show("ctl add again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    show("ctl mod unknown", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
    show("ctl del unknown", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    show("ctl bad op", epoll_ctl(ep, 7, p[0], &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    show("ctl mod exclusive", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    show("wait 0 events", epoll_wait(ep, out, 0, 0));
    show("wait not epoll", epoll_wait(p[0], out, 4, 0));
    show("wait bad fd", epoll_wait(200, out, 4, 0));
    show("wait kernel address", epoll_wait(ep, (void *)0xffff800000000000ull, 4, 0));
    show("wait empty", epoll_wait(ep, out, 4, 0));
    show("wait 20 ms", epoll_wait(ep, out, 4, 20));
    show("write", write(p[1], "x", 1));
    for (int i = 0; i < 2; i++) {
        int r = epoll_wait(ep, out, 4, 0);
        printf("level wait: %d events %x data %llx\n", r, r > 0 ? out[0].events : 0,
               r > 0 ? (unsigned long long)out[0].data.u64 : 0ull);
    }
    ev.events = EPOLLOUT | EPOLLET;
    ev.data.u64 = 2;
    show("ctl add edge", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    show("ctl del", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    for (int i = 0; i < 2; i++) {
        int r = epoll_wait(ep, out, 4, 0);
        printf("edge wait: %d events %x data %llx\n", r, r > 0 ? out[0].events : 0,
               r > 0 ? (unsigned long long)out[0].data.u64 : 0ull);
    }
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = 3;
    show("ctl add oneshot", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    for (int i = 0; i < 2; i++)
        show("oneshot wait", epoll_wait(ep, out, 4, 0));
    show("ctl mod rearm", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    show("rearmed wait", epoll_wait(ep, out, 4, 0));
    show("ctl del edge", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    /* A descriptor closed without EPOLL_CTL_DEL leaves the instance; its number is free to add again. */
    close(p[0]);
    close(p[1]);
    show("wait after close", epoll_wait(ep, out, 4, 0));
    show("pipe again", pipe(q));
    printf("same numbers %d\n", q[0] == p[0]);
    ev.events = EPOLLIN;
    show("ctl add reused number", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev));
    close(q[1]);
    int r = epoll_wait(ep, out, 4, 0);
    printf("writer gone: %d events %x\n", r, r > 0 ? out[0].events : 0);
    close(q[0]);
    close(fd);
    close(ep);
}

static void polls(void)
{
    int p[2];
    struct pollfd fds[4];
    show("pipe", pipe(p));
    int fd = open(scratch("neterr.txt"), O_RDONLY);
    fds[0] = (struct pollfd){.fd = p[0], .events = POLLIN};
    fds[1] = (struct pollfd){.fd = p[1], .events = POLLOUT};
    fds[2] = (struct pollfd){.fd = fd, .events = POLLIN | POLLOUT};
    fds[3] = (struct pollfd){.fd = 200, .events = POLLIN};
    show("poll", poll(fds, 4, 0));
    for (int i = 0; i < 4; i++)
        printf("revents %d: %x\n", i, fds[i].revents);
    fds[3].fd = -1;
    fds[0].revents = 0x7777; /* a timeout writes every revents back too: 0 */
    show("poll 20 ms", poll(fds, 1, 20));
    printf("revents after the timeout %x\n", fds[0].revents);
    fds[0].revents = 0x7777;
    show("poll nothing ready, no wait", poll(fds, 1, 0));
    printf("revents %x\n", fds[0].revents);
    show("write", write(p[1], "x", 1));
    show("poll readable", poll(fds, 1, -1));
    printf("revents %x\n", fds[0].revents);
    close(p[0]);
    show("poll reader gone", poll(&fds[1], 1, 0));
    printf("revents %x\n", fds[1].revents);
    show("poll too many", poll(fds, 100000, 0));
    show("poll fault", poll((void *)16, 1, 0));
    struct timespec ts = {0, -1};
    show("ppoll bad time", ppoll(fds, 1, &ts, NULL));
    close(p[1]);
    close(fd);
}

static volatile int alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

/* Waits a signal ends: epoll_wait and poll with EINTR; epoll_pwait's mask holds SIGALRM until its
 * timeout, and the handler runs as it returns. */
static void interrupts(void)
{
    struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART: EINTR */
    struct itimerval soon = {.it_value = {0, 30000}};
    struct epoll_event out[1];
    int p[2];
    sigaction(SIGALRM, &sa, NULL);
    int ep = epoll_create1(0);
    show("pipe", pipe(p));
    setitimer(ITIMER_REAL, &soon, NULL);
    show("epoll_wait interrupted", epoll_wait(ep, out, 1, -1));
    printf("alarms %d\n", alarms);
    struct pollfd f = {.fd = p[0], .events = POLLIN};
    setitimer(ITIMER_REAL, &soon, NULL);
    show("poll interrupted", poll(&f, 1, 5000));
    printf("alarms %d\n", alarms);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    setitimer(ITIMER_REAL, &soon, NULL);
    show("epoll_pwait with SIGALRM held", epoll_pwait(ep, out, 1, 200, &block));
    printf("alarms %d\n", alarms);
    close(p[0]);
    close(p[1]);
    close(ep);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    sockets();
    epolls();
    polls();
    interrupts();
    return 0;
}
