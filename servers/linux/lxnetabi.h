/* lxnetabi.h: Linux's socket, epoll and poll numbers and layouts on x86-64 (what the process sees). */
#pragma once

#include <warp/abi.h>

/* errno values of the socket and readiness calls (lxabi.h has the file ones) */
#define LX_ENOTSOCK 88
#define LX_EDESTADDRREQ 89
#define LX_EPROTOTYPE 91
#define LX_ENOPROTOOPT 92
#define LX_EPROTONOSUPPORT 93
#define LX_ESOCKTNOSUPPORT 94
#define LX_EAFNOSUPPORT 97
#define LX_EADDRINUSE 98
#define LX_EADDRNOTAVAIL 99
#define LX_ENETDOWN 100
#define LX_ENETUNREACH 101
#define LX_ECONNABORTED 103
#define LX_ECONNRESET 104
#define LX_ENOBUFS 105
#define LX_EISCONN 106
#define LX_ENOTCONN 107
#define LX_ECONNREFUSED 111
#define LX_EALREADY 114
#define LX_EINPROGRESS 115

/* system call numbers */
#define LX_SYS_poll 7
#define LX_SYS_select 23
#define LX_SYS_sendfile 40
#define LX_SYS_socket 41
#define LX_SYS_connect 42
#define LX_SYS_accept 43
#define LX_SYS_sendto 44
#define LX_SYS_recvfrom 45
#define LX_SYS_sendmsg 46
#define LX_SYS_recvmsg 47
#define LX_SYS_shutdown 48
#define LX_SYS_bind 49
#define LX_SYS_listen 50
#define LX_SYS_getsockname 51
#define LX_SYS_getpeername 52
#define LX_SYS_setsockopt 54
#define LX_SYS_getsockopt 55
#define LX_SYS_epoll_create 213
#define LX_SYS_epoll_wait 232
#define LX_SYS_epoll_ctl 233
#define LX_SYS_pselect6 270
#define LX_SYS_ppoll 271
#define LX_SYS_epoll_pwait 281
#define LX_SYS_accept4 288
#define LX_SYS_epoll_create1 291

/* socket() */
#define LX_AF_UNSPEC 0
#define LX_AF_INET 2
#define LX_NPROTO 46 /* families Linux knows: past it EAFNOSUPPORT before anything else */
#define LX_SOCK_STREAM 1
#define LX_SOCK_DGRAM 2
#define LX_SOCK_RAW 3
#define LX_SOCK_MAX 11
#define LX_SOCK_TYPE_MASK 0xf
#define LX_SOCK_NONBLOCK 04000
#define LX_SOCK_CLOEXEC 02000000
#define LX_IPPROTO_IP 0
#define LX_IPPROTO_TCP 6
#define LX_IPPROTO_MAX 263

/* socket options */
#define LX_SOL_SOCKET 1
#define LX_SO_REUSEADDR 2
#define LX_SO_TYPE 3
#define LX_SO_ERROR 4
#define LX_SO_SNDBUF 7
#define LX_SO_RCVBUF 8
#define LX_SO_KEEPALIVE 9
#define LX_SO_LINGER 13
#define LX_SO_REUSEPORT 15
#define LX_SO_ACCEPTCONN 30
#define LX_SO_PROTOCOL 38
#define LX_SO_DOMAIN 39
#define LX_TCP_NODELAY 1
#define LX_TCP_CORK 3
#define LX_TCP_KEEPIDLE 4
#define LX_TCP_KEEPINTVL 5
#define LX_TCP_KEEPCNT 6
#define LX_TCP_DEFER_ACCEPT 9
#define LX_TCP_FASTOPEN 23

/* send and receive flags */
#define LX_MSG_OOB 0x1
#define LX_MSG_PEEK 0x2
#define LX_MSG_DONTWAIT 0x40
#define LX_MSG_WAITALL 0x100
#define LX_MSG_NOSIGNAL 0x4000

#define LX_SHUT_RD 0
#define LX_SHUT_WR 1
#define LX_SHUT_RDWR 2

#define LX_FIONREAD 0x541b
#define LX_FIONBIO 0x5421

/* epoll and poll events (the same bits) */
#define LX_EPOLLIN 0x001u
#define LX_EPOLLPRI 0x002u
#define LX_EPOLLOUT 0x004u
#define LX_EPOLLERR 0x008u
#define LX_EPOLLHUP 0x010u
#define LX_POLLNVAL 0x020u
#define LX_EPOLLRDNORM 0x040u
#define LX_EPOLLRDBAND 0x080u
#define LX_EPOLLWRNORM 0x100u
#define LX_EPOLLWRBAND 0x200u
#define LX_EPOLLRDHUP 0x2000u
#define LX_EPOLLEXCLUSIVE (1u << 28)
#define LX_EPOLLWAKEUP (1u << 29)
#define LX_EPOLLONESHOT (1u << 30)
#define LX_EPOLLET (1u << 31)
#define LX_EPOLL_CTL_ADD 1
#define LX_EPOLL_CTL_DEL 2
#define LX_EPOLL_CTL_MOD 3
#define LX_EPOLL_CLOEXEC 02000000
#define LX_EP_MAX_EVENTS (0x7fffffff / 12) /* INT_MAX / sizeof(struct epoll_event) */

/* struct sockaddr_in (16 bytes; port and address in network order) */
struct lx_sockaddr_in {
    uint16_t family;
    uint16_t port;
    uint32_t addr;
    uint8_t zero[8];
};
_Static_assert(sizeof(struct lx_sockaddr_in) == 16, "sockaddr_in layout");

/* struct epoll_event: packed on x86-64 (12 bytes) */
struct lx_epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));
_Static_assert(sizeof(struct lx_epoll_event) == 12, "epoll_event layout");

/* struct pollfd */
struct lx_pollfd {
    int32_t fd;
    int16_t events, revents;
};

/* struct msghdr (56 bytes) */
struct lx_msghdr {
    uint64_t name;
    uint32_t namelen, pad;
    uint64_t iov, iovlen;
    uint64_t control, controllen;
    int32_t flags, pad2;
};
_Static_assert(sizeof(struct lx_msghdr) == 56, "msghdr layout");
