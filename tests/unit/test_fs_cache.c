/* test_fs_cache.c: unit tests for the fs server's page cache (servers/fs/cache.c) over a fake device. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "servers/fs/cache.h"
#include <warp/error.h>

#define DEV_SIZE (4u << 20) /* 4 MiB, a whole number of pages */

/* The fake device: byte i is dev_byte(i); it counts and records its reads, and can fail. */
static struct {
    unsigned reads;
    uint64_t last_off;
    size_t last_len;
    size_t max_len;
    int fail; /* returned by every read when not 0 */
} dev;

/* Byte i of the fake device. */
static uint8_t dev_byte(uint64_t i)
{
    return (uint8_t)(i * 7 + (i >> 12));
}

/* The fake device's read: checks alignment and bounds, fills the pattern. */
static int dev_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    uint64_t size = *(uint64_t *)ctx;
    assert_true(off % 512 == 0 && len % 512 == 0 && len > 0 && len <= CACHE_FETCH_MAX);
    assert_true(off + len <= size);
    dev.reads++;
    dev.last_off = off;
    dev.last_len = len;
    if (len > dev.max_len)
        dev.max_len = len;
    if (dev.fail)
        return dev.fail;
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = dev_byte(off + i);
    return 0;
}

static uint64_t dev_size = DEV_SIZE;

/* True if buf holds the device's n bytes at off. */
static bool same(const uint8_t *buf, uint64_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i] != dev_byte(off + i))
            return false;
    return true;
}

/* The stream the last cache_read went to. */
static const struct cache_stream *last_stream(const struct cache *c)
{
    for (unsigned i = 0; i < CACHE_STREAMS; i++)
        if (c->streams[i].gen == c->gen)
            return &c->streams[i];
    fail_msg("no stream holds the last read");
    return NULL;
}

/* A cache of pages pages over the fake device, counters zero. */
static void start(struct cache *c, size_t pages)
{
    memset(&dev, 0, sizeof(dev));
    assert_int_equal(cache_init(c, pages, dev_size, dev_read, &dev_size), 0);
}

/* A page read twice: a miss then a hit; one device read of one page (no read-ahead: not sequential). */
static void test_hit_miss(void **state)
{
    (void)state;
    struct cache c;
    uint8_t buf[CACHE_PAGE];
    start(&c, 16);
    assert_int_equal(cache_read(&c, 8192, buf, 100), 0);
    assert_true(same(buf, 8192, 100));
    assert_int_equal(c.st.misses, 1);
    assert_int_equal(c.st.hits, 0);
    assert_int_equal(dev.reads, 1);
    assert_int_equal(c.st.disk_bytes, CACHE_PAGE);
    assert_int_equal(cache_read(&c, 8192 + 50, buf, 200), 0);
    assert_true(same(buf, 8192 + 50, 200));
    assert_int_equal(c.st.hits, 1);
    assert_int_equal(dev.reads, 1);
    assert_int_equal(c.st.ra_pages, 0);
    cache_destroy(&c);
}

/* A range across pages, unaligned at both ends: right bytes, one miss per page, one device read. */
static void test_unaligned(void **state)
{
    (void)state;
    struct cache c;
    static uint8_t buf[5 * CACHE_PAGE];
    start(&c, 64);
    assert_int_equal(cache_read(&c, 3 * CACHE_PAGE - 10, buf, 3 * CACHE_PAGE + 20), 0);
    assert_true(same(buf, 3 * CACHE_PAGE - 10, 3 * CACHE_PAGE + 20));
    assert_int_equal(c.st.misses, 5);
    assert_int_equal(dev.reads, 1);
    assert_int_equal(dev.last_off, 2 * CACHE_PAGE);
    assert_int_equal(dev.last_len, 5 * CACHE_PAGE);
    assert_int_equal(cache_read(&c, 3 * CACHE_PAGE, buf, 1), 0);
    assert_int_equal(c.st.hits, 1);
    cache_destroy(&c);
}

/* A full cache evicts the least recently used page: the one touched stays. */
static void test_lru(void **state)
{
    (void)state;
    struct cache c;
    uint8_t b;
    start(&c, 4);
    for (uint64_t p = 0; p < 4; p++) /* every other page: no read is sequential */
        assert_int_equal(cache_read(&c, p * 2 * CACHE_PAGE, &b, 1), 0);
    assert_int_equal(c.npages, 4);
    assert_int_equal(cache_read(&c, 0, &b, 1), 0); /* page 0 is now the most recent */
    assert_int_equal(c.st.hits, 1);
    assert_int_equal(cache_read(&c, 100 * CACHE_PAGE, &b, 1), 0); /* evicts page 2 */
    assert_int_equal(c.st.evictions, 1);
    assert_int_equal(c.npages, 4);
    unsigned reads = dev.reads;
    assert_int_equal(cache_read(&c, 0, &b, 1), 0);
    assert_int_equal(dev.reads, reads);
    assert_int_equal(cache_read(&c, 2 * CACHE_PAGE, &b, 1), 0);
    assert_int_equal(dev.reads, reads + 1);
    assert_true(same(&b, 2 * CACHE_PAGE, 1));
    cache_destroy(&c);
}

/* Sequential reads open a window of 64 KiB that doubles to 512 KiB; the next reads then hit. */
static void test_readahead(void **state)
{
    (void)state;
    struct cache c;
    uint8_t buf[CACHE_PAGE];
    start(&c, 1024);
    assert_int_equal(cache_read(&c, 0, buf, CACHE_PAGE), 0);
    assert_int_equal(last_stream(&c)->window, 0);
    assert_int_equal(cache_read(&c, CACHE_PAGE, buf, CACHE_PAGE), 0);
    assert_int_equal(last_stream(&c)->window, CACHE_RA_MIN);
    assert_int_equal(c.st.ra_pages, CACHE_RA_MIN / CACHE_PAGE - 1); /* one run of 64 KiB */
    uint64_t misses = c.st.misses;
    for (uint64_t p = 2; p < 16; p++) {
        assert_int_equal(cache_read(&c, p * CACHE_PAGE, buf, CACHE_PAGE), 0);
        assert_true(same(buf, p * CACHE_PAGE, CACHE_PAGE));
    }
    assert_int_equal(c.st.misses, misses);
    assert_int_equal(last_stream(&c)->window, CACHE_RA_MAX);
    assert_int_equal(dev.max_len, CACHE_FETCH_MAX);
    for (uint64_t p = 16; p < 256; p++) {
        assert_int_equal(cache_read(&c, p * CACHE_PAGE, buf, CACHE_PAGE), 0);
        assert_true(same(buf, p * CACHE_PAGE, CACHE_PAGE));
    }
    assert_int_equal(c.st.misses, misses); /* the window kept ahead all along */
    assert_true(c.st.ra_pages >= 256 - 2);
    assert_true(dev.reads < 256 / 8); /* in runs of many pages */
    assert_int_equal(cache_read(&c, 3 * CACHE_PAGE, buf, 10), 0);
    assert_int_equal(last_stream(&c)->window, 0);
    cache_destroy(&c);
}

/* A sequential stream keeps its window while small reads elsewhere come between its reads (a
 * file's inode before each of its data reads); more streams than CACHE_STREAMS push the oldest out. */
static void test_streams(void **state)
{
    (void)state;
    struct cache c;
    uint8_t buf[CACHE_PAGE], meta[256];
    start(&c, 1024);
    uint64_t data = 1u << 20;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cache_read(&c, 5 * CACHE_PAGE + 128, meta, sizeof(meta)), 0);
        assert_int_equal(last_stream(&c)->window, 0);
        assert_int_equal(cache_read(&c, data, buf, sizeof(buf)), 0);
        assert_true(same(buf, data, sizeof(buf)));
        assert_int_equal(last_stream(&c)->window, i == 0 ? 0 : CACHE_RA_MIN << (i - 1));
        data += sizeof(buf);
    }
    assert_true(c.st.ra_pages > 0);
    for (uint64_t k = 0; k < CACHE_STREAMS; k++)
        assert_int_equal(cache_read(&c, (k + 8) * CACHE_PAGE, meta, sizeof(meta)), 0);
    assert_int_equal(cache_read(&c, data, buf, sizeof(buf)), 0);
    assert_int_equal(last_stream(&c)->window, 0); /* its stream was the oldest, and went */
    cache_destroy(&c);
}

/* The fake device's read-ahead READs in flight, by tag, and how starting one ends. */
static struct {
    bool busy[CACHE_ASYNC_MAX];
    uint64_t off[CACHE_ASYNC_MAX];
    size_t len[CACHE_ASYNC_MAX];
    uint8_t *buf[CACHE_ASYNC_MAX];
    unsigned started, waits;
    int fail;    /* returned by every start when not 0 */
    int outcome; /* of the READs a wait ends */
    struct cache *c;
} ra;

/* The fake device's cache_start_fn: records the READ; its outcome comes from ra_finish. */
static int ra_start(void *ctx, uint64_t off, void *buf, size_t len, unsigned tag)
{
    uint64_t size = *(uint64_t *)ctx;
    assert_true(tag < CACHE_ASYNC_MAX && !ra.busy[tag]);
    assert_true(off % 512 == 0 && len % 512 == 0 && len > 0 && len <= CACHE_FETCH_MAX && off + len <= size);
    if (ra.fail)
        return ra.fail;
    ra.busy[tag] = true;
    ra.off[tag] = off;
    ra.len[tag] = len;
    ra.buf[tag] = buf;
    ra.started++;
    return 0;
}

/* Ends every READ in flight with result (the bytes filled in when it is 0); returns how many. */
static unsigned ra_finish(struct cache *c, int result)
{
    unsigned n = 0;
    for (unsigned t = 0; t < CACHE_ASYNC_MAX; t++) {
        if (!ra.busy[t])
            continue;
        for (size_t i = 0; result == 0 && i < ra.len[t]; i++)
            ra.buf[t][i] = dev_byte(ra.off[t] + i);
        ra.busy[t] = false;
        cache_fetch_done(c, t, result);
        n++;
    }
    return n;
}

/* The fake device's cache_poll_fn: a wait ends every READ in flight with ra.outcome. */
static int ra_poll(void *ctx, bool wait)
{
    (void)ctx;
    if (!wait)
        return 0;
    ra.waits++;
    return ra_finish(ra.c, ra.outcome) > 0 ? 0 : ERR_NOT_FOUND;
}

/* With an asynchronous device the window's READs are started, not waited for; once they end the
 * reader finds their pages; a failed one caches nothing; a page still in flight is fetched again
 * synchronously, and the late READ leaves it as it is. */
static void test_async(void **state)
{
    (void)state;
    struct cache c;
    uint8_t buf[4 * CACHE_PAGE];
    start(&c, 1024);
    memset(&ra, 0, sizeof(ra));
    ra.c = &c;
    assert_int_equal(cache_set_async(&c, ra_start, ra_poll, &dev_size), 0);
    assert_int_equal(cache_read(&c, 0, buf, sizeof(buf)), 0);
    assert_int_equal(cache_read(&c, sizeof(buf), buf, sizeof(buf)), 0);
    assert_int_equal(dev.reads, 2);  /* the pages asked for, synchronously, and nothing more */
    assert_int_equal(ra.started, 1); /* the 64 KiB window in one READ */
    assert_int_equal(ra_finish(&c, 0), 1);
    uint64_t misses = c.st.misses;
    for (uint64_t off = 2 * sizeof(buf); off < 8 * sizeof(buf); off += sizeof(buf)) {
        assert_int_equal(cache_read(&c, off, buf, sizeof(buf)), 0);
        assert_true(same(buf, off, sizeof(buf)));
        ra_finish(&c, 0);
    }
    assert_int_equal(c.st.misses, misses); /* the window kept ahead */
    assert_int_equal(dev.reads, 2);
    /* a READ that fails caches nothing: its pages are fetched when read */
    assert_int_equal(cache_read(&c, 8 * sizeof(buf), buf, sizeof(buf)), 0);
    uint64_t lost = UINT64_MAX;
    for (unsigned t = 0; t < CACHE_ASYNC_MAX; t++)
        if (ra.busy[t] && ra.off[t] < lost)
            lost = ra.off[t];
    assert_true(lost != UINT64_MAX && ra_finish(&c, ERR_IO) > 0);
    unsigned reads = dev.reads;
    assert_int_equal(cache_read(&c, lost, buf, sizeof(buf)), 0);
    assert_true(same(buf, lost, sizeof(buf)));
    assert_int_equal(dev.reads, reads + 1);
    /* the reader catches up with pages in flight: it waits for them, and reads nothing itself */
    assert_int_equal(cache_read(&c, lost + sizeof(buf), buf, sizeof(buf)), 0);
    assert_true(ra.busy[0] + ra.busy[1] + ra.busy[2] > 0);
    reads = dev.reads;
    assert_int_equal(cache_read(&c, lost + 2 * sizeof(buf), buf, sizeof(buf)), 0);
    assert_true(same(buf, lost + 2 * sizeof(buf), sizeof(buf)));
    assert_int_equal(dev.reads, reads);
    assert_int_equal(ra.waits, 1);
    /* ...and when what it waited for fails, it fetches the pages itself */
    ra.outcome = ERR_IO;
    assert_int_equal(cache_read(&c, lost + 3 * sizeof(buf), buf, sizeof(buf)), 0);
    uint64_t next = UINT64_MAX;
    for (unsigned t = 0; t < CACHE_ASYNC_MAX; t++)
        if (ra.busy[t] && ra.off[t] < next)
            next = ra.off[t];
    assert_true(next != UINT64_MAX);
    reads = dev.reads;
    assert_int_equal(cache_read(&c, next, buf, sizeof(buf)), 0);
    assert_true(same(buf, next, sizeof(buf)));
    assert_true(dev.reads > reads && ra.waits == 2);
    ra.outcome = 0;
    ra_finish(&c, 0);
    /* a start that fails stops read-ahead; the reads go on */
    ra.fail = ERR_QUEUE_FULL;
    uint64_t far = 2u << 20;
    for (uint64_t off = far; off < far + 8 * sizeof(buf); off += sizeof(buf)) {
        assert_int_equal(cache_read(&c, off, buf, sizeof(buf)), 0);
        assert_true(same(buf, off, sizeof(buf)));
    }
    for (unsigned t = 0; t < CACHE_ASYNC_MAX; t++)
        assert_false(ra.busy[t]);
    cache_destroy(&c);
}

/* However the reads go, the cache never holds more than its limit, and the bytes stay right. */
static void test_limit(void **state)
{
    (void)state;
    struct cache c;
    static uint8_t buf[300000];
    start(&c, 8);
    srand(7);
    for (int i = 0; i < 2000; i++) {
        uint64_t off = (uint64_t)rand() % (DEV_SIZE - sizeof(buf));
        size_t len = (size_t)rand() % sizeof(buf);
        if (i % 3 == 0)
            off = i > 0 && last_stream(&c)->next_off < DEV_SIZE - sizeof(buf) ? last_stream(&c)->next_off : 0;
        assert_int_equal(cache_read(&c, off, buf, len), 0);
        assert_true(same(buf, off, len));
        assert_true(c.npages <= 8);
    }
    assert_true(c.st.evictions > 0);
    cache_destroy(&c);
}

/* The device's error comes back and nothing is cached; past the end is ERR_IO; a short last page. */
static void test_errors(void **state)
{
    (void)state;
    struct cache c;
    uint8_t buf[CACHE_PAGE];
    dev_size = DEV_SIZE - 1536; /* the last page has 5 sectors */
    start(&c, 16);
    dev.fail = ERR_IO;
    assert_int_equal(cache_read(&c, 0, buf, 10), ERR_IO);
    assert_int_equal(c.npages, 0);
    dev.fail = 0;
    assert_int_equal(cache_read(&c, 0, buf, 10), 0);
    assert_int_equal(cache_read(&c, dev_size - 10, buf, 11), ERR_IO);
    assert_int_equal(cache_read(&c, dev_size + 1, buf, 0), ERR_IO);
    assert_int_equal(cache_read(&c, dev_size - 10, buf, 10), 0);
    assert_true(same(buf, dev_size - 10, 10));
    assert_int_equal(dev.last_len, CACHE_PAGE - 1536);
    cache_destroy(&c);
    dev_size = DEV_SIZE;
}

/* Runs the tests in this file. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_miss),  cmocka_unit_test(test_unaligned), cmocka_unit_test(test_lru),
        cmocka_unit_test(test_readahead), cmocka_unit_test(test_streams),   cmocka_unit_test(test_async),
        cmocka_unit_test(test_limit),     cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("fs_cache", tests, NULL, NULL);
}
