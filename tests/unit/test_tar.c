/* test_tar.c: unit tests for the ustar reader, on archives built in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <warp/error.h>
#include <warp/tar.h>

#define BLOCK 512
#define MAX_BLOCKS 64

/* An archive under construction. */
struct archive {
    uint8_t buf[MAX_BLOCKS * BLOCK];
    size_t len;
};

/* Recomputes a header's checksum the way tar does (field counted as spaces, "%06o\0 "). */
static void fix_checksum(uint8_t *h)
{
    unsigned sum = 0;

    memset(h + 148, ' ', 8);
    for (int i = 0; i < BLOCK; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

/* Copies s into a field of width w without requiring room for a NUL (as tar does). */
static void put_field(uint8_t *field, size_t w, const char *s)
{
    size_t n = strlen(s);

    memcpy(field, s, n < w ? n : w);
}

/* Writes a ustar header for prefix/name of the given size and type. */
static void make_header(uint8_t *h, const char *prefix, const char *name, uint64_t size, char type)
{
    char num[16];

    memset(h, 0, BLOCK);
    put_field(h, 100, name);
    put_field(h + 100, 8, "0000644");
    put_field(h + 108, 8, "0001750");
    put_field(h + 116, 8, "0001750");
    snprintf(num, sizeof(num), "%011llo", (unsigned long long)size);
    put_field(h + 124, 12, num);
    put_field(h + 136, 12, "14616036060");
    h[156] = (uint8_t)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    put_field(h + 265, 32, "warp");
    put_field(h + 297, 32, "warp");
    put_field(h + 345, 155, prefix);
    fix_checksum(h);
}

/* Appends a member and its padded contents; returns its header. */
static uint8_t *add(struct archive *a, const char *prefix, const char *name, const void *data, size_t size,
                    char type)
{
    uint8_t *h = a->buf + a->len;
    size_t padded = (size + BLOCK - 1) / BLOCK * BLOCK;

    assert_true(a->len + BLOCK + padded <= sizeof(a->buf));
    make_header(h, prefix, name, size, type);
    memset(h + BLOCK, 0, padded);
    if (size > 0)
        memcpy(h + BLOCK, data, size);
    a->len += BLOCK + padded;
    return h;
}

/* Appends the two zero blocks that end an archive. */
static void finish(struct archive *a)
{
    assert_true(a->len + 2 * BLOCK <= sizeof(a->buf));
    memset(a->buf + a->len, 0, 2 * BLOCK);
    a->len += 2 * BLOCK;
}

static uint8_t bin_init[1000];
static uint8_t one_block[BLOCK];

/* Builds the sample archive: ./, ./etc/, ./etc/motd, ./bin/init, ./empty, ./block, a symlink. */
static void sample(struct archive *a, bool with_end)
{
    for (size_t i = 0; i < sizeof(bin_init); i++)
        bin_init[i] = (uint8_t)(i * 7 + 3);
    memset(one_block, 'b', sizeof(one_block));
    a->len = 0;
    add(a, "", "./", NULL, 0, '5');
    add(a, "", "./etc/", NULL, 0, '5');
    add(a, "", "./etc/motd", "hello\n", 6, '0');
    add(a, "", "./bin/init", bin_init, sizeof(bin_init), '0');
    add(a, "", "./empty", NULL, 0, '\0');
    add(a, "", "./block", one_block, sizeof(one_block), '0');
    add(a, "", "./link", NULL, 0, '2');
    if (with_end)
        finish(a);
}

/* A heap copy of exactly len bytes, so ASan catches any read past the end. */
static uint8_t *exact_copy(const void *src, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);

    assert_non_null(p);
    memcpy(p, src, len);
    return p;
}

/* Checks one member's name, size, type and contents. */
static void expect(struct tar_iter *it, const char *name, const void *data, uint64_t size, char type)
{
    struct tar_file f;

    assert_int_equal(tar_next(it, &f), 1);
    assert_string_equal(f.name, name);
    assert_int_equal(f.size, size);
    assert_int_equal(f.type, type);
    if (size > 0)
        assert_memory_equal(f.data, data, size);
}

/* Iterates over a well-formed archive with several kinds of members. */
static void test_valid_archive(void **state)
{
    static struct archive a;
    struct tar_iter it;
    struct tar_file f;

    (void)state;
    sample(&a, true);
    uint8_t *buf = exact_copy(a.buf, a.len);
    tar_iter_init(&it, buf, a.len);
    expect(&it, "", NULL, 0, '5');
    expect(&it, "etc/", NULL, 0, '5');
    expect(&it, "etc/motd", "hello\n", 6, '0');
    expect(&it, "bin/init", bin_init, sizeof(bin_init), '0');
    expect(&it, "empty", NULL, 0, '\0');
    expect(&it, "block", one_block, sizeof(one_block), '0');
    expect(&it, "link", NULL, 0, '2');
    assert_int_equal(tar_next(&it, &f), 0);
    assert_int_equal(tar_next(&it, &f), 0); /* the end is sticky */
    free(buf);
}

/* Data pointers point into the archive, right after each header. */
static void test_data_points_into_archive(void **state)
{
    static struct archive a;
    struct tar_iter it;
    struct tar_file f;

    (void)state;
    sample(&a, true);
    tar_iter_init(&it, a.buf, a.len);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tar_next(&it, &f), 1);
    assert_ptr_equal(f.data, a.buf + 3 * BLOCK); /* etc/motd's contents */
}

/* Without the zero blocks the archive ends cleanly where the data ends. */
static void test_missing_end_blocks(void **state)
{
    static struct archive a;
    struct tar_iter it;
    struct tar_file f;
    int n = 0, r;

    (void)state;
    sample(&a, false);
    uint8_t *buf = exact_copy(a.buf, a.len);
    tar_iter_init(&it, buf, a.len);
    while ((r = tar_next(&it, &f)) == 1)
        n++;
    assert_int_equal(r, 0);
    assert_int_equal(n, 7);
    free(buf);
}

/* An empty buffer and a lone zero block are empty archives. */
static void test_empty_archives(void **state)
{
    static uint8_t zeros[BLOCK];
    struct tar_iter it;
    struct tar_file f;

    (void)state;
    tar_iter_init(&it, NULL, 0);
    assert_int_equal(tar_next(&it, &f), 0);
    tar_iter_init(&it, zeros, sizeof(zeros));
    assert_int_equal(tar_next(&it, &f), 0);
    assert_int_equal(tar_find(zeros, sizeof(zeros), "x", &f), ERR_NOT_FOUND);
}

/* prefix and name are joined with '/', and either may fill its field without a NUL. */
static void test_prefix_names(void **state)
{
    static struct archive a;
    char prefix155[156], name100[101], name99[100], want[300];
    struct tar_iter it;
    struct tar_file f;

    (void)state;
    memset(prefix155, 'p', 155);
    prefix155[155] = '\0';
    memset(name100, 'n', 100);
    name100[100] = '\0';
    memset(name99, 'm', 99);
    name99[99] = '\0';
    a.len = 0;
    add(&a, "usr/share/doc", "readme", "r", 1, '0');
    add(&a, "./usr", "x", "x", 1, '0');
    add(&a, "", name100, "n", 1, '0');
    add(&a, prefix155, name99, "m", 1, '0');
    finish(&a);
    tar_iter_init(&it, a.buf, a.len);
    expect(&it, "usr/share/doc/readme", "r", 1, '0');
    expect(&it, "usr/x", "x", 1, '0');
    expect(&it, name100, "n", 1, '0');
    snprintf(want, sizeof(want), "%s/%s", prefix155, name99);
    expect(&it, want, "m", 1, '0'); /* 255 characters: the longest that fits */
    assert_int_equal(tar_next(&it, &f), 0);
}

/* A full prefix and a full name make 256 characters, one too many for tar_file.name. */
static void test_name_too_long(void **state)
{
    static struct archive a;
    char prefix155[156], name100[101];
    struct tar_iter it;
    struct tar_file f;

    (void)state;
    memset(prefix155, 'p', 155);
    prefix155[155] = '\0';
    memset(name100, 'n', 100);
    name100[100] = '\0';
    a.len = 0;
    add(&a, prefix155, name100, "z", 1, '0');
    finish(&a);
    tar_iter_init(&it, a.buf, a.len);
    assert_int_equal(tar_next(&it, &f), ERR_BAD_FORMAT);
}

/* Returns the result of the first tar_next() over an exact copy of a's first len bytes. */
static int first_result(const struct archive *a, size_t len)
{
    struct tar_iter it;
    struct tar_file f;
    uint8_t *buf = exact_copy(a->buf, len);

    tar_iter_init(&it, buf, len);
    int r = tar_next(&it, &f);
    free(buf);
    return r;
}

/* A header whose bytes do not add up to its checksum is refused. */
static void test_bad_checksum(void **state)
{
    static struct archive a;
    struct tar_iter it;
    struct tar_file f;

    (void)state;
    sample(&a, true);
    a.buf[0] ^= 1; /* the name changed after the checksum was computed */
    assert_int_equal(first_result(&a, a.len), ERR_BAD_FORMAT);
    sample(&a, true);
    memcpy(a.buf + 148, "zzzzzz\0 ", 8); /* not octal at all */
    assert_int_equal(first_result(&a, a.len), ERR_BAD_FORMAT);
    sample(&a, true);
    a.buf[2 * BLOCK + 10] ^= 0x40; /* the third header (etc/motd) */
    tar_iter_init(&it, a.buf, a.len);
    assert_int_equal(tar_next(&it, &f), 1);
    assert_int_equal(tar_next(&it, &f), 1);
    assert_int_equal(tar_next(&it, &f), ERR_BAD_FORMAT);
}

/* Only POSIX "ustar\0" headers are read (not old GNU "ustar  " ones, nor garbage). */
static void test_bad_magic(void **state)
{
    static struct archive a;

    (void)state;
    sample(&a, true);
    memcpy(a.buf + 257, "ustar ", 6);
    fix_checksum(a.buf);
    assert_int_equal(first_result(&a, a.len), ERR_BAD_FORMAT);
    memcpy(a.buf + 257, "xxxxx", 6);
    fix_checksum(a.buf);
    assert_int_equal(first_result(&a, a.len), ERR_BAD_FORMAT);
}

/* Sets the size field of the header at h to exactly 12 bytes of text and fixes the checksum. */
static void set_size_field(uint8_t *h, const char *text)
{
    memcpy(h + 124, text, 12);
    fix_checksum(h);
}

/* Size fields must be octal digits with only NUL/space padding. */
static void test_size_garbage(void **state)
{
    static struct archive a;
    static const char *const bad[] = {
        "0000000001x\0", "           \0",  "\0\0\0\0\0\0\0\0\0\0\0\0",     "-0000000001\0",
        "00000 00001\0", "0000000009\0\0", "\x80\0\0\0\0\0\0\0\0\0\0\x01", "777777777777",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        a.len = 0;
        add(&a, "", "f", "abc", 3, '0');
        finish(&a);
        set_size_field(a.buf, bad[i]);
        assert_int_equal(first_result(&a, a.len), ERR_BAD_FORMAT);
    }
    /* Leading spaces and a space terminator are fine. */
    set_size_field(a.buf, "         3 \0");
    assert_int_equal(first_result(&a, a.len), 1);
    set_size_field(a.buf, "000000000003");
    assert_int_equal(first_result(&a, a.len), 1);
}

/* A size larger than what is left of the archive is refused, however large. */
static void test_truncated(void **state)
{
    static struct archive a;
    struct tar_iter it;
    struct tar_file f;

    (void)state;
    a.len = 0;
    add(&a, "", "big", bin_init, sizeof(bin_init), '0'); /* 1000 bytes in 2 blocks */
    /* Cut inside the contents, right after the header, and inside the header. */
    assert_int_equal(first_result(&a, BLOCK + 999), ERR_BAD_FORMAT);
    assert_int_equal(first_result(&a, BLOCK), ERR_BAD_FORMAT);
    assert_int_equal(first_result(&a, BLOCK - 1), ERR_BAD_FORMAT);
    assert_int_equal(first_result(&a, 100), ERR_BAD_FORMAT);
    /* Cut after the contents but inside the padding: the member is whole. */
    uint8_t *buf = exact_copy(a.buf, BLOCK + 1000);
    tar_iter_init(&it, buf, BLOCK + 1000);
    assert_int_equal(tar_next(&it, &f), 1);
    assert_int_equal(f.size, 1000);
    assert_int_equal(tar_next(&it, &f), 0);
    free(buf);
    /* Sizes far beyond the buffer (8 GiB - 1, the largest 11-digit value). */
    set_size_field(a.buf, "77777777777\0");
    assert_int_equal(first_result(&a, a.len), ERR_BAD_FORMAT);
}

/* A damaged header after good members ends the walk with an error. */
static void test_trailing_partial_header(void **state)
{
    static struct archive a;
    struct tar_iter it;
    struct tar_file f;

    (void)state;
    a.len = 0;
    add(&a, "", "f", "abc", 3, '0');
    memset(a.buf + a.len, 'x', 100);
    uint8_t *buf = exact_copy(a.buf, a.len + 100);
    tar_iter_init(&it, buf, a.len + 100);
    assert_int_equal(tar_next(&it, &f), 1);
    assert_int_equal(tar_next(&it, &f), ERR_BAD_FORMAT);
    free(buf);
}

/* tar_find finds regular files by name, with or without a leading "/" or "./". */
static void test_find(void **state)
{
    static struct archive a;
    struct tar_file f;

    (void)state;
    sample(&a, true);
    uint8_t *buf = exact_copy(a.buf, a.len);
    assert_int_equal(tar_find(buf, a.len, "etc/motd", &f), 0);
    assert_string_equal(f.name, "etc/motd");
    assert_int_equal(f.size, 6);
    assert_memory_equal(f.data, "hello\n", 6);
    assert_int_equal(tar_find(buf, a.len, "/bin/init", &f), 0);
    assert_int_equal(f.size, sizeof(bin_init));
    assert_int_equal(tar_find(buf, a.len, "./empty", &f), 0);
    assert_int_equal(f.size, 0);
    assert_int_equal(tar_find(buf, a.len, "block", &f), 0);
    free(buf);
}

/* Misses: absent names, directories, symlinks, partial names. */
static void test_find_miss(void **state)
{
    static struct archive a;
    struct tar_file f;

    (void)state;
    sample(&a, true);
    assert_int_equal(tar_find(a.buf, a.len, "etc/nothere", &f), ERR_NOT_FOUND);
    assert_int_equal(tar_find(a.buf, a.len, "etc/", &f), ERR_NOT_FOUND);
    assert_int_equal(tar_find(a.buf, a.len, "etc", &f), ERR_NOT_FOUND);
    assert_int_equal(tar_find(a.buf, a.len, "link", &f), ERR_NOT_FOUND);
    assert_int_equal(tar_find(a.buf, a.len, "etc/mot", &f), ERR_NOT_FOUND);
    assert_int_equal(tar_find(a.buf, a.len, "", &f), ERR_NOT_FOUND);
}

/* Damage before the wanted file is reported; damage after it does not matter. */
static void test_find_damaged(void **state)
{
    static struct archive a;
    struct tar_file f;

    (void)state;
    sample(&a, true);
    a.buf[2 * BLOCK + 1] ^= 1; /* corrupt etc/motd's header */
    assert_int_equal(tar_find(a.buf, a.len, "bin/init", &f), ERR_BAD_FORMAT);
    assert_int_equal(tar_find(a.buf, a.len, "nothere", &f), ERR_BAD_FORMAT);
    sample(&a, true);
    a.buf[7 * BLOCK + 1] ^= 1; /* corrupt ./empty's header, which follows bin/init */
    assert_int_equal(tar_find(a.buf, a.len, "etc/motd", &f), 0);
    assert_int_equal(tar_find(a.buf, a.len, "bin/init", &f), 0);
    assert_int_equal(tar_find(a.buf, a.len, "block", &f), ERR_BAD_FORMAT);
}

/* A small deterministic PRNG (xorshift64) for the fuzz test. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Random damage (sometimes with the checksum repaired) never makes the reader stray. */
static void test_fuzz(void **state)
{
    static struct archive a;
    uint64_t seed = 0x9e3779b97f4a7c15ull;

    (void)state;
    for (int round = 0; round < 3000; round++) {
        sample(&a, round % 2 == 0);
        size_t len = a.len - rng_next(&seed) % (a.len / 4 + 1);
        int flips = 1 + (int)(rng_next(&seed) % 6);
        for (int i = 0; i < flips; i++) {
            size_t pos = rng_next(&seed) % len;
            a.buf[pos] = (uint8_t)rng_next(&seed);
            if (rng_next(&seed) % 2)
                fix_checksum(a.buf + pos / BLOCK * BLOCK);
        }
        uint8_t *buf = exact_copy(a.buf, len);
        struct tar_iter it;
        struct tar_file f;
        int r, n = 0;
        tar_iter_init(&it, buf, len);
        while ((r = tar_next(&it, &f)) == 1) {
            assert_true((const uint8_t *)f.data >= buf + BLOCK);
            assert_true(f.size <= (uint64_t)(buf + len - (const uint8_t *)f.data));
            assert_true(strlen(f.name) < sizeof(f.name));
            assert_true(++n <= MAX_BLOCKS);
        }
        assert_true(r == 0 || r == ERR_BAD_FORMAT);
        (void)tar_find(buf, len, "bin/init", &f);
        free(buf);
    }
}

/* Runs the tests in this file; cmocka reports them (TAP with CMOCKA_MESSAGE_OUTPUT=TAP). */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_archive),
        cmocka_unit_test(test_data_points_into_archive),
        cmocka_unit_test(test_missing_end_blocks),
        cmocka_unit_test(test_empty_archives),
        cmocka_unit_test(test_prefix_names),
        cmocka_unit_test(test_name_too_long),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_size_garbage),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_trailing_partial_header),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_find_miss),
        cmocka_unit_test(test_find_damaged),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests_name("tar", tests, NULL, NULL);
}
