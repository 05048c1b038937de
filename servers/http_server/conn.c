/* conn.c: http_server's per-connection state machine: READ, parse, serve, WRITE, keep-alive, close. */
#include "conn.h"
#include "cond.h"

#include <warp/fmt.h>
#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/string.h>
#include <warp/tar.h>

static void conn_read(struct http_conn *c);
static void conn_process(struct http_conn *c);
static void conn_send(struct http_conn *c);
static void conn_shutdown(struct http_conn *c);
static void conn_set_error(struct http_conn *c, int status, bool keep_alive, bool head_only);
static void conn_stream_pump(struct http_conn *c);

static void http_listener_resume(struct http_server *s);

/* Takes c out of the queue of connections waiting to send their OPEN, if it is there. */
static void conn_open_dequeue(struct http_conn *c)
{
    struct http_server *s = c->srv;
    if (!c->open_queued)
        return;
    struct http_conn *prev = NULL;
    for (struct http_conn *q = s->open_head; q; prev = q, q = q->open_next) {
        if (q != c)
            continue;
        if (prev)
            prev->open_next = c->open_next;
        else
            s->open_head = c->open_next;
        if (s->open_tail == c)
            s->open_tail = prev;
        break;
    }
    c->open_queued = false;
    c->open_next = NULL;
}

/* Closes the file being served (its pending calls are forgotten) and gives its chunk buffers back. */
static void conn_file_release(struct http_conn *c)
{
    conn_open_dequeue(c);
    http_file_close(&c->file);
    if (c->st.mem) {
        free(c->st.mem); /* the node is closed: fs can no longer copy into it */
        c->st.mem = NULL;
        c->srv->streams--;
    }
    c->st.reading = c->st.writing = false;
}

/* Closes the connection at once and frees its slot; its pending calls are forgotten. */
static void conn_free(struct http_conn *c)
{
    struct http_server *s = c->srv;
    conn_file_release(c);
    http_put_abort(&c->put);
    loop_timeout_cancel(s->loop, &c->timeout);
    loop_close(s->loop, c->ch);
    if (c->reject)
        s->rejecting--;
    else
        s->active--;
    c->state = HTTP_CONN_FREE;
    c->ch = 0;
    http_listener_resume(s);
}

/* The connection's one timeout fired: see conn.h for what each state does. */
static void conn_on_timeout(struct loop *l, struct loop_timeout *t, void *ctx)
{
    struct http_conn *c = ctx;
    (void)l;
    (void)t;
    if (c->state == HTTP_CONN_LINGERING) {
        conn_shutdown(c); /* quiet long enough: FIN now (the READ stays pending) */
        return;
    }
    c->srv->stats.timeouts++;
    if (c->state == HTTP_CONN_OPENING) {
        /* fs is slow to answer: say so, and close (the OPEN's prefetch lands in out[] later). */
        conn_file_release(c);
        conn_set_error(c, 503, false, c->parser.req.method == HTTP_HEAD);
        conn_send(c);
        return;
    }
    if (c->state == HTTP_CONN_READING && http_parser_started(&c->parser) && !c->reject) {
        /* Part of a request came, too slowly: say so. The READ stays pending; see conn_on_read. */
        c->srv->stats.requests++;
        conn_set_error(c, 408, false, http_parser_method(&c->parser) == HTTP_HEAD);
        conn_send(c);
        return;
    }
    conn_free(c);
}

/* The peer (tcpip) closed the channel: the TCP connection was reset or timed out. */
static void conn_on_peer_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)l;
    (void)ch;
    conn_free(ctx);
}

/* Messages tcpip sends on a connection are not expected: close their handles, refuse calls. */
static void conn_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ctx;
    loop_close_handles(l, m, 0);
    if (msg_is_call(m))
        loop_reply_error(l, ch, m->call_id, ERR_NOT_SUPPORTED);
}

static const struct loop_channel_handlers conn_handlers = {
    .on_message = conn_on_message,
    .on_reply = NULL, /* every call goes through loop_call */
    .on_peer_closed = conn_on_peer_closed,
};

/* Starts waiting for the next request: a fresh parser and the header timeout. */
static void conn_next_request(struct http_conn *c)
{
    http_parser_init(&c->parser);
    c->body_unread = false;
    if (c->srv->upload.enabled)
        http_parser_allow_uploads(&c->parser);
    loop_timeout_after(c->srv->loop, &c->timeout, HTTP_HEADER_TIMEOUT_NS);
}

/* Our FIN is queued (or CLOSE failed): read until the client's FIN, or end now. */
static void conn_on_close(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct http_conn *c = ctx;
    (void)l;
    (void)ch;
    if (msg_result(m, MSG_CLOSE) < 0) {
        conn_free(c);
        return;
    }
    c->state = HTTP_CONN_DRAINING;
    c->drained = 0;
    if (!c->read_pending)
        conn_read(c);
}

/* Sends FIN (CLOSE); if tcpip keeps the channel open after it, DRAINING reads until the client's FIN. */
static void conn_shutdown(struct http_conn *c)
{
    struct warp_msg m;
    msg_close(&m);
    loop_timeout_after(c->srv->loop, &c->timeout, HTTP_LINGER_TIMEOUT_NS);
    c->state = HTTP_CONN_CLOSING;
    if (loop_call(c->srv->loop, c->ch, &m, conn_on_close, c) < 0)
        conn_free(c);
}

/* Bytes read after the last response (LINGERING or DRAINING) are dropped; FIN or too many end it. */
static void conn_on_discard(struct http_conn *c, long r)
{
    bool lingering = c->state == HTTP_CONN_LINGERING;
    if (r < 0) {
        conn_free(c);
        return;
    }
    c->drained += (size_t)r;
    if (r == 0 || c->drained > HTTP_LINGER_MAX || (lingering && ++c->linger_rounds > HTTP_LINGER_ROUNDS)) {
        if (lingering)
            conn_shutdown(c); /* the client's FIN (or enough): our FIN can go */
        else
            conn_free(c);
        return;
    }
    if (lingering)
        loop_timeout_after(c->srv->loop, &c->timeout, HTTP_LINGER_QUIET_NS);
    conn_read(c);
}

/* A READ answered: request bytes, the client's FIN (0), or an error. */
static void conn_on_read(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct http_conn *c = ctx;
    (void)l;
    (void)ch;
    c->read_pending = false;
    long r = msg_result(m, MSG_READ);
    if (r > (long)HTTP_IN_SIZE)
        r = ERR_BAD_FORMAT; /* more than we asked for: tcpip is broken */
    if (c->state == HTTP_CONN_LINGERING || c->state == HTTP_CONN_DRAINING) {
        conn_on_discard(c, r);
        return;
    }
    if (c->state != HTTP_CONN_READING) {
        /* A READ that outlived a header timeout, answered while the 408 goes out (or while our
         * CLOSE is pending): the bytes are dropped; lingering reads again if it comes to that. */
        if (r < 0)
            conn_free(c);
        return;
    }
    if (r <= 0) {
        conn_free(c); /* FIN (a partial request cannot be answered) or a broken connection */
        return;
    }
    c->in_pos = 0;
    c->in_len = (size_t)r;
    conn_process(c);
}

/* Asks for more bytes into in[] (whose contents are all consumed by now); the state stays. */
static void conn_read(struct http_conn *c)
{
    struct warp_msg m;
    c->in_pos = c->in_len = 0;
    msg_read(&m, c->in, HTTP_IN_SIZE);
    if (loop_call(c->srv->loop, c->ch, &m, conn_on_read, c) < 0) {
        conn_free(c);
        return;
    }
    c->read_pending = true;
}

/*
 * The last response is out. A clean end (one complete request, nothing after it) sends FIN now;
 * otherwise the client may still be sending and we linger first (conn.h says why).
 */
static void conn_finish(struct http_conn *c)
{
    bool clean =
        !c->reject && c->parser.result == HTTP_PARSE_DONE && c->in_pos == c->in_len && !c->body_unread;
    if (clean) {
        conn_shutdown(c);
        return;
    }
    c->state = HTTP_CONN_LINGERING;
    c->drained = 0;
    c->linger_rounds = 1;
    loop_timeout_after(c->srv->loop, &c->timeout, HTTP_LINGER_QUIET_NS);
    if (!c->read_pending)
        conn_read(c);
}

/* The whole response is out: the next request, or the end. */
static void conn_response_done(struct http_conn *c)
{
    if (c->close_after) {
        conn_finish(c);
        return;
    }
    conn_next_request(c);
    c->state = HTTP_CONN_READING;
    if (c->in_pos < c->in_len)
        conn_process(c); /* pipelined: the next request is (partly) here already */
    else
        conn_read(c);
}

/* A WRITE answered: go on with the response, then the next request or the close. */
static void conn_on_write(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct http_conn *c = ctx;
    (void)l;
    (void)ch;
    long r = msg_result(m, MSG_WRITE);
    if (r <= 0 || (size_t)r > c->write_len) {
        conn_free(c);
        return;
    }
    if (c->out_off < c->out_len)
        c->out_off += (size_t)r;
    else
        c->body_off += (uint64_t)r;
    if (c->out_off < c->out_len || c->body_off < c->body_len) {
        conn_send(c);
        return;
    }
    conn_response_done(c);
}

/* Sends the next piece of the response: the rest of out[], or the next chunk of the body. */
static void conn_send(struct http_conn *c)
{
    struct warp_msg m;
    if (c->out_off < c->out_len) {
        c->write_len = c->out_len - c->out_off;
        msg_write(&m, c->out + c->out_off, c->write_len);
    } else {
        uint64_t left = c->body_len - c->body_off;
        c->write_len = left < HTTP_WRITE_CHUNK ? (size_t)left : HTTP_WRITE_CHUNK;
        msg_write(&m, c->body + c->body_off, c->write_len);
    }
    c->state = HTTP_CONN_WRITING;
    loop_timeout_after(c->srv->loop, &c->timeout, HTTP_SEND_TIMEOUT_NS);
    if (loop_call(c->srv->loop, c->ch, &m, conn_on_write, c) < 0)
        conn_free(c);
}

/* The response is out[off, len) alone: no body to send after it (yet). */
static void conn_out_set(struct http_conn *c, size_t off, size_t len)
{
    c->out_off = off;
    c->out_len = len;
    c->body = NULL;
    c->body_len = c->body_off = 0;
}

/* Puts a response into out[] (head, and the body if it fits there) or out[] plus c->body. */
static void conn_set_response(struct http_conn *c, const struct http_response *r, const void *body,
                              bool head_only)
{
    long n = http_response_head(c->out, HTTP_OUT_SIZE, r);
    if (n < 0) /* cannot happen: a head is far smaller than out[] */
        n = http_error_response(c->out, HTTP_OUT_SIZE, 500, false, head_only);
    conn_out_set(c, 0, (size_t)n);
    if (head_only || r->content_length == 0)
        return;
    if (r->content_length <= HTTP_OUT_SIZE - c->out_len) {
        memcpy(c->out + c->out_len, body, (size_t)r->content_length);
        c->out_len += (size_t)r->content_length;
    } else {
        c->body = body;
        c->body_len = r->content_length;
    }
}

/* Puts an error response (text body) into out[]. */
static void conn_set_error(struct http_conn *c, int status, bool keep_alive, bool head_only)
{
    long n = http_error_response(c->out, HTTP_OUT_SIZE, status, keep_alive, head_only);
    conn_out_set(c, 0, n < 0 ? 0 : (size_t)n);
    c->close_after = !keep_alive;
}

/* The status an fs error gets (the connection stays open). */
static int conn_fs_status(long err)
{
    switch (err) {
    case ERR_NOT_FOUND:
    case ERR_NOT_DIR:
    case ERR_IS_DIR:
    case ERR_LOOP:
    case ERR_INVALID_ARG: return 404;
    case ERR_PERMISSION: return 403;
    case ERR_NAME_TOO_LONG: return 414;
    case ERR_NO_RESOURCES:
    case ERR_PEER_CLOSED: return 503; /* too many open files; fs restarting */
    default: return 500;              /* ERR_IO, a broken reply... */
    }
}

/* A stream's WRITE answered: the slot is empty again (or its rest goes next). */
static void conn_on_stream_write(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct http_conn *c = ctx;
    struct http_stream *st = &c->st;
    struct http_slot *sl = &st->slot[st->wr];
    (void)l;
    (void)ch;
    long r = msg_result(m, MSG_WRITE);
    st->writing = false;
    if (r <= 0 || (size_t)r > sl->len - sl->off) {
        conn_free(c);
        return;
    }
    sl->off += (size_t)r;
    if (sl->off < sl->len) {
        sl->state = HTTP_SLOT_FULL; /* a short WRITE: the rest goes next */
    } else {
        sl->state = HTTP_SLOT_EMPTY;
        if (st->wr == 0) { /* out[] held the head: from now on it is a whole buffer */
            sl->buf = (uint8_t *)c->out;
            sl->cap = HTTP_OUT_SIZE;
        }
        st->wr = st->wr + 1 < st->nslots ? st->wr + 1 : st->first_body;
    }
    conn_stream_pump(c);
}

/* A stream's READ answered: its slot is full; a short or failed READ ends the connection (the
 * head promised the length: the client must see the body cut, not other bytes). */
static void conn_on_stream_read(struct http_file *f, long r, void *ctx)
{
    struct http_conn *c = ctx;
    struct http_stream *st = &c->st;
    struct http_slot *sl = &st->slot[st->rd];
    (void)f;
    st->reading = false;
    if (r <= 0) {
        c->srv->stats.fs_errors++;
        conn_free(c);
        return;
    }
    sl->len = (size_t)r;
    sl->off = 0;
    sl->state = HTTP_SLOT_FULL;
    st->read_off += (uint64_t)r;
    st->rd = st->rd + 1 < st->nslots ? st->rd + 1 : st->first_body;
    conn_stream_pump(c);
}

/* Starts what can start: the WRITE of the next full slot, the READ into the next empty one; when
 * nothing is left, the response is done. Each step re-arms the timeout. */
static void conn_stream_pump(struct http_conn *c)
{
    struct http_stream *st = &c->st;
    struct warp_msg m;
    loop_timeout_after(c->srv->loop, &c->timeout, HTTP_FS_TIMEOUT_NS);
    struct http_slot *w = &st->slot[st->wr];
    if (!st->writing && w->state == HTTP_SLOT_FULL) {
        msg_write(&m, w->buf + w->off, w->len - w->off);
        if (loop_call(c->srv->loop, c->ch, &m, conn_on_stream_write, c) < 0) {
            conn_free(c);
            return;
        }
        w->state = HTTP_SLOT_WRITING;
        st->writing = true;
    }
    struct http_slot *r = &st->slot[st->rd];
    if (!st->reading && st->read_off < st->end && r->state == HTTP_SLOT_EMPTY) {
        uint64_t left = st->end - st->read_off;
        size_t n = left < r->cap ? (size_t)left : r->cap;
        if (http_file_read(&c->file, st->read_off, r->buf, n, conn_on_stream_read, c) < 0) {
            conn_free(c);
            return;
        }
        r->state = HTTP_SLOT_READING;
        st->reading = true;
    }
    if (!st->writing && !st->reading && st->read_off == st->end) {
        conn_file_release(c);
        conn_response_done(c);
    }
}

/*
 * Streams bytes [first, end) of the open file: head (head_len bytes at head) and the prefetched
 * bytes behind it go first from out[]; the READs start at read_off (the first byte not prefetched).
 */
static void conn_stream_start(struct http_conn *c, uint8_t *head, size_t len, uint64_t read_off, uint64_t end)
{
    struct http_server *s = c->srv;
    struct http_stream *st = &c->st;
    memset(st, 0, sizeof(*st));
    st->slot[0] = (struct http_slot){.buf = head, .cap = len, .len = len, .state = HTTP_SLOT_FULL};
    st->nslots = 1;
    if (s->streams < HTTP_STREAMS_MAX && (st->mem = malloc(2 * HTTP_STREAM_CHUNK)) != NULL) {
        s->streams++;
        for (unsigned i = 1; i < 3; i++)
            st->slot[i] =
                (struct http_slot){.buf = st->mem + (i - 1) * HTTP_STREAM_CHUNK, .cap = HTTP_STREAM_CHUNK};
        st->nslots = 3;
        st->first_body = st->rd = 1;
    }
    st->read_off = read_off;
    st->end = end;
    s->stats.streamed++;
    c->state = HTTP_CONN_STREAMING;
    conn_stream_pump(c);
}

/* Sends a response without a body from the file (304, 416): head only. */
static void conn_send_head(struct http_conn *c, const struct http_response *r, bool head_only)
{
    long n = r->status == 416 ? http_error_response_with(c->out, HTTP_OUT_SIZE, r, head_only)
                              : http_response_head(c->out, HTTP_OUT_SIZE, r);
    if (n < 0)
        n = http_error_response(c->out, HTTP_OUT_SIZE, 500, false, head_only);
    conn_out_set(c, 0, (size_t)n);
    conn_send(c);
}

/* A directory asked for without its trailing slash: 301 to path + "/" (its index.html is there). */
static void conn_redirect(struct http_conn *c, bool head_only)
{
    static char location[3 * HTTP_TARGET_MAX + HTTP_LOCATION_EXTRA]; /* single-threaded */
    const struct http_request *req = &c->parser.req;
    if (http_location(location, sizeof(location), req->path) < 0) {
        conn_set_error(c, 414, req->keep_alive, head_only);
        conn_send(c);
        return;
    }
    struct http_response r = {.status = 301, .keep_alive = req->keep_alive, .location = location};
    long n = http_error_response_with(c->out, HTTP_OUT_SIZE, &r, head_only);
    if (n < 0)
        conn_set_error(c, 414, req->keep_alive, head_only);
    else
        conn_out_set(c, 0, (size_t)n);
    conn_send(c);
}

/*
 * The file is open (prefetched bytes of it at out[HTTP_HEAD_ROOM]): preconditions and Range decide
 * the status (cond.h); the head goes right before the body's first prefetched byte, so that a body
 * the prefetch holds goes out with its head in one WRITE; a longer one streams.
 */
static void conn_serve_file(struct http_conn *c, size_t pre)
{
    const struct http_request *req = &c->parser.req;
    const struct fs_attr *a = &c->file.attr;
    bool head_only = req->method == HTTP_HEAD;
    char etag[HTTP_ETAG_MAX];
    http_etag_format(etag, sizeof(etag), a->mount, a->ino, a->size, a->mtime, a->mtime_nsec);
    struct http_entity e = {.size = a->size, .mtime = a->mtime, .etag = etag};
    uint64_t first = 0, last = a->size ? a->size - 1 : 0;
    struct http_response r = {
        .status = http_select(req, &e, &first, &last),
        .content_type = http_content_type(req->path),
        .keep_alive = req->keep_alive,
        .accept_ranges = true,
        .has_mtime = true,
        .mtime = a->mtime,
        .etag = etag,
        .range_first = first,
        .range_last = last,
        .range_size = a->size,
    };
    c->srv->stats.files++;
    r.content_range = r.status == 206 || r.status == 416;
    if (r.status == 304 || r.status == 416) {
        conn_file_release(c);
        conn_send_head(c, &r, head_only);
        return;
    }
    uint64_t body = a->size == 0 ? 0 : last - first + 1;
    r.content_length = body;
    char head[HTTP_HEAD_ROOM];
    long n = http_response_head(head, sizeof(head), &r);
    if (n < 0 || head_only || body == 0) {
        conn_file_release(c);
        conn_send_head(c, &r, head_only);
        return;
    }
    /* The head ends where the body's first byte is (or would be) in the prefetch. */
    uint64_t at = HTTP_HEAD_ROOM + (first < pre ? first : pre);
    memcpy(c->out + at - (size_t)n, head, (size_t)n);
    if (first + body <= pre) {
        conn_file_release(c);
        conn_out_set(c, (size_t)at - (size_t)n, (size_t)(at + body));
        conn_send(c);
        return;
    }
    uint64_t from = first < pre ? pre : first;
    conn_stream_start(c, (uint8_t *)c->out + at - n, (size_t)n + (size_t)(from - first), from, last + 1);
}

_Static_assert(HTTP_CACHE_FILE_MAX <= HTTP_OUT_SIZE - HTTP_HEAD_ROOM,
               "a kept file fits where a prefetch lands");

/* The copies of the current root's files, emptied when the root changed; NULL if none. */
static struct http_cache *conn_cache(struct http_server *s, bool make)
{
    struct http_server_cache *sc = &s->cache;
    if (sc->files && sc->readies != s->fs.readies)
        http_cache_clear(sc->files);
    sc->readies = s->fs.readies;
    if (!sc->files && make && (sc->files = malloc(sizeof(*sc->files))) != NULL)
        http_cache_init(sc->files);
    return sc->files;
}

/* Answers the request from a copy of its file (filecache.h) as from an OPEN that prefetched all
 * of it; false (nothing done) when there is none. The copy goes where a prefetch lands. */
static bool conn_serve_cached(struct http_conn *c)
{
    const char *path = c->parser.req.path + 1;
    struct http_cache *cache = conn_cache(c->srv, false);
    struct http_cached hit;
    if (!cache || http_file_busy(&c->file) || !http_cache_find(cache, path, strlen(path), &hit))
        return false; /* (a given-up OPEN may still write where the copy would go) */
    http_file_close(&c->file);
    c->file.attr = hit.attr;
    memcpy(c->out + HTTP_HEAD_ROOM, hit.data, hit.len);
    conn_serve_file(c, hit.len);
    return true;
}

/* The OPEN of the requested path answered. */
static void conn_on_open(struct http_file *f, long r, void *ctx)
{
    struct http_conn *c = ctx;
    const struct http_request *req = &c->parser.req;
    bool head_only = req->method == HTTP_HEAD;
    if (r < 0) {
        c->srv->stats.fs_errors++;
        conn_set_error(c, conn_fs_status(r), req->keep_alive, head_only);
        conn_send(c);
        return;
    }
    if (f->attr.type == FS_TYPE_DIR) {
        size_t len = strlen(req->path);
        conn_file_release(c);
        if (req->path[len - 1] == '/' || c->upload_path) { /* ".../index.html" is a directory: */
                                                           /* nothing to serve; no listings of uploads */
            conn_set_error(c, 404, req->keep_alive, head_only);
            conn_send(c);
        } else {
            conn_redirect(c, head_only);
        }
        return;
    }
    if (f->attr.type != FS_TYPE_FILE) {
        conn_file_release(c);
        conn_set_error(c, 404, req->keep_alive, head_only);
        conn_send(c);
        return;
    }
    struct http_cache *cache =
        (uint64_t)r == f->attr.size && !c->upload_path ? conn_cache(c->srv, true) : NULL;
    if (cache)
        http_cache_put(cache, req->path + 1, strlen(req->path) - 1, &f->attr, c->out + HTTP_HEAD_ROOM,
                       (size_t)r);
    conn_serve_file(c, (size_t)r);
}

/* Puts c at the end of the queue of connections waiting to send their OPEN. */
static void conn_open_enqueue(struct http_conn *c)
{
    struct http_server *s = c->srv;
    c->open_queued = true;
    c->open_next = NULL;
    if (s->open_tail)
        s->open_tail->open_next = c;
    else
        s->open_head = c;
    s->open_tail = c;
}

/*
 * Sends the OPEN of the request's path (req.path, with index.html appended for a directory) on the
 * root's node: without its leading '/' it is relative to the root, and "..", which the parser
 * refuses anyway, could not leave it (fs keeps ".." at a mount's root). A failure is answered here.
 */
static void conn_open_send(struct http_conn *c)
{
    struct http_server *s = c->srv;
    const struct http_request *req = &c->parser.req;
    bool head_only = req->method == HTTP_HEAD;
    handle_t dir = c->upload_path ? s->fs.session : s->fs.root; /* an upload's path is absolute */
    size_t skip = c->upload_path ? 0 : 1;
    long r = dir && (c->upload_path || s->fs.state == HTTP_FS_READY) ? 0 : ERR_PEER_CLOSED;
    if (r == 0)
        r = http_file_open(&c->file, dir, req->path + skip, strlen(req->path) - skip,
                           head_only ? NULL : c->out + HTTP_HEAD_ROOM, HTTP_OUT_SIZE - HTTP_HEAD_ROOM,
                           conn_on_open, c);
    if (r == ERR_QUEUE_FULL) {
        conn_open_enqueue(c);
    } else if (r < 0) {
        conn_set_error(c, 503, req->keep_alive, head_only);
        conn_send(c);
    }
}

/* An OPEN was answered (opens.on_free): the connections waiting send theirs, in order. */
static void conn_open_next(void *ctx)
{
    struct http_server *s = ctx;
    while (s->open_head && s->opens.inflight < HTTP_FILE_OPENS_MAX) {
        struct http_conn *c = s->open_head;
        conn_open_dequeue(c);
        conn_open_send(c);
    }
}

/*
 * Serves the request from service/fs: OPEN its path relative to the root directory's node (a
 * trailing '/' asks for that directory's index.html), now or when its turn comes. Returns false
 * while the OPEN is on its way or waits (conn_on_open answers), true when the response is in out[]
 * already (an error).
 */
static bool conn_respond_fs(struct http_conn *c)
{
    struct http_server *s = c->srv;
    struct http_request *req = &c->parser.req;
    bool head_only = req->method == HTTP_HEAD;
    if (c->upload_path ? !s->fs.session : s->fs.state != HTTP_FS_READY) {
        conn_set_error(c, 503, req->keep_alive, head_only); /* fs is restarting */
        return true;
    }
    static const char index[] = "index.html";
    size_t len = strlen(req->path);
    if (req->path[len - 1] == '/') {
        if (len + sizeof(index) > sizeof(req->path)) {
            conn_set_error(c, 414, req->keep_alive, head_only);
            return true;
        }
        memcpy(req->path + len, index, sizeof(index));
    }
    if (!c->upload_path && conn_serve_cached(c))
        return false; /* sent from the copy */
    c->state = HTTP_CONN_OPENING;
    loop_timeout_after(s->loop, &c->timeout, HTTP_FS_TIMEOUT_NS);
    if (s->open_head || s->opens.inflight >= HTTP_FILE_OPENS_MAX)
        conn_open_enqueue(c); /* others wait already, or no room: in order */
    else
        conn_open_send(c);
    return false;
}

/*
 * Maps a path under the upload prefix to its fs path in req.path (upload_path set): for a GET or
 * HEAD, which then reads it from the session like any file, and for PUT and DELETE. Returns 0 or
 * http_upload_map's error (ERR_NOT_FOUND: not under the prefix; req.path unchanged).
 */
static long conn_map_upload(struct http_conn *c)
{
    struct http_request *req = &c->parser.req;
    static char mapped[HTTP_UP_DIR_MAX + 2 + HTTP_TARGET_MAX]; /* single-threaded: copied at once */
    long n = http_upload_map(&c->srv->upload, req->path, mapped, sizeof(mapped));
    if (n >= 0 && (size_t)n >= sizeof(req->path))
        n = ERR_NAME_TOO_LONG;
    if (n < 0)
        return n;
    memcpy(req->path, mapped, (size_t)n + 1);
    c->upload_path = true;
    return 0;
}

/* A PUT or DELETE: refused here (405, 401, 403, 400, 414, 413, 503), or started (false: put.c
 * answers through conn_put_done). A refused PUT's body is not read: the connection closes. */
static bool conn_respond_upload(struct http_conn *c)
{
    struct http_server *s = c->srv;
    const struct http_request *req = &c->parser.req;
    long mapped = conn_map_upload(c);
    int status = http_upload_status(&s->upload, req, mapped);
    if (status == 0 && !s->fs.session)
        status = 503; /* no fs, or it is restarting */
    if (status) {
        c->body_unread = req->method == HTTP_PUT && req->content_length > 0;
        conn_set_error(c, status, req->keep_alive && !c->body_unread, false);
        return true;
    }
    size_t head = c->in_len - c->in_pos;
    if (head > req->content_length)
        head = (size_t)req->content_length; /* the rest is the next request's */
    struct http_put_req pr = {
        .is_put = req->method == HTTP_PUT,
        .path = req->path,
        .path_len = strlen(req->path),
        .content_length = req->content_length,
        .head = c->in + c->in_pos,
        .head_len = head,
        .ch = c->ch,
        .expect_continue = req->expect_continue && req->version == 11,
    };
    c->in_pos += head;
    c->state = HTTP_CONN_PUTTING;
    loop_timeout_cancel(s->loop, &c->timeout); /* the upload keeps its own time */
    http_put_start(&c->put, &pr);
    return false;
}

/* The upload is over (put.h): its answer, or the end of a connection whose body stopped. */
static void conn_put_done(void *ctx, int status, bool close)
{
    struct http_conn *c = ctx;
    const struct http_request *req = &c->parser.req;
    if (status == 0) {
        conn_free(c);
        return;
    }
    c->body_unread = close;
    conn_set_error(c, status, req->keep_alive && !close, status == 204);
    conn_send(c);
}

/* Finds the file for a decoded path under HTTP_DOC_ROOT ("/" at the end means index.html). */
static int conn_find_file(const struct http_server *s, const char *path, struct tar_file *out)
{
    char name[sizeof(HTTP_DOC_ROOT) + HTTP_TARGET_MAX + sizeof("index.html")];
    size_t len = strlen(path);
    bool dir = len > 0 && path[len - 1] == '/';
    fmt_snprintf(name, sizeof(name), "%s%s%s", HTTP_DOC_ROOT, path, dir ? "index.html" : "");
    if (!s->initfs)
        return ERR_NOT_FOUND;
    return tar_find(s->initfs, s->initfs_size, name, out);
}

/* Serves the parsed request: from service/fs (false: its answer comes later), or the index page,
 * an initfs file, or 404 (true: the response is in out[]). */
static bool conn_respond(struct http_conn *c)
{
    struct http_server *s = c->srv;
    const struct http_request *req = &c->parser.req;
    bool head_only = req->method == HTTP_HEAD;
    struct http_response r = {.status = 200, .keep_alive = req->keep_alive};
    c->close_after = !req->keep_alive;
    c->upload_path = false;
    if (req->method == HTTP_PUT || req->method == HTTP_DELETE)
        return conn_respond_upload(c);
    if (s->upload.enabled) {
        long e = conn_map_upload(c);
        if (e == 0)
            return conn_respond_fs(c); /* an upload's file, from the session */
        if (e != ERR_NOT_FOUND) {
            conn_set_error(c, e == ERR_NAME_TOO_LONG ? 414 : 404, req->keep_alive, head_only);
            return true; /* the prefix's directory itself, a name hidden from uploads */
        }
    }
    if (s->fs.state != HTTP_FS_OFF)
        return conn_respond_fs(c);
    if (strcmp(req->path, "/") == 0 || strcmp(req->path, "/index.html") == 0) {
        static char page[2048]; /* single-threaded: used only until it is copied into out[] */
        long n = http_index_page(s, page, sizeof(page));
        if (n < 0) {
            conn_set_error(c, 500, req->keep_alive, head_only);
            return true;
        }
        r.content_type = "text/html; charset=utf-8";
        r.content_length = (uint64_t)n;
        conn_set_response(c, &r, page, head_only);
        return true;
    }
    struct tar_file f;
    int e = conn_find_file(s, req->path, &f);
    if (e < 0) {
        conn_set_error(c, e == ERR_NOT_FOUND ? 404 : 500, req->keep_alive, head_only);
        return true;
    }
    r.content_type = http_content_type(f.name);
    r.content_length = f.size;
    conn_set_response(c, &r, f.data, head_only);
    return true;
}

/* Feeds the parser what in[] holds; answers a complete or bad request, or reads on. */
static void conn_process(struct http_conn *c)
{
    size_t used;
    enum http_parse_result r = http_parse(&c->parser, c->in + c->in_pos, c->in_len - c->in_pos, &used);
    c->in_pos += used;
    if (r == HTTP_PARSE_MORE) {
        c->state = HTTP_CONN_READING;
        conn_read(c);
        return;
    }
    c->srv->stats.requests++;
    c->requests++;
    if (r == HTTP_PARSE_DONE) {
        if (!conn_respond(c))
            return; /* the file's OPEN answers */
    } else {        /* the stream cannot be trusted past a bad request: answer and close */
        conn_set_error(c, c->parser.status, false, http_parser_method(&c->parser) == HTTP_HEAD);
    }
    conn_send(c);
}

/* A free slot in conns[first, first + n), or NULL. */
static struct http_conn *conn_slot(struct http_server *s, unsigned first, unsigned n)
{
    for (unsigned i = first; i < first + n; i++)
        if (s->conns[i].state == HTTP_CONN_FREE && !http_file_busy(&s->conns[i].file) &&
            !http_put_busy(&s->conns[i].put))
            return &s->conns[i]; /* (busy: an OPEN given up may still write into out[], an
                                    upload's call given up still read its paths) */
    return NULL;
}

/* Prepares the server. */
void http_server_init(struct http_server *s, struct loop *l, const void *initfs, size_t initfs_size)
{
    memset(s, 0, sizeof(*s));
    s->loop = l;
    s->initfs = initfs;
    s->initfs_size = initfs_size;
    http_fs_init(&s->fs, l);
    s->opens.on_free = conn_open_next;
    s->opens.ctx = s;
    s->puts.loop = l;
    s->puts.fs = &s->fs;
    for (unsigned i = 0; i < HTTP_CONN_MAX + HTTP_REJECT_MAX; i++) {
        http_file_init(&s->conns[i].file, l, &s->opens);
        http_put_init(&s->conns[i].put, &s->puts, conn_put_done, &s->conns[i]);
        s->conns[i].srv = s;
        s->conns[i].reject = i >= HTTP_CONN_MAX;
    }
}

/* True when neither pool has a free slot. */
static bool http_server_full(const struct http_server *s)
{
    return s->active == HTTP_CONN_MAX && s->rejecting == HTTP_REJECT_MAX;
}

/* Takes the listener off the loop when both pools are full (conn.h says why). */
static void http_listener_pause(struct http_server *s)
{
    if (s->listener && !s->paused && !s->listener_closed && http_server_full(s)) {
        loop_remove(s->loop, s->listener);
        s->paused = true;
        s->stats.pauses++;
    }
}

static const struct loop_channel_handlers http_listener_handlers;

/* A slot is free again: the listener goes back on the loop, which delivers what waited. */
static void http_listener_resume(struct http_server *s)
{
    if (!s->paused || http_server_full(s))
        return;
    if (loop_add_channel(s->loop, s->listener, &http_listener_handlers, s) == 0)
        s->paused = false;
}

/* Gives slot c its buffers if it has none yet (a slot keeps them: the server's memory grows to its
 * busiest moment, never past HTTP_CONN_MAX + HTTP_REJECT_MAX slots); false when memory is out. */
static bool conn_buffers(struct http_conn *c)
{
    if (!c->in)
        c->in = malloc(HTTP_IN_SIZE);
    if (!c->out)
        c->out = malloc(HTTP_OUT_SIZE);
    return c->in && c->out;
}

/* A new connection: serve it, or answer 503; pause the listener when that fills the last slot. */
void http_server_accept(struct http_server *s, handle_t ch)
{
    bool reject = s->active == HTTP_CONN_MAX;
    struct http_conn *c =
        reject ? conn_slot(s, HTTP_CONN_MAX, HTTP_REJECT_MAX) : conn_slot(s, 0, HTTP_CONN_MAX);
    if (!c || !conn_buffers(c) || loop_add_channel(s->loop, ch, &conn_handlers, c) < 0) {
        s->stats.dropped++;
        loop_close(s->loop, ch);
        return;
    }
    c->ch = ch;
    c->read_pending = false;
    c->requests = 0;
    c->in_pos = c->in_len = 0;
    loop_timeout_init(&c->timeout, conn_on_timeout, c);
    if (reject) {
        s->rejecting++;
        s->stats.rejected++;
        c->state = HTTP_CONN_WRITING;
        http_parser_init(&c->parser);
        conn_set_error(c, 503, false, false);
        conn_send(c);
    } else {
        s->active++;
        s->stats.accepted++;
        c->state = HTTP_CONN_READING;
        conn_next_request(c);
        conn_read(c);
    }
    http_listener_pause(s);
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

/* tcpip closed the listener: nothing more will come; main decides what then. */
static void http_on_listener_closed(struct loop *l, handle_t ch, void *ctx)
{
    struct http_server *s = ctx;
    loop_close(l, ch);
    s->listener_closed = true;
    loop_stop(l);
}

static const struct loop_channel_handlers http_listener_handlers = {
    .on_message = http_on_listener_message,
    .on_reply = NULL,
    .on_peer_closed = http_on_listener_closed,
};

/* Starts serving the listener (the first, or a new one after tcpip restarted). */
long http_server_listen(struct http_server *s, handle_t listener)
{
    s->listener = listener;
    s->listener_closed = false;
    s->paused = false;
    return loop_add_channel(s->loop, listener, &http_listener_handlers, s);
}

/* The embedded page at "/". */
long http_index_page(const struct http_server *s, char *buf, size_t size)
{
    int n = fmt_snprintf(
        buf, size,
        "<!DOCTYPE html>\n"
        "<html lang=\"en\">\n"
        "<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<title>Warp</title>\n"
        "<link rel=\"stylesheet\" href=\"/style.css\">\n"
        "</head>\n"
        "<body>\n"
        "<h1>Warp</h1>\n"
        "<p>This page comes from <code>http_server</code>, a user process on <b>Warp</b>, "
        "a microkernel operating system for x86-64 written in C.</p>\n"
        "<p>Your request travelled from the virtio-net driver to the TCP/IP server (lwIP) to this "
        "web server: three isolated processes that talk only by message passing, served by a "
        "microkernel.</p>\n"
        "<p>Request number %llu; %u connection%s open.</p>\n"
        "</body>\n"
        "</html>\n",
        (unsigned long long)s->stats.requests, s->active, s->active == 1 ? "" : "s");
    if (n < 0 || (size_t)n >= size)
        return ERR_TOO_LARGE;
    return n;
}
