/* fsfile.c: reading one file of service/fs through the loop (the protocol is warp/proto/fs.h). */
#include "fsfile.h"

#include <warp/msg.h>
#include <warp/string.h>

/* Prepares f. */
void http_file_init(struct http_file *f, struct loop *l, struct http_file_opens *opens)
{
    memset(f, 0, sizeof(*f));
    f->loop = l;
    f->opens = opens;
}

/* The OPEN answered: keep the node and its attributes, or pass the error on. A reply to an OPEN
 * given up (another id) only has its handles closed. */
static void file_on_open(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct http_file *f = ctx;
    struct http_file_opens *opens = f->opens;
    (void)ch;
    opens->inflight--;
    if (m->call_id != f->open_call || !f->open_call) {
        if (m->call_id == f->stale_call)
            f->stale_call = 0; /* its buffers are ours again */
        loop_close_handles(l, m, 0);
        if (opens->on_free)
            opens->on_free(opens->ctx);
        return;
    }
    f->open_call = 0;
    long r = msg_result(m, MSG_OPEN);
    bool ok =
        r >= 0 && m->nhandles >= 1 && m->data_len >= sizeof(struct fs_attr) && (size_t)r <= f->prefetch_len;
    loop_close_handles(l, m, ok ? 1 : 0);
    if (r >= 0 && !ok)
        r = ERR_BAD_FORMAT;
    if (ok) {
        f->node = m->handles[0];
        memcpy(&f->attr, m->data, sizeof(f->attr));
    }
    f->fn(f, r, f->ctx);
    if (opens->on_free)
        opens->on_free(opens->ctx);
}

/* OPEN path relative to dir. */
long http_file_open(struct http_file *f, handle_t dir, const char *path, size_t len, void *prefetch,
                    size_t prefetch_len, http_file_fn fn, void *ctx)
{
    http_file_close(f);
    if (f->opens->inflight >= HTTP_FILE_OPENS_MAX)
        return ERR_QUEUE_FULL;
    struct fs_open o = {.flags = FS_O_READ, .path_len = (uint32_t)len};
    struct warp_msg m;
    msg_init(&m, MSG_OPEN, MSG_CALL);
    msg_set_data(&m, &o, sizeof(o));
    msg_add_buf(&m, path, len, BUF_READ);
    if (prefetch && prefetch_len)
        msg_add_buf(&m, prefetch, prefetch_len, BUF_WRITE);
    f->fn = fn;
    f->ctx = ctx;
    f->prefetch_len = prefetch ? prefetch_len : 0;
    long r = loop_call(f->loop, dir, &m, file_on_open, f);
    if (r < 0)
        return r;
    f->open_call = m.call_id;
    f->opens->inflight++;
    return 0;
}

/* The node's peer closed (fs ended): the pending READ gets ERR_PEER_CLOSED from the loop first;
 * the channel stays ours until http_file_close. */
static void file_on_peer_closed(struct loop *l, handle_t ch, void *ctx)
{
    struct http_file *f = ctx;
    (void)ch;
    loop_remove(l, f->node);
    f->node_on_loop = false;
}

static const struct loop_channel_handlers file_handlers = {
    .on_message = NULL, /* fs sends nothing unasked on a node: the loop's default refuses it */
    .on_reply = NULL,
    .on_peer_closed = file_on_peer_closed,
};

/* A READ answered. */
static void file_on_read(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct http_file *f = ctx;
    (void)ch;
    loop_close_handles(l, m, 0);
    long r = msg_result(m, MSG_READ);
    if (r > (long)f->read_len)
        r = ERR_BAD_FORMAT; /* more than we asked for */
    f->read_len = 0;
    f->fn(f, r, f->ctx);
}

/* READ at offset. */
long http_file_read(struct http_file *f, uint64_t offset, void *buf, size_t len, http_file_fn fn, void *ctx)
{
    if (!f->node)
        return ERR_BAD_HANDLE;
    if (!f->node_on_loop) {
        long r = loop_add_channel(f->loop, f->node, &file_handlers, f);
        if (r < 0)
            return r;
        f->node_on_loop = true;
    }
    struct fs_io io = {.offset = offset};
    struct warp_msg m;
    msg_read(&m, buf, len < FS_IO_MAX ? len : FS_IO_MAX);
    msg_set_data(&m, &io, sizeof(io));
    f->fn = fn;
    f->ctx = ctx;
    f->read_len = m.bufs[0].len;
    long r = loop_call(f->loop, f->node, &m, file_on_read, f);
    if (r < 0)
        f->read_len = 0;
    return r;
}

/* Closes the node; forgets calls in flight. */
void http_file_close(struct http_file *f)
{
    if (f->node)
        loop_close(f->loop, f->node); /* drops a pending READ: its callback never runs */
    f->node = 0;
    f->node_on_loop = false;
    if (f->open_call)
        f->stale_call = f->open_call;
    f->open_call = 0;
    f->read_len = 0;
}

/* An OPEN given up is still unanswered. */
bool http_file_busy(const struct http_file *f)
{
    return f->stale_call != 0;
}
