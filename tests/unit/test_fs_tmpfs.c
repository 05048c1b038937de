/* test_fs_tmpfs.c: unit tests for the fs server's tmpfs (servers/fs/tmpfs.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "servers/fs/tmpfs.h"
#include <warp/error.h>

static uint64_t now_ns = 1000;

/* The test's clock. */
static uint64_t test_clock(void)
{
    return now_ns;
}

/* Files and directories are made, found, refused twice; names are checked. */
static void test_create_lookup(void **state)
{
    (void)state;
    struct tmpfs t;
    struct tmpfs_node *d, *f, *g;
    assert_int_equal(tmpfs_init(&t, 1 << 20, 0777, test_clock), 0);
    assert_int_equal(tmpfs_create(&t, t.root, "dir", 3, TMPFS_S_IFDIR | 0755, &d), 0);
    assert_true(tmpfs_is_dir(d));
    assert_int_equal(d->mode, TMPFS_S_IFDIR | 0755);
    assert_int_equal(tmpfs_create(&t, d, "file", 4, 0640, &f), 0);
    assert_int_equal(f->mode, TMPFS_S_IFREG | 0640);
    assert_ptr_equal(tmpfs_lookup(&t, d, "file", 4), f);
    assert_ptr_equal(tmpfs_lookup(&t, d, "..", 2), t.root);
    assert_ptr_equal(tmpfs_lookup(&t, t.root, "..", 2), t.root);
    assert_ptr_equal(tmpfs_lookup(&t, d, ".", 1), d);
    assert_null(tmpfs_lookup(&t, d, "fil", 3));
    assert_null(tmpfs_lookup(&t, f, "x", 1));
    assert_int_equal(tmpfs_create(&t, d, "file", 4, 0640, &g), ERR_ALREADY_EXISTS);
    assert_int_equal(tmpfs_create(&t, f, "x", 1, 0640, &g), ERR_NOT_DIR);
    assert_int_equal(tmpfs_create(&t, d, "..", 2, 0640, &g), ERR_INVALID_ARG);
    assert_int_equal(tmpfs_create(&t, d, "a/b", 3, 0640, &g), ERR_INVALID_ARG);
    assert_int_equal(tmpfs_create(&t, d, "", 0, 0640, &g), ERR_INVALID_ARG);
    char name[300];
    memset(name, 'n', sizeof(name));
    assert_int_equal(tmpfs_create(&t, d, name, 256, 0640, &g), ERR_NAME_TOO_LONG);
    assert_int_equal(tmpfs_create(&t, d, name, 255, 0640, &g), 0);
    assert_int_not_equal(g->ino, f->ino);
    tmpfs_destroy(&t);
}

/* Writes at offsets leave gaps of zeros; reads stop at the end; truncate cuts and grows with zeros. */
static void test_write_read_truncate(void **state)
{
    (void)state;
    struct tmpfs t;
    struct tmpfs_node *f;
    static uint8_t buf[3 * TMPFS_PAGE];
    assert_int_equal(tmpfs_init(&t, 1 << 20, 0777, test_clock), 0);
    assert_int_equal(tmpfs_create(&t, t.root, "f", 1, 0666, &f), 0);
    assert_int_equal(tmpfs_write(&t, f, 10, "hello", 5), 5);
    assert_int_equal(f->size, 15);
    assert_int_equal(tmpfs_read(&t, f, 0, buf, sizeof(buf)), 15);
    assert_memory_equal(buf, "\0\0\0\0\0\0\0\0\0\0hello", 15);
    now_ns = 5000;
    assert_int_equal(tmpfs_write(&t, f, 2 * TMPFS_PAGE + 100, "xy", 2), 2); /* page 1 stays a hole */
    assert_int_equal(f->mtime_ns, 5000);
    uint64_t used = t.bytes_used;
    assert_int_equal(tmpfs_read(&t, f, TMPFS_PAGE - 2, buf, TMPFS_PAGE + 104), TMPFS_PAGE + 104);
    for (size_t i = 0; i < TMPFS_PAGE + 102; i++)
        assert_int_equal(buf[i], 0);
    assert_memory_equal(buf + TMPFS_PAGE + 102, "xy", 2);
    assert_int_equal(tmpfs_read(&t, f, f->size, buf, 10), 0);
    assert_int_equal(tmpfs_read(&t, f, f->size + 100, buf, 10), 0);
    assert_int_equal(tmpfs_truncate(&t, f, 12), 0);
    assert_true(t.bytes_used == used - TMPFS_PAGE);
    assert_int_equal(tmpfs_read(&t, f, 0, buf, sizeof(buf)), 12);
    assert_memory_equal(buf + 10, "he", 2);
    assert_int_equal(tmpfs_truncate(&t, f, 20), 0); /* grows: the cut bytes read as zeros */
    assert_int_equal(tmpfs_read(&t, f, 0, buf, sizeof(buf)), 20);
    assert_memory_equal(buf + 10, "he\0\0\0\0\0\0\0\0", 10);
    assert_int_equal(tmpfs_truncate(&t, f, 0), 0);
    assert_int_equal(tmpfs_read(&t, f, 0, buf, 1), 0);
    assert_int_equal(tmpfs_read(&t, t.root, 0, buf, 1), ERR_IS_DIR);
    assert_int_equal(tmpfs_write(&t, t.root, 0, buf, 1), ERR_IS_DIR);
    tmpfs_destroy(&t);
}

/* The byte limit: a write or a create past it fails and changes nothing; space comes back on a cut. */
static void test_limit(void **state)
{
    (void)state;
    struct tmpfs t;
    struct tmpfs_node *f, *g;
    static uint8_t buf[8 * TMPFS_PAGE];
    assert_int_equal(tmpfs_init(&t, 4 * TMPFS_PAGE + 2048, 0777, NULL), 0);
    assert_int_equal(tmpfs_create(&t, t.root, "f", 1, 0666, &f), 0);
    assert_int_equal(tmpfs_write(&t, f, 0, buf, 8 * TMPFS_PAGE), ERR_NO_RESOURCES);
    assert_int_equal(f->size, 0);
    assert_int_equal(tmpfs_write(&t, f, 0, buf, 4 * TMPFS_PAGE), 4 * TMPFS_PAGE);
    assert_true(t.bytes_used <= t.bytes_max);
    assert_int_equal(tmpfs_write(&t, f, 4 * TMPFS_PAGE, buf, 1), ERR_NO_RESOURCES);
    assert_int_equal(tmpfs_write(&t, f, 0, buf, 10), 10); /* rewriting costs nothing */
    assert_int_equal(tmpfs_write(&t, f, UINT64_MAX - 2, buf, 10), ERR_NO_RESOURCES);
    assert_int_equal(tmpfs_truncate(&t, f, 1ull << 40), ERR_NO_RESOURCES);
    for (int i = 0; i < 100 && tmpfs_create(&t, t.root, (char[]){(char)('a' + i % 26), (char)('a' + i / 26)},
                                            2, 0666, &g) == 0;
         i++)
        ;
    assert_int_equal(tmpfs_create(&t, t.root, "zz9", 3, 0666, &g), ERR_NO_RESOURCES);
    assert_int_equal(tmpfs_truncate(&t, f, 0), 0);
    assert_int_equal(tmpfs_create(&t, t.root, "zz9", 3, 0666, &g), 0);
    tmpfs_destroy(&t);
}

/* A listing: ".", "..", then the entries in order; a cookie continues where it left off. */
static void test_readdir(void **state)
{
    (void)state;
    struct tmpfs t;
    struct tmpfs_node *d, *n;
    const char *name;
    size_t len;
    assert_int_equal(tmpfs_init(&t, 1 << 20, 0777, NULL), 0);
    assert_int_equal(tmpfs_create(&t, t.root, "d", 1, TMPFS_S_IFDIR | 0777, &d), 0);
    assert_int_equal(tmpfs_create(&t, d, "one", 3, 0666, &n), 0);
    assert_int_equal(tmpfs_create(&t, d, "two", 3, 0666, &n), 0);
    uint64_t cookie = 0;
    assert_int_equal(tmpfs_readdir(&t, d, &cookie, &name, &len, &n), 1);
    assert_true(len == 1 && name[0] == '.' && n == d);
    assert_int_equal(tmpfs_readdir(&t, d, &cookie, &name, &len, &n), 1);
    assert_true(len == 2 && n == t.root);
    assert_int_equal(tmpfs_readdir(&t, d, &cookie, &name, &len, &n), 1);
    assert_true(len == 3 && memcmp(name, "one", 3) == 0);
    uint64_t after_one = cookie;
    assert_int_equal(tmpfs_readdir(&t, d, &cookie, &name, &len, &n), 1);
    assert_true(memcmp(name, "two", 3) == 0);
    assert_int_equal(tmpfs_readdir(&t, d, &cookie, &name, &len, &n), 0);
    assert_int_equal(tmpfs_create(&t, d, "three", 5, 0666, &n), 0);
    assert_int_equal(tmpfs_readdir(&t, d, &cookie, &name, &len, &n), 1);
    assert_true(len == 5 && memcmp(name, "three", 5) == 0);
    cookie = after_one;
    assert_int_equal(tmpfs_readdir(&t, d, &cookie, &name, &len, &n), 1);
    assert_true(memcmp(name, "two", 3) == 0);
    assert_int_equal(tmpfs_readdir(&t, n, &cookie, &name, &len, &n), ERR_NOT_DIR);
    tmpfs_destroy(&t);
}

/* Names go: files and empty directories only, and every byte they were charged comes back. */
static void test_remove(void **state)
{
    (void)state;
    struct tmpfs t;
    struct tmpfs_node *d, *f, *g;
    assert_int_equal(tmpfs_init(&t, 1 << 20, 0777, test_clock), 0);
    uint64_t base = t.bytes_used;
    assert_int_equal(tmpfs_create(&t, t.root, "d", 1, TMPFS_S_IFDIR | 0755, &d), 0);
    assert_int_equal(tmpfs_create(&t, d, "f", 1, 0644, &f), 0);
    assert_int_equal(tmpfs_write(&t, f, 5000, "x", 1), 1);
    assert_int_equal(tmpfs_remove(&t, t.root, "d", 1, true), ERR_NOT_EMPTY);
    assert_int_equal(tmpfs_remove(&t, t.root, "d", 1, false), ERR_IS_DIR);
    assert_int_equal(tmpfs_remove(&t, d, "f", 1, true), ERR_NOT_DIR);
    assert_int_equal(tmpfs_remove(&t, d, "g", 1, false), ERR_NOT_FOUND);
    assert_int_equal(tmpfs_remove(&t, d, "..", 2, true), ERR_INVALID_ARG);
    assert_int_equal(tmpfs_remove(&t, f, "x", 1, false), ERR_NOT_DIR);
    now_ns = 7000;
    assert_int_equal(tmpfs_remove(&t, d, "f", 1, false), 0);
    assert_int_equal(d->mtime_ns, 7000);
    assert_null(tmpfs_lookup(&t, d, "f", 1));
    assert_int_equal(tmpfs_remove(&t, t.root, "d", 1, true), 0);
    assert_int_equal(t.bytes_used, base);
    /* A held file outlives its name: readable, writable, then freed by its last release. */
    assert_int_equal(tmpfs_create(&t, t.root, "h", 1, 0644, &f), 0);
    assert_int_equal(tmpfs_write(&t, f, 0, "held", 4), 4);
    tmpfs_hold(f);
    tmpfs_hold(f);
    assert_int_equal(tmpfs_remove(&t, t.root, "h", 1, false), 0);
    assert_ptr_equal(t.orphans, f);
    char buf[8];
    assert_int_equal(tmpfs_read(&t, f, 0, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "held", 4);
    assert_int_equal(tmpfs_create(&t, t.root, "h", 1, 0644, &g), 0); /* the name is free again */
    tmpfs_release(&t, f);
    assert_ptr_equal(t.orphans, f);
    tmpfs_release(&t, f);
    assert_null(t.orphans);
    assert_int_equal(tmpfs_remove(&t, t.root, "h", 1, false), 0);
    assert_int_equal(t.bytes_used, base);
    /* A removed directory that is held takes no entries; destroy frees held orphans. */
    assert_int_equal(tmpfs_create(&t, t.root, "e", 1, TMPFS_S_IFDIR | 0755, &d), 0);
    tmpfs_hold(d);
    assert_int_equal(tmpfs_remove(&t, t.root, "e", 1, true), 0);
    assert_int_equal(tmpfs_create(&t, d, "x", 1, 0644, &g), ERR_NOT_FOUND);
    assert_ptr_equal(tmpfs_lookup(&t, d, "..", 2), d);
    tmpfs_destroy(&t);
}

/* Renames move, replace and refuse as POSIX says, atomically. */
static void test_rename(void **state)
{
    (void)state;
    struct tmpfs t;
    struct tmpfs_node *a, *b, *f, *g, *e, *n;
    assert_int_equal(tmpfs_init(&t, 1 << 20, 0777, test_clock), 0);
    uint64_t base = t.bytes_used;
    assert_int_equal(tmpfs_create(&t, t.root, "a", 1, TMPFS_S_IFDIR | 0755, &a), 0);
    assert_int_equal(tmpfs_create(&t, a, "b", 1, TMPFS_S_IFDIR | 0755, &b), 0);
    assert_int_equal(tmpfs_create(&t, a, "f", 1, 0644, &f), 0);
    assert_int_equal(tmpfs_create(&t, t.root, "g", 1, 0644, &g), 0);
    assert_int_equal(tmpfs_create(&t, t.root, "e", 1, TMPFS_S_IFDIR | 0755, &e), 0);
    /* a file into another directory, under a new name */
    assert_int_equal(tmpfs_rename(&t, a, "f", 1, b, "f2", 2, true), 0);
    assert_null(tmpfs_lookup(&t, a, "f", 1));
    assert_ptr_equal(tmpfs_lookup(&t, b, "f2", 2), f);
    assert_ptr_equal(f->parent, b);
    /* over another file: that one is gone, freed (nobody holds it) */
    assert_int_equal(tmpfs_rename(&t, t.root, "g", 1, b, "f2", 2, true), 0);
    assert_ptr_equal(tmpfs_lookup(&t, b, "f2", 2), g);
    assert_null(tmpfs_lookup(&t, t.root, "g", 1));
    /* not over an existing name when told so */
    assert_int_equal(tmpfs_rename(&t, b, "f2", 2, t.root, "e", 1, false), ERR_ALREADY_EXISTS);
    /* onto itself: nothing changes */
    assert_int_equal(tmpfs_rename(&t, b, "f2", 2, b, "f2", 2, true), 0);
    assert_ptr_equal(tmpfs_lookup(&t, b, "f2", 2), g);
    /* the refusals */
    assert_int_equal(tmpfs_rename(&t, t.root, "a", 1, b, "x", 1, true), ERR_INVALID_ARG); /* into itself */
    assert_int_equal(tmpfs_rename(&t, t.root, "a", 1, a, "x", 1, true), ERR_INVALID_ARG);
    assert_int_equal(tmpfs_rename(&t, t.root, "e", 1, b, "f2", 2, true), ERR_NOT_DIR);
    assert_int_equal(tmpfs_rename(&t, b, "f2", 2, t.root, "e", 1, true), ERR_IS_DIR);
    assert_int_equal(tmpfs_rename(&t, t.root, "e", 1, t.root, "a", 1, true), ERR_NOT_EMPTY);
    assert_int_equal(tmpfs_rename(&t, t.root, "zz", 2, b, "x", 1, true), ERR_NOT_FOUND);
    assert_int_equal(tmpfs_rename(&t, a, "..", 2, b, "x", 1, true), ERR_INVALID_ARG);
    assert_int_equal(tmpfs_rename(&t, b, "f2", 2, b, "..", 2, true), ERR_INVALID_ARG);
    assert_int_equal(tmpfs_rename(&t, b, "f2", 2, g, "x", 1, true), ERR_NOT_DIR);
    assert_ptr_equal(tmpfs_lookup(&t, b, "f2", 2), g);
    /* a directory over an empty one; its ".." follows */
    assert_int_equal(tmpfs_create(&t, t.root, "c", 1, TMPFS_S_IFDIR | 0755, &n), 0);
    assert_int_equal(tmpfs_rename(&t, a, "b", 1, t.root, "c", 1, true), 0);
    assert_ptr_equal(tmpfs_lookup(&t, t.root, "c", 1), b);
    assert_ptr_equal(tmpfs_lookup(&t, b, "..", 2), t.root);
    /* a held target survives being replaced */
    assert_int_equal(tmpfs_create(&t, t.root, "h", 1, 0644, &n), 0);
    tmpfs_hold(n);
    assert_int_equal(tmpfs_rename(&t, b, "f2", 2, t.root, "h", 1, true), 0);
    assert_true(n->removed);
    tmpfs_release(&t, n);
    /* everything gone: back to the start */
    assert_int_equal(tmpfs_remove(&t, t.root, "h", 1, false), 0);
    assert_int_equal(tmpfs_remove(&t, t.root, "c", 1, true), 0);
    assert_int_equal(tmpfs_remove(&t, t.root, "a", 1, true), 0);
    assert_int_equal(tmpfs_remove(&t, t.root, "e", 1, true), 0);
    assert_int_equal(t.bytes_used, base);
    assert_null(t.root->first);
    tmpfs_destroy(&t);
}

/* Runs the tests in this file. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_lookup), cmocka_unit_test(test_write_read_truncate),
        cmocka_unit_test(test_limit),         cmocka_unit_test(test_readdir),
        cmocka_unit_test(test_remove),        cmocka_unit_test(test_rename),
    };
    return cmocka_run_group_tests_name("fs_tmpfs", tests, NULL, NULL);
}
