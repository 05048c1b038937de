/* test_nvme_spec.c: unit tests for the nvme driver's NVMe data: doorbells, identify data, status, PRPs (servers/nvme/spec.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <warp/error.h>

#include "servers/nvme/spec.h"

/* Stores v little-endian in the n bytes at p. */
static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Identify Controller data as QEMU's: model and serial space-padded, MDTS 7, entries 64/16, one namespace, VWC. */
static void ctrl_data(uint8_t *d)
{
    memset(d, 0, NVME_IDENTIFY_LEN);
    memset(d + 4, ' ', 20);
    memcpy(d + 4, "warp0", 5);
    memset(d + 24, ' ', 40);
    memcpy(d + 24, "QEMU NVMe Ctrl", 14);
    d[77] = 7;
    d[512] = 0x66;
    d[513] = 0x44;
    put_le(d + 516, 1, 4);
    d[525] = 1;
}

/* Identify Namespace data: nsze sectors, LBA format 1 of 2 in use with 2^lbads-byte sectors, no metadata. */
static void ns_data(uint8_t *d, uint64_t nsze, unsigned lbads)
{
    memset(d, 0, NVME_IDENTIFY_LEN);
    put_le(d, nsze, 8);
    d[25] = 1; /* NLBAF: formats 0 and 1 */
    d[26] = 1; /* FLBAS: format 1 */
    d[128 + 2] = 9;
    d[132 + 2] = (uint8_t)lbads;
}

/* Doorbells: SQ tail 2y, CQ head 2y + 1, 4 << DSTRD bytes apart from 0x1000. */
static void test_doorbell(void **state)
{
    (void)state;
    assert_int_equal(nvme_doorbell(0, false, 0), 0x1000);
    assert_int_equal(nvme_doorbell(0, true, 0), 0x1004);
    assert_int_equal(nvme_doorbell(1, false, 0), 0x1008);
    assert_int_equal(nvme_doorbell(1, true, 0), 0x100c);
    assert_int_equal(nvme_doorbell(1, true, 2), 0x1000 + 3 * 16);
    assert_int_equal(nvme_doorbell(1, true, 15), 0x1000 + 3u * (4u << 15));
}

/* A completion is believed only for the I/O queue, an SQ head inside it, and a command out. */
static void test_cqe_ok(void **state)
{
    (void)state;
    struct nvme_cqe e = {.sqhd = 63, .sqid = 1, .cid = 31};
    uint32_t out = 1u << 31 | 1u << 3;
    assert_true(nvme_cqe_ok(&e, 1, 64, out));
    assert_false(nvme_cqe_ok(&e, 1, 63, out));     /* SQ head past the queue */
    assert_false(nvme_cqe_ok(&e, 2, 64, out));     /* another queue */
    assert_false(nvme_cqe_ok(&e, 1, 64, 1u << 3)); /* no command out in that slot */
    e.cid = 3;
    e.sqhd = 0;
    assert_true(nvme_cqe_ok(&e, 1, 64, out));
    e.cid = 32; /* past every slot, and past the mask's width */
    assert_false(nvme_cqe_ok(&e, 1, 64, 0xffffffffu));
    e.cid = 0xffff;
    assert_false(nvme_cqe_ok(&e, 1, 64, 0xffffffffu));
}

/* Model and serial lose their padding; MDTS scales with the minimum page; MDTS 0 is no limit. */
static void test_ctrl(void **state)
{
    (void)state;
    static uint8_t d[NVME_IDENTIFY_LEN];
    struct nvme_ctrl_id id;
    const char *why = NULL;
    ctrl_data(d);
    assert_int_equal(nvme_parse_ctrl(d, 0, &id, &why), 0);
    assert_string_equal(id.model, "QEMU NVMe Ctrl");
    assert_string_equal(id.serial, "warp0");
    assert_int_equal(id.max_xfer, 4096u << 7);
    assert_int_equal(id.namespaces, 1);
    assert_true(id.vwc);
    assert_int_equal(nvme_parse_ctrl(d, 1, &id, &why), 0);
    assert_int_equal(id.max_xfer, 8192u << 7);
    d[77] = 0;
    assert_int_equal(nvme_parse_ctrl(d, 0, &id, &why), 0);
    assert_int_equal(id.max_xfer, 0);
    d[77] = 40; /* a limit past 4 GiB is no limit either */
    assert_int_equal(nvme_parse_ctrl(d, 0, &id, &why), 0);
    assert_int_equal(id.max_xfer, 0);
    d[525] = 0;
    assert_int_equal(nvme_parse_ctrl(d, 0, &id, &why), 0);
    assert_false(id.vwc);
}

/* Unprintable bytes in the text fields become '?', NUL padding is cut like spaces; a full-width
 * field stays in bounds. */
static void test_ctrl_text(void **state)
{
    (void)state;
    static uint8_t d[NVME_IDENTIFY_LEN];
    struct nvme_ctrl_id id;
    const char *why = NULL;
    ctrl_data(d);
    memset(d + 4, 0, 20);
    memcpy(d + 4, "ab\x01\xff", 4);
    memset(d + 24, 'M', 40);
    assert_int_equal(nvme_parse_ctrl(d, 0, &id, &why), 0);
    assert_string_equal(id.serial, "ab??");
    assert_int_equal(strlen(id.model), 40);
}

/* Entry sizes other than 64 and 16 bytes, or no namespace, are refused with a reason. */
static void test_ctrl_refused(void **state)
{
    (void)state;
    static uint8_t d[NVME_IDENTIFY_LEN];
    struct nvme_ctrl_id id;
    const char *why = NULL;
    ctrl_data(d);
    d[512] = 0x77; /* SQ entries of 128 bytes only */
    assert_int_equal(nvme_parse_ctrl(d, 0, &id, &why), ERR_NOT_SUPPORTED);
    assert_non_null(why);
    ctrl_data(d);
    d[513] = 0x33;
    assert_int_equal(nvme_parse_ctrl(d, 0, &id, &why), ERR_NOT_SUPPORTED);
    ctrl_data(d);
    put_le(d + 516, 0, 4);
    why = NULL;
    assert_int_equal(nvme_parse_ctrl(d, 0, &id, &why), ERR_NOT_SUPPORTED);
    assert_non_null(why);
}

/* Size and sector size from the format FLBAS names; NSATTR's write protection. */
static void test_ns(void **state)
{
    (void)state;
    static uint8_t d[NVME_IDENTIFY_LEN];
    struct nvme_ns_id ns;
    const char *why = NULL;
    ns_data(d, 16384, 12);
    assert_int_equal(nvme_parse_ns(d, &ns, &why), 0);
    assert_true(ns.sectors == 16384);
    assert_int_equal(ns.sector_size, 4096);
    assert_false(ns.read_only);
    d[26] = 0;
    d[99] = 1;
    assert_int_equal(nvme_parse_ns(d, &ns, &why), 0);
    assert_int_equal(ns.sector_size, 512);
    assert_true(ns.read_only);
}

/* Inactive namespaces, formats past NLBAF, metadata, protection information, odd sector sizes and
 * sizes whose bytes overflow are refused. */
static void test_ns_refused(void **state)
{
    (void)state;
    static uint8_t d[NVME_IDENTIFY_LEN];
    struct nvme_ns_id ns;
    const char *why = NULL;
    ns_data(d, 0, 9);
    assert_int_equal(nvme_parse_ns(d, &ns, &why), ERR_NOT_FOUND);
    ns_data(d, 100, 9);
    d[26] = 2; /* format 2, but NLBAF lists 0 and 1 */
    assert_int_equal(nvme_parse_ns(d, &ns, &why), ERR_NOT_SUPPORTED);
    ns_data(d, 100, 9);
    put_le(d + 132, 8, 2); /* 8 bytes of metadata per sector */
    why = NULL;
    assert_int_equal(nvme_parse_ns(d, &ns, &why), ERR_NOT_SUPPORTED);
    assert_string_equal(why, "the LBA format carries metadata");
    ns_data(d, 100, 9);
    d[29] = 1; /* protection information type 1 */
    assert_int_equal(nvme_parse_ns(d, &ns, &why), ERR_NOT_SUPPORTED);
    ns_data(d, 100, 13);
    assert_int_equal(nvme_parse_ns(d, &ns, &why), ERR_NOT_SUPPORTED);
    ns_data(d, 100, 8);
    assert_int_equal(nvme_parse_ns(d, &ns, &why), ERR_NOT_SUPPORTED);
    ns_data(d, UINT64_MAX >> 11, 12);
    assert_int_equal(nvme_parse_ns(d, &ns, &why), ERR_NOT_SUPPORTED);
    ns_data(d, UINT64_MAX >> 12, 12);
    assert_int_equal(nvme_parse_ns(d, &ns, &why), 0);
}

/* Status fields: names, and the errors a caller gets. */
static void test_status(void **state)
{
    (void)state;
    assert_int_equal(nvme_status_error(0), 0);
    assert_string_equal(nvme_status_name(0x281), "unrecovered read error");
    assert_int_equal(nvme_status_error(0x281), ERR_IO);
    assert_string_equal(nvme_status_name(0x001), "invalid command opcode");
    assert_int_equal(nvme_status_error(0x001), ERR_NOT_SUPPORTED);
    assert_int_equal(nvme_status_error(0x182), ERR_PERMISSION);
    assert_int_equal(nvme_status_error(0x020), ERR_PERMISSION);
    assert_int_equal(nvme_status_error(0x080), ERR_IO);
    /* DNR, More and CRD bits do not change the code */
    assert_string_equal(nvme_status_name(0x4000 | 0x2000 | 0x281), "unrecovered read error");
    assert_int_equal(nvme_status_error(0x4000 | 0x281), ERR_IO);
    assert_string_equal(nvme_status_name(0x7ff), "unknown status");
    assert_int_equal(nvme_status_error(0x7ff), ERR_IO);
    /* a CQE's status word: phase in bit 0 */
    assert_int_equal(NVME_STATUS_SF(0x281 << 1 | 1), 0x281);
    assert_int_equal(NVME_SF_SCT(0x281), 2);
    assert_int_equal(NVME_SF_SC(0x281), 0x81);
}

/* PRPs: one page (PRP2 0), two pages (PRP2 the second), more (PRP2 the list); an offset start;
 * a list too short. */
static void test_prp(void **state)
{
    (void)state;
    uint64_t list[16], p1, p2;
    const uint64_t base = 0x100000, lphys = 0x9000;
    memset(list, 0xaa, sizeof(list));
    assert_int_equal(nvme_prp(base, 512, list, 16, lphys, &p1, &p2), 0);
    assert_true(p1 == base && p2 == 0);
    assert_int_equal(nvme_prp(base, 4096, list, 16, lphys, &p1, &p2), 0);
    assert_true(p1 == base && p2 == 0);
    assert_int_equal(nvme_prp(base, 8192, list, 16, lphys, &p1, &p2), 0);
    assert_true(p1 == base && p2 == base + 4096);
    assert_int_equal(nvme_prp(base, 65536, list, 16, lphys, &p1, &p2), 15);
    assert_true(p1 == base && p2 == lphys);
    for (unsigned i = 0; i < 15; i++)
        assert_true(list[i] == base + 4096 * (i + 1));
    assert_true(list[15] == 0xaaaaaaaaaaaaaaaaull); /* nothing past the entries */
    /* 8 KiB starting 512 bytes into a page touch three pages */
    assert_int_equal(nvme_prp(base + 512, 8192, list, 16, lphys, &p1, &p2), 2);
    assert_true(p1 == base + 512 && p2 == lphys && list[0] == base + 4096 && list[1] == base + 8192);
    /* 4 KiB at an offset: two pages, no list */
    assert_int_equal(nvme_prp(base + 512, 4096, list, 16, lphys, &p1, &p2), 0);
    assert_true(p2 == base + 4096);
    assert_int_equal(nvme_prp(base, 65536 + 4096, list, 15, lphys, &p1, &p2), ERR_TOO_LARGE);
    assert_int_equal(nvme_prp(base, 65536, list, 15, lphys, &p1, &p2), 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doorbell),     cmocka_unit_test(test_ctrl), cmocka_unit_test(test_ctrl_text),
        cmocka_unit_test(test_ctrl_refused), cmocka_unit_test(test_ns),   cmocka_unit_test(test_ns_refused),
        cmocka_unit_test(test_status),       cmocka_unit_test(test_prp),  cmocka_unit_test(test_cqe_ok),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
