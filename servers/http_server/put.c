/* put.c: PUT and DELETE under the upload prefix through service/fs: temporary file, sync, rename (put.h). */
#include "put.h"
#include "fsroot.h"
#include "upload.h"

#include <warp/fmt.h>
#include <warp/msg.h>
#include <warp/string.h>
#include <warp/malloc.h>

static void put_on_reply(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx);
static void put_body_next(struct http_put *p);

/* Sends m on the session; its reply goes to put_on_reply. false if it could not go. */
static bool put_session_call(struct http_put *p, struct warp_msg *m)
{
    struct http_fs *fs = p->pool->fs;
    if (!fs->session || loop_call(p->pool->loop, fs->session, m, put_on_reply, p) < 0)
        return false;
    p->call = m->call_id;
    p->call_epoch = fs->reconnects;
    loop_timeout_after(p->pool->loop, &p->timeout, HTTP_PUT_FS_TIMEOUT_NS);
    return true;
}

/* Sends m on the temporary file's node; its reply goes to put_on_reply. */
static bool put_node_call(struct http_put *p, struct warp_msg *m)
{
    if (loop_call(p->pool->loop, p->node, m, put_on_reply, p) < 0)
        return false;
    p->call = m->call_id;
    loop_timeout_after(p->pool->loop, &p->timeout, HTTP_PUT_FS_TIMEOUT_NS);
    return true;
}

/* Tells the owner the upload is over (status 0: end the connection). */
static void put_done(struct http_put *p, int status, bool close)
{
    loop_timeout_cancel(p->pool->loop, &p->timeout);
    p->fn(p->ctx, status, close);
}

/* Gives the upload's memory back unless a stale call may still read it. */
static void put_release_mem(struct http_put *p)
{
    if (p->stale || !p->mem)
        return;
    free(p->mem);
    p->mem = NULL;
    p->pool->count--;
}

/* Closes the temporary file's node (its pending call is dropped). */
static void put_close_node(struct http_put *p)
{
    if (p->node)
        loop_close(p->pool->loop, p->node);
    p->node = 0;
}

/* Unlinks the temporary file without waiting: the call is stale from the start. */
static void put_unlink_temp(struct http_put *p)
{
    struct warp_msg m;
    p->temp_made = false;
    msg_setattr(&m, FS_ATTR_UNLINK, "");
    msg_add_buf(&m, p->mem->temp, p->temp_len, BUF_READ);
    if (put_session_call(p, &m))
        p->stale = p->call;
    p->call = 0;
    loop_timeout_cancel(p->pool->loop, &p->timeout); /* not waited for: no step runs */
}

/* Ends the upload's fs work: the node closed, the temporary file unlinked if it was made. */
static void put_end(struct http_put *p)
{
    put_close_node(p);
    if (p->temp_made && !p->stale)
        put_unlink_temp(p);
    p->step = HTTP_PUT_IDLE;
    p->call = 0;
    put_release_mem(p);
}

/* The upload failed with an fs error (or a broken reply): its status, and close if the body was not
 * all read. */
static void put_fail(struct http_put *p, long err)
{
    bool put = p->is_put;
    bool body_unread = put && p->left > 0;
    put_end(p);
    put_done(p, http_upload_fs_status(err, put), body_unread);
}

/* Sends the OPEN of path[0, len) with flags and mode on the session. */
static bool put_open(struct http_put *p, const char *path, size_t len, uint32_t flags, uint32_t mode)
{
    struct fs_open o = {.flags = flags, .mode = mode, .path_len = (uint32_t)len};
    struct warp_msg m;
    msg_init(&m, MSG_OPEN, MSG_CALL);
    msg_set_data(&m, &o, sizeof(o));
    msg_add_buf(&m, path, len, BUF_READ);
    return put_session_call(p, &m);
}

/* Creates the temporary file beside the final name. */
static void put_temp(struct http_put *p)
{
    const char *path = p->path;
    size_t dir = p->path_len;
    while (path[dir - 1] != '/')
        dir--;
    int n = fmt_snprintf(p->mem->temp, sizeof(p->mem->temp), "%.*s%s%u", (int)dir, path, HTTP_UP_TEMP_PREFIX,
                         ++p->pool->seq);
    if (n < 0 || (size_t)n >= sizeof(p->mem->temp)) {
        put_fail(p, ERR_NAME_TOO_LONG);
        return;
    }
    p->temp_len = (size_t)n;
    p->step = HTTP_PUT_TEMP;
    if (!put_open(p, p->mem->temp, p->temp_len, FS_O_WRITE | FS_O_CREATE | FS_O_EXCL, 0666))
        put_fail(p, ERR_PEER_CLOSED);
}

/* Makes the next directory on the way (its OPEN creates or opens it), or goes on to TEMP. */
static void put_mkdir_next(struct http_put *p)
{
    const char *path = p->path;
    size_t next = p->mkdir_len + 1;
    while (next < p->path_len && path[next] != '/')
        next++;
    if (next >= p->path_len) {
        put_temp(p);
        return;
    }
    p->mkdir_len = next;
    p->step = HTTP_PUT_MKDIR;
    if (!put_open(p, path, next, FS_O_CREATE | FS_O_DIRECTORY, 0777))
        put_fail(p, ERR_PEER_CLOSED);
}

/* The temporary file's node channel: nothing comes unasked; its end closing fails the pending call. */
static const struct loop_channel_handlers put_node_handlers = {
    .on_message = NULL,
    .on_reply = NULL,
    .on_peer_closed = NULL,
};

/* TEMP answered: the node, or make the directories first (once), or fail. */
static void put_on_temp(struct http_put *p, struct warp_msg *m, long r)
{
    handle_t node = r >= 0 && m->nhandles >= 1 ? m->handles[0] : 0;
    loop_close_handles(p->pool->loop, m, node ? 1 : 0);
    if (r == ERR_NOT_FOUND && p->mkdir_len == 0) {
        put_mkdir_next(p);
        return;
    }
    if (r >= 0 && !node)
        r = ERR_BAD_FORMAT;
    if (r < 0) {
        put_fail(p, r);
        return;
    }
    p->temp_made = true;
    if (loop_add_channel(p->pool->loop, node, &put_node_handlers, p) < 0) {
        loop_close(p->pool->loop, node);
        put_fail(p, ERR_NO_RESOURCES);
        return;
    }
    p->node = node;
    put_body_next(p);
}

static const char put_100[] = "HTTP/1.1 100 Continue\r\n\r\n";

/* Tells the client to send its body (it asked with "Expect: 100-continue"). */
static void put_continue(struct http_put *p)
{
    struct warp_msg m;
    p->expect_continue = false;
    msg_write(&m, put_100, sizeof(put_100) - 1);
    p->step = HTTP_PUT_CONTINUE;
    loop_timeout_after(p->pool->loop, &p->timeout, HTTP_PUT_TIMEOUT_NS);
    if (loop_call(p->pool->loop, p->ch, &m, put_on_reply, p) < 0) {
        put_done(p, 0, true); /* the connection is broken: its owner ends it (and us) */
        return;
    }
    p->call = m.call_id;
}

/* The body's next piece: bytes read with the head first, then a READ; all written: SYNC. */
static void put_body_next(struct http_put *p)
{
    struct warp_msg m;
    if (p->left == 0) {
        msg_setattr(&m, FS_ATTR_SYNC, "");
        p->step = HTTP_PUT_SYNC;
        if (!put_node_call(p, &m))
            put_fail(p, ERR_PEER_CLOSED);
        return;
    }
    if (p->head_len > 0) {
        p->chunk_len = p->head_len < p->left ? p->head_len : (size_t)p->left;
        struct fs_io io = {.offset = p->off};
        msg_write(&m, p->head, p->chunk_len);
        msg_set_data(&m, &io, sizeof(io));
        p->head += p->chunk_len;
        p->head_len -= p->chunk_len;
        p->step = HTTP_PUT_BODY_WRITE;
        if (!put_node_call(p, &m))
            put_fail(p, ERR_PEER_CLOSED);
        return;
    }
    if (p->expect_continue) {
        put_continue(p);
        return;
    }
    size_t want = p->left < HTTP_PUT_CHUNK ? (size_t)p->left : HTTP_PUT_CHUNK;
    msg_read(&m, p->mem->chunk, want);
    p->step = HTTP_PUT_BODY_READ;
    loop_timeout_after(p->pool->loop, &p->timeout, HTTP_PUT_TIMEOUT_NS);
    if (loop_call(p->pool->loop, p->ch, &m, put_on_reply, p) < 0) {
        put_done(p, 0, true); /* the connection is broken: its owner ends it (and us) */
        return;
    }
    p->call = m.call_id;
}

/* A READ of body bytes answered: write them; the client's FIN or an error before the end: give up. */
static void put_on_body_read(struct http_put *p, long r)
{
    if (r <= 0 || (uint64_t)r > p->left || (size_t)r > HTTP_PUT_CHUNK) {
        put_done(p, 0, true); /* cut short: the owner ends the connection, which aborts us */
        return;
    }
    struct warp_msg m;
    struct fs_io io = {.offset = p->off};
    p->chunk_len = (size_t)r;
    msg_write(&m, p->mem->chunk, p->chunk_len);
    msg_set_data(&m, &io, sizeof(io));
    p->step = HTTP_PUT_BODY_WRITE;
    if (!put_node_call(p, &m))
        put_fail(p, ERR_PEER_CLOSED);
}

/* A WRITE answered: all of the chunk, or fail (a short write is tmpfs full or fs broken). */
static void put_on_body_write(struct http_put *p, long r)
{
    if (r >= 0 && (size_t)r != p->chunk_len)
        r = ERR_NO_RESOURCES;
    if (r < 0) {
        put_fail(p, r);
        return;
    }
    p->off += (uint64_t)r;
    p->left -= (uint64_t)r;
    put_body_next(p);
}

/* Sends RENAME (noreplace first: whether the name existed decides 201 or 204). */
static void put_rename(struct http_put *p, bool replace)
{
    struct warp_msg m;
    msg_setattr(&m, FS_ATTR_RENAME, replace ? "" : FS_RENAME_NOREPLACE);
    msg_add_buf(&m, p->mem->temp, p->temp_len, BUF_READ);
    msg_add_buf(&m, p->path, p->path_len, BUF_READ);
    p->step = replace ? HTTP_PUT_RENAME : HTTP_PUT_RENAME_NEW;
    if (!put_session_call(p, &m))
        put_fail(p, ERR_PEER_CLOSED);
}

/* SYNC answered: the bytes are as durable as the mount makes them; close the node and rename. */
static void put_on_sync(struct http_put *p, long r)
{
    if (r < 0) {
        put_fail(p, r);
        return;
    }
    put_close_node(p);
    put_rename(p, false);
}

/* RENAME answered: done (201 or 204), or the name exists (rename over it), or fail. */
static void put_on_rename(struct http_put *p, long r)
{
    if (r == ERR_ALREADY_EXISTS && p->step == HTTP_PUT_RENAME_NEW) {
        put_rename(p, true);
        return;
    }
    if (r < 0) {
        put_fail(p, r);
        return;
    }
    int status = p->step == HTTP_PUT_RENAME_NEW ? 201 : 204;
    p->temp_made = false;
    put_end(p);
    put_done(p, status, false);
}

/* A stale call answered: its handles closed; a temporary file it made or left is unlinked. */
static void put_on_stale(struct http_put *p, struct warp_msg *m, long r)
{
    enum http_put_step step = p->step;
    loop_close_handles(p->pool->loop, m, 0);
    p->stale = 0;
    bool temp_left = (step == HTTP_PUT_TEMP && r >= 0) ||
                     ((step == HTTP_PUT_RENAME_NEW || step == HTTP_PUT_RENAME) && r < 0);
    p->step = HTTP_PUT_IDLE;
    if (temp_left && p->mem)
        put_unlink_temp(p);
    put_release_mem(p);
}

/* The reply type the call of step brings. */
static uint32_t put_reply_type(enum http_put_step step)
{
    switch (step) {
    case HTTP_PUT_MKDIR:
    case HTTP_PUT_TEMP: return MSG_OPEN;
    case HTTP_PUT_BODY_READ: return MSG_READ;
    case HTTP_PUT_CONTINUE:
    case HTTP_PUT_BODY_WRITE: return MSG_WRITE;
    default: return MSG_SETATTR;
    }
}

/* Every reply of the upload's calls: the one we wait for goes on, a stale one is cleaned up. */
static void put_on_reply(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct http_put *p = ctx;
    (void)ch;
    if (p->stale && m->call_id == p->stale) {
        put_on_stale(p, m, msg_result(m, m->type));
        return;
    }
    if (!p->call || m->call_id != p->call) {
        loop_close_handles(l, m, 0);
        return;
    }
    p->call = 0;
    long r = msg_result(m, put_reply_type(p->step));
    switch (p->step) {
    case HTTP_PUT_MKDIR:
        loop_close_handles(l, m, 0);
        if (r < 0)
            put_fail(p, r);
        else
            put_mkdir_next(p);
        return;
    case HTTP_PUT_TEMP: put_on_temp(p, m, r); return;
    case HTTP_PUT_CONTINUE:
        if (r != (long)sizeof(put_100) - 1)
            put_done(p, 0, true); /* a short or failed WRITE: the connection is broken */
        else
            put_body_next(p);
        return;
    case HTTP_PUT_BODY_READ: put_on_body_read(p, r); return;
    case HTTP_PUT_BODY_WRITE: put_on_body_write(p, r); return;
    case HTTP_PUT_SYNC: put_on_sync(p, r); return;
    case HTTP_PUT_RENAME_NEW:
    case HTTP_PUT_RENAME: put_on_rename(p, r); return;
    case HTTP_PUT_DELETE:
        p->step = HTTP_PUT_IDLE;
        put_release_mem(p);
        put_done(p, r < 0 ? http_upload_fs_status(r, false) : 204, false);
        return;
    case HTTP_PUT_IDLE: loop_close_handles(l, m, 0); return;
    }
}

/* The upload's time is up: give up, and the owner ends the connection. */
static void put_on_timeout(struct loop *l, struct loop_timeout *t, void *ctx)
{
    struct http_put *p = ctx;
    (void)l;
    (void)t;
    http_put_abort(p);
    p->fn(p->ctx, 0, true);
}

/* Prepares p (idle). */
void http_put_init(struct http_put *p, struct http_put_pool *pool, http_put_fn fn, void *ctx)
{
    memset(p, 0, sizeof(*p));
    p->pool = pool;
    p->fn = fn;
    p->ctx = ctx;
    loop_timeout_init(&p->timeout, put_on_timeout, p);
}

/* Starts a PUT (TEMP, or MKDIR if a directory is missing) or a DELETE (unlink=). */
void http_put_start(struct http_put *p, const struct http_put_req *r)
{
    struct http_put_pool *pool = p->pool;
    if (pool->count >= HTTP_PUTS_MAX || !(p->mem = malloc(sizeof(*p->mem)))) {
        put_done(p, 503, r->is_put && r->content_length > r->head_len);
        return;
    }
    pool->count++;
    p->is_put = r->is_put;
    p->path = r->path;
    p->path_len = r->path_len;
    p->head = r->head;
    p->head_len = r->head_len;
    p->ch = r->ch;
    p->expect_continue = r->expect_continue && r->head_len == 0;
    p->left = r->is_put ? r->content_length : 0;
    p->off = p->mkdir_len = 0;
    p->temp_made = false;
    if (r->is_put) {
        put_temp(p);
        return;
    }
    struct warp_msg m;
    msg_setattr(&m, FS_ATTR_UNLINK, "");
    msg_add_buf(&m, p->path, p->path_len, BUF_READ);
    p->step = HTTP_PUT_DELETE;
    if (!put_session_call(p, &m))
        put_fail(p, ERR_PEER_CLOSED);
}

/* The connection ends mid-upload. */
void http_put_abort(struct http_put *p)
{
    loop_timeout_cancel(p->pool->loop, &p->timeout);
    if (p->step == HTTP_PUT_IDLE || p->stale)
        return; /* nothing running, or given up already */
    bool session_call = p->call && p->step != HTTP_PUT_CONTINUE && p->step != HTTP_PUT_BODY_READ &&
                        p->step != HTTP_PUT_BODY_WRITE && p->step != HTTP_PUT_SYNC;
    if (session_call && p->call_epoch == p->pool->fs->reconnects) {
        /* It cannot be taken back: what it made or left is cleaned up when its reply comes. (On a
         * session closed since, the call was dropped: nothing will come, nothing to wait for.) */
        p->stale = p->call;
        p->call = 0;
        put_close_node(p);
        return;
    }
    put_end(p);
}

/* A stale call pending on the session we still have. */
bool http_put_busy(struct http_put *p)
{
    if (p->stale && p->call_epoch != p->pool->fs->reconnects) {
        p->stale = 0; /* that session is gone: fs can no longer read our memory */
        p->step = HTTP_PUT_IDLE;
        put_release_mem(p);
    }
    return p->stale != 0;
}
