/* test_http_put.c: http_server's PUT and DELETE (put.c through conn.c) over a fake tcpip and fs. */
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
 * The test plays tcpip, init and service/fs: it answers each call the server sends (found among the
 * fake kernel's pending calls), reading and filling the buffers through the addresses the calls
 * carry (real pointers on the host), and checks the order put.h promises: TEMP (MKDIRs when a
 * directory is missing), the body's WRITEs, sync=, rename=noreplace (rename=), and only then the
 * answer; an abort leaves an unlink= of the temporary file and nothing else.
 */

#define CONN 10
#define CONN2 11
#define INIT 3000
#define SESSION 3001
#define ROOT 3002
#define NODE 3100
#define DIRNODE 3200
#define TOKEN "0123456789abcdef-test"
#define AUTH "Authorization: Bearer " TOKEN "\r\n"

static struct loop L;
static struct http_server srv;

/* Answers an OPEN with node (a file or directory). */
static void reply_open(handle_t ch, struct warp_msg *m, handle_t node, uint32_t type)
{
    struct warp_msg r;
    struct fs_attr a = {
        .ino = node, .type = type, .mode = type == FS_TYPE_DIR ? 040777 : 0100666, .mount = 2};
    msg_reply(&r, MSG_OPEN, m->call_id, 0);
    msg_set_data(&r, &a, sizeof(a));
    msg_add_handle(&r, node);
    fake.closed[node] = false;
    fake_reply_msg(&L, ch, m, &r);
}

/* Buffer i of m as a string. */
static const char *buf_str(const struct warp_msg *m, unsigned i)
{
    static char s[2][FS_PATH_MAX + 1];
    assert_true(i < m->nbufs);
    assert_int_equal(m->bufs[i].access, BUF_READ);
    memcpy(s[i], (const void *)(uintptr_t)m->bufs[i].addr, m->bufs[i].len);
    s[i][m->bufs[i].len] = '\0';
    return s[i];
}

/* The pending OPEN on the session: its path, flags and mode checked. */
static struct warp_msg *expect_open(const char *path, uint32_t flags, uint32_t mode)
{
    struct warp_msg *m = fake_pending(SESSION, MSG_OPEN);
    assert_non_null(m);
    struct fs_open o;
    memcpy(&o, m->data, sizeof(o));
    assert_string_equal(buf_str(m, 0), path);
    assert_int_equal(o.flags, flags);
    assert_int_equal(o.mode, mode);
    return m;
}

/* The pending SETATTR on ch, its "name=value" checked. */
static struct warp_msg *expect_setattr(handle_t ch, const char *text)
{
    struct warp_msg *m = fake_pending(ch, MSG_SETATTR);
    assert_non_null(m);
    assert_int_equal(m->data_len, strlen(text));
    assert_memory_equal(m->data, text, strlen(text));
    return m;
}

/* Answers the pending WRITE on NODE, checking its bytes and offset. */
static void expect_write(const char *bytes, uint64_t offset)
{
    struct warp_msg *m = fake_pending(NODE, MSG_WRITE);
    assert_non_null(m);
    struct fs_io io;
    memcpy(&io, m->data, sizeof(io));
    assert_int_equal(io.offset, offset);
    assert_int_equal(m->bufs[0].len, strlen(bytes));
    assert_memory_equal((const void *)(uintptr_t)m->bufs[0].addr, bytes, strlen(bytes));
    fake_reply(&L, NODE, m, (int64_t)strlen(bytes));
}

/* The client sends bytes: it answers the pending READ on ch (at most its size). */
static void client_send(handle_t ch, const char *s)
{
    struct warp_msg *m = fake_pending(ch, MSG_READ);
    assert_non_null(m);
    assert_true(strlen(s) <= m->bufs[0].len);
    memcpy((void *)(uintptr_t)m->bufs[0].addr, s, strlen(s));
    fake_reply(&L, ch, m, (int64_t)strlen(s));
}

/* The response written on ch (answering every pending WRITE), NUL-terminated. */
static const char *response(handle_t ch)
{
    static char out[16384];
    size_t len = 0;
    struct warp_msg *m;
    while ((m = fake_pending(ch, MSG_WRITE)) != NULL) {
        size_t n = m->bufs[0].len;
        assert_true(len + n < sizeof(out));
        memcpy(out + len, (const void *)(uintptr_t)m->bufs[0].addr, n);
        len += n;
        fake_reply(&L, ch, m, (int64_t)n);
    }
    out[len] = '\0';
    return out;
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
    reply_open(SESSION, m, ROOT, FS_TYPE_DIR);
    assert_int_equal(srv.fs.state, HTTP_FS_READY);
}

static int setup(void **state)
{
    (void)state;
    static const char manifest[] =
        "[http upload]\nprefix = /u/\ndir = /tmp/up\ntoken = " TOKEN "\nmax_body = 100\n";
    fake_loop_init(&L);
    http_server_init(&srv, &L, NULL, 0);
    http_upload_conf_parse(manifest, sizeof(manifest) - 1, &srv.upload, NULL, NULL);
    assert_true(srv.upload.enabled);
    srv.fs.keep_session = true;
    http_fs_start(&srv.fs, INIT);
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
            loop_timeout_cancel(&L, &srv.conns[i].put.timeout);
        }
        free(srv.conns[i].put.mem);
        free(srv.conns[i].in);
        free(srv.conns[i].out);
    }
    loop_destroy(&L);
    return 0;
}

/* Creates the temporary file of the first PUT into an existing directory (/tmp/up/a). */
static void temp_made(const char *temp)
{
    reply_open(SESSION, expect_open(temp, FS_O_WRITE | FS_O_CREATE | FS_O_EXCL, 0666), NODE, FS_TYPE_FILE);
}

/* A new file: the directories made once (TEMP said not found), bytes with the head and from a READ,
 * sync=, rename=noreplace, and only then 201; the node closed, the memory given back. */
static void test_put_new(void **state)
{
    (void)state;
    client_send(CONN, "PUT /u/a/b.txt HTTP/1.1\r\nHost: w\r\n" AUTH "Content-Length: 10\r\n\r\n01234");
    fake_reply(&L, SESSION, expect_open("/tmp/up/a/.put-1", FS_O_WRITE | FS_O_CREATE | FS_O_EXCL, 0666),
               ERR_NOT_FOUND);
    static const char *dirs[] = {"/tmp", "/tmp/up", "/tmp/up/a"};
    for (unsigned i = 0; i < 3; i++) {
        reply_open(SESSION, expect_open(dirs[i], FS_O_CREATE | FS_O_DIRECTORY, 0777), DIRNODE + i,
                   FS_TYPE_DIR);
        assert_true(fake.closed[DIRNODE + i]);
    }
    temp_made("/tmp/up/a/.put-2"); /* a fresh name for the second try */
    assert_int_equal(srv.puts.count, 1);
    expect_write("01234", 0);
    assert_null(fake_pending(NODE, MSG_WRITE));
    assert_int_equal(fake_pending(CONN, MSG_READ)->bufs[0].len, 5); /* no more than the body */
    client_send(CONN, "56789");
    expect_write("56789", 5);
    assert_null(fake_pending(CONN, MSG_WRITE)); /* nothing answered before the rename */
    fake_reply(&L, NODE, expect_setattr(NODE, "sync="), 0);
    assert_true(fake.closed[NODE]);
    struct warp_msg *m = expect_setattr(SESSION, "rename=noreplace");
    assert_string_equal(buf_str(m, 0), "/tmp/up/a/.put-2");
    assert_string_equal(buf_str(m, 1), "/tmp/up/a/b.txt");
    assert_null(fake_pending(CONN, MSG_WRITE));
    fake_reply(&L, SESSION, m, 0);
    const char *r = response(CONN);
    assert_int_equal(status_of(r), 201);
    assert_non_null(strstr(r, "Connection: keep-alive"));
    assert_int_equal(srv.puts.count, 0);
    assert_null(srv.conns[0].put.mem);
    assert_non_null(fake_pending(CONN, MSG_READ)); /* the next request */
}

/* Over an existing name: rename=noreplace says so, rename= replaces: 204 without a length; the
 * directories are not made again; a pipelined request after the body is served next. */
static void test_put_replace_and_pipelining(void **state)
{
    (void)state;
    client_send(CONN,
                "PUT /u/x HTTP/1.1\r\nHost: w\r\n" AUTH "Content-Length: 3\r\n\r\nabcDELETE /u/x HTTP/1.1\r\n"
                "Host: w\r\n" AUTH "\r\n");
    temp_made("/tmp/up/.put-1");
    expect_write("abc", 0);
    fake_reply(&L, NODE, expect_setattr(NODE, "sync="), 0);
    fake_reply(&L, SESSION, expect_setattr(SESSION, "rename=noreplace"), ERR_ALREADY_EXISTS);
    struct warp_msg *m = expect_setattr(SESSION, "rename=");
    assert_string_equal(buf_str(m, 1), "/tmp/up/x");
    fake_reply(&L, SESSION, m, 0);
    const char *r = response(CONN);
    assert_int_equal(status_of(r), 204);
    assert_null(strstr(r, "Content-Length"));
    assert_string_equal(strstr(r, "\r\n\r\n"), "\r\n\r\n");
    m = expect_setattr(SESSION, "unlink=");
    assert_string_equal(buf_str(m, 0), "/tmp/up/x");
    fake_reply(&L, SESSION, m, 0);
    assert_int_equal(status_of(response(CONN)), 204);
}

/* DELETE's errors: missing 404, a directory 409; the connection stays. */
static void test_delete_errors(void **state)
{
    (void)state;
    client_send(CONN, "DELETE /u/gone HTTP/1.1\r\nHost: w\r\n" AUTH "\r\n");
    fake_reply(&L, SESSION, expect_setattr(SESSION, "unlink="), ERR_NOT_FOUND);
    assert_int_equal(status_of(response(CONN)), 404);
    client_send(CONN, "DELETE /u/dir HTTP/1.1\r\nHost: w\r\n" AUTH "\r\n");
    fake_reply(&L, SESSION, expect_setattr(SESSION, "unlink="), ERR_IS_DIR);
    const char *r = response(CONN);
    assert_int_equal(status_of(r), 409);
    assert_non_null(strstr(r, "keep-alive"));
    assert_int_equal(srv.puts.count, 0);
}

/* The client's FIN in the middle of the body: the connection ends, the node is closed, the
 * temporary file unlinked; nothing is renamed. */
static void test_put_cut_short(void **state)
{
    (void)state;
    client_send(CONN, "PUT /u/c HTTP/1.1\r\nHost: w\r\n" AUTH "Content-Length: 50\r\n\r\n");
    temp_made("/tmp/up/.put-1");
    client_send(CONN, "0123456789");
    expect_write("0123456789", 0);
    fake_reply(&L, CONN, fake_pending(CONN, MSG_READ), 0); /* FIN */
    assert_true(fake.closed[CONN]);
    assert_true(fake.closed[NODE]);
    struct warp_msg *m = expect_setattr(SESSION, "unlink=");
    assert_string_equal(buf_str(m, 0), "/tmp/up/.put-1");
    assert_true(http_put_busy(&srv.conns[0].put)); /* its path is still being read */
    assert_false(srv.conns[0].put.timeout.armed);  /* and nothing of it will fire */
    fake_reply(&L, SESSION, m, 0);
    assert_false(http_put_busy(&srv.conns[0].put));
    assert_int_equal(srv.puts.count, 0);
    assert_null(srv.conns[0].put.mem);
}

/* The connection ends while TEMP is pending: the slot waits; the late reply's node is closed and
 * the file it made unlinked; then the slot is free. */
static void test_abort_with_session_call(void **state)
{
    (void)state;
    client_send(CONN, "PUT /u/t HTTP/1.1\r\nHost: w\r\n" AUTH "Content-Length: 5\r\n\r\n");
    struct warp_msg *m = expect_open("/tmp/up/.put-1", FS_O_WRITE | FS_O_CREATE | FS_O_EXCL, 0666);
    struct warp_event ev = {.type = EV_PEER_CLOSED, .handle = CONN, .cookie = fake.cookie[CONN]};
    loop_dispatch(&L, &ev);
    assert_int_equal(srv.conns[0].state, HTTP_CONN_FREE);
    assert_true(http_put_busy(&srv.conns[0].put));
    http_server_accept(&srv, CONN2);
    assert_int_equal(srv.conns[1].ch, CONN2); /* the busy slot is passed over */
    reply_open(SESSION, m, NODE, FS_TYPE_FILE);
    assert_true(fake.closed[NODE]);
    m = expect_setattr(SESSION, "unlink=");
    assert_string_equal(buf_str(m, 0), "/tmp/up/.put-1");
    assert_false(srv.conns[0].put.timeout.armed);
    fake_reply(&L, SESSION, m, 0);
    assert_false(http_put_busy(&srv.conns[0].put));
    assert_int_equal(srv.puts.count, 0);
    assert_false(srv.conns[0].put.timeout.armed);
}

/* fs restarts while TEMP is pending (the session closed: the call dropped), then the connection
 * ends: nothing can answer that call, so the slot does not wait for it. */
static void test_abort_after_fs_restart(void **state)
{
    (void)state;
    client_send(CONN, "PUT /u/t HTTP/1.1\r\nHost: w\r\n" AUTH "Content-Length: 5\r\n\r\n");
    assert_non_null(expect_open("/tmp/up/.put-1", FS_O_WRITE | FS_O_CREATE | FS_O_EXCL, 0666));
    struct warp_event ev = {.type = EV_PEER_CLOSED, .handle = ROOT, .cookie = fake.cookie[ROOT]};
    loop_dispatch(&L, &ev);
    assert_true(fake.closed[SESSION]);
    ev = (struct warp_event){.type = EV_PEER_CLOSED, .handle = CONN, .cookie = fake.cookie[CONN]};
    loop_dispatch(&L, &ev);
    assert_false(http_put_busy(&srv.conns[0].put));
    assert_int_equal(srv.puts.count, 0);
    assert_false(srv.conns[0].put.timeout.armed);
}

/* fs full mid-body: 507 and the connection closes (the body is not all read); the temporary
 * file is unlinked. */
static void test_put_fs_full(void **state)
{
    (void)state;
    client_send(CONN, "PUT /u/f HTTP/1.1\r\nHost: w\r\n" AUTH "Content-Length: 20\r\n\r\n0123456789");
    temp_made("/tmp/up/.put-1");
    fake_reply(&L, NODE, fake_pending(NODE, MSG_WRITE), ERR_NO_RESOURCES);
    assert_true(fake.closed[NODE]);
    assert_non_null(expect_setattr(SESSION, "unlink="));
    assert_false(srv.conns[0].put.timeout.armed);
    const char *r = response(CONN);
    assert_int_equal(status_of(r), 507);
    assert_non_null(strstr(r, "Connection: close"));
}

/* Expect: 100-continue: 100 once the temporary file exists, then the body is READ. */
static void test_put_expect_continue(void **state)
{
    (void)state;
    client_send(CONN,
                "PUT /u/e HTTP/1.1\r\nHost: w\r\n" AUTH "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n");
    assert_null(fake_pending(CONN, MSG_WRITE));
    temp_made("/tmp/up/.put-1");
    assert_null(fake_pending(CONN, MSG_READ));
    assert_string_equal(response(CONN), "HTTP/1.1 100 Continue\r\n\r\n");
    client_send(CONN, "hi");
    expect_write("hi", 0);
    fake_reply(&L, NODE, expect_setattr(NODE, "sync="), 0);
    fake_reply(&L, SESSION, expect_setattr(SESSION, "rename=noreplace"), 0);
    assert_int_equal(status_of(response(CONN)), 201);
}

/* Refusals before fs: no token 401, wrong 403, over the limit 413 (closing), elsewhere 405; no fs call. */
static void test_refusals(void **state)
{
    (void)state;
    unsigned sent = fake.nsent;
    client_send(CONN, "DELETE /u/a HTTP/1.1\r\nHost: w\r\n\r\n");
    const char *r = response(CONN);
    assert_int_equal(status_of(r), 401);
    assert_non_null(strstr(r, "\r\nWWW-Authenticate: Bearer\r\n"));
    client_send(CONN,
                "DELETE /u/a HTTP/1.1\r\nHost: w\r\nAuthorization: Bearer 0123456789abcdef-tesT\r\n\r\n");
    assert_int_equal(status_of(response(CONN)), 403);
    client_send(CONN, "DELETE /x HTTP/1.1\r\nHost: w\r\n" AUTH "\r\n");
    assert_int_equal(status_of(response(CONN)), 405);
    client_send(CONN, "DELETE /u/.put-1 HTTP/1.1\r\nHost: w\r\n" AUTH "\r\n");
    assert_int_equal(status_of(response(CONN)), 400);
    for (unsigned i = 0; i < fake.nsent; i++)
        assert_true(i < sent || fake.sent_on[i] == CONN);
    client_send(CONN, "PUT /u/big HTTP/1.1\r\nHost: w\r\n" AUTH "Content-Length: 101\r\n\r\n");
    r = response(CONN);
    assert_int_equal(status_of(r), 413);
    assert_non_null(strstr(r, "Connection: close"));
}

/* GET under the prefix OPENs the absolute path on the session, every time (never cached). */
static void test_get_upload(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        client_send(CONN, "GET /u/a/b.txt HTTP/1.1\r\nHost: w\r\n\r\n");
        struct warp_msg *m = expect_open("/tmp/up/a/b.txt", FS_O_READ, 0);
        struct warp_msg r;
        struct fs_attr a = {.ino = 9, .size = 2, .type = FS_TYPE_FILE, .mode = 0100666, .mount = 2};
        memcpy((void *)(uintptr_t)m->bufs[1].addr, i ? "v2" : "v1", 2);
        msg_reply(&r, MSG_OPEN, m->call_id, 2);
        msg_set_data(&r, &a, sizeof(a));
        msg_add_handle(&r, NODE);
        fake.closed[NODE] = false;
        fake_reply_msg(&L, SESSION, m, &r);
        const char *resp = response(CONN);
        assert_int_equal(status_of(resp), 200);
        assert_string_equal(strstr(resp, "\r\n\r\n") + 4, i ? "v2" : "v1");
    }
    client_send(CONN, "GET /u/ HTTP/1.1\r\nHost: w\r\n\r\n");
    assert_int_equal(status_of(response(CONN)), 404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_replace_and_pipelining, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_cut_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_with_session_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_after_fs_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_fs_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_expect_continue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_upload, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
