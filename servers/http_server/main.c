/* http_server: serves the embedded page at / and static files from the initfs's www/ on TCP port 80. */
#include "conn.h"

#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/user.h>

#define HTTP_INIT_CH 1 /* init's channel, handle 1 (docs/userspace.md) */
#define HTTP_TCPIP_URI "service/tcpip"
#define HTTP_LISTEN_URI "tcp-listen:0.0.0.0:80"

static struct loop http_loop;
static struct http_server http_srv; /* large (the connections' buffers): in .bss, not on the stack */

/* Logs why we cannot go on and ends; init's restart policy decides what happens next. */
_Noreturn static void http_die(const char *what, long err)
{
    printf("http_server: %s: %s\n", what, err_str(err));
    warp_exit(1);
}

/* OPENs uri as a call on ch and returns the channel the reply carries. */
static handle_t http_open(handle_t ch, const char *uri)
{
    struct warp_msg m, reply;
    long r = msg_open(&m, uri);
    if (r >= 0)
        r = ipc_call_sync(ch, &m, &reply);
    if (r >= 0 && (reply.type != MSG_OPEN || reply.nhandles != 1))
        r = ERR_BAD_FORMAT;
    if (r < 0)
        http_die(uri, r);
    return reply.handles[0];
}

/* On the listener: one-way OPENs, each bringing an accepted connection's channel. */
static void http_on_listener_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    unsigned n = m->nhandles < MSG_HANDLES_MAX ? m->nhandles : MSG_HANDLES_MAX;
    bool accept = m->type == MSG_OPEN && !msg_is_call(m) && n == 1;
    for (unsigned i = 0; i < n; i++) {
        if (accept)
            http_server_accept(ctx, m->handles[i]);
        else
            loop_close(l, m->handles[i]);
    }
    if (msg_is_call(m))
        loop_reply_error(l, ch, m->call_id, ERR_NOT_SUPPORTED);
}

/* tcpip went away: without a listener there is nothing to serve; init may restart us. */
static void http_on_listener_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)l;
    (void)ch;
    (void)ctx;
    http_die("the listener closed", ERR_PEER_CLOSED);
}

static const struct loop_channel_handlers http_listener_handlers = {
    .on_message = http_on_listener_message,
    .on_reply = NULL,
    .on_peer_closed = http_on_listener_closed,
};

/* Entry: connect to tcpip through init (which holds us until tcpip is up), listen, serve forever. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    if (!initfs)
        printf("http_server: no initfs (initfs = yes in the manifest?): only / is served\n");
    handle_t tcpip = http_open(HTTP_INIT_CH, HTTP_TCPIP_URI);
    handle_t listener = http_open(tcpip, HTTP_LISTEN_URI);
    long r = loop_init(&http_loop);
    if (r < 0)
        http_die("loop_init", r);
    http_server_init(&http_srv, &http_loop, initfs, initfs_size);
    r = loop_add_channel(&http_loop, listener, &http_listener_handlers, &http_srv);
    if (r < 0)
        http_die("loop_add_channel", r);
    printf("http_server: listening on :80\n");
    r = loop_run(&http_loop);
    http_die("loop_run", r);
}
