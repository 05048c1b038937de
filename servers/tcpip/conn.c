/* conn.c: TCP connections as channels: READ/WRITE/CLOSE from the application, lwIP callbacks from the peer. */
#include "conn.h"
#include "stats.h"

#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/proto/ethernet.h>
#include <warp/proto/tcpip.h>
#include <warp/service.h>
#include <warp/user.h>

#include "lwip/tcp.h"

/*
 * One struct conn per accepted connection. It holds two things whose lifetimes differ: the channel
 * to the application (ch) and lwIP's pcb. It is freed when both are gone:
 *
 *   peer RST or timeout:  lwIP frees the pcb and calls conn_on_err -> we close the channel (the
 *                         application sees EV_PEER_CLOSED; its pending calls fail with ERR_PEER_CLOSED)
 *   application CLOSE:    after the pending WRITEs, tcp_close (FIN after the queued data), reply,
 *                         close the channel
 *   application closes:   the same, without a reply (its pending WRITEs' remaining bytes are lost)
 *
 * After tcp_close the pcb belongs to lwIP (which finishes sending and the FIN handshake): we
 * detach our callbacks from it first. tcp_abort calls the error callback, so it is detached too.
 *
 * Flow control: received pbufs wait in rxq until the application READs them; only then does
 * tcp_recved reopen the window, so a slow reader makes the sender wait and nothing is dropped.
 * WRITEs are served in order: their bytes are copied out of the caller (SYS_CALL_READ) as fast as
 * lwIP's send buffer takes them; the reply comes when all are in it.
 */

#define CONN_CHUNK (16 * 1024) /* bytes copied from a caller per tcp_write */
/* Send-buffer room an acknowledgement must have freed before more of a WRITE goes in: a segment's
 * worth per WRITE frame to the driver (conn_on_sent). */
#define CONN_TX_BURST (ETHERNET_WRITE_FRAMES * TCP_MSS)
#define CONN_COMPACT_BELOW 512 /* received pbuf chains shorter than this are copied to the heap */
#define CONN_RX_PBUFS_MAX 32   /* more pbufs waiting for READ are collapsed into one */
#define CONN_POLL_INTERVAL 2   /* lwIP poll callback every 2 coarse ticks (1 s): retries */

struct conn_write {
    uint64_t call_id;
    uint64_t len;  /* bytes the caller offered (bufs[0]) */
    uint64_t done; /* bytes handed to lwIP so far */
};

struct conn {
    struct loop *loop;   /* tcpip's one loop */
    handle_t ch;         /* our end of the connection channel; 0 once closed */
    struct tcp_pcb *pcb; /* NULL once lwIP freed it or we handed it back */
    struct pbuf *rxq;    /* received and not yet READ; a chain, or NULL */
    bool fin;            /* the peer sent FIN: READ gives 0 once rxq is empty */
    bool reading;        /* a READ is pending */
    uint64_t read_id;
    uint64_t read_len;
    struct conn_write writes[TCPIP_WRITES_MAX]; /* pending WRITEs, oldest at wr_head */
    unsigned wr_head, wr_count;
    bool closing;      /* a CLOSE call waits for the WRITEs before it */
    bool close_wanted; /* tcp_close failed for want of memory: the poll callback retries */
    uint64_t close_id;
    struct conn *prev, *next;
};

static struct conn *conn_list;
static uint8_t conn_scratch[CONN_CHUNK]; /* one loop, one copy at a time */

static void conn_pump_tx(struct conn *c);

/* Frees c once neither its channel nor its pcb is left. */
static void conn_maybe_free(struct conn *c)
{
    if (c->ch || c->pcb)
        return;
    if (c->rxq)
        pbuf_free(c->rxq);
    if (c->prev)
        c->prev->next = c->next;
    else
        conn_list = c->next;
    if (c->next)
        c->next->prev = c->prev;
    stats_g.conns--;
    free(c);
}

static err_t conn_on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t conn_on_sent(void *arg, struct tcp_pcb *pcb, u16_t len);
static err_t conn_on_poll(void *arg, struct tcp_pcb *pcb);
static void conn_on_err(void *arg, err_t err);

/* Puts our callbacks on pcb, for c. */
static void conn_attach(struct conn *c, struct tcp_pcb *pcb)
{
    c->pcb = pcb;
    tcp_arg(pcb, c);
    tcp_recv(pcb, conn_on_recv);
    tcp_sent(pcb, conn_on_sent);
    tcp_err(pcb, conn_on_err);
    tcp_poll(pcb, conn_on_poll, CONN_POLL_INTERVAL);
}

/* Takes our callbacks off pcb (lwIP owns it from here, or it is about to be closed). */
static void conn_detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
}

/*
 * Ends the TCP side: FIN after the queued data, or RST if received data was never read (as sockets
 * do). Returns false when lwIP has no memory for the FIN: the pcb stays ours and close_wanted makes
 * the poll callback try again. (Never tcp_abort here: this runs inside lwIP's callbacks, where
 * freeing the pcb under lwIP's feet is only allowed through tcp_close.)
 */
static bool conn_close_pcb(struct conn *c)
{
    if (!c->pcb)
        return true;
    struct tcp_pcb *pcb = c->pcb;
    conn_detach(pcb);
    if (tcp_close(pcb) != ERR_OK) {
        conn_attach(c, pcb);
        c->close_wanted = true;
        return false;
    }
    c->pcb = NULL;
    c->close_wanted = false;
    return true;
}

/* Closes the channel; the application sees EV_PEER_CLOSED and its pending calls fail. */
static void conn_close_channel(struct conn *c)
{
    if (!c->ch)
        return;
    loop_close(c->loop, c->ch);
    c->ch = 0;
    c->reading = false;
    c->wr_count = 0;
    c->closing = false;
}

/* Copies received bytes into the pending READ's buffer, then reopens the window by as much. */
static void conn_pump_rx(struct conn *c)
{
    if (!c->reading || !c->ch)
        return;
    if (!c->rxq) {
        if (c->fin || !c->pcb) {
            c->reading = false;
            struct warp_msg r;
            msg_reply(&r, MSG_READ, c->read_id, 0); /* end of stream */
            service_send(c->loop, c->ch, &r);
        }
        return;
    }
    uint64_t off = 0;
    long err = 0;
    for (struct pbuf *q = c->rxq; q && off < c->read_len; q = q->next) {
        uint64_t n = c->read_len - off < q->len ? c->read_len - off : q->len;
        long w = warp_call_write(c->ch, c->read_id, 0, off, q->payload, (size_t)n);
        if (w < 0) {
            err = w;
            break;
        }
        off += (uint64_t)w;
        if ((uint64_t)w < q->len)
            break; /* the buffer is full */
    }
    c->reading = false;
    if (off > 0) {
        c->rxq = pbuf_free_header(c->rxq, (u16_t)off);
        if (c->pcb)
            tcp_recved(c->pcb, (u16_t)off);
    }
    struct warp_msg r;
    if (err < 0 && off == 0)
        msg_reply_error(&r, c->read_id, err);
    else
        msg_reply(&r, MSG_READ, c->read_id, (int64_t)off);
    service_send(c->loop, c->ch, &r);
}

/* lwIP's recv callback: data (queued for READ), or p == NULL for the peer's FIN. */
static err_t conn_on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct conn *c = arg;
    (void)pcb;
    if (!c) {
        if (p)
            pbuf_free(p);
        return ERR_OK;
    }
    if (!p) {
        c->fin = true;
        conn_pump_rx(c);
        return ERR_OK;
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    }
    if (!c->ch) {
        pbuf_free(p); /* the application has gone; the close is being retried */
        return ERR_OK;
    }
    if (c->rxq && (uint32_t)c->rxq->tot_len + p->tot_len > 0xffff)
        return ERR_MEM; /* cannot happen within the window; lwIP keeps p and offers it again */
    if (c->rxq && pbuf_clen(c->rxq) >= CONN_RX_PBUFS_MAX) {
        /* Many small segments: one heap copy instead of many buffers. If even that fails, refuse p:
         * lwIP keeps it (and drops further data) until we take it on a later try. */
        struct pbuf *all = pbuf_clone(PBUF_RAW, PBUF_RAM, c->rxq);
        if (!all)
            return ERR_MEM;
        pbuf_free(c->rxq);
        c->rxq = all;
    }
    if (p->tot_len < CONN_COMPACT_BELOW) {
        /* A few bytes must not pin a 1.5 KiB pool buffer until the application reads them. */
        struct pbuf *copy = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
        if (copy) {
            pbuf_free(p);
            p = copy;
        }
    }
    if (c->rxq)
        pbuf_cat(c->rxq, p);
    else
        c->rxq = p;
    conn_pump_rx(c);
    return ERR_OK;
}

/* Replies to the oldest WRITE with status (bytes, or an error) and drops it from the queue. */
static void conn_write_done(struct conn *c, long status)
{
    struct conn_write *w = &c->writes[c->wr_head];
    struct warp_msg r;
    if (status < 0)
        msg_reply_error(&r, w->call_id, status);
    else
        msg_reply(&r, MSG_WRITE, w->call_id, status);
    service_send(c->loop, c->ch, &r);
    c->wr_head = (c->wr_head + 1) % TCPIP_WRITES_MAX;
    c->wr_count--;
}

/* CLOSE, once the WRITEs before it are in lwIP: FIN (retried by poll if lwIP lacks memory), then
 * the reply, then the channel closes. */
static void conn_finish_close(struct conn *c)
{
    if (!conn_close_pcb(c))
        return;
    struct warp_msg r;
    msg_reply(&r, MSG_CLOSE, c->close_id, 0);
    service_send(c->loop, c->ch, &r);
    conn_close_channel(c);
    conn_maybe_free(c);
}

/* Moves pending WRITEs' bytes into lwIP's send buffer as far as it has room; then sends. */
static void conn_pump_tx(struct conn *c)
{
    bool queued = false;
    while (c->wr_count > 0 && c->pcb) {
        struct conn_write *w = &c->writes[c->wr_head];
        if (w->done == w->len) {
            conn_write_done(c, (long)w->done);
            continue;
        }
        uint64_t n = w->len - w->done;
        if (n > tcp_sndbuf(c->pcb))
            n = tcp_sndbuf(c->pcb);
        if (n > CONN_CHUNK)
            n = CONN_CHUNK;
        if (n == 0 || tcp_sndqueuelen(c->pcb) >= TCP_SND_QUEUELEN)
            break; /* full: the sent or poll callback comes back here */
        long got = warp_call_read(c->ch, w->call_id, 0, w->done, conn_scratch, (size_t)n);
        if (got <= 0) {
            /* The caller went away (ERR_PEER_CLOSED) or its buffer did (ERR_BAD_ADDRESS). */
            conn_write_done(c, got < 0 ? got : (long)w->done);
            continue;
        }
        u8_t flags = TCP_WRITE_FLAG_COPY;
        if (w->done + (uint64_t)got < w->len)
            flags |= TCP_WRITE_FLAG_MORE;
        err_t e = tcp_write(c->pcb, conn_scratch, (u16_t)got, flags);
        if (e == ERR_MEM)
            break; /* lwIP's heap or segments ran out: retried from poll or sent */
        if (e != ERR_OK) {
            conn_write_done(c, ERR_PEER_CLOSED); /* the pcb can no longer send */
            continue;
        }
        w->done += (uint64_t)got;
        queued = true;
    }
    if (queued && c->pcb)
        tcp_output(c->pcb);
    if (c->closing && c->wr_count == 0)
        conn_finish_close(c);
}

/*
 * lwIP's sent callback: the peer acknowledged data, so the send buffer has room again. The WRITEs
 * go on once CONN_TX_BURST bytes of room are free (or nothing is unacknowledged): a peer that
 * acknowledges every segment (QEMU's slirp does) would otherwise have us copy, segment and send one
 * segment per acknowledgement, each frame a WRITE call and a device notification of its own. Data is
 * still in flight while we wait, so its acknowledgements (or the poll callback) come back here.
 */
static err_t conn_on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)len;
    if (arg && (tcp_sndbuf(pcb) >= CONN_TX_BURST || !pcb->unacked))
        conn_pump_tx(arg);
    return ERR_OK;
}

/* lwIP's poll callback (every second): retries WRITEs and a CLOSE that lwIP's memory held up. */
static err_t conn_on_poll(void *arg, struct tcp_pcb *pcb)
{
    struct conn *c = arg;
    (void)pcb;
    if (!c)
        return ERR_OK;
    if (c->close_wanted && !c->closing) {
        if (conn_close_pcb(c))
            conn_maybe_free(c);
        return ERR_OK;
    }
    conn_pump_tx(c);
    return ERR_OK;
}

/* lwIP's error callback: the pcb is already freed (RST from the peer, retransmission timeout, or
 * lwIP recycled it for a new connection). */
static void conn_on_err(void *arg, err_t err)
{
    struct conn *c = arg;
    (void)err;
    if (!c)
        return;
    c->pcb = NULL;
    conn_close_channel(c);
    conn_maybe_free(c);
}

/* READ: one at a time; answered when data (or the FIN) is there. */
static void conn_read(struct conn *c, const struct warp_msg *m)
{
    long len = msg_get_buf(m, 0, BUF_WRITE);
    if (len < 0) {
        service_reply_error(c->loop, c->ch, m, len);
        return;
    }
    if (c->reading) {
        service_reply_error(c->loop, c->ch, m, ERR_ALREADY_EXISTS);
        return;
    }
    if (len == 0) {
        service_reply_status(c->loop, c->ch, m, 0);
        return;
    }
    c->reading = true;
    c->read_id = m->call_id;
    c->read_len = (uint64_t)len;
    conn_pump_rx(c);
}

/* WRITE: queued behind earlier ones; answered when all its bytes are in lwIP. */
static void conn_write(struct conn *c, const struct warp_msg *m)
{
    long len = msg_get_buf(m, 0, BUF_READ);
    if (len < 0) {
        service_reply_error(c->loop, c->ch, m, len);
        return;
    }
    if (c->closing) {
        service_reply_error(c->loop, c->ch, m, ERR_INVALID_ARG); /* nothing may follow CLOSE */
        return;
    }
    if (c->wr_count == TCPIP_WRITES_MAX) {
        service_reply_error(c->loop, c->ch, m, ERR_QUEUE_FULL);
        return;
    }
    unsigned i = (c->wr_head + c->wr_count) % TCPIP_WRITES_MAX;
    c->writes[i] = (struct conn_write){m->call_id, (uint64_t)len, 0};
    c->wr_count++;
    conn_pump_tx(c);
}

/* A request on a connection channel. */
static void conn_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct conn *c = ctx;
    (void)ch;
    service_drop_handles(l, m);
    if (!msg_is_call(m))
        return;
    if (m->type == MSG_READ) {
        conn_read(c, m);
    } else if (m->type == MSG_WRITE) {
        conn_write(c, m);
    } else if (m->type == MSG_CLOSE) {
        if (c->closing) {
            service_reply_error(c->loop, c->ch, m, ERR_ALREADY_EXISTS);
            return;
        }
        c->closing = true;
        c->close_id = m->call_id;
        conn_pump_tx(c);
    } else {
        service_reply_error(c->loop, c->ch, m, ERR_NOT_SUPPORTED);
    }
}

/* The application closed its end: FIN after what lwIP already has. */
static void conn_on_closed(struct loop *l, handle_t ch, void *ctx)
{
    struct conn *c = ctx;
    (void)l;
    (void)ch;
    conn_close_channel(c);
    if (conn_close_pcb(c))
        conn_maybe_free(c);
}

static const struct loop_channel_handlers conn_handlers = {
    .on_message = conn_on_message,
    .on_peer_closed = conn_on_closed,
};

/* A connection lwIP accepted: its channel, handed over; a RST if that cannot be done. */
err_t conn_accept(struct loop *l, struct tcp_pcb *pcb, conn_hand_over_fn hand_over, void *ctx)
{
    struct conn *c = calloc(1, sizeof(*c));
    handle_t pair[2] = {0, 0};
    long r = c ? warp_channel_create(pair) : ERR_NO_MEMORY;
    if (r == 0)
        r = loop_add_channel(l, pair[0], &conn_handlers, c);
    if (r == 0) {
        r = hand_over(ctx, pair[1], lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip))),
                      pcb->remote_port);
        if (r < 0)
            loop_remove(l, pair[0]);
    }
    if (r < 0) {
        /* Handle table full, the application's queue full or it has gone: refuse with a RST. */
        if (pair[0]) {
            warp_handle_close(pair[0]);
            warp_handle_close(pair[1]);
        }
        free(c);
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    c->loop = l;
    c->ch = pair[0];
    c->next = conn_list;
    if (conn_list)
        conn_list->prev = c;
    conn_list = c;
    stats_g.conns++;
    conn_attach(c, pcb);
    tcp_nagle_disable(pcb); /* WRITEs are whole messages: send them now, not after the next ACK */
    ip_set_option(pcb, SOF_KEEPALIVE);
    return ERR_OK;
}

/* A WRITE slot to the driver came free: every connection tries to send again. */
void conn_kick_all(void)
{
    for (struct conn *c = conn_list, *next; c; c = next) {
        next = c->next; /* conn_pump_tx may free c (a CLOSE finishing) */
        if (!c->pcb)
            continue;
        if (c->wr_count || c->closing)
            conn_pump_tx(c);
        else
            tcp_output(c->pcb);
    }
}
