/* test_tcpip_addr.c: unit tests for tcpip's address texts and socket URIs (servers/tcpip/addr.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <warp/error.h>

#include "servers/tcpip/addr.h"

/* Dotted quads that parse, with their values. */
static void test_ipv4_parse_valid(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint32_t ip;
    } cases[] = {
        {"0.0.0.0", 0},
        {"10.0.2.15", 0x0a00020f},
        {"198.18.0.2", 0xc6120002},
        {"255.255.255.255", 0xffffffff},
        {"1.2.3.4", 0x01020304},
        {"192.168.100.200", 0xc0a864c8},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t ip = 0x12345678;
        assert_int_equal(addr_ipv4_parse(cases[i].text, &ip), 0);
        assert_int_equal(ip, cases[i].ip);
    }
}

/* Everything else is refused and leaves the output alone. */
static void test_ipv4_parse_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",          ".",         "1.2.3",    "1.2.3.4.", "1.2.3.4.5",  ".1.2.3",           "1..2.3",
        "256.0.0.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "00.0.0.0",   "1.2.3.-4",         "+1.2.3.4",
        "1.2.3.4 ",  " 1.2.3.4",  "a.b.c.d",  "1.2.3.4x", "1000.2.3.4", "4294967296.0.0.0", "1,2,3,4",
        "0x1.2.3.4",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t ip = 0x12345678;
        assert_int_equal(addr_ipv4_parse(bad[i], &ip), ERR_INVALID_ARG);
        assert_int_equal(ip, 0x12345678);
    }
}

/* Formatting round-trips and reports a short buffer. */
static void test_ipv4_format(void **state)
{
    (void)state;
    char buf[ADDR_IPV4_TEXT_MAX];
    assert_int_equal(addr_ipv4_format(0xffffffff, buf, sizeof(buf)), 15);
    assert_string_equal(buf, "255.255.255.255");
    assert_int_equal(addr_ipv4_format(0x0a00020f, buf, sizeof(buf)), 9);
    assert_string_equal(buf, "10.0.2.15");
    assert_int_equal(addr_ipv4_format(0, buf, sizeof(buf)), 7);
    assert_string_equal(buf, "0.0.0.0");
    char small[8];
    assert_int_equal(addr_ipv4_format(0x0a00020f, small, sizeof(small)), ERR_TOO_LARGE);
    assert_int_equal(strlen(small), 7); /* cut, but terminated */
}

/* Ports: 1..65535, decimal, nothing else. */
static void test_port_parse(void **state)
{
    (void)state;
    uint16_t p = 7;
    assert_int_equal(addr_port_parse("80", &p), 0);
    assert_int_equal(p, 80);
    assert_int_equal(addr_port_parse("65535", &p), 0);
    assert_int_equal(p, 65535);
    assert_int_equal(addr_port_parse("1", &p), 0);
    assert_int_equal(p, 1);
    static const char *const bad[] = {"",    "0",   "65536", "99999",  "080", "-1",
                                      "+80", "80 ", "8o",    "123456", "http"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        p = 7;
        assert_int_equal(addr_port_parse(bad[i], &p), ERR_INVALID_ARG);
        assert_int_equal(p, 7);
    }
}

/* tcp-listen:<addr>:<port> */
static void test_listen_uri(void **state)
{
    (void)state;
    uint32_t ip = 1;
    uint16_t port = 1;
    assert_int_equal(addr_listen_uri_parse("tcp-listen:0.0.0.0:80", &ip, &port), 0);
    assert_int_equal(ip, 0);
    assert_int_equal(port, 80);
    assert_int_equal(addr_listen_uri_parse("tcp-listen:198.18.0.2:8080", &ip, &port), 0);
    assert_int_equal(ip, 0xc6120002);
    assert_int_equal(port, 8080);
    static const char *const bad[] = {
        "",
        "tcp-listen:",
        "tcp-listen:0.0.0.0",
        "tcp-listen:0.0.0.0:",
        "tcp-listen::80",
        "tcp-listen:0.0.0.0:0",
        "tcp-listen:0.0.0.0:65536",
        "tcp-listen:0.0.0.0:80:81",
        "tcp-listen:localhost:80",
        "tcp-listen:1.2.3:80",
        "TCP-LISTEN:0.0.0.0:80",
        "tcp:0.0.0.0:80",
        "udp-listen:0.0.0.0:80",
        "tcp-listen: 0.0.0.0:80",
        "tcp-listen:0.0.0.0:80 ",
        "tcp-listen:[::]:80",
        "xtcp-listen:0.0.0.0:80",
        "tcp-listen0.0.0.0:80",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ip = 1;
        port = 1;
        assert_int_equal(addr_listen_uri_parse(bad[i], &ip, &port), ERR_INVALID_ARG);
        assert_int_equal(ip, 1);
        assert_int_equal(port, 1);
    }
}

/* tcp-connect:<addr>:<port>: a unicast destination only. */
static void test_connect_uri(void **state)
{
    (void)state;
    uint32_t ip = 1;
    uint16_t port = 1;
    assert_int_equal(addr_connect_uri_parse("tcp-connect:198.18.0.3:7", &ip, &port), 0);
    assert_int_equal(ip, 0xc6120003);
    assert_int_equal(port, 7);
    assert_int_equal(addr_connect_uri_parse("tcp-connect:223.255.255.255:65535", &ip, &port), 0);
    assert_int_equal(ip, 0xdfffffff);
    assert_int_equal(port, 65535);
    static const char *const bad[] = {
        "",
        "tcp-connect:",
        "tcp-connect:198.18.0.3",
        "tcp-connect:198.18.0.3:",
        "tcp-connect:198.18.0.3:0",
        "tcp-connect:198.18.0.3:65536",
        "tcp-connect:0.0.0.0:80",
        "tcp-connect:224.0.0.1:80",
        "tcp-connect:255.255.255.255:80",
        "tcp-connect:example.com:80",
        "tcp-connect:198.18.0.3:80 ",
        "tcp-connect:198.18.0.03:80",
        "tcp-listen:198.18.0.3:80",
        "tcp-connect198.18.0.3:80",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ip = 1;
        port = 1;
        assert_int_equal(addr_connect_uri_parse(bad[i], &ip, &port), ERR_INVALID_ARG);
        assert_int_equal(ip, 1);
        assert_int_equal(port, 1);
    }
}

/* resolve:<name>: host names of letters, digits, '-' and dots, within TCPIP_NAME_MAX. */
static void test_resolve_uri(void **state)
{
    (void)state;
    char name[TCPIP_NAME_MAX + 1];
    assert_int_equal(addr_resolve_uri_parse("resolve:echo.test.warp", name, sizeof(name)), 14);
    assert_string_equal(name, "echo.test.warp");
    assert_int_equal(addr_resolve_uri_parse("resolve:198.18.0.9", name, sizeof(name)), 10);
    assert_string_equal(name, "198.18.0.9");
    assert_int_equal(addr_resolve_uri_parse("resolve:A-1.b2", name, sizeof(name)), 6);
    char longest[8 + TCPIP_NAME_MAX + 2];
    memcpy(longest, "resolve:", 8);
    for (size_t i = 0; i < TCPIP_NAME_MAX; i++)
        longest[8 + i] = i % 60 == 58 ? '.' : 'a';
    longest[8 + TCPIP_NAME_MAX] = '\0';
    assert_int_equal(addr_resolve_uri_parse(longest, name, sizeof(name)), TCPIP_NAME_MAX);
    assert_int_equal(addr_resolve_uri_parse(longest, name, TCPIP_NAME_MAX), ERR_INVALID_ARG);
    longest[8 + TCPIP_NAME_MAX] = 'a';
    longest[8 + TCPIP_NAME_MAX + 1] = '\0';
    assert_int_equal(addr_resolve_uri_parse(longest, name, sizeof(name)), ERR_INVALID_ARG);
    char label64[8 + 64 + 1];
    memcpy(label64, "resolve:", 8);
    memset(label64 + 8, 'a', 64);
    label64[8 + 64] = '\0';
    assert_int_equal(addr_resolve_uri_parse(label64, name, sizeof(name)), ERR_INVALID_ARG);
    label64[8 + 63] = '\0';
    assert_int_equal(addr_resolve_uri_parse(label64, name, sizeof(name)), 63);
    static const char *const bad[] = {
        "",
        "resolve:",
        "resolve:.",
        "resolve:a.",
        "resolve:.a",
        "resolve:a..b",
        "resolve:-a.b",
        "resolve:a-.b",
        "resolve:a_b.c",
        "resolve:a b",
        "resolve:a/b",
        "resolve:a:80",
        "Resolve:a",
        "resolvea",
        "resolve:a\x80",
        "resolve:1.2.3",
        "resolve:010.0.0.1",
        "resolve:0x7f.1",
        "resolve:80",
        "resolve:1.2.3.4.5",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        strcpy(name, "untouched");
        assert_int_equal(addr_resolve_uri_parse(bad[i], name, sizeof(name)), ERR_INVALID_ARG);
        assert_string_equal(name, "untouched");
    }
}

/* tcp:<addr>:<port>, what an accepted connection's OPEN carries. */
static void test_conn_uri(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(addr_conn_uri_format(0x0a000202, 54321, buf, sizeof(buf)), 18);
    assert_string_equal(buf, "tcp:10.0.2.2:54321");
    assert_int_equal(addr_conn_uri_format(0xffffffff, 65535, buf, sizeof(buf)), 25);
    assert_string_equal(buf, "tcp:255.255.255.255:65535");
    assert_int_equal(addr_conn_uri_format(0xffffffff, 65535, buf, 25), ERR_TOO_LARGE);
}

/* MAC addresses: six hex pairs with colons, either case. */
static void test_mac(void **state)
{
    (void)state;
    uint8_t mac[6] = {0};
    static const uint8_t want[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0xab};
    assert_int_equal(addr_mac_parse("52:54:00:12:34:ab", mac), 0);
    assert_memory_equal(mac, want, 6);
    assert_int_equal(addr_mac_parse("52:54:00:12:34:AB", mac), 0);
    assert_memory_equal(mac, want, 6);
    char buf[ADDR_MAC_TEXT_MAX];
    assert_int_equal(addr_mac_format(want, buf, sizeof(buf)), 17);
    assert_string_equal(buf, "52:54:00:12:34:ab");
    static const char *const bad[] = {"",
                                      "52:54:00:12:34",
                                      "52:54:00:12:34:ab:",
                                      "52-54-00-12-34-ab",
                                      "52:54:00:12:34:g0",
                                      "5:54:00:12:34:ab0",
                                      "525400123456",
                                      "52:54:00:12:34:ab ",
                                      "52:54:00:12:34:a"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t out[6] = {1, 2, 3, 4, 5, 6};
        static const uint8_t same[6] = {1, 2, 3, 4, 5, 6};
        assert_int_equal(addr_mac_parse(bad[i], out), ERR_INVALID_ARG);
        assert_memory_equal(out, same, 6);
    }
}

/* Netmasks and prefix lengths. */
static void test_prefix(void **state)
{
    (void)state;
    assert_int_equal(addr_prefix_len(0xffffffff), 32);
    assert_int_equal(addr_prefix_len(0xffffff00), 24);
    assert_int_equal(addr_prefix_len(0xfffe0000), 15);
    assert_int_equal(addr_prefix_len(0x80000000), 1);
    assert_int_equal(addr_prefix_len(0), 0);
    assert_int_equal(addr_prefix_len(0xff00ff00), ERR_INVALID_ARG);
    assert_int_equal(addr_prefix_len(0x00ffffff), ERR_INVALID_ARG);
    assert_int_equal(addr_prefix_len(0xfffffffe + 0), 31);
    assert_int_equal(addr_prefix_len(0xfffffffd), ERR_INVALID_ARG);
    for (unsigned len = 0; len <= 32; len++)
        assert_int_equal(addr_prefix_len(addr_prefix_mask(len)), (int)len);
    assert_int_equal(addr_prefix_mask(33), 0xffffffff);
}

/* The "ipv4" attribute: GCE's /32 with a gateway outside it, QEMU's /24, no gateway. */
static void test_config(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(addr_config_format(0xc6120002, 0xffffffff, 0xc6120001, buf, sizeof(buf)), 28);
    assert_string_equal(buf, "198.18.0.2/32 via 198.18.0.1");
    assert_int_equal(addr_config_format(0x0a00020f, 0xffffff00, 0x0a000202, buf, sizeof(buf)), 25);
    assert_string_equal(buf, "10.0.2.15/24 via 10.0.2.2");
    assert_int_equal(addr_config_format(0x0a00020f, 0xffffff00, 0, buf, sizeof(buf)), 12);
    assert_string_equal(buf, "10.0.2.15/24");

    uint32_t ip = 1, mask = 1, gw = 1;
    assert_int_equal(addr_config_parse("198.18.0.2/32 via 198.18.0.1", &ip, &mask, &gw), 0);
    assert_int_equal(ip, 0xc6120002);
    assert_int_equal(mask, 0xffffffff);
    assert_int_equal(gw, 0xc6120001);
    assert_int_equal(addr_config_parse("10.0.2.15/24", &ip, &mask, &gw), 0);
    assert_int_equal(ip, 0x0a00020f);
    assert_int_equal(mask, 0xffffff00);
    assert_int_equal(gw, 0);
    static const char *const bad[] = {"",
                                      "10.0.2.15",
                                      "10.0.2.15/",
                                      "10.0.2.15/33",
                                      "10.0.2.15/024",
                                      "10.0.2.15/24 via",
                                      "10.0.2.15/24 via ",
                                      "10.0.2.15/24 gw 10.0.2.2",
                                      "10.0.2.15/24via 10.0.2.2",
                                      "10.0.2.15/24  via 10.0.2.2",
                                      "10.0.2/24",
                                      "/24",
                                      "10.0.2.15/x",
                                      "10.0.2.15/24 via 10.0.2.256"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ip = mask = gw = 1;
        assert_int_equal(addr_config_parse(bad[i], &ip, &mask, &gw), ERR_INVALID_ARG);
        assert_int_equal(ip, 1);
        assert_int_equal(mask, 1);
        assert_int_equal(gw, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_parse_valid),
        cmocka_unit_test(test_ipv4_parse_invalid),
        cmocka_unit_test(test_ipv4_format),
        cmocka_unit_test(test_port_parse),
        cmocka_unit_test(test_listen_uri),
        cmocka_unit_test(test_connect_uri),
        cmocka_unit_test(test_resolve_uri),
        cmocka_unit_test(test_conn_uri),
        cmocka_unit_test(test_mac),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests_name("tcpip_addr", tests, NULL, NULL);
}
