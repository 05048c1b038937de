/* dial.c: outbound TCP connections: OPEN "tcp-connect:<addr>:<port>" until lwIP's handshake ends. */
#include "dial.h"
#include "conn.h"
#include "eth.h"
#include "stats.h"

#include <warp/clock.h>
#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/service.h>
#include <warp/user.h>

#include "lwip/tcp.h"

/*
 * A dial is an OPEN waiting for its answer: the control channel and call that asked, lwIP's pcb in
 * SYN_SENT, and a deadline. It ends in exactly one of four ways, and each frees it:
 *
 *   handshake done (dial_on_connected)   conn_accept makes the connection channel, exactly as for an
 *                                        accepted connection; the OPEN's reply carries its end
 *   RST, or lwIP gave up (dial_on_err)   lwIP has freed the pcb; ERROR ERR_REFUSED / ERR_TIMED_OUT
 *   the deadline (dial_on_timeout)       we abort the pcb; ERROR ERR_TIMED_OUT
 *   the control channel closed (dial_cancel)  we abort the pcb; no reply, no one is left to hear it
 *
 * lwIP's own SYN retransmissions (3, 6, 12 s...) would go on for minutes; DIAL_TIMEOUT_MS ends the
 * wait sooner, as a client on a cloud network wants.
 */
#define DIAL_TIMEOUT_MS 15000

struct dial {
    struct loop *loop;   /* tcpip's one loop */
    handle_t ctl;        /* the control channel the OPEN came on */
    uint64_t call_id;    /* the OPEN */
    struct tcp_pcb *pcb; /* in SYN_SENT; NULL once lwIP has freed or taken it */
    long slot;           /* its client's count of pending connects (access.h) */
    struct loop_timeout deadline;
    struct dial *next;
};

static struct dial *dial_list;

/* Forgets d: off the list, its deadline cancelled, its count given back. The pcb is no longer ours. */
static void dial_free(struct dial *d)
{
    for (struct dial **p = &dial_list; *p; p = &(*p)->next)
        if (*p == d) {
            *p = d->next;
            break;
        }
    loop_timeout_cancel(d->loop, &d->deadline);
    access_dial_put(d->slot);
    stats_g.dials--;
    free(d);
}

/* Answers d's OPEN with err. */
static void dial_reply_error(struct dial *d, long err)
{
    struct warp_msg r;
    msg_reply_error(&r, d->call_id, err);
    service_send(d->loop, d->ctl, &r);
}

/* Aborts d's pcb (a RST if the SYN went out) and forgets d. Not from inside an lwIP callback on it. */
static void dial_abort(struct dial *d)
{
    tcp_arg(d->pcb, NULL);
    tcp_err(d->pcb, NULL);
    tcp_abort(d->pcb);
    dial_free(d);
}

/* conn_hand_over_fn: the OPEN's reply carries the connection channel's client end. 0, or the send's
 * error (the handle stays ours and conn_accept resets the connection). */
static long dial_hand_over(void *ctx, handle_t client_end, uint32_t ip, uint16_t port)
{
    struct dial *d = ctx;
    (void)ip;
    (void)port;
    struct warp_msg r;
    msg_reply_open(&r, d->call_id, client_end);
    return warp_channel_send(d->ctl, &r);
}

/* lwIP's connected callback: the handshake is done; from here the connection is conn.c's. */
static err_t dial_on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct dial *d = arg;
    (void)err; /* always ERR_OK in lwIP 2.1.3 */
    tcp_arg(pcb, NULL);
    tcp_err(pcb, NULL);
    d->pcb = NULL;
    err_t e = conn_accept(d->loop, pcb, dial_hand_over, d);
    if (e != ERR_OK)
        dial_reply_error(d, ERR_NO_RESOURCES); /* handle table or the client's queue full */
    dial_free(d);
    return e;
}

/* lwIP's error callback: the pcb is gone, refused by the peer (RST) or given up on. */
static void dial_on_err(void *arg, err_t err)
{
    struct dial *d = arg;
    if (!d)
        return;
    d->pcb = NULL;
    dial_reply_error(d, err == ERR_RST ? ERR_REFUSED : ERR_TIMED_OUT);
    dial_free(d);
}

/* The handshake took too long. */
static void dial_on_timeout(struct loop *l, struct loop_timeout *t, void *ctx)
{
    struct dial *d = ctx;
    (void)l;
    (void)t;
    dial_reply_error(d, ERR_TIMED_OUT);
    dial_abort(d);
}

/* lwIP's error for a failed tcp_connect as ours. */
static long dial_error(err_t e)
{
    if (e == ERR_RTE)
        return ERR_WOULD_BLOCK; /* no route: the link is down or no address yet */
    return e == ERR_VAL ? ERR_INVALID_ARG : ERR_NO_RESOURCES;
}

/* A pcb connecting to ip:port for d (its callbacks set), or NULL with *err set. */
static struct tcp_pcb *dial_pcb(struct dial *d, uint32_t ip, uint16_t port, long *err)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb) {
        *err = ERR_NO_RESOURCES;
        return NULL;
    }
    tcp_arg(pcb, d);
    tcp_err(pcb, dial_on_err);
    ip_addr_t addr;
    ip_addr_set_ip4_u32_val(addr, lwip_htonl(ip));
    err_t e = tcp_connect(pcb, &addr, port, dial_on_connected);
    if (e != ERR_OK) {
        tcp_arg(pcb, NULL);
        tcp_err(pcb, NULL);
        tcp_close(pcb); /* never registered: frees it */
        *err = dial_error(e);
        return NULL;
    }
    return pcb;
}

/* Starts connecting for an OPEN "tcp-connect:..." (dial.h). */
long dial_open(struct loop *l, handle_t ch, const struct warp_msg *m, const struct access_client *c,
               uint32_t ip, uint16_t port)
{
    uint32_t me, mask, gw;
    long err = access_connect(c);
    if (err == 0 && eth_ipv4(&me, &mask, &gw) < 0)
        err = ERR_WOULD_BLOCK;
    long slot = err == 0 ? access_dial_take(c) : err;
    if (slot < 0)
        return slot;
    struct dial *d = calloc(1, sizeof(*d));
    err = ERR_NO_RESOURCES;
    if (d)
        d->pcb = dial_pcb(d, ip, port, &err);
    if (!d || !d->pcb) {
        free(d);
        access_dial_put(slot);
        return err;
    }
    d->loop = l;
    d->ctl = ch;
    d->call_id = m->call_id;
    d->slot = slot;
    loop_timeout_init(&d->deadline, dial_on_timeout, d);
    loop_timeout_after(l, &d->deadline, DIAL_TIMEOUT_MS * CLOCK_NS_PER_MS);
    d->next = dial_list;
    dial_list = d;
    stats_g.dials++;
    return 0;
}

/* Abandons the pending connects of control channel ch. */
void dial_cancel(handle_t ch)
{
    for (struct dial *d = dial_list, *next; d; d = next) {
        next = d->next;
        if (d->ctl == ch)
            dial_abort(d);
    }
}
