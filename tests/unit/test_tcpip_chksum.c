/* test_tcpip_chksum.c: unit tests for tcpip's Internet checksum (servers/tcpip/chksum.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "servers/tcpip/include/tcpip_chksum.h"

#define SPAN 1600 /* more than a frame */

/* RFC 1071 the slow way: 16-bit little-endian words from the first byte, end-around carry. */
static uint16_t reference_sum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i += 2)
        sum += (uint32_t)p[i] | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* Bytes that make carries: mostly 0xff, with a pattern through them. */
static void fill(uint8_t *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (i + seed) % 5 ? 0xff : (uint8_t)(i * 31 + seed);
}

/* Every start offset within a word and every length up to past a frame: the reference's sum. */
static void test_sum_matches_reference(void **state)
{
    (void)state;
    static uint8_t buf[SPAN + 8];
    fill(buf, sizeof(buf), 1);
    for (size_t off = 0; off < 8; off++)
        for (size_t len = 0; len <= SPAN; len += len < 80 ? 1 : 97)
            assert_int_equal(tcpip_chksum(buf + off, (int)len), reference_sum(buf + off, len));
}

/* All-ones data sums to 0xffff (never folds to 0), zeros to 0, and a negative length to 0. */
static void test_sum_edges(void **state)
{
    (void)state;
    static uint8_t ones[SPAN], zeros[SPAN];
    memset(ones, 0xff, sizeof(ones));
    assert_int_equal(tcpip_chksum(ones, SPAN), 0xffff);
    assert_int_equal(tcpip_chksum(ones, 1), 0x00ff);
    assert_int_equal(tcpip_chksum(zeros, SPAN), 0);
    assert_int_equal(tcpip_chksum(ones, -4), 0);
}

/* The copy lands byte for byte, nothing past it changes, and it returns the reference's sum, at
 * every source and destination offset. */
static void test_copy_sums_and_copies(void **state)
{
    (void)state;
    static uint8_t src[SPAN + 8], dst[SPAN + 24];
    static const size_t lens[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 54, 1460, 1514, SPAN};
    fill(src, sizeof(src), 3);
    for (size_t so = 0; so < 8; so++)
        for (size_t d_o = 0; d_o < 8; d_o++)
            for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
                memset(dst, 0xa5, sizeof(dst));
                uint16_t sum = tcpip_chksum_copy(dst + d_o, src + so, (uint16_t)lens[k]);
                assert_int_equal(sum, reference_sum(src + so, lens[k]));
                assert_memory_equal(dst + d_o, src + so, lens[k]);
                for (size_t i = 0; i < sizeof(dst); i++)
                    if (i < d_o || i >= d_o + lens[k])
                        assert_int_equal(dst[i], 0xa5);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sum_matches_reference),
        cmocka_unit_test(test_sum_edges),
        cmocka_unit_test(test_copy_sums_and_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
