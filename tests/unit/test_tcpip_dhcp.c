/* test_tcpip_dhcp.c: unit tests for tcpip's DHCP option edits and its SipHash (servers/tcpip). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "servers/tcpip/dhcpopt.h"
#include "servers/tcpip/siphash.h"

#define CAP 68 /* lwIP's DHCP_OPTIONS_LEN */

/* What lwIP 2.1.3 writes into a DISCOVER before its hook: type, max size, request list. */
static const uint8_t discover[] = {53, 1, 1, 57, 2, 0x05, 0xdc, 55, 3, 1, 3, 28};

/* Option 26 lands at the end of the request list, whose length grows by one. */
static void test_request_add_last(void **state)
{
    (void)state;
    uint8_t opts[CAP] = {0};
    memcpy(opts, discover, sizeof(discover));
    size_t len = dhcpopt_request_add(opts, sizeof(discover), CAP, DHCPOPT_MTU);
    static const uint8_t want[] = {53, 1, 1, 57, 2, 0x05, 0xdc, 55, 4, 1, 3, 28, 26};
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(opts, want, sizeof(want));
    /* Asking twice changes nothing. */
    assert_int_equal(dhcpopt_request_add(opts, len, CAP, DHCPOPT_MTU), len);
    assert_memory_equal(opts, want, sizeof(want));
}

/* Options after the list (a REQUEST with a host name) move up by one byte. */
static void test_request_add_middle(void **state)
{
    (void)state;
    static const uint8_t in[] = {53, 1, 3, 0, 55, 2, 1, 3, 12, 4, 'w', 'a', 'r', 'p'};
    static const uint8_t want[] = {53, 1, 3, 0, 55, 3, 1, 3, 26, 12, 4, 'w', 'a', 'r', 'p'};
    uint8_t opts[CAP] = {0};
    memcpy(opts, in, sizeof(in));
    assert_int_equal(dhcpopt_request_add(opts, sizeof(in), CAP, DHCPOPT_MTU), sizeof(want));
    assert_memory_equal(opts, want, sizeof(want));
}

/* No list, malformed options, no room: left alone. */
static void test_request_add_refused(void **state)
{
    (void)state;
    uint8_t opts[CAP];
    static const uint8_t nolist[] = {53, 1, 1, 57, 2, 0x05, 0xdc};
    memcpy(opts, nolist, sizeof(nolist));
    assert_int_equal(dhcpopt_request_add(opts, sizeof(nolist), CAP, DHCPOPT_MTU), sizeof(nolist));
    assert_memory_equal(opts, nolist, sizeof(nolist));

    static const uint8_t truncated[] = {53, 1, 1, 55, 9, 1, 3};
    memcpy(opts, truncated, sizeof(truncated));
    assert_int_equal(dhcpopt_request_add(opts, sizeof(truncated), CAP, DHCPOPT_MTU), sizeof(truncated));
    assert_memory_equal(opts, truncated, sizeof(truncated));

    static const uint8_t lone_code[] = {53, 1, 1, 55};
    memcpy(opts, lone_code, sizeof(lone_code));
    assert_int_equal(dhcpopt_request_add(opts, sizeof(lone_code), CAP, DHCPOPT_MTU), sizeof(lone_code));

    static const uint8_t ended[] = {53, 1, 1, 255, 55, 1, 1};
    memcpy(opts, ended, sizeof(ended));
    assert_int_equal(dhcpopt_request_add(opts, sizeof(ended), CAP, DHCPOPT_MTU), sizeof(ended));

    /* Full: one byte must stay free for END. */
    memcpy(opts, discover, sizeof(discover));
    assert_int_equal(dhcpopt_request_add(opts, sizeof(discover), sizeof(discover) + 1, DHCPOPT_MTU),
                     sizeof(discover));
    assert_int_equal(dhcpopt_request_add(opts, sizeof(discover), sizeof(discover) + 2, DHCPOPT_MTU),
                     sizeof(discover) + 1);
}

/* Option 26 values: GCE's 1460 kept, jumbo capped, nonsense ignored. */
static void test_mtu(void **state)
{
    (void)state;
    assert_int_equal(dhcpopt_mtu(1460, 1500), 1460);
    assert_int_equal(dhcpopt_mtu(1500, 1500), 1500);
    assert_int_equal(dhcpopt_mtu(8896, 1500), 1500);
    assert_int_equal(dhcpopt_mtu(576, 1500), 576);
    assert_int_equal(dhcpopt_mtu(575, 1500), 0);
    assert_int_equal(dhcpopt_mtu(68, 1500), 0);
    assert_int_equal(dhcpopt_mtu(0, 1500), 0);
}

/* SipHash-2-4 against the reference vectors (key 00..0f, message 00..len-1). */
static void test_siphash(void **state)
{
    (void)state;
    uint8_t key[16], msg[64];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    assert_true(siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
    assert_true(siphash24(key, msg, 1) == 0x74f839c593dc67fdull);
    assert_true(siphash24(key, msg, 8) == 0x93f5f5799a932462ull);
    assert_true(siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
    assert_true(siphash24(key, msg, 63) == 0x958a324ceb064572ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_add_last),
        cmocka_unit_test(test_request_add_middle),
        cmocka_unit_test(test_request_add_refused),
        cmocka_unit_test(test_mtu),
        cmocka_unit_test(test_siphash),
    };
    return cmocka_run_group_tests_name("tcpip_dhcp", tests, NULL, NULL);
}
