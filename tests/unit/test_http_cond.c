/* test_http_cond.c: HTTP-dates, ETags, preconditions and ranges of http_server (date.c, cond.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "servers/http_server/cond.h"
#include "servers/http_server/date.h"
#include <warp/error.h>

/* Known dates, the epoch's edges and leap days. */
static void test_date_format_known(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        const char *s;
    } cases[] = {
        {0, "Thu, 01 Jan 1970 00:00:00 GMT"},
        {784111777, "Sun, 06 Nov 1994 08:49:37 GMT"},
        {951782400, "Tue, 29 Feb 2000 00:00:00 GMT"},
        {951868800, "Wed, 01 Mar 2000 00:00:00 GMT"},
        {-1, "Wed, 31 Dec 1969 23:59:59 GMT"},
        {-86400 * 365, "Wed, 01 Jan 1969 00:00:00 GMT"},
        {4107542400, "Mon, 01 Mar 2100 00:00:00 GMT"}, /* 2100 is no leap year */
        {253402300799, "Fri, 31 Dec 9999 23:59:59 GMT"},
        {-62167219200, "Sat, 01 Jan 0000 00:00:00 GMT"},
    };
    char buf[HTTP_DATE_LEN + 1];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(http_date_format(cases[i].t, buf, sizeof(buf)), HTTP_DATE_LEN);
        assert_string_equal(buf, cases[i].s);
    }
    assert_int_equal(http_date_format(0, buf, HTTP_DATE_LEN), ERR_TOO_LARGE);
    assert_int_equal(http_date_format(253402300800, buf, sizeof(buf)), ERR_INVALID_ARG);
    assert_int_equal(http_date_format(-62167219201, buf, sizeof(buf)), ERR_INVALID_ARG);
    assert_int_equal(http_date_format(INT64_MAX, buf, sizeof(buf)), ERR_INVALID_ARG);
    assert_int_equal(http_date_format(INT64_MIN, buf, sizeof(buf)), ERR_INVALID_ARG);
}

/* Against the C library's calendar (gmtime_r, strftime) over many times, and parsed back. */
static void test_date_against_libc(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t t = (int64_t)(x % 253402300800ull) - (i % 2 ? 0 : 62167219200);
        if (i < 1000)
            t = (int64_t)i * 86399 * 3 - 1000000; /* around the epoch, every few days */
        char mine[HTTP_DATE_LEN + 1], libc[64];
        time_t tt = (time_t)t;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
            continue;
        static const char *wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static const char *mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        snprintf(libc, sizeof(libc), "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[tm.tm_wday], tm.tm_mday,
                 mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        assert_int_equal(http_date_format(t, mine, sizeof(mine)), HTTP_DATE_LEN);
        if (strcmp(mine, libc) != 0)
            fail_msg("%lld: %s, libc %s", (long long)t, mine, libc);
        int64_t back;
        assert_true(http_date_parse(mine, &back));
        assert_int_equal(back, t);
    }
}

/* The three forms RFC 9110 §5.6.7 names, and what is refused. */
static void test_date_parse(void **state)
{
    (void)state;
    int64_t t = 0;
    assert_true(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &t));
    assert_int_equal(t, 784111777);
    assert_true(http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", &t));
    assert_int_equal(t, 784111777);
    assert_true(http_date_parse("Sun Nov  6 08:49:37 1994", &t));
    assert_int_equal(t, 784111777);
    assert_true(http_date_parse("Thu Nov 16 08:49:37 1994", &t)); /* weekdays are not cross-checked */
    assert_true(http_date_parse("Tuesday, 01-Jan-30 00:00:00 GMT", &t));
    assert_int_equal(t, 1893456000); /* 2030: two-digit years below 70 are 20xx */
    assert_true(http_date_parse("Tue, 29 Feb 2000 23:59:60 GMT", &t)); /* a leap second */
    static const char *bad[] = {
        "",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sun, 30 Feb 1994 08:49:37 GMT",
        "Sun, 29 Feb 1900 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov  6 08:49:37 94",
        "Funday, 06-Nov-94 08:49:37 GMT",
        "1994-11-06T08:49:37Z",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (http_date_parse(bad[i], &t))
            fail_msg("accepted \"%s\"", bad[i]);
}

/* Our ETag: quoted hex, distinct for any difference in mount, ino, size, mtime or nanoseconds. */
static void test_etag_format(void **state)
{
    (void)state;
    char a[HTTP_ETAG_MAX], b[HTTP_ETAG_MAX];
    assert_int_equal(http_etag_format(a, sizeof(a), 1, 0x2a, 4096, 0x5f5e1000, 7),
                     strlen("\"1-2a-1000-5f5e1000.7\""));
    assert_string_equal(a, "\"1-2a-1000-5f5e1000.7\"");
    long n = http_etag_format(a, sizeof(a), UINT32_MAX, UINT64_MAX, UINT64_MAX, INT64_MIN, 999999999);
    assert_true(n > 0 && n < HTTP_ETAG_MAX);
    assert_int_equal(http_etag_format(a, 10, 1, 2, 3, 4, 5), ERR_TOO_LARGE);
    http_etag_format(a, sizeof(a), 1, 2, 3, 4, 5);
    uint64_t v[][5] = {{2, 2, 3, 4, 5}, {1, 3, 3, 4, 5}, {1, 2, 4, 4, 5}, {1, 2, 3, 5, 5}, {1, 2, 3, 4, 6}};
    for (int i = 0; i < 5; i++) {
        http_etag_format(b, sizeof(b), (uint32_t)v[i][0], v[i][1], v[i][2], (int64_t)v[i][3],
                         (uint32_t)v[i][4]);
        assert_string_not_equal(a, b);
    }
}

/* If-None-Match lists: weak comparison, "*", whitespace and empty elements, malformed lists. */
static void test_etag_match(void **state)
{
    (void)state;
    const char *e = "\"1-2\"";
    assert_true(http_etag_match_weak("\"1-2\"", e));
    assert_true(http_etag_match_weak("W/\"1-2\"", e));
    assert_true(http_etag_match_weak("\"x\", W/\"1-2\"", e));
    assert_true(http_etag_match_weak(" ,\t\"x\" ,, \"1-2\" ", e));
    assert_true(http_etag_match_weak("*", e));
    assert_true(http_etag_match_weak("  *  ", e));
    assert_false(http_etag_match_weak("\"1-3\"", e));
    assert_false(http_etag_match_weak("1-2", e));                 /* not quoted */
    assert_false(http_etag_match_weak("w/\"1-2\"", e));           /* W is upper-case */
    assert_false(http_etag_match_weak("\"1-2", e));               /* unterminated */
    assert_false(http_etag_match_weak("\"x\" junk, \"1-2\"", e)); /* malformed before ours */
    assert_false(http_etag_match_weak("*, \"x\"", e));            /* "*" is not a list element */
    assert_false(http_etag_match_weak("", e));
    assert_false(http_etag_match_weak("\"1-2 \"", e)); /* a space is no etagc */
}

/* A request with only the given kept fields (NULL: absent; "!" : present but unusable). */
static struct http_request req_with(const char *inm, const char *ims, const char *range, const char *if_range)
{
    struct http_request r;
    memset(&r, 0, sizeof(r));
    const char *v[HTTP_KEPT_COUNT] = {inm, ims, range, if_range};
    char *bufs[HTTP_KEPT_COUNT] = {r.if_none_match, r.if_modified_since, r.range, r.if_range};
    for (int f = 0; f < HTTP_KEPT_COUNT; f++) {
        if (!v[f])
            continue;
        if (strcmp(v[f], "!") == 0) {
            r.kept[f] = HTTP_KEPT_UNUSABLE;
            continue;
        }
        r.kept[f] = HTTP_KEPT_OK;
        strcpy(bufs[f], v[f]);
    }
    return r;
}

#define MTIME 784111777 /* Sun, 06 Nov 1994 08:49:37 GMT */

/* The status of a request for a 100-byte file, with *first and *last. */
static int sel(const char *inm, const char *ims, const char *range, const char *if_range, uint64_t size,
               uint64_t *first, uint64_t *last)
{
    struct http_request r = req_with(inm, ims, range, if_range);
    struct http_entity e = {.size = size, .mtime = MTIME, .etag = "\"1-2\""};
    *first = *last = 12345;
    return http_select(&r, &e, first, last);
}

static void test_select_conditional(void **state)
{
    (void)state;
    uint64_t a, b;
    assert_int_equal(sel(NULL, NULL, NULL, NULL, 100, &a, &b), 200);
    assert_int_equal(sel("\"1-2\"", NULL, NULL, NULL, 100, &a, &b), 304);
    assert_int_equal(sel("W/\"1-2\"", NULL, NULL, NULL, 100, &a, &b), 304);
    assert_int_equal(sel("*", NULL, NULL, NULL, 100, &a, &b), 304);
    assert_int_equal(sel("\"other\"", NULL, NULL, NULL, 100, &a, &b), 200);
    /* If-Modified-Since: not older than mtime is 304; older, invalid or unusable is 200. */
    assert_int_equal(sel(NULL, "Sun, 06 Nov 1994 08:49:37 GMT", NULL, NULL, 100, &a, &b), 304);
    assert_int_equal(sel(NULL, "Sun, 06 Nov 1994 08:49:38 GMT", NULL, NULL, 100, &a, &b), 304);
    assert_int_equal(sel(NULL, "Sun, 06 Nov 1994 08:49:36 GMT", NULL, NULL, 100, &a, &b), 200);
    assert_int_equal(sel(NULL, "Sunday, 06-Nov-94 08:49:37 GMT", NULL, NULL, 100, &a, &b), 304);
    assert_int_equal(sel(NULL, "yesterday", NULL, NULL, 100, &a, &b), 200);
    assert_int_equal(sel(NULL, "!", NULL, NULL, 100, &a, &b), 200);
    /* If-None-Match present (matching or not, even unusable) makes If-Modified-Since ignored. */
    assert_int_equal(sel("\"other\"", "Sun, 06 Nov 1994 08:49:37 GMT", NULL, NULL, 100, &a, &b), 200);
    assert_int_equal(sel("!", "Sun, 06 Nov 1994 08:49:37 GMT", NULL, NULL, 100, &a, &b), 200);
    /* 304 wins over Range. */
    assert_int_equal(sel("\"1-2\"", NULL, "bytes=0-1", NULL, 100, &a, &b), 304);
}

static void test_select_range(void **state)
{
    (void)state;
    uint64_t a, b;
    static const struct {
        const char *range;
        uint64_t size;
        int status;
        uint64_t first, last;
    } cases[] = {
        {"bytes=0-0", 100, 206, 0, 0},
        {"bytes=0-99", 100, 206, 0, 99},
        {"bytes=10-19", 100, 206, 10, 19},
        {"bytes=10-", 100, 206, 10, 99},
        {"bytes=99-", 100, 206, 99, 99},
        {"bytes=50-1000", 100, 206, 50, 99},
        {"bytes=-5", 100, 206, 95, 99},
        {"bytes=-100", 100, 206, 0, 99},
        {"bytes=-1000", 100, 206, 0, 99},
        {"Bytes=1-2", 100, 206, 1, 2},
        {"bytes= 1-2 ", 100, 206, 1, 2},
        {"bytes=5-99999999999999999999999", 100, 206, 5, 99},
        {"bytes=100-", 100, 416, 0, 0},
        {"bytes=100-200", 100, 416, 0, 0},
        {"bytes=99999999999999999999999-", 100, 416, 0, 0},
        {"bytes=-0", 100, 416, 0, 0},
        {"bytes=0-", 0, 416, 0, 0},
        {"bytes=-5", 0, 200, 0, 0}, /* the whole, empty, file */
        {"bytes=5-2", 100, 200, 0, 0},
        {"bytes=0-1,5-6", 100, 200, 0, 0}, /* several ranges: the whole file */
        {"bytes=0-1,", 100, 200, 0, 0},
        {"items=0-1", 100, 200, 0, 0},
        {"bytes=", 100, 200, 0, 0},
        {"bytes=-", 100, 200, 0, 0},
        {"bytes=a-b", 100, 200, 0, 0},
        {"bytes=1-2x", 100, 200, 0, 0},
        {"bytes 1-2", 100, 200, 0, 0},
        {"!", 100, 200, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int st = sel(NULL, NULL, cases[i].range, NULL, cases[i].size, &a, &b);
        if (st != cases[i].status)
            fail_msg("\"%s\" (size %llu): %d, not %d", cases[i].range, (unsigned long long)cases[i].size, st,
                     cases[i].status);
        if (st == 206 && (a != cases[i].first || b != cases[i].last))
            fail_msg("\"%s\": %llu-%llu", cases[i].range, (unsigned long long)a, (unsigned long long)b);
    }
}

/* If-Range: a strong tag equal to ours, or the exact Last-Modified date; else the whole file. */
static void test_select_if_range(void **state)
{
    (void)state;
    uint64_t a, b;
    assert_int_equal(sel(NULL, NULL, "bytes=0-1", "\"1-2\"", 100, &a, &b), 206);
    assert_int_equal(sel(NULL, NULL, "bytes=0-1", "W/\"1-2\"", 100, &a, &b), 200);
    assert_int_equal(sel(NULL, NULL, "bytes=0-1", "\"1-3\"", 100, &a, &b), 200);
    assert_int_equal(sel(NULL, NULL, "bytes=0-1", "Sun, 06 Nov 1994 08:49:37 GMT", 100, &a, &b), 206);
    assert_int_equal(sel(NULL, NULL, "bytes=0-1", "Sun, 06 Nov 1994 08:49:38 GMT", 100, &a, &b), 200);
    assert_int_equal(sel(NULL, NULL, "bytes=0-1", "garbage", 100, &a, &b), 200);
    assert_int_equal(sel(NULL, NULL, "bytes=0-1", "!", 100, &a, &b), 200);
    assert_int_equal(sel(NULL, NULL, "bytes=500-", "\"1-2\"", 100, &a, &b), 416);
    assert_int_equal(sel(NULL, NULL, "bytes=500-", "\"1-3\"", 100, &a, &b), 200);
    /* If-Range without Range does nothing. */
    assert_int_equal(sel(NULL, NULL, NULL, "\"1-3\"", 100, &a, &b), 200);
}

/* A directory's Location: escaped where a path needs it, and a '/' added. */
static void test_location(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(http_location(buf, sizeof(buf), "/dir"), 5);
    assert_string_equal(buf, "/dir/");
    http_location(buf, sizeof(buf), "/a b/c%d\"e?f#g\xc3\xa9~!$&'()*+,;=:@");
    assert_string_equal(buf, "/a%20b/c%25d%22e%3Ff%23g%C3%A9~!$&'()*+,;=:@/");
    assert_int_equal(http_location(buf, 5, "/dir"), ERR_TOO_LARGE);
    assert_int_equal(http_location(buf, 6, "/dir"), 5); /* "/dir/" and its NUL */
    assert_int_equal(http_location(buf, 5, "/\x01"), ERR_TOO_LARGE);
    assert_int_equal(http_location(buf, 6, "/\x01"), 5); /* "/%01/" */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_format_known), cmocka_unit_test(test_date_against_libc),
        cmocka_unit_test(test_date_parse),        cmocka_unit_test(test_etag_format),
        cmocka_unit_test(test_etag_match),        cmocka_unit_test(test_select_conditional),
        cmocka_unit_test(test_select_range),      cmocka_unit_test(test_select_if_range),
        cmocka_unit_test(test_location),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
