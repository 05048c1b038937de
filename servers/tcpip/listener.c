/* listener.c: listening sockets: an lwIP listen pcb and the channel that announces accepted connections. */
#include "addr.h"
#include "conn.h"
#include "listener.h"
#include "stats.h"

#include <warp/clock.h>
#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/service.h>
#include <warp/user.h>

#include "lwip/tcp.h"

/*
 * A listener lives until its client closes the channel (or sends CLOSE): then its pcb is closed;
 * connections already accepted are independent and go on. lwIP itself would let two pcbs bind one
 * port here (SO_REUSE, for TIME_WAIT), so the one-listener-per-port rule is checked in our list.
 *
 * The accept backlog: an accepted connection is announced with a one-way OPEN on the listener
 * channel, whose queue holds MSG_QUEUE_MAX messages. A burst of handshakes (wrk opening a thousand
 * connections) completes faster than the client takes them, so what does not fit waits here, up to
 * LISTENER_BACKLOG connections, and goes out as the client drains its queue (looked at every
 * LISTENER_RETRY_MS). Only past the backlog is a connection refused with a RST.
 */
#define LISTENER_BACKLOG 256
#define LISTENER_RETRY_MS 2

/* An accepted connection not yet announced: its channel end for the client, and its peer. */
struct pending_conn {
    handle_t end;
    uint32_t ip;
    uint16_t port;
};

struct listener {
    struct loop *loop;   /* tcpip's one loop */
    handle_t ch;         /* our end of the listener channel */
    struct tcp_pcb *pcb; /* the listen pcb */
    uint32_t ip;         /* host byte order; 0 = any */
    uint16_t port;
    struct pending_conn backlog[LISTENER_BACKLOG]; /* oldest at head */
    unsigned head, npending;
    struct loop_timeout retry; /* armed while the backlog is not empty */
    struct listener *next;
};

static struct listener *listener_list;

/* Logs a listener event ("listening on 0.0.0.0:80"). */
static void listener_log(const struct listener *l, const char *what)
{
    char ip[ADDR_IPV4_TEXT_MAX];
    addr_ipv4_format(l->ip, ip, sizeof(ip));
    printf("tcpip: %s %s:%u\n", what, ip, (unsigned)l->port);
}

/* Stops listening: closes the pcb and the channel, frees l. A connection still in the backlog loses
 * its client: closing its end makes tcpip's side reset it. */
static void listener_close(struct listener *l)
{
    listener_log(l, "stopped listening on");
    tcp_arg(l->pcb, NULL);
    tcp_accept(l->pcb, NULL);
    tcp_close(l->pcb); /* cannot fail for a listen pcb */
    loop_timeout_cancel(l->loop, &l->retry);
    for (unsigned i = 0; i < l->npending; i++)
        warp_handle_close(l->backlog[(l->head + i) % LISTENER_BACKLOG].end);
    loop_close(l->loop, l->ch);
    for (struct listener **p = &listener_list; *p; p = &(*p)->next)
        if (*p == l) {
            *p = l->next;
            break;
        }
    stats_g.listeners--;
    free(l);
}

/* Announces a connection to l's client: a one-way OPEN with its "tcp:<addr>:<port>" URI carrying
 * conn_end; 0, ERR_QUEUE_FULL (the client's queue is full: the handle stays ours) or another error. */
static long listener_announce(struct listener *l, const struct pending_conn *p)
{
    char uri[MSG_DATA_MAX + 1];
    struct warp_msg m;
    msg_init(&m, MSG_OPEN, 0);
    int n = addr_conn_uri_format(p->ip, p->port, uri, sizeof(uri));
    msg_set_data(&m, uri, (size_t)n);
    msg_add_handle(&m, p->end);
    return warp_channel_send(l->ch, &m);
}

/* Announces what the backlog holds, oldest first, until the client's queue is full again. A
 * connection the client cannot take (it has gone) is closed, which resets it. */
static void listener_drain(struct loop *lp, struct loop_timeout *t, void *ctx)
{
    struct listener *l = ctx;
    (void)t;
    while (l->npending > 0) {
        struct pending_conn *p = &l->backlog[l->head];
        long r = listener_announce(l, p);
        if (r == ERR_QUEUE_FULL) {
            loop_timeout_after(lp, &l->retry, LISTENER_RETRY_MS * CLOCK_NS_PER_MS);
            return;
        }
        if (r < 0)
            warp_handle_close(p->end);
        l->head = (l->head + 1) % LISTENER_BACKLOG;
        l->npending--;
    }
}

/* conn_hand_over_fn: announces an accepted connection to listener ctx's client now, or queues it in
 * the backlog while the client's queue is full; ERR_QUEUE_FULL when the backlog is full too, or
 * ERR_PEER_CLOSED if the client has gone. */
static long listener_hand_over(void *ctx, handle_t conn_end, uint32_t ip, uint16_t port)
{
    struct listener *l = ctx;
    struct pending_conn p = {conn_end, ip, port};
    if (l->npending == 0) {
        long r = listener_announce(l, &p);
        if (r != ERR_QUEUE_FULL)
            return r;
    }
    if (l->npending == LISTENER_BACKLOG)
        return ERR_QUEUE_FULL;
    l->backlog[(l->head + l->npending++) % LISTENER_BACKLOG] = p;
    loop_timeout_after(l->loop, &l->retry, LISTENER_RETRY_MS * CLOCK_NS_PER_MS);
    return 0;
}

/* lwIP accepted a connection on the pcb of listener arg. */
static err_t listener_on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct listener *l = arg;
    if (err != ERR_OK || !pcb || !l)
        return ERR_VAL;
    return conn_accept(l->loop, pcb, listener_hand_over, l);
}

/* The client's requests on a listener channel: CLOSE stops listening; nothing else is served. */
static void listener_on_message(struct loop *lp, handle_t ch, struct warp_msg *m, void *ctx)
{
    service_drop_handles(lp, m);
    if (!msg_is_call(m))
        return;
    if (m->type == MSG_CLOSE) {
        service_reply_status(lp, ch, m, 0);
        listener_close(ctx);
    } else {
        service_reply_error(lp, ch, m, ERR_NOT_SUPPORTED);
    }
}

/* The client closed the listener channel. */
static void listener_on_closed(struct loop *lp, handle_t ch, void *ctx)
{
    (void)lp;
    (void)ch;
    listener_close(ctx);
}

static const struct loop_channel_handlers listener_handlers = {
    .on_message = listener_on_message,
    .on_peer_closed = listener_on_closed,
};

/* True if a listener already covers ip:port (the same address, or either of them "any"). */
static bool listener_taken(uint32_t ip, uint16_t port)
{
    for (const struct listener *l = listener_list; l; l = l->next)
        if (l->port == port && (l->ip == ip || l->ip == 0 || ip == 0))
            return true;
    return false;
}

/* A listen pcb bound to ip:port, or NULL with *err set. */
static struct tcp_pcb *listener_pcb(uint32_t ip, uint16_t port, long *err)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb) {
        *err = ERR_NO_RESOURCES;
        return NULL;
    }
    ip_set_option(pcb, SOF_REUSEADDR);
    ip_addr_t addr;
    ip_addr_set_ip4_u32_val(addr, lwip_htonl(ip));
    err_t e = tcp_bind(pcb, &addr, port);
    if (e != ERR_OK) {
        tcp_close(pcb);
        *err = e == ERR_USE ? ERR_ALREADY_EXISTS : ERR_INVALID_ARG;
        return NULL;
    }
    struct tcp_pcb *lpcb = tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &e);
    if (!lpcb) {
        tcp_close(pcb);
        *err = ERR_NO_RESOURCES;
    }
    return lpcb;
}

/* A listen pcb on ip:port and its channel, served from lp. */
long listener_open(struct loop *lp, uint32_t ip, uint16_t port, handle_t *out)
{
    if (listener_taken(ip, port))
        return ERR_ALREADY_EXISTS;
    struct listener *l = calloc(1, sizeof(*l));
    if (!l)
        return ERR_NO_RESOURCES;
    long err = 0;
    handle_t pair[2];
    l->pcb = listener_pcb(ip, port, &err);
    if (!l->pcb) {
        free(l);
        return err;
    }
    err = warp_channel_create(pair);
    if (err == 0) {
        err = loop_add_channel(lp, pair[0], &listener_handlers, l);
        if (err < 0) {
            warp_handle_close(pair[0]);
            warp_handle_close(pair[1]);
        }
    }
    if (err < 0) {
        tcp_close(l->pcb);
        free(l);
        return err == ERR_NO_MEMORY ? ERR_NO_RESOURCES : err;
    }
    l->loop = lp;
    l->ch = pair[0];
    loop_timeout_init(&l->retry, listener_drain, l);
    l->ip = ip;
    l->port = port;
    l->next = listener_list;
    listener_list = l;
    stats_g.listeners++;
    tcp_arg(l->pcb, l);
    tcp_accept(l->pcb, listener_on_accept);
    listener_log(l, "listening on");
    *out = pair[1];
    return 0;
}
