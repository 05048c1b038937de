/* test_http_conn.c: http_server's connection state machine (servers/http_server/conn.c) over a fake tcpip. */
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

/*
 * The fake kernel (fake_loop_ops.h) records the calls the server makes (READ, WRITE, CLOSE); the
 * test plays tcpip: it fills a READ's buffer through the pointer the call carries (on the host the
 * buffer descriptors hold real addresses) and answers calls by dispatching EV_REPLY events to the
 * loop.
 */

#define SEC 1000000000ull
/* Handle values past the served ones (1..HTTP_CONN_MAX): connections over the cap, the listener. */
#define REJECTED (HTTP_CONN_MAX + 100)
#define LISTENER (HTTP_CONN_MAX + 400)
_Static_assert(REJECTED > HTTP_CONN_MAX + HTTP_REJECT_MAX && REJECTED + 200 < LISTENER &&
                   LISTENER < FAKE_HANDLES,
               "distinct handle values, all tracked by the fake");

static struct loop L;
static struct http_server srv;

/* --- an initfs built in memory: ustar members under www/ --- */

static uint8_t initfs[512 * 1024];
static size_t initfs_len;
static uint8_t big[200000]; /* www/big.bin: more than three 64 KiB WRITEs */

/* Appends a ustar member. */
static void tar_add(const char *name, const void *data, size_t size)
{
    uint8_t *h = initfs + initfs_len;
    size_t padded = (size + 511) / 512 * 512;
    assert_true(initfs_len + 512 + padded + 1024 <= sizeof(initfs));
    memset(h, 0, 512);
    memcpy(h, name, strlen(name));
    memcpy(h + 100, "0000644", 7);
    snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    memcpy(h + 512, data, size);
    initfs_len += 512 + padded;
}

static const char STYLE[] = "body { color: blue; }\n";
static const char DIR_INDEX[] = "<p>dir index</p>\n";

static void build_initfs(void)
{
    memset(initfs, 0, sizeof(initfs));
    initfs_len = 0;
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7 + i / 251);
    tar_add("bin/init",
            "\x7f"
            "ELF",
            4);
    tar_add("www/style.css", STYLE, strlen(STYLE));
    tar_add("www/big.bin", big, sizeof(big));
    tar_add("www/dir/index.html", DIR_INDEX, strlen(DIR_INDEX));
    tar_add("www/data.json", "{}", 2);
    initfs_len += 1024; /* the end-of-archive blocks */
}

static int setup(void **state)
{
    (void)state;
    fake_loop_init(&L);
    build_initfs();
    http_server_init(&srv, &L, initfs, initfs_len);
    return 0;
}

/* The server sent calls (READ, WRITE, CLOSE) and replies (refusals), never a one-way message.
 * The slots' buffers (kept for the server's life) go back, so that LeakSanitizer sees no leak. */
static int teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < fake.nsent; i++)
        assert_true(fake.sent[i].flags & (MSG_CALL | MSG_REPLY));
    loop_destroy(&L);
    for (unsigned i = 0; i < HTTP_CONN_MAX + HTTP_REJECT_MAX; i++) {
        free(srv.conns[i].in);
        free(srv.conns[i].out);
    }
    return 0;
}

/* --- playing tcpip --- */

/* The pending call of type on ch, or NULL. */
static struct warp_msg *pending(handle_t ch, uint32_t type)
{
    for (unsigned i = 0; i < fake.nsent; i++)
        if (fake.call_pending[i] && fake.sent_on[i] == ch && fake.sent[i].type == type)
            return &fake.sent[i];
    return NULL;
}

/* Number of calls pending on ch. */
static unsigned npending(handle_t ch)
{
    unsigned n = 0;
    for (unsigned i = 0; i < fake.nsent; i++)
        n += fake.call_pending[i] && fake.sent_on[i] == ch;
    return n;
}

/* The one reply the server has sent (an answer to a call it refused). */
static const struct warp_msg *only_reply(void)
{
    const struct warp_msg *r = NULL;
    for (unsigned i = 0; i < fake.nsent; i++)
        if (fake.sent[i].flags & MSG_REPLY) {
            assert_null(r);
            r = &fake.sent[i];
        }
    assert_non_null(r);
    return r;
}

/* Answers call m on ch with status (an ERROR reply for a negative one). */
static void reply(handle_t ch, struct warp_msg *m, int64_t status)
{
    struct warp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_REPLY;
    ev.handle = ch;
    ev.cookie = fake.cookie[ch];
    if (status < 0)
        msg_reply_error(&ev.u.msg, m->call_id, status);
    else
        msg_reply(&ev.u.msg, m->type, m->call_id, status);
    ev.u.msg.flags = MSG_REPLY;
    fake.call_pending[m - fake.sent] = false;
    loop_dispatch(&L, &ev);
}

/* The client sends len bytes: they answer the pending READ. */
static void client_send_len(handle_t ch, const void *data, size_t len)
{
    struct warp_msg *m = pending(ch, MSG_READ);
    assert_non_null(m);
    assert_int_equal(m->nbufs, 1);
    assert_int_equal(m->bufs[0].access, BUF_WRITE);
    assert_true(len <= m->bufs[0].len);
    memcpy((void *)(uintptr_t)m->bufs[0].addr, data, len);
    reply(ch, m, (int64_t)len);
}

static void client_send(handle_t ch, const char *s)
{
    client_send_len(ch, s, strlen(s));
}

/* The client's FIN: the pending READ gets 0. */
static void client_fin(handle_t ch)
{
    struct warp_msg *m = pending(ch, MSG_READ);
    assert_non_null(m);
    reply(ch, m, 0);
}

/* What the server wrote on a channel, collected across WRITEs. */
struct received {
    char data[300000];
    size_t len;
    unsigned writes;
};
static struct received rx;

/* Forgets what was received. */
static void rx_reset(void)
{
    rx.len = 0;
    rx.writes = 0;
    rx.data[0] = '\0';
}

/* Answers the pending WRITE on ch, taking at most max bytes of it (0: all); false if none. */
static bool take_write(handle_t ch, size_t max)
{
    struct warp_msg *m = pending(ch, MSG_WRITE);
    if (!m)
        return false;
    assert_int_equal(m->nbufs, 1);
    assert_int_equal(m->bufs[0].access, BUF_READ);
    size_t n = m->bufs[0].len;
    assert_true(n > 0 && n <= HTTP_WRITE_CHUNK);
    if (max && n > max)
        n = max;
    assert_true(rx.len + n <= sizeof(rx.data));
    memcpy(rx.data + rx.len, (const void *)(uintptr_t)m->bufs[0].addr, n);
    rx.len += n;
    rx.writes++;
    reply(ch, m, (int64_t)n);
    return true;
}

/* Answers every WRITE on ch until the server stops writing; returns what came, NUL-terminated. */
static const char *collect(handle_t ch)
{
    rx_reset();
    while (take_write(ch, 0))
        ;
    rx.data[rx.len] = '\0';
    return rx.data;
}

/* A response's status code (from "HTTP/1.1 NNN"). */
static int status_of(const char *resp)
{
    assert_memory_equal(resp, "HTTP/1.1 ", 9);
    return atoi(resp + 9);
}

/* The Content-Length of a response, and where its body starts. */
static size_t content_length(const char *resp, const char **body)
{
    const char *cl = strstr(resp, "Content-Length: ");
    assert_non_null(cl);
    const char *end = strstr(resp, "\r\n\r\n");
    assert_non_null(end);
    assert_true(cl < end);
    if (body)
        *body = end + 4;
    return (size_t)strtoull(cl + 16, NULL, 10);
}

/* A clean end (nothing after the last request): CLOSE at once, then READs until the client's FIN. */
static void expect_clean_close(handle_t ch)
{
    assert_null(pending(ch, MSG_READ));
    struct warp_msg *c = pending(ch, MSG_CLOSE);
    assert_non_null(c);
    assert_false(fake.closed[ch]);
    reply(ch, c, 0);
    client_send(ch, "late bytes are discarded");
    assert_null(pending(ch, MSG_WRITE));
    client_fin(ch);
    assert_true(fake.closed[ch]);
}

static void advance(uint64_t ns);

/*
 * The client may still be sending: no CLOSE until it is quiet for HTTP_LINGER_QUIET_NS; what it
 * sends meanwhile is read and dropped; then CLOSE, and the READ still out ends it with FIN.
 */
static void expect_lingering_close(handle_t ch)
{
    assert_null(pending(ch, MSG_CLOSE));
    assert_non_null(pending(ch, MSG_READ));
    client_send(ch, "more bytes the server drops");
    assert_null(pending(ch, MSG_CLOSE));
    advance(HTTP_LINGER_QUIET_NS - 1);
    assert_null(pending(ch, MSG_CLOSE));
    advance(1);
    struct warp_msg *c = pending(ch, MSG_CLOSE);
    assert_non_null(c);
    assert_int_equal(npending(ch), 2); /* the CLOSE and the READ */
    reply(ch, c, 0);
    assert_int_equal(npending(ch), 1); /* no second READ */
    assert_null(pending(ch, MSG_WRITE));
    client_fin(ch);
    assert_true(fake.closed[ch]);
}

/* Fires the timeouts due after ns more nanoseconds. */
static void advance(uint64_t ns)
{
    fake.now += ns;
    loop_fire_timeouts(&L, fake.now);
}

#define GET(path) "GET " path " HTTP/1.1\r\nHost: warp\r\n\r\n"

/* --- tests --- */

static void test_index_page(void **state)
{
    (void)state;
    http_server_accept(&srv, 10);
    assert_int_equal(srv.active, 1);
    client_send(10, GET("/"));
    const char *r = collect(10);
    assert_int_equal(status_of(r), 200);
    assert_non_null(strstr(r, "\r\nServer: warp\r\n"));
    assert_non_null(strstr(r, "\r\nContent-Type: text/html; charset=utf-8\r\n"));
    assert_non_null(strstr(r, "\r\nConnection: keep-alive\r\n"));
    const char *body;
    size_t len = content_length(r, &body);
    assert_int_equal(len, strlen(body));
    assert_non_null(strstr(body, "Warp"));
    assert_non_null(strstr(body, "microkernel"));
    assert_non_null(strstr(body, "Request number 1;"));
    assert_int_equal(rx.writes, 1); /* head and small body in one WRITE */
    /* Keep-alive: the next READ is out. */
    assert_non_null(pending(10, MSG_READ));
    assert_false(fake.closed[10]);

    client_send(10, GET("/index.html"));
    r = collect(10);
    assert_non_null(strstr(r, "Request number 2;"));
}

static void test_static_file(void **state)
{
    (void)state;
    http_server_accept(&srv, 11);
    client_send(11, GET("/style.css"));
    const char *r = collect(11);
    assert_int_equal(status_of(r), 200);
    assert_non_null(strstr(r, "\r\nContent-Type: text/css; charset=utf-8\r\n"));
    const char *body;
    assert_int_equal(content_length(r, &body), strlen(STYLE));
    assert_string_equal(body, STYLE);

    client_send(11, GET("/data.json?x=1"));
    r = collect(11);
    assert_non_null(strstr(r, "\r\nContent-Type: application/json\r\n"));
    assert_string_equal(strstr(r, "\r\n\r\n") + 4, "{}");

    client_send(11, GET("/dir/"));
    r = collect(11);
    assert_int_equal(status_of(r), 200);
    assert_string_equal(strstr(r, "\r\n\r\n") + 4, DIR_INDEX);

    client_send(11, GET("/%64ir/./index.html"));
    r = collect(11);
    assert_string_equal(strstr(r, "\r\n\r\n") + 4, DIR_INDEX);
}

static void test_not_found_keeps_alive(void **state)
{
    (void)state;
    http_server_accept(&srv, 12);
    const char *missing[] = {GET("/nope.html"), GET("/dir"), GET("/style.css/"), GET("/bin/init"),
                             GET("/www/style.css")};
    for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
        client_send(12, missing[i]);
        const char *r = collect(12);
        assert_int_equal(status_of(r), 404);
        assert_non_null(strstr(r, "\r\nConnection: keep-alive\r\n"));
        assert_non_null(strstr(r, "\r\n\r\n404 Not Found\n"));
        assert_non_null(pending(12, MSG_READ));
    }
}

static void test_head(void **state)
{
    (void)state;
    http_server_accept(&srv, 13);
    client_send(13, "HEAD /big.bin HTTP/1.1\r\nHost: w\r\n\r\n");
    const char *r = collect(13);
    assert_int_equal(status_of(r), 200);
    const char *body;
    assert_int_equal(content_length(r, &body), sizeof(big));
    assert_int_equal(*body, '\0'); /* nothing after the head */
    assert_int_equal(rx.writes, 1);
    assert_non_null(strstr(r, "application/octet-stream"));

    client_send(13, "HEAD /nope HTTP/1.1\r\nHost: w\r\n\r\n");
    r = collect(13);
    assert_int_equal(status_of(r), 404);
    assert_int_equal(content_length(r, &body), strlen("404 Not Found\n"));
    assert_int_equal(*body, '\0');

    client_send(13, "HEAD / HTTP/1.1\r\nHost: w\r\n\r\n");
    r = collect(13);
    assert_true(content_length(r, &body) > 100);
    assert_int_equal(*body, '\0');
}

static void test_large_file_in_chunks(void **state)
{
    (void)state;
    http_server_accept(&srv, 14);
    client_send(14, GET("/big.bin"));
    collect(14);
    const char *body;
    assert_int_equal(content_length(rx.data, &body), sizeof(big));
    size_t head = (size_t)(body - rx.data);
    assert_int_equal(rx.len, head + sizeof(big));
    assert_memory_equal(body, big, sizeof(big));
    /* The head alone, then 64 KiB, 64 KiB, 64 KiB and the rest. */
    assert_int_equal(rx.writes, 1 + (sizeof(big) + HTTP_WRITE_CHUNK - 1) / HTTP_WRITE_CHUNK);
    assert_non_null(pending(14, MSG_READ));
}

static void test_short_writes(void **state)
{
    (void)state;
    http_server_accept(&srv, 15);
    client_send(15, GET("/big.bin"));
    rx_reset();
    /* tcpip takes odd amounts: the server must send the rest from where it stopped. */
    size_t sizes[] = {10, 1, 5000, 65536, 3, 12345};
    unsigned i = 0;
    while (take_write(15, sizes[i % 6]))
        i++;
    const char *body;
    assert_int_equal(content_length(rx.data, &body), sizeof(big));
    assert_int_equal(rx.len, (size_t)(body - rx.data) + sizeof(big));
    assert_memory_equal(body, big, sizeof(big));
    assert_non_null(pending(15, MSG_READ));
}

static void test_pipelining(void **state)
{
    (void)state;
    http_server_accept(&srv, 16);
    client_send(16, GET("/style.css") GET("/nope") "HEAD / HTTP/1.1\r\nHost: w\r\n\r\nGET /sty");
    /* One response at a time, in order, and no READ while the buffered requests are served. */
    assert_null(pending(16, MSG_READ));
    assert_true(take_write(16, 0));
    assert_int_equal(status_of(rx.data), 200);
    assert_null(pending(16, MSG_READ));
    rx_reset();
    assert_true(take_write(16, 0));
    assert_int_equal(status_of(rx.data), 404);
    rx_reset();
    assert_true(take_write(16, 0));
    assert_int_equal(status_of(rx.data), 200);
    assert_false(take_write(16, 0));
    /* The partial fourth request waits for the rest. */
    client_send(16, "le.css HTTP/1.1\r\nHost: w\r\n\r\n");
    const char *r = collect(16);
    assert_string_equal(strstr(r, "\r\n\r\n") + 4, STYLE);
}

static void test_byte_by_byte(void **state)
{
    (void)state;
    http_server_accept(&srv, 17);
    const char *req = "GET /style.css HTTP/1.1\r\nHost: w\r\nUser-Agent: slow\r\n\r\n";
    for (size_t i = 0; req[i]; i++) {
        assert_null(pending(17, MSG_WRITE));
        client_send_len(17, req + i, 1);
    }
    const char *r = collect(17);
    assert_int_equal(status_of(r), 200);
}

static void test_connection_close(void **state)
{
    (void)state;
    http_server_accept(&srv, 18);
    client_send(18, "GET / HTTP/1.1\r\nHost: w\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    const char *r = collect(18);
    assert_int_equal(status_of(r), 200);
    assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
    expect_lingering_close(18); /* the pipelined second request is never answered */
    assert_int_equal(srv.active, 0);

    http_server_accept(&srv, 28);
    client_send(28, "GET / HTTP/1.1\r\nHost: w\r\nConnection: close\r\n\r\n");
    assert_int_equal(status_of(collect(28)), 200);
    expect_clean_close(28);
}

static void test_http10(void **state)
{
    (void)state;
    http_server_accept(&srv, 19);
    client_send(19, "GET /style.css HTTP/1.0\r\n\r\n");
    const char *r = collect(19);
    assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
    expect_clean_close(19);

    http_server_accept(&srv, 20);
    client_send(20, "GET /style.css HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    r = collect(20);
    assert_non_null(strstr(r, "\r\nConnection: keep-alive\r\n"));
    assert_non_null(pending(20, MSG_READ));
}

static void test_bad_requests_close(void **state)
{
    (void)state;
    static const struct {
        const char *req;
        int status;
    } cases[] = {
        {"GET /../etc/passwd HTTP/1.1\r\nHost: w\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: w\r\nContent-Length: 3\r\n\r\nabc", 405},
        {"GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 3\r\n\r\nabc", 413},
        {"BREW / HTTP/1.1\r\nHost: w\r\n\r\n", 501},
        {"GET / HTTP/2.0\r\n\r\n", 505},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        handle_t ch = (handle_t)(100 + i);
        http_server_accept(&srv, ch);
        client_send(ch, cases[i].req);
        const char *r = collect(ch);
        assert_int_equal(status_of(r), cases[i].status);
        assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
        expect_lingering_close(ch);
    }
    assert_int_equal(srv.active, 0);
}

static void test_oversized_header_over_several_reads(void **state)
{
    (void)state;
    http_server_accept(&srv, 21);
    client_send(21, "GET / HTTP/1.1\r\nHost: w\r\n");
    char chunk[HTTP_IN_SIZE];
    memset(chunk, 'a', sizeof(chunk));
    memcpy(chunk, "X-Big: ", 7);
    unsigned reads = 0;
    while (pending(21, MSG_READ)) {
        client_send_len(21, chunk, sizeof(chunk));
        memset(chunk, 'a', 7);
        reads++;
    }
    assert_int_equal(reads, 2); /* the second READ crosses 8 KiB */
    const char *r = collect(21);
    assert_int_equal(status_of(r), 431);
    expect_lingering_close(21);
}

static void test_idle_timeout(void **state)
{
    (void)state;
    http_server_accept(&srv, 22);
    advance(HTTP_HEADER_TIMEOUT_NS - 1);
    assert_false(fake.closed[22]);
    advance(1);
    assert_true(fake.closed[22]); /* nothing came: closed without a word */
    assert_int_equal(srv.active, 0);
    assert_int_equal(srv.stats.timeouts, 1);
}

static void test_keepalive_idle_timeout(void **state)
{
    (void)state;
    http_server_accept(&srv, 23);
    advance(9 * SEC);
    client_send(23, GET("/"));
    collect(23);
    /* The clock starts again after the response. */
    advance(9 * SEC);
    assert_false(fake.closed[23]);
    advance(HTTP_HEADER_TIMEOUT_NS - 9 * SEC);
    assert_true(fake.closed[23]);
}

static void test_slow_header_gets_408(void **state)
{
    (void)state;
    http_server_accept(&srv, 24);
    /* Trickling does not extend the deadline. */
    const char *req = "GET / HTTP/1.1\r\nHo";
    for (size_t i = 0; req[i]; i++) {
        client_send_len(24, req + i, 1);
        advance(HTTP_HEADER_TIMEOUT_NS / 20);
    }
    assert_null(pending(24, MSG_WRITE));
    advance(HTTP_HEADER_TIMEOUT_NS);
    assert_non_null(pending(24, MSG_READ)); /* the READ stays out; its bytes will be ignored */
    const char *r = collect(24);
    assert_int_equal(status_of(r), 408);
    assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
    /* The READ from before the timeout is still out: lingering uses it, no second one. */
    assert_int_equal(npending(24), 1);
    expect_lingering_close(24);
}

/* The READ that outlived the header timeout is answered while the 408 is still being written. */
static void test_408_read_answered_during_write(void **state)
{
    (void)state;
    http_server_accept(&srv, 29);
    client_send(29, "GET / HT");
    advance(HTTP_HEADER_TIMEOUT_NS);
    assert_non_null(pending(29, MSG_WRITE));
    client_send(29, "TP/1.1\r\n"); /* dropped */
    assert_null(pending(29, MSG_READ));
    assert_int_equal(status_of(collect(29)), 408);
    expect_lingering_close(29);
}

static void test_send_timeout(void **state)
{
    (void)state;
    http_server_accept(&srv, 25);
    client_send(25, GET("/big.bin"));
    assert_non_null(pending(25, MSG_WRITE));
    advance(HTTP_SEND_TIMEOUT_NS);
    assert_true(fake.closed[25]);
    assert_int_equal(srv.active, 0);
}

static void test_linger_timeout(void **state)
{
    (void)state;
    http_server_accept(&srv, 26);
    client_send(26, "GET / HTTP/1.0\r\n\r\n");
    collect(26);
    reply(26, pending(26, MSG_CLOSE), 0);
    assert_non_null(pending(26, MSG_READ));
    advance(HTTP_LINGER_TIMEOUT_NS);
    assert_true(fake.closed[26]);
}

static void test_drain_limit(void **state)
{
    (void)state;
    http_server_accept(&srv, 27);
    client_send(27, "GET / HTTP/1.0\r\n\r\n");
    collect(27);
    reply(27, pending(27, MSG_CLOSE), 0);
    char junk[HTTP_IN_SIZE];
    memset(junk, 'j', sizeof(junk));
    unsigned reads = 0;
    while (!fake.closed[27]) {
        client_send_len(27, junk, sizeof(junk));
        reads++;
    }
    assert_int_equal(reads, HTTP_LINGER_MAX / HTTP_IN_SIZE + 1);
}

static void test_linger_limits(void **state)
{
    (void)state;
    /* A client that keeps sending after a refused request gets FIN after HTTP_LINGER_ROUNDS reads. */
    http_server_accept(&srv, 45);
    client_send(45, "BREW / HTTP/1.1\r\nHost: w\r\n\r\n");
    assert_int_equal(status_of(collect(45)), 501);
    unsigned reads = 0;
    while (!pending(45, MSG_CLOSE)) {
        client_send(45, "x");
        advance(HTTP_LINGER_QUIET_NS / 2);
        reads++;
    }
    assert_int_equal(reads, HTTP_LINGER_ROUNDS);
    /* ... and one that sends a lot gets it after HTTP_LINGER_MAX bytes. */
    http_server_accept(&srv, 46);
    client_send(46, "BREW / HTTP/1.1\r\nHost: w\r\n\r\n");
    collect(46);
    char junk[HTTP_IN_SIZE];
    memset(junk, 'j', sizeof(junk));
    reads = 0;
    while (!pending(46, MSG_CLOSE) && reads < 1000) {
        client_send_len(46, junk, sizeof(junk));
        reads++;
    }
    assert_true(reads <= HTTP_LINGER_ROUNDS);
    /* A FIN ends lingering at once. */
    http_server_accept(&srv, 47);
    client_send(47, "BREW / HTTP/1.1\r\nHost: w\r\n\r\n");
    collect(47);
    client_fin(47);
    reply(47, pending(47, MSG_CLOSE), 0);
    client_fin(47);
    assert_true(fake.closed[47]);
}

static void test_connection_cap(void **state)
{
    (void)state;
    for (handle_t h = 1; h <= HTTP_CONN_MAX; h++)
        http_server_accept(&srv, h);
    assert_int_equal(srv.active, HTTP_CONN_MAX);
    /* Over the cap: 503 and close, at once, without waiting for the request. */
    for (handle_t h = REJECTED; h < REJECTED + HTTP_REJECT_MAX; h++) {
        http_server_accept(&srv, h);
        assert_null(pending(h, MSG_READ));
        assert_non_null(pending(h, MSG_WRITE));
    }
    assert_int_equal(srv.rejecting, HTTP_REJECT_MAX);
    /* Past the 503 pool: closed at once. */
    http_server_accept(&srv, (REJECTED + 100));
    assert_true(fake.closed[(REJECTED + 100)]);
    assert_int_equal(srv.stats.dropped, 1);

    const char *r = collect(REJECTED);
    assert_int_equal(status_of(r), 503);
    assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
    expect_lingering_close(REJECTED);
    assert_int_equal(srv.rejecting, HTTP_REJECT_MAX - 1);

    /* The served connections still work. */
    client_send(1, GET("/"));
    assert_int_equal(status_of(collect(1)), 200);

    /* One leaves (reset by its client): a new one is served again. */
    struct warp_event ev = {.type = EV_PEER_CLOSED, .handle = 2, .cookie = fake.cookie[2]};
    loop_dispatch(&L, &ev);
    assert_true(fake.closed[2]);
    assert_int_equal(srv.active, HTTP_CONN_MAX - 1);
    http_server_accept(&srv, (REJECTED + 200));
    assert_non_null(pending((REJECTED + 200), MSG_READ));
    assert_int_equal(srv.active, HTTP_CONN_MAX);
}

/* Delivers a message on the listener (handle LISTENER) carrying handle h. */
static void listener_open(handle_t h, uint32_t type, uint32_t flags)
{
    struct warp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_MESSAGE;
    ev.handle = LISTENER;
    ev.cookie = fake.cookie[LISTENER];
    msg_init(&ev.u.msg, type, flags);
    ev.u.msg.call_id = 5;
    msg_add_handle(&ev.u.msg, h);
    loop_dispatch(&L, &ev);
}

static void test_listener_pauses_when_full(void **state)
{
    (void)state;
    assert_int_equal(http_server_listen(&srv, LISTENER), 0);
    assert_true(fake.cookie[LISTENER] != 0);
    for (handle_t h = 1; h <= HTTP_CONN_MAX + HTTP_REJECT_MAX; h++) {
        assert_false(srv.paused);
        listener_open(h, MSG_OPEN, 0);
    }
    /* Both pools full: the listener is off the loop, so nothing more is received (handles!). */
    assert_true(srv.paused);
    assert_int_equal(fake.cookie[LISTENER], 0);
    assert_int_equal(srv.stats.dropped, 0);
    /* A 503 finishes: its slot frees and the listener is back. */
    handle_t last = HTTP_CONN_MAX + HTTP_REJECT_MAX;
    assert_int_equal(status_of(collect(last)), 503);
    expect_lingering_close(last);
    assert_false(srv.paused);
    assert_true(fake.cookie[LISTENER] != 0);
    listener_open(last, MSG_OPEN, 0); /* the handle number is free again */
    assert_true(srv.paused);
    /* A served connection ends: a normal slot frees, the next connection is served. */
    struct warp_event ev = {.type = EV_PEER_CLOSED, .handle = 1, .cookie = fake.cookie[1]};
    loop_dispatch(&L, &ev);
    assert_false(srv.paused);
    listener_open(1, MSG_OPEN, 0);
    assert_non_null(pending(1, MSG_READ));
    assert_true(srv.paused);
    assert_int_equal(srv.stats.pauses, 3);
}

static void test_listener_odd_messages(void **state)
{
    (void)state;
    http_server_listen(&srv, LISTENER);
    listener_open(50, MSG_GETATTR, 0); /* not an OPEN: its handle is closed */
    assert_true(fake.closed[50]);
    listener_open(51, MSG_OPEN, MSG_CALL); /* a call: refused, handle closed */
    assert_true(fake.closed[51]);
    assert_int_equal(only_reply()->status, ERR_NOT_SUPPORTED);
    assert_int_equal(srv.active, 0);
    /* tcpip closes the listener: the loop stops and main can tell why. */
    struct warp_event ev = {.type = EV_PEER_CLOSED, .handle = LISTENER, .cookie = fake.cookie[LISTENER]};
    loop_dispatch(&L, &ev);
    assert_true(srv.listener_closed);
    assert_true(fake.closed[LISTENER]);
    assert_true(L.stopped);
}

static void test_peer_errors(void **state)
{
    (void)state;
    /* READ fails. */
    http_server_accept(&srv, 30);
    reply(30, pending(30, MSG_READ), ERR_PEER_CLOSED);
    assert_true(fake.closed[30]);
    /* WRITE fails. */
    http_server_accept(&srv, 31);
    client_send(31, GET("/"));
    reply(31, pending(31, MSG_WRITE), ERR_PEER_CLOSED);
    assert_true(fake.closed[31]);
    /* CLOSE fails. */
    http_server_accept(&srv, 32);
    client_send(32, "GET / HTTP/1.0\r\n\r\n");
    collect(32);
    reply(32, pending(32, MSG_CLOSE), ERR_PEER_CLOSED);
    assert_true(fake.closed[32]);
    /* A WRITE answered with 0 or more than was asked is broken. */
    http_server_accept(&srv, 33);
    client_send(33, GET("/"));
    reply(33, pending(33, MSG_WRITE), 0);
    assert_true(fake.closed[33]);
    http_server_accept(&srv, 34);
    client_send(34, GET("/"));
    reply(34, pending(34, MSG_WRITE), 1 << 20);
    assert_true(fake.closed[34]);
    /* A READ answered with more than the buffer. */
    http_server_accept(&srv, 35);
    reply(35, pending(35, MSG_READ), HTTP_IN_SIZE + 1);
    assert_true(fake.closed[35]);
    /* FIN in the middle of a request. */
    http_server_accept(&srv, 36);
    client_send(36, "GET / HT");
    client_fin(36);
    assert_true(fake.closed[36]);
    assert_null(pending(36, MSG_WRITE));
    /* Reset while a WRITE is out: the pending call fails through the loop. */
    http_server_accept(&srv, 37);
    client_send(37, GET("/big.bin"));
    struct warp_event ev = {.type = EV_PEER_CLOSED, .handle = 37, .cookie = fake.cookie[37]};
    loop_dispatch(&L, &ev);
    assert_true(fake.closed[37]);
    assert_int_equal(srv.active, 0);
}

static void test_unexpected_messages(void **state)
{
    (void)state;
    http_server_accept(&srv, 40);
    struct warp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_MESSAGE;
    ev.handle = 40;
    ev.cookie = fake.cookie[40];
    msg_getattr(&ev.u.msg, "x");
    ev.u.msg.call_id = 77;
    ev.u.msg.nhandles = 1;
    ev.u.msg.handles[0] = 41;
    loop_dispatch(&L, &ev);
    assert_true(fake.closed[41]);
    assert_int_equal(only_reply()->type, MSG_ERROR);
    assert_int_equal(only_reply()->status, ERR_NOT_SUPPORTED);
    /* The connection goes on. */
    client_send(40, GET("/"));
    assert_int_equal(status_of(collect(40)), 200);
}

static void test_accept_failure(void **state)
{
    (void)state;
    fake.add_err = ERR_NO_MEMORY;
    http_server_accept(&srv, 42);
    assert_true(fake.closed[42]);
    assert_int_equal(srv.active, 0);
    assert_int_equal(srv.stats.dropped, 1);
}

static void test_no_initfs(void **state)
{
    (void)state;
    http_server_init(&srv, &L, NULL, 0);
    http_server_accept(&srv, 43);
    client_send(43, GET("/"));
    assert_int_equal(status_of(collect(43)), 200);
    client_send(43, GET("/style.css"));
    assert_int_equal(status_of(collect(43)), 404);
}

static void test_slot_reuse(void **state)
{
    (void)state;
    /* Many short connections through the same slots: nothing leaks, counters stay right. */
    for (int i = 0; i < 1000; i++) {
        handle_t h = (handle_t)(200 + i % 50);
        http_server_accept(&srv, h);
        client_send(h, "GET /style.css HTTP/1.0\r\n\r\n");
        assert_int_equal(status_of(collect(h)), 200);
        expect_clean_close(h);
        fake.nsent = 0; /* the fake's record only */
    }
    assert_int_equal(srv.active, 0);
    assert_int_equal(srv.stats.accepted, 1000);
    assert_int_equal(srv.stats.requests, 1000);
    assert_int_equal(loop_pending_calls(&L), 0);
    assert_true(L.timeouts == NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_index_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found_keeps_alive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_file_in_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipelining, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_by_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http10, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_requests_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_header_over_several_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keepalive_idle_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_header_gets_408, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linger_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drain_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linger_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_408_read_answered_during_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listener_pauses_when_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listener_odd_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unexpected_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accept_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_initfs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slot_reuse, setup, teardown),
    };
    return cmocka_run_group_tests_name("http_conn", tests, NULL, NULL);
}
