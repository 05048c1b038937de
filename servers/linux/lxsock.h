/* lxsock.h: Linux TCP sockets carried by service/tcpip: their state, buffers and the calls on them
 * (lxsock.c; docs/linux-compat.md, Sockets). */
#pragma once

#include <warp/loop.h>

#include "lxfd.h"

#define LXSOCK_RX_SIZE (32u << 10) /* received bytes kept in the server per connection */
#define LXSOCK_TX_SIZE (64u << 10) /* bytes written and not yet taken by tcpip (lwIP's send buffer) */
#define LXSOCK_BACKLOG_MAX 128     /* accepted connections waiting for accept(), per listener */
#define LXSOCK_EPHEMERAL_LO 32768  /* port 0 picks one of these (Linux's ip_local_port_range) */
#define LXSOCK_EPHEMERAL_HI 60999

enum lxsock_state {
    LXSOCK_NEW,    /* made by socket(), maybe bound */
    LXSOCK_LISTEN, /* listen() opened a tcp-listen: channel */
    LXSOCK_CONN,   /* an accepted connection, or one connect() made */
    LXSOCK_DIAL,   /* connect() asked tcpip for a tcp-connect: and waits for the answer */
};

/* A connection tcpip announced, waiting for accept(). */
struct lxsockq {
    handle_t ch;
    uint32_t addr; /* the peer, host order */
    uint16_t port;
};

/*
 * One socket. Its description (LXFILE_SOCKET) points at it; it outlives the description while
 * bytes written before close() still go out (an orphan), as Linux's sockets do.
 */
struct lxsock {
    struct lxsock *next; /* every socket of the server: ports in use, orphans */
    uint32_t state;      /* enum lxsock_state */
    bool bound, orphan;
    uint32_t laddr, raddr; /* host order; laddr 0: INADDR_ANY */
    uint16_t lport, rport;
    int32_t error; /* SO_ERROR: a pending error (positive errno), reported once */
    bool reuseaddr, keepalive, nodelay;
    uint32_t rcvbuf, sndbuf, defer_accept, fastopen; /* as getsockopt reports them */
    int32_t cork, keepidle, keepintvl, keepcnt;      /* TCP options taken and reported, not acted on */
    uint32_t gen;                                    /* bumped at every change of readiness: epoll's edges */
    handle_t ch; /* the listener or connection channel (0: none, or tcpip closed it) */
    /* listening */
    uint32_t backlog;
    struct lxsockq q[LXSOCK_BACKLOG_MAX];
    uint32_t qhead, qlen;
    bool down; /* the listener channel closed (tcpip ended) */
    /* a connection: received bytes [rxoff, rxoff + rxlen) of rx; one READ pending into the rest */
    uint8_t *rx;
    uint32_t rxoff, rxlen;
    bool rx_pending, rx_eof;
    /* written bytes [txoff, txoff + txlen) of tx, the first txflight of them in a WRITE to tcpip */
    uint8_t *tx;
    uint32_t txoff, txlen, txflight;
    bool shut_rd, shut_wr, fin_sent, reset;
};

/* Readiness and what the calls need to know without a call (pure: lxready.c). */
uint32_t lxsock_tx_space(const struct lxsock *s);

/* lxsock.c: the sockets and tcpip. */
void lxsock_init(struct loop *l);
/* A new socket (zeroed, defaults set), or NULL. */
struct lxsock *lxsock_new(void);
/* Its description's last reference went: listeners stop, connections close once written. */
void lxsock_release(struct lxsock *s);
/* bind: addr and port host order (port 0: an ephemeral one); a port must be one of ports[0..nports)
 * (the program's manifest `ports`) or an ephemeral one, else -EACCES; 0 or -errno. */
int64_t lxsock_bind(struct lxsock *s, uint32_t addr, uint16_t port, const uint16_t *ports, uint32_t nports);
/* listen: 0 or -errno. */
int64_t lxsock_listen(struct lxsock *s, int32_t backlog);
/* connect: asks tcpip for a connection to addr:port (host order); -EINPROGRESS while it is made
 * (lxsock_connected then tells), or -errno at once. */
int64_t lxsock_connect(struct lxsock *s, uint32_t addr, uint16_t port);
/* How s's connect went: 0 connected, -EAGAIN still under way, or its error (-ECONNREFUSED,
 * -ETIMEDOUT, -ENETUNREACH, -EACCES ...), reported once as SO_ERROR is. */
int64_t lxsock_connected(struct lxsock *s);
/* Takes the oldest waiting connection into c (a fresh socket): 0, or -EAGAIN when none waits. */
int64_t lxsock_accept(struct lxsock *s, struct lxsock *c);
/* The machine's IPv4 address (host order) as tcpip reports it, or 0. */
uint32_t lxsock_local_addr(void);
/* Received bytes: copies up to n into out (peek: leaves them); the count, 0 at the end of input, or
 * -errno (-EAGAIN: nothing yet). */
int64_t lxsock_recv(struct lxsock *s, void *out, uint32_t n, bool peek);
/* Appends up to n bytes for sending: the count (n 0: 0 if a write could go on), or -EAGAIN (no
 * room), -EPIPE, a pending error. */
int64_t lxsock_send(struct lxsock *s, const void *data, uint32_t n);
/* shutdown: how is SHUT_RD, SHUT_WR or SHUT_RDWR; 0 or -errno. */
int64_t lxsock_shutdown(struct lxsock *s, int how);
