/* blockclient.c: service/block:0 calls that reopen the session when the driver restarted (warp/blockclient.h). */
#include <warp/blockclient.h>
#include <warp/error.h>
#include <warp/loop.h>
#include <warp/proto/block.h>
#include <warp/syscall.h>

/* Opens the session. */
long block_client_open(struct block_client *c, handle_t init_ch)
{
    c->init_ch = init_ch;
    c->ch = 0;
    c->reopens = 0;
    c->open_fn = NULL;
    c->open_ctx = NULL;
    long ch = ipc_open_sync(init_ch, BLOCK_URI);
    if (ch < 0)
        return ch;
    c->ch = (handle_t)ch;
    return 0;
}

/* Closes the dead session and opens a new one (waits in init until the driver registers again). */
long block_client_reopen(struct block_client *c)
{
    if (c->ch)
        warp_handle_close(c->ch);
    c->ch = 0;
    long ch = c->open_fn ? c->open_fn(c->open_ctx, BLOCK_URI) : ipc_open_sync(c->init_ch, BLOCK_URI);
    if (ch < 0)
        return ch;
    c->ch = (handle_t)ch;
    c->reopens++;
    return 0;
}

/* The call, again on a new session while the driver went away under it. */
long block_call(struct block_client *c, struct warp_msg *m, struct warp_msg *reply)
{
    long r = ERR_PEER_CLOSED;
    for (unsigned i = 0; i < BLOCK_CALL_TRIES && r == ERR_PEER_CLOSED; i++) {
        if (i > 0 || !c->ch) {
            long o = block_client_reopen(c);
            if (o < 0)
                return o;
        }
        r = ipc_call_sync(c->ch, m, reply);
    }
    return r;
}
