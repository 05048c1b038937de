/* test_http_files.c: http_server's files from service/fs (conn.c, fsroot.c, fsfile.c) over a fake tcpip and fs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "servers/http_server/conn.h"
#include "fake_loop_ops.h"
#include <warp/msg.h>
#include <warp/proto/fs.h>

/*
 * The test plays tcpip (as test_http_conn.c does), init and service/fs: it answers the OPENs, READs
 * and WRITEs the server sends by dispatching replies, filling the buffers through the addresses the
 * calls carry (real pointers on the host).
 */

#define CONN 10
#define INIT 3000
#define SESSION 3001
#define ROOT 3002
#define NODE 3100

static struct loop L;
static struct http_server srv;
static uint8_t big[300000]; /* a file to stream */

/* Answers an OPEN with a node and its attributes (and prefetched bytes already copied). */
static void reply_open(handle_t ch, struct warp_msg *m, handle_t node, const struct fs_attr *a, size_t pre)
{
    struct warp_msg r;
    msg_reply(&r, MSG_OPEN, m->call_id, (int64_t)pre);
    msg_set_data(&r, a, sizeof(*a));
    msg_add_handle(&r, node);
    fake.closed[node] = false;
    fake_reply_msg(&L, ch, m, &r);
}

/* The path an OPEN asks for. */
static const char *open_path(const struct warp_msg *m)
{
    static char path[FS_PATH_MAX + 1];
    struct fs_open o;
    memcpy(&o, m->data, sizeof(o));
    assert_int_equal(m->bufs[0].access, BUF_READ);
    assert_true(o.path_len == m->bufs[0].len);
    memcpy(path, (const void *)(uintptr_t)m->bufs[0].addr, o.path_len);
    path[o.path_len] = '\0';
    return path;
}

static struct fs_attr file_attr(uint64_t size)
{
    return (struct fs_attr){
        .ino = 42, .size = size, .mtime = 784111777, .mode = 0100644, .type = FS_TYPE_FILE, .mount = 1};
}

/* Answers the pending OPEN on the root as fs would for a file of data (len bytes). */
static void fs_open_file(const void *data, size_t len, handle_t node)
{
    struct warp_msg *m = fake_pending(ROOT, MSG_OPEN);
    assert_non_null(m);
    size_t pre = 0;
    if (m->nbufs >= 2) {
        assert_int_equal(m->bufs[1].access, BUF_WRITE);
        pre = len < m->bufs[1].len ? len : m->bufs[1].len;
        memcpy((void *)(uintptr_t)m->bufs[1].addr, data, pre);
    }
    struct fs_attr a = file_attr(len);
    reply_open(ROOT, m, node, &a, pre);
}

/* Answers the pending READ on node from data (len bytes); false if none is pending. */
static bool fs_read(handle_t node, const uint8_t *data, size_t len)
{
    struct warp_msg *m = fake_pending(node, MSG_READ);
    if (!m)
        return false;
    struct fs_io io;
    memcpy(&io, m->data, sizeof(io));
    size_t n = io.offset >= len ? 0 : len - (size_t)io.offset;
    if (n > m->bufs[0].len)
        n = m->bufs[0].len;
    memcpy((void *)(uintptr_t)m->bufs[0].addr, data + io.offset, n);
    fake_reply(&L, node, m, (int64_t)n);
    return true;
}

/* The client sends a request: it answers the pending READ. */
static void client_send(handle_t ch, const char *s)
{
    struct warp_msg *m = fake_pending(ch, MSG_READ);
    assert_non_null(m);
    memcpy((void *)(uintptr_t)m->bufs[0].addr, s, strlen(s));
    fake_reply(&L, ch, m, (int64_t)strlen(s));
}

static struct {
    char data[400000];
    size_t len;
    unsigned writes;
} rx;

/* Answers one pending WRITE on ch; false if none. */
static bool take_write(handle_t ch)
{
    struct warp_msg *m = fake_pending(ch, MSG_WRITE);
    if (!m)
        return false;
    size_t n = m->bufs[0].len;
    assert_true(rx.len + n <= sizeof(rx.data));
    memcpy(rx.data + rx.len, (const void *)(uintptr_t)m->bufs[0].addr, n);
    rx.len += n;
    rx.writes++;
    fake_reply(&L, ch, m, (int64_t)n);
    return true;
}

/* Answers WRITEs on CONN (and READs on node from data) until neither is pending. */
static const char *collect(handle_t node, const uint8_t *data, size_t len)
{
    rx.len = 0;
    rx.writes = 0;
    for (;;) {
        bool w = take_write(CONN);
        bool r = node && fs_read(node, data, len);
        if (!w && !r)
            break;
    }
    rx.data[rx.len] = '\0';
    return rx.data;
}

static int status_of(const char *resp)
{
    assert_memory_equal(resp, "HTTP/1.1 ", 9);
    return atoi(resp + 9);
}

/* Opens the fake fs's session and root, as main does. */
static void fs_connect(void)
{
    struct warp_msg *m = fake_pending(INIT, MSG_OPEN);
    assert_non_null(m);
    struct warp_msg r;
    msg_reply_open(&r, m->call_id, SESSION);
    fake.closed[SESSION] = false;
    fake_reply_msg(&L, INIT, m, &r);
    m = fake_pending(SESSION, MSG_OPEN);
    assert_non_null(m);
    assert_string_equal(open_path(m), FS_DISK_MOUNT);
    struct fs_open o;
    memcpy(&o, m->data, sizeof(o));
    assert_int_equal(o.flags, FS_O_READ | FS_O_DIRECTORY);
    struct fs_attr a = {.type = FS_TYPE_DIR, .mode = 040755, .mount = 1, .ino = 2};
    reply_open(SESSION, m, ROOT, &a, 0);
    assert_int_equal(srv.fs.state, HTTP_FS_READY);
}

static int setup(void **state)
{
    (void)state;
    fake_loop_init(&L);
    http_server_init(&srv, &L, NULL, 0);
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 13 + i / 509);
    http_fs_start(&srv.fs, INIT);
    assert_int_equal(srv.fs.state, HTTP_FS_CONNECTING);
    fs_connect();
    http_server_accept(&srv, CONN);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < HTTP_CONN_MAX + HTTP_REJECT_MAX; i++) {
        if (srv.conns[i].state != HTTP_CONN_FREE) {
            loop_timeout_cancel(&L, &srv.conns[i].timeout);
            free(srv.conns[i].st.mem);
        }
        free(srv.conns[i].in);
        free(srv.conns[i].out);
    }
    if (srv.cache.files) {
        http_cache_clear(srv.cache.files);
        free(srv.cache.files);
    }
    loop_destroy(&L);
    return 0;
}

#define GET(path) "GET " path " HTTP/1.1\r\nHost: warp\r\n\r\n"

/* A small file: one OPEN (with the prefetch) and one WRITE of head and body; the node closed. */
static void test_small_file(void **state)
{
    (void)state;
    client_send(CONN, GET("/a/b.css"));
    struct warp_msg *m = fake_pending(ROOT, MSG_OPEN);
    assert_non_null(m);
    assert_string_equal(open_path(m), "a/b.css");
    assert_int_equal(m->nbufs, 2);
    fs_open_file("body{}", 6, NODE);
    const char *r = collect(0, NULL, 0);
    assert_int_equal(status_of(r), 200);
    assert_int_equal(rx.writes, 1);
    assert_non_null(strstr(r, "\r\nContent-Type: text/css; charset=utf-8\r\n"));
    assert_non_null(strstr(r, "\r\nContent-Length: 6\r\n"));
    assert_non_null(strstr(r, "\r\nETag: \"1-2a-6-2ebc98a1.0\"\r\n"));
    assert_non_null(strstr(r, "\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"));
    assert_non_null(strstr(r, "\r\nAccept-Ranges: bytes\r\n"));
    assert_string_equal(strstr(r, "\r\n\r\n") + 4, "body{}");
    assert_true(fake.closed[NODE]);
    assert_non_null(fake_pending(CONN, MSG_READ)); /* keep-alive */

    /* "/" is the root's index.html; HEAD sends no prefetch buffer and no body. */
    client_send(CONN, "HEAD / HTTP/1.1\r\nHost: w\r\n\r\n");
    m = fake_pending(ROOT, MSG_OPEN);
    assert_string_equal(open_path(m), "index.html");
    assert_int_equal(m->nbufs, 1);
    fs_open_file("<p>hi</p>", 9, NODE + 1);
    r = collect(0, NULL, 0);
    assert_int_equal(status_of(r), 200);
    assert_non_null(strstr(r, "\r\nContent-Length: 9\r\n"));
    assert_string_equal(strstr(r, "\r\n\r\n") + 4, "");
    assert_true(fake.closed[NODE + 1]);
}

/* A large file streams: READs overlap WRITEs; the bytes come in order; the node is closed at the end. */
static void test_stream(void **state)
{
    (void)state;
    client_send(CONN, GET("/big.bin"));
    fs_open_file(big, sizeof(big), NODE);
    /* The head and prefetch are being written while the first READ runs. */
    assert_non_null(fake_pending(CONN, MSG_WRITE));
    assert_non_null(fake_pending(NODE, MSG_READ));
    assert_int_equal(srv.streams, 1);
    const char *r = collect(NODE, big, sizeof(big));
    assert_int_equal(status_of(r), 200);
    const char *body = strstr(r, "\r\n\r\n") + 4;
    assert_int_equal(rx.len - (size_t)(body - r), sizeof(big));
    assert_memory_equal(body, big, sizeof(big));
    assert_true(fake.closed[NODE]);
    assert_int_equal(srv.streams, 0);
    assert_non_null(fake_pending(CONN, MSG_READ));

    /* A range in the middle: READs start at its first byte; Content-Range says which. */
    client_send(CONN, "GET /big.bin HTTP/1.1\r\nHost: w\r\nRange: bytes=100000-250000\r\n\r\n");
    fs_open_file(big, sizeof(big), NODE + 1);
    r = collect(NODE + 1, big, sizeof(big));
    assert_int_equal(status_of(r), 206);
    assert_non_null(strstr(r, "\r\nContent-Range: bytes 100000-250000/300000\r\n"));
    body = strstr(r, "\r\n\r\n") + 4;
    assert_int_equal(rx.len - (size_t)(body - r), 150001);
    assert_memory_equal(body, big + 100000, 150001);

    /* A range inside the prefetch: one WRITE. */
    client_send(CONN, "GET /big.bin HTTP/1.1\r\nHost: w\r\nRange: bytes=10-19\r\n\r\n");
    fs_open_file(big, sizeof(big), NODE + 2);
    r = collect(NODE + 2, big, sizeof(big));
    assert_int_equal(status_of(r), 206);
    assert_int_equal(rx.writes, 1);
    assert_memory_equal(strstr(r, "\r\n\r\n") + 4, big + 10, 10);
}

/* Without chunk buffers (HTTP_STREAMS_MAX in use) the file streams through out[], in order. */
static void test_stream_single_buffer(void **state)
{
    (void)state;
    srv.streams = HTTP_STREAMS_MAX;
    client_send(CONN, GET("/big.bin"));
    fs_open_file(big, sizeof(big), NODE);
    assert_non_null(fake_pending(CONN, MSG_WRITE));
    assert_null(fake_pending(NODE, MSG_READ)); /* out[] is busy with the head */
    const char *r = collect(NODE, big, sizeof(big));
    const char *body = strstr(r, "\r\n\r\n") + 4;
    assert_int_equal(rx.len - (size_t)(body - r), sizeof(big));
    assert_memory_equal(body, big, sizeof(big));
    assert_int_equal(srv.streams, HTTP_STREAMS_MAX);
    srv.streams = 0;
}

/* A READ failing mid-stream ends the connection: the client got a prefix, never other bytes. */
static void test_stream_read_error(void **state)
{
    (void)state;
    client_send(CONN, GET("/big.bin"));
    fs_open_file(big, sizeof(big), NODE);
    assert_true(take_write(CONN));
    assert_true(fs_read(NODE, big, sizeof(big)));
    struct warp_msg *m = fake_pending(NODE, MSG_READ);
    assert_non_null(m);
    fake_reply(&L, NODE, m, ERR_IO);
    assert_true(fake.closed[CONN]);
    assert_true(fake.closed[NODE]);
    assert_int_equal(srv.streams, 0);
    assert_int_equal(srv.active, 0);
}

/* fs errors become statuses; the connection keeps working. */
static void test_errors(void **state)
{
    (void)state;
    static const struct {
        long err;
        int status;
    } cases[] = {
        {ERR_NOT_FOUND, 404}, {ERR_NOT_DIR, 404},      {ERR_PERMISSION, 403},  {ERR_NAME_TOO_LONG, 414},
        {ERR_IO, 500},        {ERR_NO_RESOURCES, 503}, {ERR_PEER_CLOSED, 503}, {ERR_LOOP, 404},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        client_send(CONN, GET("/x"));
        struct warp_msg *m = fake_pending(ROOT, MSG_OPEN);
        assert_non_null(m);
        fake_reply(&L, ROOT, m, cases[i].err);
        const char *r = collect(0, NULL, 0);
        assert_int_equal(status_of(r), cases[i].status);
        assert_non_null(strstr(r, "\r\nConnection: keep-alive\r\n"));
        assert_non_null(fake_pending(CONN, MSG_READ));
    }
    /* A broken reply (more prefetched than the buffer holds) is 500. */
    client_send(CONN, GET("/x"));
    struct warp_msg *m = fake_pending(ROOT, MSG_OPEN);
    struct fs_attr a = file_attr(100000);
    reply_open(ROOT, m, NODE, &a, m->bufs[1].len + 1);
    assert_int_equal(status_of(collect(0, NULL, 0)), 500);
    assert_true(fake.closed[NODE]);
}

/* A directory: 301 without the slash; with it, its index.html was asked for. */
static void test_directory(void **state)
{
    (void)state;
    client_send(CONN, GET("/docs%20x"));
    struct warp_msg *m = fake_pending(ROOT, MSG_OPEN);
    assert_string_equal(open_path(m), "docs x");
    struct fs_attr a = {.type = FS_TYPE_DIR, .mode = 040755, .mount = 1, .ino = 9};
    reply_open(ROOT, m, NODE, &a, 0);
    const char *r = collect(0, NULL, 0);
    assert_int_equal(status_of(r), 301);
    assert_non_null(strstr(r, "\r\nLocation: /docs%20x/\r\n"));
    assert_true(fake.closed[NODE]);

    client_send(CONN, GET("/docs/"));
    m = fake_pending(ROOT, MSG_OPEN);
    assert_string_equal(open_path(m), "docs/index.html");
    fake_reply(&L, ROOT, m, ERR_NOT_FOUND);
    assert_int_equal(status_of(collect(0, NULL, 0)), 404);
}

/* 304 and 416 carry no file bytes and close the node at once. */
static void test_conditional(void **state)
{
    (void)state;
    client_send(CONN, "GET /f HTTP/1.1\r\nHost: w\r\nIf-None-Match: \"1-2a-6-2ebc98a1.0\"\r\n\r\n");
    fs_open_file("abcdef", 6, NODE);
    const char *r = collect(0, NULL, 0);
    assert_int_equal(status_of(r), 304);
    assert_null(strstr(r, "Content-Length"));
    assert_string_equal(strstr(r, "\r\n\r\n") + 4, "");
    assert_true(fake.closed[NODE]);

    client_send(CONN, "GET /g HTTP/1.1\r\nHost: w\r\nRange: bytes=6-\r\n\r\n");
    fs_open_file("abcdef", 6, NODE + 1);
    r = collect(0, NULL, 0);
    assert_int_equal(status_of(r), 416);
    assert_non_null(strstr(r, "\r\nContent-Range: bytes */6\r\n"));
    assert_true(fake.closed[NODE + 1]);
    assert_non_null(fake_pending(CONN, MSG_READ));
}

/* A small file is OPENed once: later requests for its path are answered from the copy kept
 * (filecache.h), without fs, preconditions and ranges included; a file over the prefetch is not
 * kept; a new root (fs restarted) drops every copy. */
static void test_cached(void **state)
{
    (void)state;
    client_send(CONN, GET("/c.txt"));
    fs_open_file("cached!", 7, NODE);
    const char *r = collect(0, NULL, 0);
    assert_int_equal(status_of(r), 200);
    char first[1024];
    snprintf(first, sizeof(first), "%s", r);

    client_send(CONN, GET("/c.txt"));
    assert_null(fake_pending(ROOT, MSG_OPEN));
    r = collect(0, NULL, 0);
    assert_string_equal(r, first); /* the same head (ETag, Last-Modified, type) and body */
    assert_int_equal(rx.writes, 1);
    assert_int_equal(srv.cache.files->hits, 1);

    client_send(CONN, "GET /c.txt HTTP/1.1\r\nHost: w\r\nRange: bytes=2-3\r\n\r\n");
    assert_null(fake_pending(ROOT, MSG_OPEN));
    r = collect(0, NULL, 0);
    assert_int_equal(status_of(r), 206);
    assert_non_null(strstr(r, "\r\nContent-Range: bytes 2-3/7\r\n"));
    assert_string_equal(strstr(r, "\r\n\r\n") + 4, "ch");

    client_send(CONN, "GET /c.txt HTTP/1.1\r\nHost: w\r\nIf-None-Match: \"1-2a-7-2ebc98a1.0\"\r\n\r\n");
    assert_int_equal(status_of(collect(0, NULL, 0)), 304);
    client_send(CONN, "HEAD /c.txt HTTP/1.1\r\nHost: w\r\n\r\n");
    assert_null(fake_pending(ROOT, MSG_OPEN));
    r = collect(0, NULL, 0);
    assert_non_null(strstr(r, "\r\nContent-Length: 7\r\n"));
    assert_string_equal(strstr(r, "\r\n\r\n") + 4, "");
    assert_int_equal(srv.cache.files->hits, 4);

    /* one byte over what a prefetch holds: streamed, and OPENed again the next time */
    static uint8_t over[HTTP_CACHE_FILE_MAX + 1];
    client_send(CONN, GET("/over"));
    fs_open_file(over, sizeof(over), NODE + 1);
    collect(NODE + 1, over, sizeof(over));
    client_send(CONN, GET("/over"));
    assert_non_null(fake_pending(ROOT, MSG_OPEN));
    fs_open_file(over, sizeof(over), NODE + 2);
    collect(NODE + 2, over, sizeof(over));

    /* fs restarts: the copy is of the old root */
    struct warp_event ev = {.type = EV_PEER_CLOSED, .handle = ROOT, .cookie = fake.cookie[ROOT]};
    loop_dispatch(&L, &ev);
    fake.closed[ROOT] = false;
    fs_connect();
    client_send(CONN, GET("/c.txt"));
    assert_non_null(fake_pending(ROOT, MSG_OPEN));
    fs_open_file("fresh!!", 7, NODE + 3);
    r = collect(0, NULL, 0);
    assert_string_equal(strstr(r, "\r\n\r\n") + 4, "fresh!!");
}

/* fs restarts: the OPEN in flight gets 503, requests meanwhile 503, then the new session serves. */
static void test_fs_restart(void **state)
{
    (void)state;
    client_send(CONN, GET("/a"));
    assert_non_null(fake_pending(ROOT, MSG_OPEN));
    struct warp_event ev = {.type = EV_PEER_CLOSED, .handle = ROOT, .cookie = fake.cookie[ROOT]};
    loop_dispatch(&L, &ev); /* the loop fails the OPEN with ERR_PEER_CLOSED first */
    assert_int_equal(srv.fs.state, HTTP_FS_CONNECTING);
    assert_true(fake.closed[ROOT] && fake.closed[SESSION]);
    assert_int_equal(status_of(collect(0, NULL, 0)), 503);

    client_send(CONN, GET("/a"));
    assert_int_equal(status_of(collect(0, NULL, 0)), 503);

    fs_connect(); /* the new fs: init answers the OPEN it held */
    assert_int_equal(srv.fs.reconnects, 1);
    client_send(CONN, GET("/a"));
    fs_open_file("x", 1, NODE);
    assert_int_equal(status_of(collect(0, NULL, 0)), 200);
}

/* The session closing alone keeps the root: the OPEN in flight on it is still answered. */
static void test_session_closes_first(void **state)
{
    (void)state;
    client_send(CONN, GET("/a"));
    struct warp_event ev = {.type = EV_PEER_CLOSED, .handle = SESSION, .cookie = fake.cookie[SESSION]};
    loop_dispatch(&L, &ev);
    assert_true(fake.closed[SESSION]);
    assert_false(fake.closed[ROOT]);
    assert_int_equal(srv.fs.state, HTTP_FS_READY);
    fs_open_file("x", 1, NODE);
    assert_int_equal(status_of(collect(0, NULL, 0)), 200);
    /* Then the root closes (fs ended): reopen through init. */
    ev = (struct warp_event){.type = EV_PEER_CLOSED, .handle = ROOT, .cookie = fake.cookie[ROOT]};
    loop_dispatch(&L, &ev);
    assert_int_equal(srv.fs.state, HTTP_FS_CONNECTING);
    fs_connect();
}

/* An OPEN that fs does not answer in time: 503 and close; the slot stays out of use until the
 * late reply comes (its prefetch may still land in out[]), whose node is then closed. */
static void test_open_timeout(void **state)
{
    (void)state;
    client_send(CONN, GET("/slow"));
    struct warp_msg *m = fake_pending(ROOT, MSG_OPEN);
    assert_non_null(m);
    fake.now += HTTP_FS_TIMEOUT_NS;
    loop_fire_timeouts(&L, fake.now);
    const char *r = collect(0, NULL, 0);
    assert_int_equal(status_of(r), 503);
    assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
    struct http_conn *c = &srv.conns[0];
    assert_true(http_file_busy(&c->file));
    /* The connection ends (linger, then CLOSE); its slot is not reused while the OPEN is out. */
    fake.now += HTTP_LINGER_TIMEOUT_NS;
    loop_fire_timeouts(&L, fake.now);
    struct warp_msg *cl = fake_pending(CONN, MSG_CLOSE);
    if (cl)
        fake_reply(&L, CONN, cl, ERR_PEER_CLOSED);
    assert_int_equal(c->state, HTTP_CONN_FREE);
    http_server_accept(&srv, CONN + 1);
    assert_int_equal(srv.conns[1].ch, CONN + 1);
    struct fs_attr a = file_attr(3);
    reply_open(ROOT, m, NODE, &a, 3);
    assert_true(fake.closed[NODE]);
    assert_false(http_file_busy(&c->file));
}

/* More requests than OPENs may be in flight: the rest wait in order, and go as answers come; one
 * that waits past the timeout gets 503 without ever being sent. */
static void test_open_queue(void **state)
{
    (void)state;
    enum { N = HTTP_FILE_OPENS_MAX + 3 };
    for (handle_t i = 0; i < N; i++) {
        if (i)
            http_server_accept(&srv, CONN + i);
        client_send(CONN + i, GET("/q"));
    }
    unsigned opens = 0;
    for (unsigned i = 0; i < fake.nsent; i++)
        opens += fake.call_pending[i] && fake.sent_on[i] == ROOT;
    assert_int_equal(opens, HTTP_FILE_OPENS_MAX);
    assert_int_equal(srv.opens.inflight, HTTP_FILE_OPENS_MAX);
    /* One answer lets the first waiting one (the connection after the last sent) go. */
    struct warp_msg *m = fake_pending(ROOT, MSG_OPEN);
    fake_reply(&L, ROOT, m, ERR_NOT_FOUND);
    assert_int_equal(srv.opens.inflight, HTTP_FILE_OPENS_MAX);
    assert_true(srv.conns[HTTP_FILE_OPENS_MAX].file.open_call != 0);
    assert_true(srv.conns[HTTP_FILE_OPENS_MAX + 1].open_queued);
    /* The two still waiting time out: 503, and nothing is sent for them later. */
    fake.now += HTTP_FS_TIMEOUT_NS;
    loop_fire_timeouts(&L, fake.now);
    assert_null(srv.open_head);
    rx.len = 0;
    assert_true(take_write(CONN + N - 1));
    rx.data[rx.len] = '\0';
    assert_int_equal(status_of(rx.data), 503);
}

/* No service/fs: the fallback (the embedded page), for good. */
static void test_no_fs(void **state)
{
    (void)state;
    struct http_server *s = malloc(sizeof(*s));
    assert_non_null(s);
    http_server_init(s, &L, NULL, 0);
    http_fs_start(&s->fs, INIT + 10);
    struct warp_msg *m = fake_pending(INIT + 10, MSG_OPEN);
    assert_non_null(m);
    fake_reply(&L, INIT + 10, m, ERR_NOT_FOUND);
    assert_int_equal(s->fs.state, HTTP_FS_OFF);
    http_server_accept(s, CONN + 20);
    struct warp_msg *rd = fake_pending(CONN + 20, MSG_READ);
    memcpy((void *)(uintptr_t)rd->bufs[0].addr, GET("/"), strlen(GET("/")));
    fake_reply(&L, CONN + 20, rd, (int64_t)strlen(GET("/")));
    struct warp_msg *w = fake_pending(CONN + 20, MSG_WRITE);
    assert_non_null(w);
    assert_non_null(strstr((const char *)(uintptr_t)w->bufs[0].addr, "microkernel"));
    loop_timeout_cancel(&L, &s->conns[0].timeout);
    free(s->conns[0].in);
    free(s->conns[0].out);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_small_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_single_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_read_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conditional, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fs_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_closes_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_fs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
