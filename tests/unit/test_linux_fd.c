/* test_linux_fd.c: the linux server's descriptor tables, open file descriptions and pipe rings
 * (lxfd.c), and the working directory's normal form (lxpath.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "servers/linux/lxabi.h"
#include "servers/linux/lxfd.h"
#include "servers/linux/lxpath.h"

static struct lxfilepool pool;
static struct lxfdtab tab;

static void test_fd_lowest_free(void **state)
{
    (void)state;
    memset(&pool, 0, sizeof(pool));
    lxfd_init(&tab);
    struct lxfile *f = lxfile_new(&pool, LXFILE_NULL, LX_O_RDONLY);
    assert_non_null(f);
    assert_int_equal(f->refs, 1);
    assert_int_equal(lxfd_install(&tab, 0, f, false), 0);
    assert_int_equal(lxfd_install(&tab, 0, f, true), 1);
    assert_int_equal(lxfd_install(&tab, 5, f, false), 5);
    assert_int_equal(lxfd_install(&tab, 0, f, false), 2);
    assert_int_equal(f->refs, 5);
    assert_true(lxfd_cloexec(&tab, 1));
    assert_false(lxfd_cloexec(&tab, 0));
    assert_ptr_equal(lxfd_get(&tab, 5), f);
    assert_null(lxfd_get(&tab, 3));
    /* what a process may pass: negative, past the table; a descriptor is 32 bits (Linux's
     * system calls take an int or unsigned int: the upper half of the register is not looked at) */
    assert_null(lxfd_get(&tab, (uint64_t)-1));
    assert_null(lxfd_get(&tab, LXFD_MAX));
    assert_ptr_equal(lxfd_get(&tab, (1ull << 40) | 5), f);
    /* a taken number is free again and loses its FD_CLOEXEC */
    assert_ptr_equal(lxfd_take(&tab, 1), f);
    assert_null(lxfd_take(&tab, 1));
    assert_false(lxfd_cloexec(&tab, 1));
    assert_false(lxfile_put(f));
    assert_int_equal(lxfd_install(&tab, 0, f, false), 1);
    assert_int_equal(lxfd_count(&tab), 4);
    assert_int_equal(lxfd_install(&tab, LXFD_MAX, f, false), -LX_EINVAL);
    assert_int_equal(lxfd_install(&tab, (uint64_t)-1, f, false), -LX_EINVAL);
}

static void test_fd_full_table(void **state)
{
    (void)state;
    memset(&pool, 0, sizeof(pool));
    lxfd_init(&tab);
    struct lxfile *f = lxfile_new(&pool, LXFILE_NULL, LX_O_RDONLY);
    for (int i = 0; i < LXFD_MAX; i++)
        assert_int_equal(lxfd_install(&tab, 0, f, false), i);
    assert_int_equal(lxfd_install(&tab, 0, f, false), -LX_EMFILE);
    assert_int_equal(lxfd_install(&tab, 200, f, false), -LX_EMFILE);
    assert_int_equal(lxfd_count(&tab), LXFD_MAX);
    assert_int_equal(f->refs, LXFD_MAX + 1);
    lxfd_take(&tab, 100);
    assert_int_equal(lxfd_install(&tab, 101, f, false), -LX_EMFILE);
    assert_int_equal(lxfd_install(&tab, 0, f, true), 100);
    assert_true(lxfd_cloexec(&tab, 100));
    lxfd_set_cloexec(&tab, 100, false);
    assert_false(lxfd_cloexec(&tab, 100));
    lxfd_set_cloexec(&tab, LXFD_MAX, true); /* past the table: ignored */
    assert_false(lxfd_cloexec(&tab, LXFD_MAX));
}

static void test_file_pool(void **state)
{
    (void)state;
    static struct lxfile *all[LXFILE_MAX];
    memset(&pool, 0, sizeof(pool));
    for (int i = 0; i < LXFILE_MAX; i++) {
        all[i] = lxfile_new(&pool, LXFILE_NODE, LX_O_RDWR);
        assert_non_null(all[i]);
        all[i]->offset = (uint64_t)i;
    }
    assert_null(lxfile_new(&pool, LXFILE_NODE, LX_O_RDWR));
    /* two references: the first put is not the last */
    lxfile_get(all[7]);
    assert_false(lxfile_put(all[7]));
    assert_true(lxfile_put(all[7]));
    lxfile_free(all[7]);
    struct lxfile *f = lxfile_new(&pool, LXFILE_PIPE_R, LX_O_RDONLY);
    assert_ptr_equal(f, all[7]);
    assert_int_equal(f->offset, 0); /* zeroed */
    assert_int_equal(f->kind, LXFILE_PIPE_R);
}

static void test_pipe_ring(void **state)
{
    (void)state;
    struct lxpipe p;
    static uint8_t buf[LXPIPE_SIZE], data[LXPIPE_SIZE + 100], out[LXPIPE_SIZE + 100];
    lxpipe_init(&p, buf);
    assert_int_equal(lxpipe_space(&p), LXPIPE_SIZE);
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 13 + 1);
    assert_int_equal(lxpipe_put(&p, data, sizeof(data)), LXPIPE_SIZE); /* what fits */
    assert_int_equal(lxpipe_space(&p), 0);
    assert_int_equal(lxpipe_put(&p, data, 1), 0);
    assert_int_equal(lxpipe_get(&p, out, 1000), 1000);
    assert_memory_equal(out, data, 1000);
    /* across the ring's end */
    assert_int_equal(lxpipe_put(&p, data, 1500), 1000);
    assert_int_equal(lxpipe_get(&p, out, sizeof(out)), LXPIPE_SIZE);
    assert_memory_equal(out, data + 1000, LXPIPE_SIZE - 1000);
    assert_memory_equal(out + LXPIPE_SIZE - 1000, data, 1000);
    assert_int_equal(lxpipe_get(&p, out, 10), 0);
}

/* Random puts and gets against a byte counter: every byte comes out once, in order. */
static void test_pipe_random(void **state)
{
    (void)state;
    struct lxpipe p;
    static uint8_t buf[LXPIPE_SIZE], chunk[20000];
    uint64_t in = 0, outn = 0;
    srand(14);
    lxpipe_init(&p, buf);
    for (int round = 0; round < 20000; round++) {
        uint32_t n = (uint32_t)(rand() % (int)sizeof(chunk));
        if (rand() & 1) {
            for (uint32_t i = 0; i < n; i++)
                chunk[i] = (uint8_t)((in + i) % 251);
            uint32_t space = lxpipe_space(&p);
            uint32_t put = lxpipe_put(&p, chunk, n);
            assert_int_equal(put, n < space ? n : space);
            in += put;
        } else {
            uint32_t len = p.len;
            uint32_t got = lxpipe_get(&p, chunk, n);
            assert_int_equal(got, n < len ? n : len);
            for (uint32_t i = 0; i < got; i++)
                assert_int_equal(chunk[i], (uint8_t)((outn + i) % 251));
            outn += got;
        }
        assert_int_equal(in - outn, p.len);
        assert_true(p.len <= LXPIPE_SIZE && p.head < LXPIPE_SIZE);
    }
}

static void check_norm(const char *in, const char *want)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", in);
    lxpath_normalize(buf);
    assert_string_equal(buf, want);
}

static void test_path_normalize(void **state)
{
    (void)state;
    check_norm("/", "/");
    check_norm("//", "/");
    check_norm("/tmp", "/tmp");
    check_norm("/tmp/", "/tmp");
    check_norm("/tmp//a///b", "/tmp/a/b");
    check_norm("/tmp/./a/.", "/tmp/a");
    check_norm("/tmp/a/..", "/tmp");
    check_norm("/tmp/a/../../..", "/");
    check_norm("/..", "/");
    check_norm("/tmp/sub/../sub/.", "/tmp/sub");
    check_norm("/a/.../b", "/a/.../b");
    check_norm("/a/..b/.c", "/a/..b/.c");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fd_lowest_free), cmocka_unit_test(test_fd_full_table),
        cmocka_unit_test(test_file_pool),      cmocka_unit_test(test_pipe_ring),
        cmocka_unit_test(test_pipe_random),    cmocka_unit_test(test_path_normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
