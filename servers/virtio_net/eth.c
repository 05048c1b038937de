/* eth.c: service/ethernet: sessions that READ received frames, WRITE frames, GETATTR the MAC. */
#include "eth.h"
#include "nic.h"

#include <warp/clock.h>
#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/proto/ethernet.h>
#include <warp/service.h>
#include <warp/string.h>
#include <warp/user.h>

/*
 * Every session sees every received frame (like a tap): a frame goes into the next free buffer of
 * the session's oldest waiting READ, else into its queue of ETH_RXQ_FRAMES. A READ is answered when
 * its buffers are full or when the frames the device had ready are all handed out (eth_rx_done, at
 * the end of each receive batch), so frames that arrive together share one reply and a lone frame
 * is not held back. A WRITE call carries 1..ETHERNET_WRITE_FRAMES frames,
 * one per buffer, and is answered once all of them are on the tx queue; the device is notified once
 * per call, not per frame. When too few tx slots are free the call waits (at most ETH_TXWAIT_MAX of
 * them, over all sessions) for the device to finish some; only then is the tx interrupt on.
 *
 * Receive back-pressure: while a session's queue is full, eth_can_take() tells the NIC to leave
 * frames in the device's rx ring (and the host behind it holds the rest), and the session's next
 * READ resumes delivery. A frame dropped here would cost the peer a retransmission timeout (1 s
 * for a SYN): tcpip working through a burst (a hundred SYNs, wrk's requests) falls behind for a few
 * milliseconds, not for good. A session whose queue stays full for ETH_HOLD_MS is not waited for:
 * its frames are dropped, counted and logged, so one that stopped reading cannot stall the others.
 */
#define ETH_SESSIONS_MAX 8
#define ETH_RXQ_FRAMES 64    /* frames queued per session while no READ waits (~95 KiB) */
#define ETH_HOLD_MS 500      /* longest a full session holds back everyone's frames */
#define ETH_DROP_LOG_MS 1000 /* at most one drop line per second */
#define ETH_TXWAIT_MAX 64    /* WRITE calls waiting for a tx slot, all sessions */

/* A waiting READ call. */
struct eth_read {
    uint64_t call_id;
    unsigned nbufs;                      /* buffers it offered, 1..ETHERNET_READ_FRAMES */
    unsigned filled;                     /* frames copied into them so far */
    uint16_t lens[ETHERNET_READ_FRAMES]; /* those frames' lengths */
};

/* One client connection. */
struct eth_session {
    handle_t ch;                               /* 0: slot free */
    struct eth_read reads[ETHERNET_READS_MAX]; /* waiting READs, oldest at read_head */
    unsigned read_head, nreads;
    uint8_t *frames; /* ETH_RXQ_FRAMES * ETHERNET_FRAME_MAX bytes */
    uint16_t lens[ETH_RXQ_FRAMES];
    unsigned frame_head, nframes;
    uint64_t full_since_ms;  /* when the queue last filled up (read only while it is full) */
    uint64_t dropped;        /* frames lost because the queue stayed full */
    uint64_t dropped_logged; /* dropped at the last drop line */
};

/* A WRITE call waiting for tx slots. */
struct eth_txwait {
    handle_t ch;
    uint64_t call_id;
    uint32_t lens[ETHERNET_WRITE_FRAMES]; /* its frames' lengths */
    unsigned nframes;
};

static struct eth_session sessions[ETH_SESSIONS_MAX];
static struct eth_txwait txwait[ETH_TXWAIT_MAX];
static unsigned txwait_head, ntxwait;
static uint64_t tx_waited; /* WRITEs that had to wait for a tx slot */

static struct loop *eth_loop;   /* the driver's event loop */
static uint64_t drop_logged_ms; /* when the last drop line was printed */

/* Sends a reply; a client that has gone is not our problem. */
static void eth_send(handle_t ch, const struct warp_msg *m)
{
    service_send(eth_loop, ch, m);
}

/* Replies ERROR(err) to call_id on ch. */
static void eth_error(handle_t ch, uint64_t call_id, long err)
{
    struct warp_msg m;
    msg_reply_error(&m, call_id, err);
    eth_send(ch, &m);
}

/* Answers s's oldest READ with the frames in its buffers (their lengths as data) and drops it. */
static void eth_read_answer(struct eth_session *s)
{
    struct eth_read *rd = &s->reads[s->read_head];
    long total = 0;
    for (unsigned i = 0; i < rd->filled; i++)
        total += rd->lens[i];
    struct warp_msg m;
    msg_reply_data(&m, MSG_READ, rd->call_id, rd->lens, rd->filled * sizeof(uint16_t));
    m.status = total;
    eth_send(s->ch, &m);
    s->read_head = (s->read_head + 1) % ETHERNET_READS_MAX;
    s->nreads--;
}

/*
 * Copies a frame into the next buffer of s's oldest READ, which is answered once full. A buffer
 * that cannot be written ends its READ: with the frames before it, or with the error if it was the
 * first; the frame then goes to the next READ. False when no READ waits.
 */
static bool eth_read_fill(struct eth_session *s, const uint8_t *frame, uint32_t len)
{
    while (s->nreads > 0) {
        struct eth_read *rd = &s->reads[s->read_head];
        long n = warp_call_write(s->ch, rd->call_id, rd->filled, 0, frame, len);
        if (n == (long)len)
            rd->lens[rd->filled++] = (uint16_t)len;
        if (n == (long)len && rd->filled < rd->nbufs)
            return true;
        if (rd->filled > 0) {
            eth_read_answer(s);
        } else {
            eth_error(s->ch, rd->call_id, n < 0 ? n : ERR_BAD_ADDRESS);
            s->read_head = (s->read_head + 1) % ETHERNET_READS_MAX;
            s->nreads--;
        }
        if (n == (long)len)
            return true;
    }
    return false;
}

/* A frame was dropped for s: says so, at most once per ETH_DROP_LOG_MS, with the count since. */
static void eth_note_drop(struct eth_session *s)
{
    uint64_t now = clock_ms();
    if (drop_logged_ms && now - drop_logged_ms < ETH_DROP_LOG_MS)
        return;
    drop_logged_ms = now;
    printf("virtio_net: dropped %llu frames: a session's queue of %u was full\n",
           (unsigned long long)(s->dropped - s->dropped_logged), ETH_RXQ_FRAMES);
    s->dropped_logged = s->dropped;
}

/* Hands a frame to session s: its oldest READ, else its queue, else the drop counter. */
static void eth_session_deliver(struct eth_session *s, const uint8_t *frame, uint32_t len)
{
    if (eth_read_fill(s, frame, len))
        return;
    if (s->nframes == ETH_RXQ_FRAMES) {
        s->dropped++;
        eth_note_drop(s);
        return;
    }
    unsigned i = (s->frame_head + s->nframes++) % ETH_RXQ_FRAMES;
    memcpy(s->frames + (size_t)i * ETHERNET_FRAME_MAX, frame, len);
    s->lens[i] = (uint16_t)len;
    if (s->nframes == ETH_RXQ_FRAMES)
        s->full_since_ms = clock_ms();
}

/* Whether a received frame can be handed on now without a loss: every session has a READ waiting
 * or room in its queue, or has been full for ETH_HOLD_MS (then it loses the frame). */
bool eth_can_take(void)
{
    for (unsigned i = 0; i < ETH_SESSIONS_MAX; i++) {
        const struct eth_session *s = &sessions[i];
        if (s->ch && s->nreads == 0 && s->nframes == ETH_RXQ_FRAMES &&
            clock_ms() - s->full_since_ms < ETH_HOLD_MS)
            return false;
    }
    return true;
}

/* A received frame, for every session. */
void eth_deliver(const uint8_t *frame, uint32_t len)
{
    for (unsigned i = 0; i < ETH_SESSIONS_MAX; i++)
        if (sessions[i].ch)
            eth_session_deliver(&sessions[i], frame, len);
}

/* The frames the device had ready are handed out: READs holding some are answered now. */
void eth_rx_done(void)
{
    for (unsigned i = 0; i < ETH_SESSIONS_MAX; i++) {
        struct eth_session *s = &sessions[i];
        if (s->ch && s->nreads > 0 && s->reads[s->read_head].filled > 0)
            eth_read_answer(s);
    }
}

/* Checks READ m's buffers (1..ETHERNET_READ_FRAMES, each writable and able to hold any frame) into
 * *rd; the first bad buffer's ERR_*, or 0. */
static long eth_read_check(const struct warp_msg *m, struct eth_read *rd)
{
    *rd = (struct eth_read){.call_id = m->call_id, .nbufs = m->nbufs};
    if (m->nbufs == 0 || m->nbufs > ETHERNET_READ_FRAMES)
        return ERR_INVALID_ARG;
    for (unsigned i = 0; i < m->nbufs; i++) {
        long len = msg_get_buf(m, i, BUF_WRITE);
        if (len < 0)
            return len;
        if (len < ETHERNET_FRAME_MAX)
            return ERR_INVALID_ARG;
    }
    return 0;
}

/* READ: answered at once with the queued frames (as many as it has buffers for), else when frames
 * come. */
static void eth_read(struct eth_session *s, const struct warp_msg *m)
{
    struct eth_read rd;
    long r = eth_read_check(m, &rd);
    if (r < 0) {
        eth_error(s->ch, m->call_id, r);
        return;
    }
    if (s->nreads == ETHERNET_READS_MAX) {
        eth_error(s->ch, m->call_id, ERR_QUEUE_FULL);
        return;
    }
    s->reads[(s->read_head + s->nreads++) % ETHERNET_READS_MAX] = rd;
    if (s->nframes == 0)
        return; /* frames queue only while no READ waits: this one is the only one */
    if (s->nframes == ETH_RXQ_FRAMES)
        nic_rx_resume(); /* frames held back for this session can come now */
    while (s->nframes > 0 && s->nreads > 0) {
        unsigned i = s->frame_head;
        s->frame_head = (s->frame_head + 1) % ETH_RXQ_FRAMES;
        s->nframes--;
        eth_read_fill(s, s->frames + (size_t)i * ETHERNET_FRAME_MAX, s->lens[i]);
    }
    if (s->nreads > 0 && s->reads[s->read_head].filled > 0)
        eth_read_answer(s);
}

/* Queues the frames of WRITE w now; replies the sum of their lengths or the error. */
static void eth_write_now(const struct eth_txwait *w)
{
    long r = nic_send_from_call(w->ch, w->call_id, w->lens, w->nframes);
    struct warp_msg m;
    if (r < 0)
        msg_reply_error(&m, w->call_id, r);
    else
        msg_reply(&m, MSG_WRITE, w->call_id, r);
    eth_send(w->ch, &m);
}

/* Checks WRITE m's frames (every buffer readable, ETHERNET_HDR_LEN..ETHERNET_FRAME_MAX bytes) into
 * *w; the first bad buffer's ERR_*, or 0. */
static long eth_write_check(handle_t ch, const struct warp_msg *m, struct eth_txwait *w)
{
    *w = (struct eth_txwait){.ch = ch, .call_id = m->call_id, .nframes = m->nbufs};
    if (m->nbufs == 0 || m->nbufs > ETHERNET_WRITE_FRAMES)
        return ERR_INVALID_ARG;
    for (unsigned i = 0; i < m->nbufs; i++) {
        long len = msg_get_buf(m, i, BUF_READ);
        if (len < 0)
            return len;
        if (len > ETHERNET_FRAME_MAX)
            return ERR_TOO_LARGE;
        if (len < ETHERNET_HDR_LEN)
            return ERR_INVALID_ARG;
        w->lens[i] = (uint32_t)len;
    }
    return 0;
}

/* WRITE: 1..ETHERNET_WRITE_FRAMES frames, all checked before any is sent; waits for tx slots if too few are
 * free (or earlier WRITEs wait: they go first). */
static void eth_write(struct eth_session *s, const struct warp_msg *m)
{
    struct eth_txwait w;
    long r = eth_write_check(s->ch, m, &w);
    if (r < 0) {
        eth_error(s->ch, m->call_id, r);
    } else if (ntxwait == 0 && nic_tx_room(w.nframes)) {
        eth_write_now(&w);
        nic_tx_kick();
    } else if (ntxwait == ETH_TXWAIT_MAX) {
        eth_error(s->ch, m->call_id, ERR_QUEUE_FULL);
    } else {
        txwait[(txwait_head + ntxwait++) % ETH_TXWAIT_MAX] = w;
        tx_waited++;
        nic_tx_want_space(true);
    }
}

/* Tx slots were freed: the waiting WRITEs go, oldest first, with one notification for all; the tx
 * interrupt goes off again once none waits. */
void eth_tx_space(void)
{
    while (ntxwait > 0 && nic_tx_room(txwait[txwait_head].nframes)) {
        struct eth_txwait w = txwait[txwait_head];
        txwait_head = (txwait_head + 1) % ETH_TXWAIT_MAX;
        ntxwait--;
        eth_write_now(&w);
    }
    nic_tx_kick();
    if (ntxwait == 0)
        nic_tx_want_space(false);
}

/* GETATTR: mac (6 bytes), mtu, link, stats (text). */
static void eth_getattr(struct eth_session *s, const struct warp_msg *m)
{
    char name[MSG_DATA_MAX + 1], text[MSG_DATA_MAX + 1];
    struct warp_msg r;
    long n = msg_get_attr_name(m, name, sizeof(name));
    if (n < 0) {
        eth_error(s->ch, m->call_id, n);
        return;
    }
    if (strcmp(name, "mac") == 0) {
        msg_reply_data(&r, MSG_GETATTR, m->call_id, nic_g.mac, ETHERNET_ADDR_LEN);
    } else if (strcmp(name, "mtu") == 0) {
        fmt_snprintf(text, sizeof(text), "%u", ETHERNET_MTU);
        msg_reply_text(&r, MSG_GETATTR, m->call_id, text);
    } else if (strcmp(name, "link") == 0) {
        msg_reply_text(&r, MSG_GETATTR, m->call_id, nic_link_up() ? "up" : "down");
    } else if (strcmp(name, "stats") == 0) {
        fmt_snprintf(text, sizeof(text),
                     "rx %llu tx %llu rx_bad %llu dropped %llu tx_waited %llu tx_kicks %llu irqs %llu",
                     (unsigned long long)nic_g.rx_frames, (unsigned long long)nic_g.tx_frames,
                     (unsigned long long)nic_g.rx_bad, (unsigned long long)s->dropped,
                     (unsigned long long)tx_waited, (unsigned long long)nic_g.tx_kicks,
                     (unsigned long long)nic_g.irqs);
        msg_reply_text(&r, MSG_GETATTR, m->call_id, text);
    } else {
        msg_reply_error(&r, m->call_id, ERR_NOT_FOUND);
    }
    eth_send(s->ch, &r);
}

/* Forgets session s: its queue, its waiting WRITEs; closes its channel. */
static void eth_session_end(struct eth_session *s)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < ntxwait; i++) {
        struct eth_txwait w = txwait[(txwait_head + i) % ETH_TXWAIT_MAX];
        if (w.ch != s->ch)
            txwait[(txwait_head + kept++) % ETH_TXWAIT_MAX] = w;
    }
    ntxwait = kept;
    if (ntxwait == 0)
        nic_tx_want_space(false);
    loop_close(eth_loop, s->ch);
    free(s->frames);
    if (s->nframes == ETH_RXQ_FRAMES)
        nic_rx_resume();
    memset(s, 0, sizeof(*s));
}

/* A message on a session: calls are served or refused; one-way messages are ignored. */
static void eth_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct eth_session *s = ctx;
    (void)ch;
    service_drop_handles(l, m); /* we take no handles */
    if (!msg_is_call(m))
        return;
    switch (m->type) {
    case MSG_READ: eth_read(s, m); break;
    case MSG_WRITE: eth_write(s, m); break;
    case MSG_GETATTR: eth_getattr(s, m); break;
    case MSG_CLOSE: {
        struct warp_msg r;
        msg_reply(&r, MSG_CLOSE, m->call_id, 0);
        eth_send(s->ch, &r);
        eth_session_end(s);
        break;
    }
    default: eth_error(s->ch, m->call_id, ERR_NOT_SUPPORTED); break;
    }
}

/* The client went away. */
static void eth_on_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)l;
    (void)ch;
    eth_session_end(ctx);
}

static const struct loop_channel_handlers eth_session_handlers = {
    .on_message = eth_on_message,
    .on_peer_closed = eth_on_closed,
};

/* A new client, handed over by init: a free session and its frame queue, or ch is closed. */
static void eth_session_start(struct loop *l, handle_t ch, void *ctx)
{
    (void)ctx;
    struct eth_session *s = NULL;
    for (unsigned i = 0; i < ETH_SESSIONS_MAX && !s; i++)
        if (!sessions[i].ch)
            s = &sessions[i];
    uint8_t *frames = s ? malloc((size_t)ETH_RXQ_FRAMES * ETHERNET_FRAME_MAX) : NULL;
    if (!frames || loop_add_channel(l, ch, &eth_session_handlers, s) < 0) {
        printf("virtio_net: refusing a session: %s\n", s ? "out of memory" : "too many sessions");
        free(frames);
        service_refuse(l, ch, ERR_NO_RESOURCES);
        return;
    }
    memset(s, 0, sizeof(*s));
    s->ch = ch;
    s->frames = frames;
}

/* Registers service/ethernet; its sessions are served from l. */
long eth_start(struct loop *l)
{
    eth_loop = l;
    return service_start(l, "ethernet", eth_session_start, NULL);
}
