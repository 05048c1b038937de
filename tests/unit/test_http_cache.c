/* test_http_cache.c: http_server's copies of small files (servers/http_server/filecache.c): found by
 * exact path, most recently used kept, the byte and slot limits, replacement, refusals, clearing. */
#include "../../servers/http_server/filecache.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct http_cache cache;

static struct fs_attr attr(uint64_t ino, uint64_t size)
{
    return (struct fs_attr){.ino = ino, .size = size, .mode = 0100644, .type = FS_TYPE_FILE, .mount = 1};
}

static bool put(const char *path, uint64_t ino, const void *data, size_t len)
{
    struct fs_attr a = attr(ino, len);
    return http_cache_put(&cache, path, strlen(path), &a, data, len);
}

static bool has(const char *path)
{
    struct http_cached c;
    return http_cache_find(&cache, path, strlen(path), &c);
}

static int setup(void **state)
{
    (void)state;
    http_cache_init(&cache);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    http_cache_clear(&cache); /* LeakSanitizer checks every copy went */
    return 0;
}

static void test_find(void **state)
{
    (void)state;
    assert_false(has("a.txt"));
    assert_true(put("a.txt", 7, "hello", 5));
    struct http_cached c;
    assert_true(http_cache_find(&cache, "a.txt", 5, &c));
    assert_int_equal(c.len, 5);
    assert_memory_equal(c.data, "hello", 5);
    assert_int_equal(c.attr.ino, 7);
    assert_false(http_cache_find(&cache, "a.tx", 4, &c)); /* exact paths only */
    assert_false(has("a.txt/"));
    assert_false(has("A.txt"));
    assert_true(put("empty", 8, "", 0)); /* an empty file is a file too */
    assert_true(http_cache_find(&cache, "empty", 5, &c));
    assert_int_equal(c.len, 0);
    assert_int_equal(cache.hits, 2);
    assert_int_equal(cache.misses, 4);
    /* the same path again replaces the copy */
    assert_true(put("a.txt", 9, "bye", 3));
    assert_true(http_cache_find(&cache, "a.txt", 5, &c));
    assert_int_equal(c.len, 3);
    assert_int_equal(c.attr.ino, 9);
    assert_int_equal(cache.bytes, 3);
}

static void test_refused(void **state)
{
    (void)state;
    static uint8_t big[HTTP_CACHE_FILE_MAX + 1];
    assert_false(put("big", 1, big, sizeof(big)));
    assert_true(put("just", 1, big, HTTP_CACHE_FILE_MAX));
    char longpath[HTTP_CACHE_PATH_MAX + 2];
    memset(longpath, 'p', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    assert_false(put(longpath, 1, "x", 1));
    longpath[HTTP_CACHE_PATH_MAX] = '\0';
    assert_true(put(longpath, 1, "x", 1));
    assert_true(has(longpath));
    struct fs_attr dir = attr(3, 0);
    dir.type = FS_TYPE_DIR;
    assert_false(http_cache_put(&cache, "d", 1, &dir, "", 0));
    struct fs_attr partial = attr(4, 10); /* fewer bytes than the file has */
    assert_false(http_cache_put(&cache, "p", 1, &partial, "12345", 5));
    assert_false(put("", 1, "x", 1));
    assert_false(has("big") || has("d") || has("p"));
}

/* The byte budget: the least recently used go first; a find makes a copy recent. */
static void test_lru_bytes(void **state)
{
    (void)state;
    static uint8_t data[HTTP_CACHE_FILE_MAX];
    unsigned fit = HTTP_CACHE_BYTES / HTTP_CACHE_FILE_MAX;
    char path[32];
    for (unsigned i = 0; i < fit; i++) {
        snprintf(path, sizeof(path), "f%u", i);
        data[0] = (uint8_t)i;
        assert_true(put(path, i, data, sizeof(data)));
    }
    assert_int_equal(cache.evictions, 0);
    assert_true(has("f0")); /* f0 is now the most recent; f1 the oldest */
    assert_true(put("new", 99, data, sizeof(data)));
    assert_int_equal(cache.evictions, 1);
    assert_false(has("f1"));
    assert_true(has("f0"));
    assert_true(has("f2"));
    assert_true(cache.bytes <= HTTP_CACHE_BYTES);
    struct http_cached c;
    assert_true(http_cache_find(&cache, "f5", 2, &c));
    assert_int_equal(c.data[0], 5);
}

/* The slot budget: many tiny files, the oldest dropped once every slot is used. */
static void test_lru_slots(void **state)
{
    (void)state;
    char path[32];
    for (unsigned i = 0; i < HTTP_CACHE_SLOTS + 10; i++) {
        snprintf(path, sizeof(path), "t%u", i);
        assert_true(put(path, i, path, strlen(path)));
    }
    assert_int_equal(cache.evictions, 10);
    for (unsigned i = 0; i < HTTP_CACHE_SLOTS + 10; i++) {
        snprintf(path, sizeof(path), "t%u", i);
        struct http_cached c;
        bool found = http_cache_find(&cache, path, strlen(path), &c);
        assert_int_equal(found, i >= 10);
        if (found)
            assert_memory_equal(c.data, path, strlen(path));
    }
}

/* Random puts and finds against a model of what must be there: a copy found is always the last one
 * put for its path, and the totals add up. */
static void test_random(void **state)
{
    (void)state;
    enum { PATHS = 700 };
    static uint32_t version[PATHS];
    static uint8_t data[HTTP_CACHE_FILE_MAX];
    srand(7);
    for (int round = 0; round < 40000; round++) {
        unsigned p = (unsigned)rand() % PATHS;
        char path[32];
        snprintf(path, sizeof(path), "r/%u", p);
        if (rand() % 3 == 0) {
            size_t len = (size_t)rand() % sizeof(data);
            version[p]++;
            memset(data, (int)(version[p] & 0xff), len);
            assert_true(put(path, version[p], data, len));
        } else {
            struct http_cached c;
            if (http_cache_find(&cache, path, strlen(path), &c)) {
                assert_int_equal(c.attr.ino, version[p]);
                for (uint32_t i = 0; i < c.len; i++)
                    assert_int_equal(c.data[i], version[p] & 0xff);
            }
        }
        assert_true(cache.bytes <= HTTP_CACHE_BYTES);
    }
    uint64_t sum = 0;
    for (unsigned i = 0; i < HTTP_CACHE_SLOTS; i++)
        sum += cache.slots[i].data ? cache.slots[i].len : 0;
    assert_int_equal(sum, cache.bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_find, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lru_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lru_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
