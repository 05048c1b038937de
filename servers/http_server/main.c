/* http_server: serves the embedded page at / and static files from the initfs's www/ on TCP port 80. */
#include "conn.h"

#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/proto/tcpip.h>
#include <warp/user.h>

#define HTTP_INIT_CH 1 /* init's channel, handle 1 (docs/userspace.md) */
#define HTTP_LISTEN_URI TCPIP_LISTEN_PREFIX "0.0.0.0:80"

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

/* Entry: connect to tcpip through init (which holds us until tcpip is up), listen, serve forever. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    if (!initfs)
        printf("http_server: no initfs (initfs = yes in the manifest?): only / is served\n");
    handle_t tcpip = http_open(HTTP_INIT_CH, TCPIP_URI);
    handle_t listener = http_open(tcpip, HTTP_LISTEN_URI);
    long r = loop_init(&http_loop);
    if (r < 0)
        http_die("loop_init", r);
    http_server_init(&http_srv, &http_loop, initfs, initfs_size);
    r = http_server_listen(&http_srv, listener);
    if (r < 0)
        http_die("loop_add_channel", r);
    printf("http_server: listening on :80\n");
    r = loop_run(&http_loop);
    /* tcpip went away (the listener closed) or the loop failed: without a listener there is
     * nothing to serve; exit, and init's restart policy starts us again to wait for a new tcpip. */
    http_die(http_srv.listener_closed ? "the listener closed" : "loop_run",
             http_srv.listener_closed ? ERR_PEER_CLOSED : r);
}
