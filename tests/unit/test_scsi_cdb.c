/* test_scsi_cdb.c: unit tests for virtio_scsi's SCSI bytes: big-endian fields, sense, capacity, write protection (servers/virtio_scsi/cdb.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <warp/error.h>

#include "servers/virtio_scsi/cdb.h"

/* A READ(16)'s LBA and block count go in most significant byte first, and read back. */
static void test_be(void **state)
{
    (void)state;
    uint8_t b[12] = {0};
    cdb_put_be(b, 0x0102030405060708ull, 8);
    cdb_put_be(b + 8, 0xa0b0c0d0u, 4);
    static const uint8_t want[12] = {1, 2, 3, 4, 5, 6, 7, 8, 0xa0, 0xb0, 0xc0, 0xd0};
    assert_memory_equal(b, want, sizeof(want));
    assert_true(cdb_get_be(b, 8) == 0x0102030405060708ull);
    assert_int_equal(cdb_get_be(b + 8, 4), 0xa0b0c0d0u);
    assert_int_equal(cdb_get_be(b, 0), 0);
}

/* Fixed and descriptor sense give key, ASC, ASCQ; short or unknown sense gives zeros. */
static void test_sense(void **state)
{
    (void)state;
    uint8_t fixed[18] = {0x70, 0, 0x06, [7] = 10, [12] = 0x29, [13] = 0x00};
    uint8_t deferred[18] = {0xf1, 0, 0x03, [12] = 0x11, [13] = 0x04}; /* valid bit, deferred: medium error */
    uint8_t desc[8] = {0x72, 0x0b, 0x00, 0x06};
    uint8_t other[18] = {0x7f, 0, 0x05, [12] = 0x24};
    struct cdb_sense s;
    cdb_sense(fixed, sizeof(fixed), &s);
    assert_true(s.key == 6 && s.asc == 0x29 && s.ascq == 0);
    cdb_sense(deferred, sizeof(deferred), &s);
    assert_true(s.key == 3 && s.asc == 0x11 && s.ascq == 4);
    cdb_sense(desc, sizeof(desc), &s);
    assert_true(s.key == 0xb && s.asc == 0 && s.ascq == 6);
    cdb_sense(fixed, 13, &s); /* fixed format cut before its ASCQ */
    assert_true(s.key == 0 && s.asc == 0 && s.ascq == 0);
    cdb_sense(desc, 3, &s);
    assert_true(s.key == 0 && s.asc == 0 && s.ascq == 0);
    cdb_sense(other, sizeof(other), &s);
    assert_true(s.key == 0 && s.asc == 0 && s.ascq == 0);
}

/* READ CAPACITY(16) data: last LBA + 1 sectors; lengths 512..4096 (powers of two) only. */
static void test_capacity(void **state)
{
    (void)state;
    uint8_t d[32] = {0};
    uint64_t sectors = 7;
    uint32_t size = 7;
    cdb_put_be(d, 16383, 8);
    cdb_put_be(d + 8, 512, 4);
    assert_int_equal(cdb_capacity(d, &sectors, &size), 0);
    assert_true(sectors == 16384 && size == 512);
    cdb_put_be(d + 8, 4096, 4);
    assert_int_equal(cdb_capacity(d, &sectors, &size), 0);
    assert_int_equal(size, 4096);
    static const uint32_t bad[] = {0, 256, 520, 3072, 8192};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cdb_put_be(d + 8, bad[i], 4);
        assert_int_equal(cdb_capacity(d, &sectors, &size), ERR_NOT_SUPPORTED);
    }
    cdb_put_be(d, UINT64_MAX, 8);
    cdb_put_be(d + 8, 512, 4);
    assert_int_equal(cdb_capacity(d, &sectors, &size), ERR_NOT_SUPPORTED);
    assert_int_equal(size, 4096); /* untouched on failure */
}

/* MODE SENSE(6) data: WP is bit 7 of byte 2; DPOFUA (bit 4) beside it is not WP; short data says no. */
static void test_mode_wp(void **state)
{
    (void)state;
    const uint8_t wp[4] = {3, 0, 0x80, 0}, dpofua[4] = {3, 0, 0x10, 0}, both[4] = {3, 0, 0x90, 8};
    assert_true(cdb_mode_wp(wp, sizeof(wp)));
    assert_false(cdb_mode_wp(dpofua, sizeof(dpofua)));
    assert_true(cdb_mode_wp(both, sizeof(both)));
    assert_false(cdb_mode_wp(wp, 2));
    assert_false(cdb_mode_wp(wp, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_be),
        cmocka_unit_test(test_sense),
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_mode_wp),
    };
    return cmocka_run_group_tests_name("scsi_cdb", tests, NULL, NULL);
}
