/* pglink.c: PostgreSQL's bytes over tcpip for the fs server (pglink.h). */
#include "pglink.h"

#include <warp/fmt.h>
#include <warp/msg.h>
#include <warp/proto/tcpip.h>
#include <warp/service.h>
#include <warp/string.h>
#include <warp/user.h>

#define PGLINK_WATCH_NS 1000000000ull /* how often the watchdog looks */

static const struct pg_backoff pglink_backoff = {.base_ms = 250, .cap_ms = 30000};

static void pglink_open_tcpip(struct pglink *k);
static void pglink_read(struct pglink *k);

/* Logs "fs: /NAME: text". */
static void pglink_log(const struct pglink *k, const char *text)
{
    printf("fs: /%s: %s\n", k->conf->name, text);
}

/* Closes whatever the attempt holds. */
static void pglink_close(struct pglink *k)
{
    if (k->conn)
        loop_close(k->l, k->conn);
    if (k->tcpip)
        loop_close(k->l, k->tcpip);
    k->conn = k->tcpip = 0;
    k->reading = k->writing = false;
}

/* The attempt failed or the link broke: the store hears it, the next attempt waits its backoff. */
static void pglink_down(struct pglink *k, long why)
{
    bool was_up = k->state == PGLINK_UP;
    pglink_close(k);
    if (was_up) {
        pgstore_disconnected(k->store, why);
        k->attempt = 0;
    }
    uint32_t rnd = 0;
    warp_entropy(&rnd, sizeof(rnd));
    uint32_t ms = pg_backoff_delay(&pglink_backoff, k->attempt++, rnd);
    char msg[160];
    fmt_snprintf(msg, sizeof(msg), "PostgreSQL at %s:%u %s (%s); trying again in %u ms", k->conf->host,
                 (unsigned)k->conf->port, was_up ? "lost" : "unreachable", err_str(why), ms);
    pglink_log(k, msg);
    k->state = PGLINK_WAIT;
    loop_timeout_after(k->l, &k->retry, (uint64_t)ms * 1000000u);
    if (was_up && k->on_state)
        k->on_state(k->ctx, false, why);
}

/* tcpip's control channel or the connection closed under us. */
static void pglink_on_closed(struct loop *l, handle_t ch, void *ctx)
{
    struct pglink *k = ctx;
    (void)l;
    if (ch == k->tcpip)
        k->tcpip = 0; /* the loop forgets it; the connection, if any, goes on */
    if (ch == k->conn && k->state == PGLINK_UP) {
        k->conn = 0;
        pglink_down(k, ERR_PEER_CLOSED);
    }
}

/* Messages nobody asked for: dropped (calls answered ERR_NOT_SUPPORTED). */
static void pglink_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ctx;
    loop_close_handles(l, m, 0);
    if (msg_is_call(m))
        loop_reply_error(l, ch, m->call_id, ERR_NOT_SUPPORTED);
}

static const struct loop_channel_handlers pglink_handlers = {
    .on_message = pglink_on_message,
    .on_peer_closed = pglink_on_closed,
};

/* A WRITE of the store's bytes ended: they are consumed, and more may follow. */
static void pglink_on_written(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct pglink *k = ctx;
    (void)l;
    (void)ch;
    long r = msg_result(m, MSG_WRITE);
    k->writing = false;
    if (k->state != PGLINK_UP)
        return;
    if (r <= 0) {
        pglink_down(k, r < 0 ? r : ERR_PEER_CLOSED);
        return;
    }
    pg_consume(pgstore_pg(k->store), (size_t)r);
    k->progress_ns = warp_clock();
    pglink_pump(k);
}

/* Sends what the store queued; see pglink.h. */
void pglink_pump(struct pglink *k)
{
    const uint8_t *data;
    if (k->state != PGLINK_UP || k->writing)
        return;
    size_t n = pg_output(pgstore_pg(k->store), &data);
    if (n == 0)
        return;
    struct warp_msg m;
    msg_write(&m, data, n);
    long r = loop_call(k->l, k->conn, &m, pglink_on_written, k);
    if (r < 0) {
        pglink_down(k, r);
        return;
    }
    k->writing = true;
}

/* A READ of the connection ended: the bytes go to the store, which may answer with more. */
static void pglink_on_read(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct pglink *k = ctx;
    (void)l;
    (void)ch;
    long r = msg_result(m, MSG_READ);
    k->reading = false;
    if (k->state != PGLINK_UP)
        return;
    if (r <= 0) {
        pglink_down(k, r < 0 ? r : ERR_PEER_CLOSED); /* 0: the server closed */
        return;
    }
    k->progress_ns = warp_clock();
    long f = pgstore_feed(k->store, k->rx, (size_t)r);
    if (f < 0 && k->state == PGLINK_UP) {
        pglink_down(k, f);
        return;
    }
    pglink_pump(k);
    pglink_read(k);
}

/* Keeps one READ waiting on the connection. */
static void pglink_read(struct pglink *k)
{
    if (k->state != PGLINK_UP || k->reading)
        return;
    struct warp_msg m;
    msg_read(&m, k->rx, sizeof(k->rx));
    long r = loop_call(k->l, k->conn, &m, pglink_on_read, k);
    if (r < 0) {
        pglink_down(k, r);
        return;
    }
    k->reading = true;
}

/* The OPEN reply's channel (added to the loop), or an error; other handles are closed. */
static long pglink_channel(struct pglink *k, struct warp_msg *m)
{
    long r = msg_result(m, MSG_OPEN);
    handle_t h = r >= 0 && m->nhandles == 1 ? m->handles[0] : 0;
    if (r >= 0 && !h)
        r = ERR_BAD_FORMAT;
    if (r < 0) {
        loop_close_handles(k->l, m, 0);
        return r;
    }
    r = loop_add_channel(k->l, h, &pglink_handlers, k);
    if (r < 0)
        warp_handle_close(h);
    return r < 0 ? r : (long)h;
}

/* tcp-connect: answered: the link is up and the store logs in. */
static void pglink_on_connected(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct pglink *k = ctx;
    (void)l;
    (void)ch;
    long h = pglink_channel(k, m);
    if (h < 0 || k->state != PGLINK_CONNECT) {
        if (h >= 0)
            loop_close(k->l, (handle_t)h);
        if (k->state == PGLINK_CONNECT)
            pglink_down(k, h);
        return;
    }
    k->conn = (handle_t)h;
    loop_close(k->l, k->tcpip); /* the connection outlives its control channel */
    k->tcpip = 0;
    k->state = PGLINK_UP;
    k->progress_ns = warp_clock();
    long r = pgstore_start(k->store);
    if (r < 0) {
        pglink_down(k, r);
        return;
    }
    char msg[160];
    fmt_snprintf(msg, sizeof(msg), "connected to PostgreSQL at %s:%u", k->conf->host,
                 (unsigned)k->conf->port);
    pglink_log(k, msg);
    pglink_read(k);
    pglink_pump(k);
    if (k->on_state)
        k->on_state(k->ctx, true, 0);
}

/* Sends tcp-connect: to the known address. */
static void pglink_connect(struct pglink *k)
{
    char uri[64];
    struct warp_msg m;
    uint32_t a = k->addr;
    fmt_snprintf(uri, sizeof(uri), "%s%u.%u.%u.%u:%u", TCPIP_CONNECT_PREFIX, a >> 24, (a >> 16) & 255,
                 (a >> 8) & 255, a & 255, (unsigned)k->conf->port);
    msg_open(&m, uri);
    k->state = PGLINK_CONNECT;
    long r = loop_call(k->l, k->tcpip, &m, pglink_on_connected, k);
    if (r < 0)
        pglink_down(k, r);
}

/* Parses a dotted quad into *addr: true if text is one. */
static bool pglink_quad(const char *text, uint32_t *addr)
{
    uint32_t a = 0;
    for (int i = 0; i < 4; i++) {
        long v = 0;
        int digits = 0;
        while (*text >= '0' && *text <= '9' && digits < 4) {
            v = v * 10 + (*text++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255 || (i < 3 && *text++ != '.'))
            return false;
        a = a << 8 | (uint32_t)v;
    }
    *addr = a;
    return *text == '\0';
}

/* resolve: answered with the host's address as text. */
static void pglink_on_resolved(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct pglink *k = ctx;
    char text[32];
    (void)ch;
    loop_close_handles(l, m, 0);
    if (k->state != PGLINK_RESOLVE)
        return;
    long r = msg_result(m, MSG_OPEN);
    if (r >= 0 && (msg_get_text(m, text, sizeof(text)) < 0 || !pglink_quad(text, &k->addr)))
        r = ERR_BAD_FORMAT;
    if (r < 0)
        pglink_down(k, r);
    else
        pglink_connect(k);
}

/* service/tcpip opened: resolve the host (a dotted quad answers itself) and connect. */
static void pglink_on_tcpip(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct pglink *k = ctx;
    (void)l;
    (void)ch;
    long h = pglink_channel(k, m);
    if (h < 0 || k->state != PGLINK_TCPIP) {
        if (h >= 0)
            loop_close(k->l, (handle_t)h);
        if (k->state == PGLINK_TCPIP)
            pglink_down(k, h);
        return;
    }
    k->tcpip = (handle_t)h;
    if (pglink_quad(k->conf->host, &k->addr)) {
        pglink_connect(k);
        return;
    }
    char uri[TCPIP_NAME_MAX + 16];
    struct warp_msg q;
    fmt_snprintf(uri, sizeof(uri), "%s%s", TCPIP_RESOLVE_PREFIX, k->conf->host);
    long r = msg_open(&q, uri);
    k->state = PGLINK_RESOLVE;
    if (r >= 0)
        r = loop_call(k->l, k->tcpip, &q, pglink_on_resolved, k);
    if (r < 0)
        pglink_down(k, r);
}

/* Opens service/tcpip through init (which holds the OPEN until tcpip is up). */
static void pglink_open_tcpip(struct pglink *k)
{
    struct warp_msg m;
    msg_open(&m, TCPIP_URI);
    k->state = PGLINK_TCPIP;
    long r = loop_call(k->l, SERVICE_INIT_CH, &m, pglink_on_tcpip, k);
    if (r < 0)
        pglink_down(k, r);
}

/* The backoff ended: the next attempt. */
static void pglink_on_retry(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)l;
    (void)t;
    pglink_open_tcpip(ctx);
}

/* Every PGLINK_WATCH_NS: a request that made no progress for PGLINK_TIMEOUT_NS takes the link down. */
static void pglink_on_watch(struct loop *l, struct loop_timeout *t, void *ctx)
{
    struct pglink *k = ctx;
    if (k->state == PGLINK_UP && k->store->run.active && warp_clock() - k->progress_ns > PGLINK_TIMEOUT_NS)
        pglink_down(k, ERR_TIMED_OUT);
    loop_timeout_after(l, t, PGLINK_WATCH_NS);
}

/* Starts; see pglink.h. */
void pglink_start(struct pglink *k, struct loop *l, struct pgstore *s, const struct pgconf *conf,
                  pglink_state_fn on_state, void *ctx)
{
    memset(k, 0, sizeof(*k));
    k->l = l;
    k->store = s;
    k->conf = conf;
    k->on_state = on_state;
    k->ctx = ctx;
    loop_timeout_init(&k->retry, pglink_on_retry, k);
    loop_timeout_init(&k->watchdog, pglink_on_watch, k);
    loop_timeout_after(l, &k->watchdog, PGLINK_WATCH_NS);
    pglink_open_tcpip(k);
}
