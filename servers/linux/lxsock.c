/* lxsock.c: Linux TCP sockets carried by service/tcpip: a listener channel per listening socket, a
 * connection channel per accepted or connected one with one READ always pending into a server-side
 * buffer and written bytes going out in WRITEs, so readiness is known without asking tcpip. */
#include "lxsock.h"

#include <warp/fmt.h>
#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/proto/tcpip.h>
#include <warp/service.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxaddr.h"
#include "lxnetabi.h"
#include "lxwait.h"

static struct loop *lxsock_loop;
static handle_t lxsock_ctl;       /* tcpip's control channel (0: not open yet, or tcpip went) */
static handle_t lxsock_dialer;    /* a second one in our loop, for connect()'s OPENs (0: none) */
static bool lxsock_ctl_logged;    /* "no service/tcpip" said once */
static bool lxsock_ctl_refused;   /* init refused it for good (not in uses) */
static struct lxsock *lxsock_all; /* every socket, orphans included */
static uint32_t lxsock_addr;      /* the machine's address as last asked (0: not known) */
static uint16_t lxsock_next_port = LXSOCK_EPHEMERAL_LO;

static void lxsock_post_read(struct lxsock *s);
static void lxsock_post_write(struct lxsock *s);

void lxsock_init(struct loop *l)
{
    lxsock_loop = l;
}

/* A readiness change: epoll's edge counter moves and every waiting call is tried again. */
static void lxsock_changed(struct lxsock *s)
{
    s->gen++;
    lxwait_wake();
}

struct lxsock *lxsock_new(void)
{
    struct lxsock *s = malloc(sizeof(*s));
    if (!s)
        return NULL;
    memset(s, 0, sizeof(*s));
    s->rcvbuf = 131072; /* Linux's defaults (tcp_rmem[1], tcp_wmem[1]) */
    s->sndbuf = 16384;
    s->keepidle = 7200; /* Linux's defaults (tcp_keepalive_time, _intvl, _probes) */
    s->keepintvl = 75;
    s->keepcnt = 9;
    s->next = lxsock_all;
    lxsock_all = s;
    return s;
}

/* Unlinks and frees s (its channels already closed). */
static void lxsock_free(struct lxsock *s)
{
    for (struct lxsock **pp = &lxsock_all; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    free(s->rx);
    free(s->tx);
    free(s);
}

/* Closes s's channel (pending calls are dropped with it). */
static void lxsock_close_channel(struct lxsock *s)
{
    if (s->ch)
        loop_close(lxsock_loop, s->ch);
    s->ch = 0;
    s->rx_pending = false;
    s->txflight = 0;
}

/* The control channel of tcpip, opened through init the first time (0: none). */
static handle_t lxsock_control(void)
{
    if (lxsock_ctl || lxsock_ctl_refused)
        return lxsock_ctl;
    long r = ipc_open_sync(SERVICE_INIT_CH, TCPIP_URI);
    if (r < 0) {
        if (!lxsock_ctl_logged)
            printf("linux: no %s (%s): Linux sockets cannot listen\n", TCPIP_URI, err_str(r));
        lxsock_ctl_logged = true;
        /* Not in our manifest's uses, or no such service: that stays so; not asked again. */
        lxsock_ctl_refused = r == ERR_PERMISSION || r == ERR_NOT_FOUND;
        return 0;
    }
    lxsock_ctl = (handle_t)r;
    return lxsock_ctl;
}

uint32_t lxsock_local_addr(void)
{
    char text[96];
    struct warp_msg m, reply;
    if (lxsock_addr) /* asked once: DHCP keeps the lease's address */
        return lxsock_addr;
    handle_t ctl = lxsock_control();
    if (!ctl || msg_getattr(&m, "ipv4") < 0 || ipc_call_sync(ctl, &m, &reply) < 0 ||
        reply.type != MSG_GETATTR || msg_get_text(&reply, text, sizeof(text)) < 0 ||
        lxaddr_parse_ipv4_attr(text, &lxsock_addr) < 0)
        return lxsock_addr;
    return lxsock_addr;
}

/* True if a program whose manifest section grants ports[0..nports) may bind port: one of them, or
 * one from the ephemeral range (what bind(0) would have given it anyway). */
static bool lxsock_port_allowed(uint16_t port, const uint16_t *ports, uint32_t nports)
{
    if (port >= LXSOCK_EPHEMERAL_LO && port <= LXSOCK_EPHEMERAL_HI)
        return true;
    for (uint32_t i = 0; i < nports; i++)
        if (ports[i] == port)
            return true;
    return false;
}

/* True if port is taken by another socket of ours in a way bind must refuse (Linux's rule without
 * SO_REUSEPORT: both with SO_REUSEADDR and neither listening may share). */
static bool lxsock_port_taken(const struct lxsock *s, uint16_t port, uint32_t addr)
{
    for (const struct lxsock *o = lxsock_all; o; o = o->next) {
        if (o == s || !o->bound || o->state == LXSOCK_CONN || o->lport != port)
            continue;
        if (o->laddr && addr && o->laddr != addr)
            continue;
        if (s->reuseaddr && o->reuseaddr && o->state != LXSOCK_LISTEN)
            continue;
        return true;
    }
    return false;
}

int64_t lxsock_bind(struct lxsock *s, uint32_t addr, uint16_t port, const uint16_t *ports, uint32_t nports)
{
    if (addr != 0 && addr != lxsock_local_addr())
        return -LX_EADDRNOTAVAIL; /* then a port not granted, then "already bound", as Linux's __inet_bind */
    if (port != 0 && !lxsock_port_allowed(port, ports, nports))
        return -LX_EACCES;
    if (s->bound || s->state != LXSOCK_NEW)
        return -LX_EINVAL;
    if (port == 0) {
        for (uint32_t i = 0; i <= LXSOCK_EPHEMERAL_HI - LXSOCK_EPHEMERAL_LO && port == 0; i++) {
            uint16_t c = lxsock_next_port;
            lxsock_next_port = c == LXSOCK_EPHEMERAL_HI ? LXSOCK_EPHEMERAL_LO : (uint16_t)(c + 1);
            if (!lxsock_port_taken(s, c, addr))
                port = c;
        }
        if (port == 0)
            return -LX_EADDRINUSE;
    } else if (lxsock_port_taken(s, port, addr)) {
        return -LX_EADDRINUSE;
    }
    s->bound = true;
    s->laddr = addr;
    s->lport = port;
    return 0;
}

/* tcpip's error for a tcp-listen: OPEN as Linux's listen() errno. */
static int64_t lxsock_listen_errno(long err)
{
    switch (err) {
    case ERR_ALREADY_EXISTS: return -LX_EADDRINUSE; /* another tcpip client has the port */
    case ERR_PERMISSION: return -LX_EACCES;         /* not in the linux server's ports */
    case ERR_NO_RESOURCES:
    case ERR_NO_MEMORY:
    case ERR_QUEUE_FULL: return -LX_ENOBUFS;
    default: return -LX_ENETDOWN;
    }
}

static const struct loop_channel_handlers lxsock_listener_handlers;

int64_t lxsock_listen(struct lxsock *s, int32_t backlog)
{
    if (s->state == LXSOCK_CONN)
        return -LX_EINVAL;
    /* Linux clamps to somaxconn and allows backlog + 1 waiting; a negative one is 0. */
    uint32_t b = backlog < 0 ? 0 : (uint32_t)backlog;
    s->backlog = b >= LXSOCK_BACKLOG_MAX ? LXSOCK_BACKLOG_MAX : b + 1;
    if (s->state == LXSOCK_LISTEN)
        return 0;
    if (!s->bound) {
        int64_t r = lxsock_bind(s, 0, 0, NULL, 0); /* Linux binds an ephemeral port */
        if (r < 0)
            return r;
    }
    char uri[64];
    uint32_t a = s->laddr;
    fmt_snprintf(uri, sizeof(uri), "%s%u.%u.%u.%u:%u", TCPIP_LISTEN_PREFIX, a >> 24, (a >> 16) & 255,
                 (a >> 8) & 255, a & 255, s->lport);
    long r = ERR_PEER_CLOSED;
    for (int tries = 0; tries < 2 && r == ERR_PEER_CLOSED; tries++) {
        handle_t ctl = lxsock_control();
        if (!ctl)
            return -LX_ENETDOWN;
        r = ipc_open_sync(ctl, uri);
        if (r == ERR_PEER_CLOSED) { /* tcpip restarted: a fresh control channel */
            warp_handle_close(ctl);
            lxsock_ctl = 0;
        }
    }
    if (r < 0)
        return lxsock_listen_errno(r);
    long e = loop_add_channel(lxsock_loop, (handle_t)r, &lxsock_listener_handlers, s);
    if (e < 0) {
        warp_handle_close((handle_t)r);
        return -LX_ENOBUFS;
    }
    s->ch = (handle_t)r;
    s->state = LXSOCK_LISTEN;
    lxsock_changed(s);
    return 0;
}

/* A listener channel's message: tcpip's one-way OPEN announcing an accepted connection. */
static void lxsock_on_listener_msg(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct lxsock *s = ctx;
    char text[64];
    uint32_t addr;
    uint16_t port;
    if (m->type != MSG_OPEN || msg_is_call(m) || m->nhandles != 1 ||
        msg_get_text(m, text, sizeof(text)) < 0 || lxaddr_parse_peer(text, &addr, &port) < 0 ||
        s->qlen >= s->backlog || s->orphan) {
        /* Past the backlog the connection is closed, as a full accept queue drops it on Linux. */
        loop_close_handles(l, m, 0);
        if (msg_is_call(m))
            loop_reply_error(l, ch, m->call_id, ERR_NOT_SUPPORTED);
        return;
    }
    struct lxsockq *q = &s->q[(s->qhead + s->qlen++) % LXSOCK_BACKLOG_MAX];
    q->ch = m->handles[0];
    q->addr = addr;
    q->port = port;
    lxsock_changed(s);
}

/* The listener channel closed: tcpip ended. accept() reports it. */
static void lxsock_on_listener_closed(struct loop *l, handle_t ch, void *ctx)
{
    struct lxsock *s = ctx;
    (void)l;
    (void)ch;
    lxsock_close_channel(s);
    s->down = true;
    s->error = LX_ENETDOWN;
    printf("linux: a Linux listener on port %u closed (tcpip ended)\n", s->lport);
    lxsock_changed(s);
}

static const struct loop_channel_handlers lxsock_listener_handlers = {
    .on_message = lxsock_on_listener_msg,
    .on_peer_closed = lxsock_on_listener_closed,
};

/* tcpip closed a connection's channel: after our FIN that is its end; otherwise a reset or a
 * timeout (the peer is gone): ECONNRESET once, then the end of input. */
static void lxsock_on_conn_closed(struct loop *l, handle_t ch, void *ctx)
{
    struct lxsock *s = ctx;
    (void)l;
    (void)ch;
    lxsock_close_channel(s);
    if (!s->fin_sent && !s->orphan) {
        s->reset = true;
        if (!s->rx_eof || s->txlen)
            s->error = LX_ECONNRESET;
    }
    s->rx_eof = true;
    s->txlen = 0;
    if (s->orphan) {
        lxsock_free(s);
        return;
    }
    lxsock_changed(s);
}

/* Messages on a connection channel: tcpip sends none unasked. */
static void lxsock_on_conn_msg(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ctx;
    loop_close_handles(l, m, 0);
    if (msg_is_call(m))
        loop_reply_error(l, ch, m->call_id, ERR_NOT_SUPPORTED);
}

static const struct loop_channel_handlers lxsock_conn_handlers = {
    .on_message = lxsock_on_conn_msg,
    .on_peer_closed = lxsock_on_conn_closed,
};

/* Makes s a connection on channel ch (tcpip's, accepted or connected): its buffers, its READ. */
static int64_t lxsock_attach(struct lxsock *s, handle_t ch)
{
    s->rx = s->rx ? s->rx : malloc(LXSOCK_RX_SIZE);
    s->tx = s->tx ? s->tx : malloc(LXSOCK_TX_SIZE);
    if (!s->rx || !s->tx || loop_add_channel(lxsock_loop, ch, &lxsock_conn_handlers, s) < 0)
        return -LX_ENOMEM;
    s->state = LXSOCK_CONN;
    s->ch = ch;
    s->keepalive = true; /* tcpip gives its connections keepalive and no Nagle delay */
    s->nodelay = true;
    lxsock_post_read(s);
    return 0;
}

/* The dialer channel closed (tcpip ended): its pending OPENs fail on their own; the next connect()
 * opens a fresh one. */
static void lxsock_on_dialer_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)ctx;
    loop_close(l, ch);
    lxsock_dialer = 0;
}

/* Messages on the dialer channel: tcpip sends none unasked. */
static void lxsock_on_dialer_msg(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    lxsock_on_conn_msg(l, ch, m, ctx);
}

static const struct loop_channel_handlers lxsock_dialer_handlers = {
    .on_message = lxsock_on_dialer_msg,
    .on_peer_closed = lxsock_on_dialer_closed,
};

/* The channel connect()'s OPENs go on: a control channel of tcpip's registered in our loop (the
 * first one is for ipc_call_sync, which a loop's channel cannot take). 0 if there is none. */
static handle_t lxsock_dial_channel(void)
{
    if (lxsock_dialer || !lxsock_control())
        return lxsock_dialer;
    long r = ipc_open_sync(SERVICE_INIT_CH, TCPIP_URI);
    if (r < 0)
        return 0;
    if (loop_add_channel(lxsock_loop, (handle_t)r, &lxsock_dialer_handlers, NULL) < 0) {
        warp_handle_close((handle_t)r);
        return 0;
    }
    lxsock_dialer = (handle_t)r;
    return lxsock_dialer;
}

/* tcpip's error for a tcp-connect: OPEN as Linux's connect() errno. */
static int32_t lxsock_connect_errno(long err)
{
    switch (err) {
    case ERR_REFUSED: return LX_ECONNREFUSED;
    case ERR_TIMED_OUT: return LX_ETIMEDOUT;
    case ERR_PERMISSION: return LX_EACCES; /* the linux server's manifest lacks connect = yes */
    case ERR_INVALID_ARG: return LX_EINVAL;
    case ERR_NO_RESOURCES:
    case ERR_NO_MEMORY:
    case ERR_QUEUE_FULL: return LX_ENOBUFS;
    default: return LX_ENETUNREACH; /* no address yet, no route, tcpip gone */
    }
}

/* The tcp-connect: OPEN's reply: a connection channel, or why not. A socket closed meanwhile (an
 * orphan) only waited for this: the connection, if any, is closed again. */
static void lxsock_on_connect(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct lxsock *s = ctx;
    (void)l;
    (void)ch;
    long r = msg_result(m, MSG_OPEN);
    handle_t conn = r >= 0 && m->nhandles == 1 ? m->handles[0] : 0;
    if (r >= 0 && !conn)
        r = ERR_BAD_FORMAT;
    if (s->orphan) {
        loop_close_handles(l, m, 0);
        lxsock_free(s);
        return;
    }
    int64_t e = conn ? lxsock_attach(s, conn) : -lxsock_connect_errno(r);
    if (e < 0) {
        loop_close_handles(l, m, 0);
        s->state = LXSOCK_NEW;
        s->error = (int32_t)-e;
    } else {
        s->laddr = s->laddr ? s->laddr : lxsock_local_addr();
    }
    lxsock_changed(s);
}

int64_t lxsock_connect(struct lxsock *s, uint32_t addr, uint16_t port)
{
    if (!s->bound) {
        int64_t r = lxsock_bind(s, 0, 0, NULL, 0); /* Linux binds an ephemeral port */
        if (r < 0)
            return r;
    }
    handle_t dialer = lxsock_dial_channel();
    if (!dialer)
        return -LX_ENETUNREACH;
    char uri[64];
    fmt_snprintf(uri, sizeof(uri), "%s%u.%u.%u.%u:%u", TCPIP_CONNECT_PREFIX, addr >> 24, (addr >> 16) & 255,
                 (addr >> 8) & 255, addr & 255, port);
    struct warp_msg m;
    msg_open(&m, uri);
    if (loop_call(lxsock_loop, dialer, &m, lxsock_on_connect, s) < 0)
        return -LX_ENOBUFS;
    s->state = LXSOCK_DIAL;
    s->raddr = addr;
    s->rport = port;
    lxsock_changed(s);
    return -LX_EINPROGRESS;
}

int64_t lxsock_connected(struct lxsock *s)
{
    if (s->state == LXSOCK_DIAL)
        return -LX_EAGAIN;
    if (s->state == LXSOCK_CONN)
        return 0;
    int64_t e = s->error;
    s->error = 0;
    return e ? -e : -LX_ECONNABORTED;
}

int64_t lxsock_accept(struct lxsock *s, struct lxsock *c)
{
    if (s->qlen == 0)
        return s->down ? -LX_ENETDOWN : -LX_EAGAIN;
    struct lxsockq q = s->q[s->qhead];
    if (lxsock_attach(c, q.ch) < 0)
        return -LX_ENOMEM;
    s->qhead = (s->qhead + 1) % LXSOCK_BACKLOG_MAX;
    s->qlen--;
    c->raddr = q.addr;
    c->rport = q.port;
    c->laddr = s->laddr ? s->laddr : lxsock_local_addr();
    c->lport = s->lport;
    c->rcvbuf = s->rcvbuf;
    c->sndbuf = s->sndbuf;
    lxsock_changed(s);
    return 0;
}

/* READ's reply: bytes in, the end of input, or the connection gone. */
static void lxsock_on_read(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct lxsock *s = ctx;
    (void)ch;
    loop_close_handles(l, m, 0);
    s->rx_pending = false;
    long r = msg_result(m, MSG_READ);
    uint32_t room = LXSOCK_RX_SIZE - s->rxoff - s->rxlen;
    if (r > (long)room)
        r = ERR_BAD_FORMAT;
    if (r == 0)
        s->rx_eof = true;
    else if (r > 0)
        s->rxlen += (uint32_t)r;
    else if (r != ERR_PEER_CLOSED) { /* its closing comes as on_peer_closed */
        s->error = LX_EIO;
        s->rx_eof = true;
    }
    if (s->orphan)
        s->rxlen = 0; /* nobody reads it: taken so that tcpip's window stays open until the FIN */
    lxsock_post_read(s);
    lxsock_changed(s);
}

/* Keeps one READ pending while there is room and more may come. */
static void lxsock_post_read(struct lxsock *s)
{
    if (!s->ch || s->rx_pending || s->rx_eof || s->state != LXSOCK_CONN)
        return;
    if (s->rxlen == 0)
        s->rxoff = 0;
    else if (s->rxoff > 0 && s->rxoff + s->rxlen > LXSOCK_RX_SIZE / 2) { /* no READ writes it now */
        memmove(s->rx, s->rx + s->rxoff, s->rxlen);
        s->rxoff = 0;
    }
    uint32_t room = LXSOCK_RX_SIZE - s->rxoff - s->rxlen;
    if (room == 0)
        return;
    struct warp_msg m;
    msg_read(&m, s->rx + s->rxoff + s->rxlen, room);
    if (loop_call(lxsock_loop, s->ch, &m, lxsock_on_read, s) == 0)
        s->rx_pending = true;
}

/* CLOSE's reply: the FIN is queued; tcpip closes the channel next. */
static void lxsock_on_close_reply(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ch;
    (void)ctx;
    loop_close_handles(l, m, 0);
}

/* Sends the FIN once every written byte went out. */
static void lxsock_maybe_fin(struct lxsock *s)
{
    if (!s->shut_wr || s->fin_sent || s->txlen || !s->ch)
        return;
    struct warp_msg m;
    msg_close(&m);
    if (loop_call(lxsock_loop, s->ch, &m, lxsock_on_close_reply, s) == 0)
        s->fin_sent = true;
    else if (s->orphan)
        lxsock_close_channel(s);
}

/* WRITE's reply: the bytes tcpip took leave the buffer; the rest goes next. */
static void lxsock_on_write(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct lxsock *s = ctx;
    (void)ch;
    loop_close_handles(l, m, 0);
    long r = msg_result(m, MSG_WRITE);
    if (r > (long)s->txflight)
        r = ERR_BAD_FORMAT;
    s->txflight = 0;
    if (r < 0) {
        if (r != ERR_PEER_CLOSED) { /* tcpip refused it: the connection cannot go on */
            s->error = LX_EIO;
            s->reset = true;
            s->txlen = 0;
        }
    } else {
        s->txoff += (uint32_t)r;
        s->txlen -= (uint32_t)r;
    }
    if (s->txlen == 0)
        s->txoff = 0;
    else { /* nothing in flight: the rest moves to the front */
        memmove(s->tx, s->tx + s->txoff, s->txlen);
        s->txoff = 0;
    }
    lxsock_post_write(s);
    lxsock_maybe_fin(s);
    if (s->orphan && !s->ch) {
        lxsock_free(s);
        return;
    }
    lxsock_changed(s);
}

/* Sends what is written as one WRITE when none is in flight. */
static void lxsock_post_write(struct lxsock *s)
{
    if (!s->ch || s->txflight || !s->txlen)
        return;
    struct warp_msg m;
    msg_write(&m, s->tx + s->txoff, s->txlen);
    if (loop_call(lxsock_loop, s->ch, &m, lxsock_on_write, s) == 0)
        s->txflight = s->txlen;
}

int64_t lxsock_recv(struct lxsock *s, void *out, uint32_t n, bool peek)
{
    if (s->state == LXSOCK_DIAL)
        return -LX_EAGAIN; /* as Linux's in SYN_SENT: wait for the connection */
    if (s->state != LXSOCK_CONN)
        return -LX_ENOTCONN;
    if (s->rxlen == 0 || s->shut_rd) {
        if (s->error) {
            int64_t e = s->error;
            s->error = 0;
            return -e;
        }
        if (s->rx_eof || s->shut_rd || s->reset)
            return 0;
        return -LX_EAGAIN;
    }
    uint32_t k = n < s->rxlen ? n : s->rxlen;
    memcpy(out, s->rx + s->rxoff, k);
    if (!peek) {
        s->rxoff += k;
        s->rxlen -= k;
        lxsock_post_read(s);
        lxsock_changed(s);
    }
    return k;
}

int64_t lxsock_send(struct lxsock *s, const void *data, uint32_t n)
{
    if (s->state == LXSOCK_DIAL)
        return -LX_EAGAIN; /* as Linux's in SYN_SENT: wait for the connection */
    if (s->state != LXSOCK_CONN)
        return -LX_EPIPE;
    if (s->error) {
        int64_t e = s->error;
        s->error = 0;
        return -e;
    }
    if (s->shut_wr || s->reset || !s->ch)
        return -LX_EPIPE;
    if (n == 0)
        return 0;
    uint32_t room = lxsock_tx_space(s);
    if (room == 0)
        return -LX_EAGAIN;
    uint32_t k = n < room ? n : room;
    memcpy(s->tx + s->txoff + s->txlen, data, k);
    s->txlen += k;
    lxsock_post_write(s);
    lxsock_changed(s);
    return k;
}

int64_t lxsock_shutdown(struct lxsock *s, int how)
{
    if (s->state == LXSOCK_LISTEN) {
        if (how != LX_SHUT_WR) { /* Linux closes the listener: waiting connections go */
            lxsock_close_channel(s);
            for (; s->qlen; s->qlen--, s->qhead = (s->qhead + 1) % LXSOCK_BACKLOG_MAX)
                warp_handle_close(s->q[s->qhead].ch);
            s->state = LXSOCK_NEW;
            lxsock_changed(s);
        }
        return 0;
    }
    if (s->state != LXSOCK_CONN)
        return -LX_ENOTCONN;
    if (how != LX_SHUT_WR) {
        s->shut_rd = true;
        s->rxlen = 0;
    }
    if (how != LX_SHUT_RD) {
        s->shut_wr = true;
        lxsock_maybe_fin(s);
    }
    lxsock_changed(s);
    return 0;
}

void lxsock_release(struct lxsock *s)
{
    if (s->state == LXSOCK_DIAL) { /* tcpip's answer frees it (lxsock_on_connect) */
        s->orphan = true;
        s->bound = false;
        return;
    }
    if (s->state == LXSOCK_LISTEN)
        lxsock_shutdown(s, LX_SHUT_RDWR);
    s->bound = false; /* the port is free again */
    if (s->state != LXSOCK_CONN || !s->ch) {
        lxsock_close_channel(s);
        lxsock_free(s);
        return;
    }
    /* Bytes written before close() still go out, then the FIN: the socket lives on alone. */
    s->orphan = true;
    s->shut_wr = true;
    s->rxlen = 0;
    if (s->txlen == 0 && !s->txflight) {
        lxsock_close_channel(s); /* tcpip sends the FIN */
        lxsock_free(s);
        return;
    }
    lxsock_maybe_fin(s);
}
