/* test_part.c: unit tests for the partition finder (servers/fs/part.c) on disks sgdisk makes at test time. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "servers/fs/part.h"
#include <warp/error.h>

#define DISK_BYTES (8u << 20)
#define SECTOR 512u

static uint8_t disk[DISK_BYTES];
static unsigned reads_failing; /* a read at or past this offset fails (0: none) */

static int disk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    (void)ctx;
    if (off > DISK_BYTES || len > DISK_BYTES - off)
        return ERR_INVALID_ARG;
    if (reads_failing && off + len > reads_failing)
        return ERR_IO;
    memcpy(buf, disk + off, len);
    return 0;
}

/* Runs sgdisk with args on a fresh zeroed disk file and loads it into disk[]. */
static void make_gpt(const char *args)
{
    char path[] = "/tmp/test_part.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, DISK_BYTES), 0);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "sgdisk %s %s >/dev/null", args, path);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(disk, 1, DISK_BYTES, f), DISK_BYTES);
    fclose(f);
    unlink(path);
    reads_failing = 0;
}

static int find(struct part *out, const char **why)
{
    return part_find_linux(disk_read, NULL, DISK_BYTES, SECTOR, out, why);
}

/* CRC-32 as GPT uses it, to re-seal a header the tests change on purpose. */
static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t c = ~0u;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Recomputes the primary GPT header's CRC after an edit. */
static void reseal_header(void)
{
    uint8_t *h = disk + SECTOR;
    uint32_t size = h[12] | h[13] << 8;
    put32(h + 16, 0);
    put32(h + 16, crc32(h, size));
}

/* Only Linux file system partitions are listed, with their byte ranges, among others. */
static void test_gpt(void **state)
{
    (void)state;
    make_gpt("-n 1:2048:4095 -t 1:ef00 -n 2:4096:8191 -t 2:8300 -n 3:8192:10239 -t 3:0700 "
             "-n 4:10240:12287 -t 4:8300");
    struct part p[PART_MAX];
    const char *why;
    assert_int_equal(find(p, &why), 2);
    assert_int_equal(p[0].offset, 4096ull * SECTOR);
    assert_int_equal(p[0].size, 4096ull * SECTOR);
    assert_int_equal(p[1].offset, 10240ull * SECTOR);
    assert_int_equal(p[1].size, 2048ull * SECTOR);
}

/* A disk with no table (or ext4 straight on it) has no partitions; that is not an error. */
static void test_none(void **state)
{
    (void)state;
    memset(disk, 0, sizeof(disk));
    struct part p[PART_MAX];
    const char *why;
    assert_int_equal(find(p, &why), 0);
    assert_int_equal(part_find_linux(disk_read, NULL, DISK_BYTES, 1000, p, &why), 0);
}

/* A classic MBR lists its type 0x83 entries; one past the disk's end is refused. */
static void test_mbr(void **state)
{
    (void)state;
    memset(disk, 0, sizeof(disk));
    disk[510] = 0x55;
    disk[511] = 0xaa;
    uint8_t *e = disk + 446;
    e[4] = 0x83;
    put32(e + 8, 2048);
    put32(e + 12, 1024);
    e[16 + 4] = 0x07;
    put32(e + 16 + 8, 4096);
    put32(e + 16 + 12, 1024);
    struct part p[PART_MAX];
    const char *why;
    assert_int_equal(find(p, &why), 1);
    assert_int_equal(p[0].offset, 2048ull * 512);
    assert_int_equal(p[0].size, 1024ull * 512);
    put32(e + 12, DISK_BYTES / 512);
    assert_int_equal(find(p, &why), ERR_BAD_FORMAT);
    assert_non_null(why);
}

/* Broken GPTs are refused with a reason: checksums, sizes, counts, ranges. */
static void test_gpt_broken(void **state)
{
    (void)state;
    struct part p[PART_MAX];
    const char *why;
    static const struct {
        unsigned off; /* into the header */
        uint32_t value;
        bool reseal;
    } edits[] = {
        {0, 0x20494646, true},        /* signature */
        {16, 0x12345678, false},      /* header CRC */
        {12, 8, true},                /* header size below 92 */
        {12, 4000, true},             /* header size past the sector */
        {24, 5, true},                /* its own LBA */
        {80, 100000, true},           /* entry count */
        {84, 100, true},              /* entry size */
        {84, 132, true},              /* entry size not a multiple of 8 */
        {72, DISK_BYTES / 512, true}, /* entry array off the disk */
        {88, 0x1, true},              /* entry array CRC */
        {48, DISK_BYTES / 512, true}, /* last usable LBA past the end */
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        make_gpt("-n 1:2048:4095 -t 1:8300");
        put32(disk + SECTOR + edits[i].off, edits[i].value);
        if (edits[i].reseal)
            reseal_header();
        why = NULL;
        assert_int_equal(find(p, &why), ERR_BAD_FORMAT);
        assert_non_null(why);
    }
    /* A partition entry past the usable range (entry array CRC made to match). */
    make_gpt("-n 1:2048:4095 -t 1:8300");
    uint8_t *h = disk + SECTOR;
    uint64_t entries = h[72] | (uint64_t)h[73] << 8;
    uint32_t count = h[80] | h[81] << 8, esize = h[84] | h[85] << 8;
    uint8_t *entry = disk + entries * SECTOR;
    put32(entry + 40, DISK_BYTES / SECTOR + 10);
    put32(h + 88, crc32(disk + entries * SECTOR, count * esize));
    reseal_header();
    assert_int_equal(find(p, &why), ERR_BAD_FORMAT);
}

/* A device error while reading the table is passed on. */
static void test_read_error(void **state)
{
    (void)state;
    make_gpt("-n 1:2048:4095 -t 1:8300");
    struct part p[PART_MAX];
    const char *why;
    reads_failing = 3 * SECTOR;
    assert_int_equal(find(p, &why), ERR_IO);
    reads_failing = 1;
    assert_int_equal(find(p, &why), ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpt),        cmocka_unit_test(test_none),       cmocka_unit_test(test_mbr),
        cmocka_unit_test(test_gpt_broken), cmocka_unit_test(test_read_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
