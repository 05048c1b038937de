/* test_http_upload.c: unit tests for http_server's upload configuration, bearer tokens, paths and statuses (upload.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "servers/http_server/upload.h"
#include <warp/error.h>

#define TOKEN "0123456789abcdef-TOKEN"

static char logs[4096]; /* every diagnostic, one a line */
static unsigned nlogs;

/* Collects a diagnostic. */
static void collect(void *ctx, const char *msg)
{
    (void)ctx;
    nlogs++;
    strncat(logs, msg, sizeof(logs) - strlen(logs) - 2);
    strcat(logs, "\n");
}

/* Parses a manifest into c; returns c->enabled. */
static bool conf(struct http_upload_conf *c, const char *text)
{
    logs[0] = '\0';
    nlogs = 0;
    http_upload_conf_parse(text, strlen(text), c, collect, NULL);
    assert_null(strstr(logs, TOKEN)); /* never a token's value */
    assert_null(strstr(logs, "s3cret"));
    return c->enabled;
}

static const char GOOD[] = "[service http_server]\nbinary = bin/http_server\n"
                           "[http upload]   # comment\n"
                           "prefix = /uploads/\n"
                           "dir = /tmp/uploads\n"
                           "token = " TOKEN "\n"
                           "max_body = 1000\n"
                           "[service fs]\nbinary = bin/fs\ntoken = other\n";

/* A good section: every key read; keys of other sections ignored. */
static void test_conf_good(void **state)
{
    (void)state;
    struct http_upload_conf c;
    assert_true(conf(&c, GOOD));
    assert_int_equal(nlogs, 0);
    assert_string_equal(c.prefix, "/uploads/");
    assert_int_equal(c.prefix_len, 9);
    assert_string_equal(c.dir, "/tmp/uploads");
    assert_int_equal(c.dir_len, 12);
    assert_string_equal(c.token, TOKEN);
    assert_int_equal(c.token_len, strlen(TOKEN));
    assert_int_equal(c.max_body, 1000);
    assert_true(conf(&c, "[http upload]\r\nprefix=/u/\r\ndir=/tmp\r\ntoken=" TOKEN "==\r\n"));
    assert_int_equal(c.max_body, HTTP_UP_BODY_DEFAULT);
    assert_string_equal(c.token, TOKEN "==");
}

/* No section, or an error anywhere in it: off, with a reason that never shows the token. */
static void test_conf_refused(void **state)
{
    (void)state;
    struct http_upload_conf c;
    assert_false(conf(&c, "[service a]\nbinary = bin/a\n"));
    assert_int_equal(nlogs, 0);
    assert_false(conf(&c, ""));
    static const char *bad[] = {
        "prefix = /u/\ndir = /tmp\n",                               /* no token */
        "dir = /tmp\ntoken = " TOKEN "\n",                          /* no prefix */
        "prefix = /u/\ntoken = " TOKEN "\n",                        /* no dir */
        "prefix = u/\ndir = /tmp\ntoken = " TOKEN "\n",             /* not absolute */
        "prefix = /u\ndir = /tmp\ntoken = " TOKEN "\n",             /* no trailing slash */
        "prefix = /a//b/\ndir = /tmp\ntoken = " TOKEN "\n",         /* empty segment */
        "prefix = /a/../b/\ndir = /tmp\ntoken = " TOKEN "\n",       /* .. */
        "prefix = /a/./\ndir = /tmp\ntoken = " TOKEN "\n",          /* . */
        "prefix = /a%2f/\ndir = /tmp\ntoken = " TOKEN "\n",         /* an escape */
        "prefix = /u/\ndir = /tmp/\ntoken = " TOKEN "\n",           /* trailing slash */
        "prefix = /u/\ndir = tmp\ntoken = " TOKEN "\n",             /* relative */
        "prefix = /u/\ndir = /tmp/../disk0\ntoken = " TOKEN "\n",   /* .. */
        "prefix = /u/\ndir = /tmp\ntoken = s3cret\n",               /* short */
        "prefix = /u/\ndir = /tmp\ntoken = s3cret s3cret s3cret\n", /* a blank */
        "prefix = /u/\ndir = /tmp\ntoken = =s3crets3crets3cret\n",  /* '=' first */
        "prefix = /u/\ndir = /tmp\ntoken = s3cret=s3crets3cret\n",  /* '=' inside */
        "prefix = /u/\ndir = /tmp\ntoken = " TOKEN "\nmax_body = 0\n",
        "prefix = /u/\ndir = /tmp\ntoken = " TOKEN "\nmax_body = 12x\n",
        "prefix = /u/\ndir = /tmp\ntoken = " TOKEN "\nmax_body = 1099511627777\n",
        "prefix = /u/\ndir = /tmp\ntoken = " TOKEN "\ntoken = " TOKEN "\n", /* twice */
        "prefix = /u/\ndir = /tmp\ntoken = " TOKEN "\ncolour = blue\n",     /* unknown */
        "prefix = /u/\ndir = /tmp\ntoken = " TOKEN "\nno equals sign\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text), "[http upload]\n%s", bad[i]);
        if (conf(&c, text))
            fail_msg("accepted: %s", bad[i]);
        assert_true(nlogs >= 1);
        assert_null(strstr(logs, "s3cret"));
        assert_int_equal(c.token[0], 0); /* an unused token is not kept */
    }
    char text[1024];
    snprintf(text, sizeof(text), "%s[http upload]\nprefix = /v/\n", GOOD);
    assert_false(conf(&c, text)); /* given twice */
    assert_false(conf(&c, "[http other]\nprefix = /v/\n"));
    char long_token[HTTP_UP_TOKEN_MAX + 2];
    memset(long_token, 'a', sizeof(long_token) - 1);
    long_token[sizeof(long_token) - 1] = '\0';
    snprintf(text, sizeof(text), "[http upload]\nprefix = /u/\ndir = /tmp\ntoken = %s\n", long_token);
    assert_false(conf(&c, text));
    long_token[HTTP_UP_TOKEN_MAX] = '\0';
    snprintf(text, sizeof(text), "[http upload]\nprefix = /u/\ndir = /tmp\ntoken = %s\n", long_token);
    assert_true(conf(&c, text));
}

/* Equal only for equal lengths and bytes; empty strings too. */
static void test_token_equal(void **state)
{
    (void)state;
    assert_true(http_token_equal("abc", 3, "abc", 3));
    assert_false(http_token_equal("abc", 3, "abd", 3));
    assert_false(http_token_equal("abc", 3, "abcd", 4));
    assert_false(http_token_equal("abcd", 4, "abc", 3));
    assert_false(http_token_equal("", 0, "abc", 3));
    assert_false(http_token_equal("abc", 3, "", 0));
    assert_true(http_token_equal("", 0, "", 0));
    assert_false(http_token_equal("Abc", 3, "abc", 3));
    char a[64], b[64];
    for (int i = 0; i < 64 * 8; i++) { /* every single bit flipped */
        memset(a, 'x', sizeof(a));
        memcpy(b, a, sizeof(b));
        b[i / 8] ^= (char)(1 << (i % 8));
        assert_false(http_token_equal(a, sizeof(a), b, sizeof(b)));
    }
}

/* Bearer, any case, one or more spaces; another scheme is missing credentials. */
static void test_auth(void **state)
{
    (void)state;
    struct http_upload_conf c;
    assert_true(conf(&c, GOOD));
    assert_int_equal(http_upload_auth(&c, "Bearer " TOKEN), HTTP_AUTH_OK);
    assert_int_equal(http_upload_auth(&c, "bEARER   " TOKEN), HTTP_AUTH_OK);
    assert_int_equal(http_upload_auth(&c, "Bearer " TOKEN "x"), HTTP_AUTH_WRONG);
    assert_int_equal(http_upload_auth(&c, "Bearer 0123456789abcdef-TOKEn"), HTTP_AUTH_WRONG);
    assert_int_equal(http_upload_auth(&c, "Bearer x"), HTTP_AUTH_WRONG);
    assert_int_equal(http_upload_auth(&c, NULL), HTTP_AUTH_MISSING);
    assert_int_equal(http_upload_auth(&c, ""), HTTP_AUTH_MISSING);
    assert_int_equal(http_upload_auth(&c, "Bearer"), HTTP_AUTH_MISSING);
    assert_int_equal(http_upload_auth(&c, "Bearer "), HTTP_AUTH_MISSING);
    assert_int_equal(http_upload_auth(&c, "Bearer\t" TOKEN), HTTP_AUTH_MISSING);
    assert_int_equal(http_upload_auth(&c, "BearerX " TOKEN), HTTP_AUTH_MISSING);
    assert_int_equal(http_upload_auth(&c, "Basic dXNlcjpwYXNz"), HTTP_AUTH_MISSING);
    assert_int_equal(http_upload_auth(&c, TOKEN), HTTP_AUTH_MISSING);
}

/* Paths under the prefix map into dir; the rest is not ours, and hidden names, the directory
 * itself, trailing slashes and long names are refused. */
static void test_map(void **state)
{
    (void)state;
    struct http_upload_conf c;
    char out[4200];
    assert_true(conf(&c, GOOD));
    assert_int_equal(http_upload_map(&c, "/uploads/a/b.txt", out, sizeof(out)), 20);
    assert_string_equal(out, "/tmp/uploads/a/b.txt");
    assert_int_equal(http_upload_map(&c, "/uploads/x", out, sizeof(out)), 14);
    assert_string_equal(out, "/tmp/uploads/x");
    assert_int_equal(http_upload_map(&c, "/upload/x", out, sizeof(out)), ERR_NOT_FOUND);
    assert_int_equal(http_upload_map(&c, "/uploadsx/y", out, sizeof(out)), ERR_NOT_FOUND);
    assert_int_equal(http_upload_map(&c, "/uploads", out, sizeof(out)), ERR_NOT_FOUND);
    assert_int_equal(http_upload_map(&c, "/", out, sizeof(out)), ERR_NOT_FOUND);
    assert_int_equal(http_upload_map(&c, "/uploads/", out, sizeof(out)), ERR_INVALID_ARG);
    assert_int_equal(http_upload_map(&c, "/uploads/a/", out, sizeof(out)), ERR_INVALID_ARG);
    assert_int_equal(http_upload_map(&c, "/uploads/.put-1", out, sizeof(out)), ERR_INVALID_ARG);
    assert_int_equal(http_upload_map(&c, "/uploads/a/.hidden/b", out, sizeof(out)), ERR_INVALID_ARG);
    assert_int_equal(http_upload_map(&c, "/uploads/a.b/c.d", out, sizeof(out)), 20);
    char path[600];
    snprintf(path, sizeof(path), "/uploads/%0255d", 0);
    assert_true(http_upload_map(&c, path, out, sizeof(out)) > 0);
    snprintf(path, sizeof(path), "/uploads/%0256d", 0);
    assert_int_equal(http_upload_map(&c, path, out, sizeof(out)), ERR_NAME_TOO_LONG);
    assert_int_equal(http_upload_map(&c, "/uploads/abc", out, 17), 16);
    assert_int_equal(http_upload_map(&c, "/uploads/abc", out, 16), ERR_NAME_TOO_LONG);
    struct http_upload_conf off;
    assert_false(conf(&off, ""));
    assert_int_equal(http_upload_map(&off, "/uploads/x", out, sizeof(out)), ERR_NOT_FOUND);
    assert_true(conf(&c, "[http upload]\nprefix = /\ndir = /tmp/all\ntoken = " TOKEN "\n"));
    assert_int_equal(http_upload_map(&c, "/a", out, sizeof(out)), 10);
    assert_string_equal(out, "/tmp/all/a");
}

/* A request with the given method, body length and Authorization (NULL: none). */
static struct http_request request(enum http_method m, uint64_t len, const char *auth)
{
    struct http_request r;
    memset(&r, 0, sizeof(r));
    r.method = m;
    r.content_length = len;
    if (auth) {
        r.auth = HTTP_KEPT_OK;
        snprintf(r.authorization, sizeof(r.authorization), "%s", auth);
    }
    return r;
}

/* The order: 405 (off or elsewhere), 401, 403, the path (400, 414), 413. */
static void test_status(void **state)
{
    (void)state;
    struct http_upload_conf c, off;
    assert_true(conf(&c, GOOD));
    assert_false(conf(&off, ""));
    const char *ok = "Bearer " TOKEN;
    struct http_request r = request(HTTP_PUT, 10, ok);
    assert_int_equal(http_upload_status(&off, &r, ERR_NOT_FOUND), 405);
    assert_int_equal(http_upload_status(&c, &r, ERR_NOT_FOUND), 405);
    assert_int_equal(http_upload_status(&c, &r, 5), 0);
    r = request(HTTP_PUT, 1000, ok);
    assert_int_equal(http_upload_status(&c, &r, 5), 0);
    r = request(HTTP_PUT, 1001, ok);
    assert_int_equal(http_upload_status(&c, &r, 5), 413);
    r = request(HTTP_PUT, 1001, NULL);
    assert_int_equal(http_upload_status(&c, &r, 5), 401);
    r = request(HTTP_PUT, 10, "Bearer wrong");
    assert_int_equal(http_upload_status(&c, &r, ERR_INVALID_ARG), 403);
    r = request(HTTP_PUT, 10, ok);
    r.auth = HTTP_KEPT_UNUSABLE;
    assert_int_equal(http_upload_status(&c, &r, 5), 401);
    r = request(HTTP_DELETE, 0, ok);
    assert_int_equal(http_upload_status(&c, &r, ERR_INVALID_ARG), 400);
    assert_int_equal(http_upload_status(&c, &r, ERR_NAME_TOO_LONG), 414);
    assert_int_equal(http_upload_status(&c, &r, 5), 0);
}

/* fs errors as statuses. */
static void test_fs_status(void **state)
{
    (void)state;
    assert_int_equal(http_upload_fs_status(ERR_NOT_FOUND, false), 404);
    assert_int_equal(http_upload_fs_status(ERR_NOT_FOUND, true), 409);
    assert_int_equal(http_upload_fs_status(ERR_IS_DIR, false), 409);
    assert_int_equal(http_upload_fs_status(ERR_NOT_DIR, true), 409);
    assert_int_equal(http_upload_fs_status(ERR_NOT_EMPTY, true), 409);
    assert_int_equal(http_upload_fs_status(ERR_PERMISSION, true), 403);
    assert_int_equal(http_upload_fs_status(ERR_READ_ONLY, true), 403);
    assert_int_equal(http_upload_fs_status(ERR_NAME_TOO_LONG, true), 414);
    assert_int_equal(http_upload_fs_status(ERR_NO_RESOURCES, true), 507);
    assert_int_equal(http_upload_fs_status(ERR_PEER_CLOSED, true), 503);
    assert_int_equal(http_upload_fs_status(ERR_IO, true), 500);
    assert_int_equal(http_upload_fs_status(ERR_BAD_FORMAT, false), 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conf_good),   cmocka_unit_test(test_conf_refused),
        cmocka_unit_test(test_token_equal), cmocka_unit_test(test_auth),
        cmocka_unit_test(test_map),         cmocka_unit_test(test_status),
        cmocka_unit_test(test_fs_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
