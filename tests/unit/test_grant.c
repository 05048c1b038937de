/* test_grant.c: unit tests for the grant notice (libs/user/grant.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <warp/grant.h>
#include <warp/msg.h>

/* A one-way message of type GRANT_MSG holding text. */
static struct warp_msg notice(const char *text)
{
    struct warp_msg m;
    msg_init(&m, GRANT_MSG, 0);
    msg_set_data(&m, text, strlen(text));
    return m;
}

/* A grant written and parsed back is the same; the text is the documented one. */
static void test_grant_round_trip(void **state)
{
    (void)state;
    struct grant g = {.client = "http_server", .admin = false, .ports = {80, 8080}, .nports = 2}, back;
    char text[GRANT_TEXT_MAX + 1];
    assert_int_equal(grant_format(&g, text, sizeof(text)),
                     strlen("client=http_server admin=no ports=80,8080"));
    assert_string_equal(text, "client=http_server admin=no ports=80,8080");
    struct warp_msg m;
    assert_int_equal(grant_msg(&m, &g), 0);
    assert_int_equal(m.type, GRANT_MSG);
    assert_int_equal(m.flags, 0);
    assert_int_equal(grant_parse(&m, &back), 0);
    assert_memory_equal(&g, &back, sizeof(g));
    assert_true(grant_port(&back, 80));
    assert_true(grant_port(&back, 8080));
    assert_false(grant_port(&back, 81));

    struct grant admin = {.client = "console", .admin = true};
    assert_int_equal(grant_msg(&m, &admin), 0);
    assert_int_equal(grant_parse(&m, &back), 0);
    assert_string_equal(back.client, "console");
    assert_true(back.admin);
    assert_int_equal(back.nports, 0);
    assert_false(grant_port(&back, 80));
    assert_false(back.connect);

    /* connect=yes is written only when granted, between admin and ports. */
    struct grant dialer = {.client = "fs", .connect = true, .ports = {8080}, .nports = 1};
    assert_int_equal(grant_format(&dialer, text, sizeof(text)),
                     strlen("client=fs admin=no connect=yes ports=8080"));
    assert_string_equal(text, "client=fs admin=no connect=yes ports=8080");
    assert_int_equal(grant_msg(&m, &dialer), 0);
    assert_int_equal(grant_parse(&m, &back), 0);
    assert_memory_equal(&dialer, &back, sizeof(dialer));
    assert_true(back.connect);
}

/* The longest grant fits one message; grants that cannot be written are refused. */
static void test_grant_limits(void **state)
{
    (void)state;
    struct grant g = {.admin = true, .connect = true, .nports = GRANT_PORTS_MAX};
    memset(g.client, 'n', GRANT_NAME_MAX);
    for (unsigned i = 0; i < GRANT_PORTS_MAX; i++)
        g.ports[i] = (uint16_t)(65535 - i);
    char text[GRANT_TEXT_MAX + 1];
    long n = grant_format(&g, text, sizeof(text));
    assert_true(n > 0 && n <= GRANT_TEXT_MAX && n <= MSG_DATA_MAX);
    assert_int_equal(grant_format(&g, text, (size_t)n), ERR_TOO_LARGE);
    struct warp_msg m;
    struct grant back;
    assert_int_equal(grant_msg(&m, &g), 0);
    assert_int_equal(grant_parse(&m, &back), 0);
    assert_memory_equal(&g, &back, sizeof(g));

    struct grant bad = {.client = ""};
    assert_int_equal(grant_format(&bad, text, sizeof(text)), ERR_INVALID_ARG);
    bad = (struct grant){.client = "a", .ports = {0}, .nports = 1};
    assert_int_equal(grant_format(&bad, text, sizeof(text)), ERR_INVALID_ARG);
    bad = (struct grant){.client = "a", .nports = GRANT_PORTS_MAX + 1};
    assert_int_equal(grant_format(&bad, text, sizeof(text)), ERR_INVALID_ARG);
}

/* Anything but the exact notice is refused and leaves an empty grant (nothing allowed). */
static void test_grant_parse_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "client= admin=no ports=",
        "client=a admin=no",
        "client=a admin=maybe ports=",
        "client=a  admin=no ports=",
        "client=a admin=no ports=80,",
        "client=a admin=no ports=,80",
        "client=a admin=no ports=0",
        "client=a admin=no ports=080",
        "client=a admin=no ports=65536",
        "client=a admin=no ports=123456",
        "client=a admin=no ports=1,2,3,4,5,6,7,8,9",
        "client=a admin=no ports=80 ",
        "client=a admin=no connect=no ports=",
        "client=a admin=no connect=yes",
        "client=a connect=yes admin=no ports=",
        "client=a admin=yes connect=yesports=",
        "client=a admin=yes ports=80x",
        "admin=yes client=a ports=",
        "client=nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn admin=no ports=",
    };
    struct grant g;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct warp_msg m = notice(bad[i]);
        memset(&g, 0xaa, sizeof(g));
        assert_int_equal(grant_parse(&m, &g), ERR_BAD_FORMAT);
        assert_string_equal(g.client, "");
        assert_false(g.admin);
        assert_false(g.connect);
        assert_int_equal(g.nports, 0);
    }
    struct warp_msg m = notice("client=a admin=yes ports=80");
    m.data[9] = 0x01;
    assert_int_equal(grant_parse(&m, &g), ERR_BAD_FORMAT);
    m = notice("client=a admin=yes ports=80");
    m.flags = MSG_CALL;
    assert_int_equal(grant_parse(&m, &g), ERR_NOT_SUPPORTED);
    m = notice("client=a admin=yes ports=80");
    m.type = MSG_OPEN;
    assert_int_equal(grant_parse(&m, &g), ERR_NOT_SUPPORTED);
    assert_false(g.admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grant_round_trip),
        cmocka_unit_test(test_grant_limits),
        cmocka_unit_test(test_grant_parse_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
