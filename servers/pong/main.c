/* pong: demo server: registers service/pong with init, answers READ/WRITE/GETATTR/... per connection. */
#include <warp/loop.h>
#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/proto/pong.h>
#include <warp/service.h>
#include <warp/sessions.h>
#include <warp/string.h>
#include <warp/user.h>

#define PONG_CHUNK 4096 /* bytes copied per SYS_CALL_READ / SYS_CALL_WRITE */

/* One client connection: a channel init handed us, with what its WRITEs brought. */
struct pong_conn {
    handle_t ch;
    uint32_t checksum;  /* FNV-1a of every byte written on this connection */
    uint64_t bytes;     /* how many */
    long slot;          /* its client's count in pong_sessions */
    struct grant grant; /* who the client is, as init said (GETATTR client) */
};

static struct loop pong_loop;
static struct sessions pong_sessions; /* PONG_CONNS_MAX in all, PONG_CONNS_PER_CLIENT each */

/* Replies ERROR(err) to call m. */
static void pong_error(handle_t ch, const struct warp_msg *m, long err)
{
    service_reply_error(&pong_loop, ch, m, err);
}

/* Replies to call m with its own type and status. */
static void pong_status(handle_t ch, const struct warp_msg *m, int64_t status)
{
    service_reply_status(&pong_loop, ch, m, status);
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

/* GETATTR: "checksum" (8 hex digits), "bytes" (decimal) or "client" (the grant init sent). */
static void pong_getattr(struct pong_conn *c, const struct warp_msg *m)
{
    char name[MSG_DATA_MAX + 1], value[GRANT_TEXT_MAX + 1];
    int r = msg_get_attr_name(m, name, sizeof(name));
    if (r < 0) {
        pong_error(c->ch, m, r);
        return;
    }
    if (strcmp(name, "checksum") == 0)
        fmt_snprintf(value, sizeof(value), "%08x", c->checksum);
    else if (strcmp(name, "bytes") == 0)
        fmt_snprintf(value, sizeof(value), "%llu", (unsigned long long)c->bytes);
    else if (strcmp(name, "client") == 0) {
        if (grant_format(&c->grant, value, sizeof(value)) < 0)
            fmt_snprintf(value, sizeof(value), "none"); /* no notice came with this client */
    } else {
        pong_error(c->ch, m, ERR_NOT_FOUND);
        return;
    }
    struct warp_msg reply;
    msg_reply_text(&reply, MSG_GETATTR, m->call_id, value);
    service_send(&pong_loop, c->ch, &reply);
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
    service_send(&pong_loop, c->ch, &reply); /* closes the handles if the client cannot take them */
}

/* Ends a connection. */
static void pong_close(struct loop *l, struct pong_conn *c)
{
    loop_close(l, c->ch);
    sessions_put(&pong_sessions, c->slot);
    free(c);
}

/* Writes to address 0 on purpose: the supervisor test's crash. */
__attribute__((noinline)) static void pong_crash(void)
{
    printf("pong: crashing on request\n");
    *(volatile uint32_t *)0 = 0xdead;
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
    service_drop_handles(l, m);
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

/* A new connection, handed over by init. */
static void pong_accept(struct loop *l, handle_t ch, void *ctx)
{
    (void)ctx;
    long slot = sessions_take(&pong_sessions, service_grant()->client);
    struct pong_conn *c = slot >= 0 ? malloc(sizeof(*c)) : NULL;
    if (!c) {
        printf("pong: too many connections of '%s' or in all; refusing one\n", service_grant()->client);
        sessions_put(&pong_sessions, slot);
        service_refuse(l, ch, ERR_NO_RESOURCES);
        return;
    }
    c->slot = slot;
    c->grant = *service_grant();
    c->ch = ch;
    c->checksum = PONG_CHECKSUM_INIT;
    c->bytes = 0;
    long r = loop_add_channel(l, ch, &pong_conn_handlers, c);
    if (r < 0) {
        printf("pong: cannot watch a connection: %s\n", err_str(r));
        warp_handle_close(ch);
        sessions_put(&pong_sessions, slot);
        free(c);
        return;
    }
}

/* Entry: register with init (service_start), then serve until killed. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    (void)initfs;
    (void)initfs_size;
    sessions_init(&pong_sessions, PONG_CONNS_MAX, PONG_CONNS_PER_CLIENT);
    long r = loop_init(&pong_loop);
    if (r == 0)
        r = service_start(&pong_loop, "pong", pong_accept, NULL);
    if (r == 0)
        r = loop_run(&pong_loop);
    printf("pong: event loop failed: %s\n", err_str(r));
    return 1;
}
