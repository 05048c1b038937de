/* test_msg.c: unit tests for the message builders and parsers (libs/user/msg.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <warp/msg.h>

/* A message full of junk, so tests see what a builder leaves behind. */
static void dirty(struct warp_msg *m)
{
    memset(m, 0xa5, sizeof(*m));
}

/* A received message of type with raw data bytes. */
static struct warp_msg with_data(uint32_t type, const void *data, size_t len)
{
    struct warp_msg m;
    memset(&m, 0, sizeof(m));
    m.type = type;
    m.flags = MSG_CALL;
    m.call_id = 9;
    m.data_len = (uint32_t)len;
    memcpy(m.data, data, len);
    return m;
}

/* OPEN carries the URI without NUL, as a call, and zeroes everything else. */
static void test_open_builds(void **state)
{
    (void)state;
    struct warp_msg m;
    dirty(&m);
    assert_int_equal(msg_open(&m, "service/pong"), 0);
    assert_int_equal(m.type, MSG_OPEN);
    assert_int_equal(m.flags, MSG_CALL);
    assert_int_equal(m.call_id, 0);
    assert_int_equal(m.status, 0);
    assert_int_equal(m.data_len, 12);
    assert_memory_equal(m.data, "service/pong", 12);
    assert_int_equal(m.nhandles, 0);
    assert_int_equal(m.nbufs, 0);
    for (size_t i = 12; i < MSG_DATA_MAX; i++)
        assert_int_equal(m.data[i], 0);
}

/* A URI of exactly MSG_DATA_MAX bytes fits; one more is ERR_TOO_LARGE and leaves m alone. */
static void test_open_limits(void **state)
{
    (void)state;
    char uri[MSG_DATA_MAX + 2];
    memset(uri, 'a', sizeof(uri));
    uri[MSG_DATA_MAX] = '\0';
    struct warp_msg m;
    assert_int_equal(msg_open(&m, uri), 0);
    assert_int_equal(m.data_len, MSG_DATA_MAX);

    uri[MSG_DATA_MAX] = 'a';
    uri[MSG_DATA_MAX + 1] = '\0';
    dirty(&m);
    assert_int_equal(msg_open(&m, uri), ERR_TOO_LARGE);
    assert_int_equal(m.type, 0xa5a5a5a5u);
}

/* Empty URIs, blanks and control or non-ASCII bytes are refused. */
static void test_open_bad_uri(void **state)
{
    (void)state;
    struct warp_msg m;
    assert_int_equal(msg_open(&m, ""), ERR_BAD_FORMAT);
    assert_int_equal(msg_open(&m, "service/a b"), ERR_BAD_FORMAT);
    assert_int_equal(msg_open(&m, "service/\tx"), ERR_BAD_FORMAT);
    assert_int_equal(msg_open(&m, "service/\x7f"), ERR_BAD_FORMAT);
    assert_int_equal(msg_open(&m, "service/\xc3\xa9"), ERR_BAD_FORMAT);
}

/* READ and WRITE grant one buffer in the right direction. */
static void test_read_write_bufs(void **state)
{
    (void)state;
    char buf[100] = {0};
    struct warp_msg m;
    dirty(&m);
    assert_int_equal(msg_read(&m, buf, sizeof(buf)), 0);
    assert_int_equal(m.type, MSG_READ);
    assert_int_equal(m.flags, MSG_CALL);
    assert_int_equal(m.nbufs, 1);
    assert_int_equal(m.bufs[0].addr, (uintptr_t)buf);
    assert_int_equal(m.bufs[0].len, 100);
    assert_int_equal(m.bufs[0].access, BUF_WRITE);
    assert_int_equal(m.bufs[0].pad, 0);
    assert_int_equal(m.data_len, 0);

    dirty(&m);
    assert_int_equal(msg_write(&m, buf, 7), 0);
    assert_int_equal(m.type, MSG_WRITE);
    assert_int_equal(m.nbufs, 1);
    assert_int_equal(m.bufs[0].access, BUF_READ);
    assert_int_equal(m.bufs[0].len, 7);
}

/* msg_add_buf and msg_add_handle stop at their limits; access bits are checked. */
static void test_add_limits(void **state)
{
    (void)state;
    struct warp_msg m;
    msg_init(&m, MSG_USER, MSG_CALL);
    assert_int_equal(msg_add_buf(&m, NULL, 1, 0), ERR_INVALID_ARG);
    assert_int_equal(msg_add_buf(&m, NULL, 1, 4), ERR_INVALID_ARG);
    for (int i = 0; i < MSG_BUFS_MAX; i++)
        assert_int_equal(msg_add_buf(&m, NULL, 1, BUF_READ | BUF_WRITE), 0);
    assert_int_equal(msg_add_buf(&m, NULL, 1, BUF_READ), ERR_TOO_LARGE);
    assert_int_equal(m.nbufs, MSG_BUFS_MAX);
    for (int i = 0; i < MSG_HANDLES_MAX; i++)
        assert_int_equal(msg_add_handle(&m, 10 + i), 0);
    assert_int_equal(msg_add_handle(&m, 99), ERR_TOO_LARGE);
    assert_int_equal(m.nhandles, MSG_HANDLES_MAX);
    assert_int_equal(m.handles[3], 13);
}

/* msg_set_data takes up to MSG_DATA_MAX bytes, binary included. */
static void test_set_data(void **state)
{
    (void)state;
    uint8_t big[MSG_DATA_MAX + 1] = {0, 1, 2};
    struct warp_msg m;
    msg_init(&m, MSG_USER, 0);
    assert_int_equal(msg_set_data(&m, big, MSG_DATA_MAX + 1), ERR_TOO_LARGE);
    assert_int_equal(m.data_len, 0);
    assert_int_equal(msg_set_data(&m, big, MSG_DATA_MAX), 0);
    assert_int_equal(m.data_len, MSG_DATA_MAX);
    assert_int_equal(msg_set_data(&m, NULL, 0), 0);
    assert_int_equal(m.data_len, 0);
}

/* GETATTR names: no '=', no blank, not empty. */
static void test_getattr(void **state)
{
    (void)state;
    struct warp_msg m;
    assert_int_equal(msg_getattr(&m, "checksum"), 0);
    assert_int_equal(m.type, MSG_GETATTR);
    assert_int_equal(m.data_len, 8);
    assert_int_equal(msg_getattr(&m, ""), ERR_BAD_FORMAT);
    assert_int_equal(msg_getattr(&m, "a=b"), ERR_BAD_FORMAT);
    assert_int_equal(msg_getattr(&m, "a b"), ERR_BAD_FORMAT);
    char name[40];
    assert_int_equal(msg_getattr(&m, "mac"), 0);
    assert_int_equal(msg_get_attr_name(&m, name, sizeof(name)), 3);
    assert_string_equal(name, "mac");
}

/* SETATTR joins name=value and splits it back at the first '='. */
static void test_setattr_round_trip(void **state)
{
    (void)state;
    struct warp_msg m;
    char name[MSG_DATA_MAX + 1], value[MSG_DATA_MAX + 1];
    assert_int_equal(msg_setattr(&m, "mtu", "1460"), 0);
    assert_int_equal(m.type, MSG_SETATTR);
    assert_int_equal(m.data_len, 8);
    assert_memory_equal(m.data, "mtu=1460", 8);
    assert_int_equal(msg_get_setattr(&m, name, sizeof(name), value, sizeof(value)), 4);
    assert_string_equal(name, "mtu");
    assert_string_equal(value, "1460");

    assert_int_equal(msg_setattr(&m, "motd", "a=b c"), 0);
    assert_int_equal(msg_get_setattr(&m, name, sizeof(name), value, sizeof(value)), 5);
    assert_string_equal(name, "motd");
    assert_string_equal(value, "a=b c");

    assert_int_equal(msg_setattr(&m, "empty", ""), 0);
    assert_int_equal(msg_get_setattr(&m, name, sizeof(name), value, sizeof(value)), 0);
    assert_string_equal(value, "");
}

/* SETATTR's builder checks the name, the value and the total size. */
static void test_setattr_bad(void **state)
{
    (void)state;
    struct warp_msg m;
    char v[MSG_DATA_MAX + 1];
    memset(v, 'v', sizeof(v));
    v[MSG_DATA_MAX - 2] = '\0'; /* "a=" + 126 bytes = 128: fits */
    assert_int_equal(msg_setattr(&m, "a", v), 0);
    assert_int_equal(m.data_len, MSG_DATA_MAX);
    v[MSG_DATA_MAX - 2] = 'v';
    v[MSG_DATA_MAX - 1] = '\0';
    assert_int_equal(msg_setattr(&m, "a", v), ERR_TOO_LARGE);
    assert_int_equal(msg_setattr(&m, "", "x"), ERR_BAD_FORMAT);
    assert_int_equal(msg_setattr(&m, "a=b", "x"), ERR_BAD_FORMAT);
    assert_int_equal(msg_setattr(&m, "a", "x\n"), ERR_BAD_FORMAT);
}

/* The SETATTR parser refuses a missing '=', an empty or bad name, bad bytes in the value. */
static void test_setattr_parse_bad(void **state)
{
    (void)state;
    char name[64], value[64];
    struct warp_msg m = with_data(MSG_SETATTR, "novalue", 7);
    assert_int_equal(msg_get_setattr(&m, name, sizeof(name), value, sizeof(value)), ERR_BAD_FORMAT);
    m = with_data(MSG_SETATTR, "=v", 2);
    assert_int_equal(msg_get_setattr(&m, name, sizeof(name), value, sizeof(value)), ERR_BAD_FORMAT);
    m = with_data(MSG_SETATTR, "a b=v", 5);
    assert_int_equal(msg_get_setattr(&m, name, sizeof(name), value, sizeof(value)), ERR_BAD_FORMAT);
    m = with_data(MSG_SETATTR, "a=v\0", 4);
    assert_int_equal(msg_get_setattr(&m, name, sizeof(name), value, sizeof(value)), ERR_BAD_FORMAT);
    m = with_data(MSG_SETATTR, "a=v", 3);
    m.data_len = MSG_DATA_MAX + 1;
    assert_int_equal(msg_get_setattr(&m, name, sizeof(name), value, sizeof(value)), ERR_BAD_FORMAT);
    m = with_data(MSG_SETATTR, "name=value", 10);
    assert_int_equal(msg_get_setattr(&m, name, 4, value, sizeof(value)), ERR_TOO_LARGE);
    assert_int_equal(msg_get_setattr(&m, name, sizeof(name), value, 5), ERR_TOO_LARGE);
    assert_int_equal(msg_get_setattr(&m, name, sizeof(name), value, 6), 5);
}

/* The URI parser validates data_len, NUL, blanks and printability, and the output size. */
static void test_get_uri(void **state)
{
    (void)state;
    char out[MSG_DATA_MAX + 1];
    struct warp_msg m = with_data(MSG_OPEN, "service/pong", 12);
    assert_int_equal(msg_get_uri(&m, out, sizeof(out)), 12);
    assert_string_equal(out, "service/pong");
    assert_int_equal(msg_get_uri(&m, out, 13), 12);
    assert_int_equal(msg_get_uri(&m, out, 12), ERR_TOO_LARGE);
    assert_int_equal(msg_get_uri(&m, out, 0), ERR_TOO_LARGE);

    m = with_data(MSG_OPEN, "service/pong\0", 13);
    assert_int_equal(msg_get_uri(&m, out, sizeof(out)), ERR_BAD_FORMAT);
    m = with_data(MSG_OPEN, "ser\0vice", 8);
    assert_int_equal(msg_get_uri(&m, out, sizeof(out)), ERR_BAD_FORMAT);
    m = with_data(MSG_OPEN, "", 0);
    assert_int_equal(msg_get_uri(&m, out, sizeof(out)), ERR_BAD_FORMAT);
    m = with_data(MSG_OPEN, "a b", 3);
    assert_int_equal(msg_get_uri(&m, out, sizeof(out)), ERR_BAD_FORMAT);
    m = with_data(MSG_OPEN, "a\x80", 2);
    assert_int_equal(msg_get_uri(&m, out, sizeof(out)), ERR_BAD_FORMAT);
    m = with_data(MSG_OPEN, "abc", 3);
    m.data_len = MSG_DATA_MAX + 1;
    assert_int_equal(msg_get_uri(&m, out, sizeof(out)), ERR_BAD_FORMAT);
    m.data_len = UINT32_MAX;
    assert_int_equal(msg_get_uri(&m, out, sizeof(out)), ERR_BAD_FORMAT);
}

/* Every byte value: only 0x21..0x7e make a one-byte URI. */
static void test_uri_every_byte(void **state)
{
    (void)state;
    char out[4];
    for (int c = 0; c < 256; c++) {
        uint8_t b = (uint8_t)c;
        struct warp_msg m = with_data(MSG_OPEN, &b, 1);
        int want = (c > 0x20 && c < 0x7f) ? 1 : ERR_BAD_FORMAT;
        assert_int_equal(msg_get_uri(&m, out, sizeof(out)), want);
    }
}

/* Text values may be empty and hold blanks. */
static void test_get_text(void **state)
{
    (void)state;
    char out[16];
    struct warp_msg m = with_data(MSG_GETATTR, "", 0);
    assert_int_equal(msg_get_text(&m, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    m = with_data(MSG_GETATTR, "a b", 3);
    assert_int_equal(msg_get_text(&m, out, sizeof(out)), 3);
    m = with_data(MSG_GETATTR, "a\r", 2);
    assert_int_equal(msg_get_text(&m, out, sizeof(out)), ERR_BAD_FORMAT);
}

/* Replies: type and call id, MSG_REPLY, status; ERROR never carries a success status. */
static void test_replies(void **state)
{
    (void)state;
    struct warp_msg m;
    dirty(&m);
    msg_reply(&m, MSG_WRITE, 77, 4096);
    assert_int_equal(m.type, MSG_WRITE);
    assert_int_equal(m.flags, MSG_REPLY);
    assert_int_equal(m.call_id, 77);
    assert_int_equal(m.status, 4096);
    assert_int_equal(m.nbufs, 0);
    assert_int_equal(m.nhandles, 0);

    msg_reply_error(&m, 5, ERR_NOT_FOUND);
    assert_int_equal(m.type, MSG_ERROR);
    assert_int_equal(m.flags, MSG_REPLY);
    assert_int_equal(m.call_id, 5);
    assert_int_equal(m.status, ERR_NOT_FOUND);
    msg_reply_error(&m, 5, 0);
    assert_int_equal(m.status, ERR_INVALID_ARG);
    msg_reply_error(&m, 5, 3);
    assert_int_equal(m.status, ERR_INVALID_ARG);

    msg_reply_open(&m, 6, 42);
    assert_int_equal(m.type, MSG_OPEN);
    assert_int_equal(m.status, 0);
    assert_int_equal(m.nhandles, 1);
    assert_int_equal(m.handles[0], 42);
}

/* Data replies set status to the length; text replies are checked. */
static void test_reply_data(void **state)
{
    (void)state;
    struct warp_msg m;
    char big[MSG_DATA_MAX + 2];
    memset(big, 'x', sizeof(big));
    big[MSG_DATA_MAX + 1] = '\0';
    assert_int_equal(msg_reply_text(&m, MSG_GETATTR, 3, "0011aabb"), 0);
    assert_int_equal(m.type, MSG_GETATTR);
    assert_int_equal(m.flags, MSG_REPLY);
    assert_int_equal(m.status, 8);
    assert_int_equal(m.data_len, 8);
    assert_int_equal(msg_reply_text(&m, MSG_GETATTR, 3, big), ERR_TOO_LARGE);
    assert_int_equal(msg_reply_text(&m, MSG_GETATTR, 3, "a\tb"), ERR_BAD_FORMAT);
    assert_int_equal(msg_reply_data(&m, MSG_USER, 3, big, MSG_DATA_MAX + 1), ERR_TOO_LARGE);
    assert_int_equal(msg_reply_data(&m, MSG_USER, 3, "\0\1", 2), 0);
    assert_int_equal(m.status, 2);
}

/* msg_result: the status of a matching reply, the error of an ERROR, BAD_FORMAT otherwise. */
static void test_result(void **state)
{
    (void)state;
    struct warp_msg m;
    msg_reply(&m, MSG_READ, 1, 10);
    assert_int_equal(msg_result(&m, MSG_READ), 10);
    assert_int_equal(msg_result(&m, MSG_WRITE), ERR_BAD_FORMAT);
    m.status = -3;
    assert_int_equal(msg_result(&m, MSG_READ), ERR_BAD_FORMAT);
    msg_reply_error(&m, 1, ERR_PEER_CLOSED);
    assert_int_equal(msg_result(&m, MSG_READ), ERR_PEER_CLOSED);
    m.status = 0;
    assert_int_equal(msg_result(&m, MSG_READ), ERR_BAD_FORMAT);
}

/* msg_get_buf checks presence and access; a buffer with both directions serves either. */
static void test_get_buf(void **state)
{
    (void)state;
    struct warp_msg m;
    char buf[10] = {0};
    msg_write(&m, buf, 10);
    m.bufs[0].addr = 0; /* as the receiver sees it */
    assert_int_equal(msg_get_buf(&m, 0, BUF_READ), 10);
    assert_int_equal(msg_get_buf(&m, 0, BUF_WRITE), ERR_PERMISSION);
    assert_int_equal(msg_get_buf(&m, 1, BUF_READ), ERR_INVALID_ARG);
    msg_add_buf(&m, buf, 3, BUF_READ | BUF_WRITE);
    assert_int_equal(msg_get_buf(&m, 1, BUF_WRITE), 3);
    assert_int_equal(msg_get_buf(&m, 1, BUF_READ | BUF_WRITE), 3);
    m.nbufs = 200; /* a corrupt count never indexes past the array */
    assert_int_equal(msg_get_buf(&m, MSG_BUFS_MAX, BUF_READ), ERR_INVALID_ARG);
}

/* CLOSE and msg_init; msg_is_call. */
static void test_close_and_init(void **state)
{
    (void)state;
    struct warp_msg m;
    dirty(&m);
    msg_close(&m);
    assert_int_equal(m.type, MSG_CLOSE);
    assert_true(msg_is_call(&m));
    assert_int_equal(m.data_len, 0);
    msg_init(&m, MSG_OPEN, 0);
    assert_false(msg_is_call(&m));
}

/* Runs the tests in this file. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_builds),  cmocka_unit_test(test_open_limits),
        cmocka_unit_test(test_open_bad_uri), cmocka_unit_test(test_read_write_bufs),
        cmocka_unit_test(test_add_limits),   cmocka_unit_test(test_set_data),
        cmocka_unit_test(test_getattr),      cmocka_unit_test(test_setattr_round_trip),
        cmocka_unit_test(test_setattr_bad),  cmocka_unit_test(test_setattr_parse_bad),
        cmocka_unit_test(test_get_uri),      cmocka_unit_test(test_uri_every_byte),
        cmocka_unit_test(test_get_text),     cmocka_unit_test(test_replies),
        cmocka_unit_test(test_reply_data),   cmocka_unit_test(test_result),
        cmocka_unit_test(test_get_buf),      cmocka_unit_test(test_close_and_init),
    };
    return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
