/* pong: demo server: registers service/pong with init, answers READ/WRITE/GETATTR/... per connection. */
#include <warp/loop.h>
#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/proto/pong.h>
#include <warp/string.h>
#include <warp/user.h>

#define PONG_INIT_CH 1   /* init's channel, handle 1 (docs/userspace.md) */
#define PONG_CHUNK 4096  /* bytes copied per SYS_CALL_READ / SYS_CALL_WRITE */

/* One client connection: a channel init handed us, with what its WRITEs brought. */
struct pong_conn {
    handle_t ch;
    uint32_t checksum; /* FNV-1a of every byte written on this connection */
    uint64_t bytes;    /* how many */
};

static struct loop pong_loop;
static unsigned pong_nconns;

/* Sends a reply; the client may have gone, which is its business. */
static void pong_send(handle_t ch, const struct warp_msg *m)
{
    long r = warp_channel_send(ch, m);
    if (r < 0 && r != ERR_PEER_CLOSED)
        printf("pong: reply failed: %s\n", err_str(r));
}

/* Replies ERROR(err) to call m. */
static void pong_error(handle_t ch, const struct warp_msg *m, long err)
{
    struct warp_msg r;
    msg_reply_error(&r, m->call_id, err);
    pong_send(ch, &r);
}

/* Replies to call m with its own type and status. */
static void pong_status(handle_t ch, const struct warp_msg *m, int64_t status)
{
    struct warp_msg r;
    msg_reply(&r, m->type, m->call_id, status);
    pong_send(ch, &r);
}

/* WRITE: consumes bufs[0] chunk by chunk into the checksum; replies the bytes taken. */
static void pong_write(struct pong_conn *c, const struct warp_msg *m)
{
    long len = msg_get_buf(m, 0, BUF_READ);
    if (len < 0) {
        pong_error(c->ch, m, len);
        return;
    }
    uint8_t chunk[PONG_CHUNK];
    uint64_t off = 0;
    for (;;) {
        long n = warp_call_read(c->ch, m->call_id, 0, off, chunk, sizeof(chunk));
        if (n < 0) {
            pong_error(c->ch, m, n); /* the bytes before it stay counted */
            return;
        }
        if (n == 0)
            break;
        c->checksum = pong_checksum(c->checksum, chunk, (size_t)n);
        c->bytes += (uint64_t)n;
        off += (uint64_t)n;
    }
    pong_status(c->ch, m, (int64_t)off);
}

/* READ: fills bufs[0] with the pattern; replies the bytes written. */
static void pong_read(struct pong_conn *c, const struct warp_msg *m)
{
    long len = msg_get_buf(m, 0, BUF_WRITE);
    if (len < 0) {
        pong_error(c->ch, m, len);
        return;
    }
    uint8_t chunk[PONG_CHUNK];
    uint64_t off = 0;
    while (off < (uint64_t)len) {
        uint64_t left = (uint64_t)len - off;
        size_t n = left < sizeof(chunk) ? (size_t)left : sizeof(chunk);
        for (size_t i = 0; i < n; i++)
            chunk[i] = pong_pattern(off + i);
        long w = warp_call_write(c->ch, m->call_id, 0, off, chunk, n);
        if (w < 0) {
            pong_error(c->ch, m, w);
            return;
        }
        if (w == 0)
            break;
        off += (uint64_t)w;
    }
    pong_status(c->ch, m, (int64_t)off);
}

/* GETATTR: "checksum" (8 hex digits) or "bytes" (decimal). */
static void pong_getattr(struct pong_conn *c, const struct warp_msg *m)
{
    char name[MSG_DATA_MAX + 1], value[32];
    int r = msg_get_attr_name(m, name, sizeof(name));
    if (r < 0) {
        pong_error(c->ch, m, r);
        return;
    }
    if (strcmp(name, "checksum") == 0)
        fmt_snprintf(value, sizeof(value), "%08x", c->checksum);
    else if (strcmp(name, "bytes") == 0)
        fmt_snprintf(value, sizeof(value), "%llu", (unsigned long long)c->bytes);
    else {
        pong_error(c->ch, m, ERR_NOT_FOUND);
        return;
    }
    struct warp_msg reply;
    msg_reply_text(&reply, MSG_GETATTR, m->call_id, value);
    pong_send(c->ch, &reply);
}

/* SETATTR: only "bytes=0", which starts the count and the checksum afresh. */
static void pong_setattr(struct pong_conn *c, const struct warp_msg *m)
{
    char name[MSG_DATA_MAX + 1], value[MSG_DATA_MAX + 1];
    int r = msg_get_setattr(m, name, sizeof(name), value, sizeof(value));
    if (r < 0) {
        pong_error(c->ch, m, r);
        return;
    }
    if (strcmp(name, "bytes") != 0) {
        pong_error(c->ch, m, strcmp(name, "checksum") == 0 ? ERR_PERMISSION : ERR_NOT_FOUND);
        return;
    }
    if (strcmp(value, "0") != 0) {
        pong_error(c->ch, m, ERR_INVALID_ARG);
        return;
    }
    c->bytes = 0;
    c->checksum = PONG_CHECKSUM_INIT;
    pong_status(c->ch, m, 0);
}

/* ECHO: the data and the handles go back as they came. */
static void pong_echo(struct pong_conn *c, const struct warp_msg *m)
{
    struct warp_msg reply;
    msg_reply(&reply, PONG_MSG_ECHO, m->call_id, 0);
    if (msg_set_data(&reply, m->data, m->data_len) < 0) {
        pong_error(c->ch, m, ERR_BAD_FORMAT); /* data_len > MSG_DATA_MAX: the kernel never sends it */
        return;
    }
    reply.status = m->data_len;
    for (unsigned i = 0; i < m->nhandles && i < MSG_HANDLES_MAX; i++)
        msg_add_handle(&reply, m->handles[i]);
    long r = warp_channel_send(c->ch, &reply);
    if (r < 0)
        for (unsigned i = 0; i < reply.nhandles; i++)
            warp_handle_close(reply.handles[i]);
}

/* Ends a connection. */
static void pong_close(struct loop *l, struct pong_conn *c)
{
    loop_close(l, c->ch);
    free(c);
    pong_nconns--;
}

/* Writes to address 0 on purpose: the supervisor test's crash. */
__attribute__((noinline)) static void pong_crash(void)
{
    printf("pong: crashing on request\n");
    *(volatile uint32_t *)0 = 0xdead;
}

/* Closes the handles of a message that does not keep them. */
static void pong_drop_handles(const struct warp_msg *m)
{
    for (unsigned i = 0; i < m->nhandles && i < MSG_HANDLES_MAX; i++)
        warp_handle_close(m->handles[i]);
}

/* on_message of a connection: one request. */
static void pong_on_request(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct pong_conn *c = ctx;
    (void)ch;
    if (m->type == PONG_MSG_CRASH)
        pong_crash();
    if (m->type == PONG_MSG_ECHO && msg_is_call(m)) {
        pong_echo(c, m);
        return;
    }
    pong_drop_handles(m);
    if (m->type == MSG_CLOSE) {
        if (msg_is_call(m))
            pong_status(c->ch, m, 0);
        pong_close(l, c);
        return;
    }
    if (!msg_is_call(m))
        return; /* other one-way messages mean nothing here */
    if (m->type == MSG_WRITE)
        pong_write(c, m);
    else if (m->type == MSG_READ)
        pong_read(c, m);
    else if (m->type == MSG_GETATTR)
        pong_getattr(c, m);
    else if (m->type == MSG_SETATTR)
        pong_setattr(c, m);
    else
        pong_error(c->ch, m, ERR_NOT_SUPPORTED);
}

/* on_peer_closed of a connection: the client has gone. */
static void pong_on_conn_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)ch;
    pong_close(l, ctx);
}

static const struct loop_channel_handlers pong_conn_handlers = {
    .on_message = pong_on_request,
    .on_peer_closed = pong_on_conn_closed,
};

/* Takes a new connection's channel from init's OPEN message. */
static void pong_accept(struct loop *l, handle_t ch)
{
    struct pong_conn *c = pong_nconns < PONG_CONNS_MAX ? malloc(sizeof(*c)) : NULL;
    if (!c) {
        printf("pong: too many connections; refusing one\n");
        warp_handle_close(ch);
        return;
    }
    c->ch = ch;
    c->checksum = PONG_CHECKSUM_INIT;
    c->bytes = 0;
    long r = loop_add_channel(l, ch, &pong_conn_handlers, c);
    if (r < 0) {
        printf("pong: cannot watch a connection: %s\n", err_str(r));
        warp_handle_close(ch);
        free(c);
        return;
    }
    pong_nconns++;
}

/* on_message of init's channel: OPEN "service/pong" with the new connection in handles[0]. */
static void pong_on_init(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ctx;
    if (m->type == MSG_OPEN && !msg_is_call(m) && m->nhandles == 1) {
        pong_accept(l, m->handles[0]);
        return;
    }
    pong_drop_handles(m);
    if (msg_is_call(m))
        pong_error(ch, m, ERR_NOT_SUPPORTED);
}

/* on_peer_closed of init's channel: no new clients can come; nothing left to serve them. */
static void pong_on_init_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)l;
    (void)ch;
    (void)ctx;
    printf("pong: init closed its channel\n");
    warp_exit(1);
}

static const struct loop_channel_handlers pong_init_handlers = {
    .on_message = pong_on_init,
    .on_peer_closed = pong_on_init_closed,
};

/* Reply to our registration: serve from now on, or give up. */
static void pong_on_registered(struct loop *l, handle_t ch, struct warp_msg *reply, void *ctx)
{
    (void)l;
    (void)ch;
    (void)ctx;
    long r = msg_result(reply, MSG_OPEN);
    if (r < 0) {
        printf("pong: cannot register %s: %s\n", PONG_URI, err_str(r));
        warp_exit(1);
    }
}

/*
 * Entry: register with init through the loop, then serve until killed. Registering with loop_call
 * rather than ipc_call_sync means everything pong allocates (its event queue, the loop's table, the
 * heap arena) exists before any client can reach it.
 */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    (void)initfs;
    (void)initfs_size;
    struct warp_msg m;
    msg_open(&m, "listen:" PONG_URI);
    long r = loop_init(&pong_loop);
    if (r == 0)
        r = loop_add_channel(&pong_loop, PONG_INIT_CH, &pong_init_handlers, NULL);
    if (r == 0)
        r = loop_call(&pong_loop, PONG_INIT_CH, &m, pong_on_registered, NULL);
    if (r == 0)
        r = loop_run(&pong_loop);
    printf("pong: event loop failed: %s\n", err_str(r));
    return 1;
}
