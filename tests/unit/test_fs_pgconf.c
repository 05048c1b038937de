/* test_fs_pgconf.c: unit tests for the fs server's [fs NAME] section (servers/fs/pgconf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "servers/fs/pgconf.h"

static char logged[1024];

/* Keeps every logged line. */
static void log_line(void *ctx, const char *msg)
{
    (void)ctx;
    size_t n = strlen(logged);
    snprintf(logged + n, sizeof(logged) - n, "%s\n", msg);
}

/* Parses text (NUL-terminated) into c, the log emptied first. */
static void parse(const char *text, struct pgconf *c)
{
    logged[0] = '\0';
    pgconf_parse(text, strlen(text), c, log_line, NULL);
}

/* A whole section is taken; defaults fill what it leaves out. */
static void test_section(void **state)
{
    (void)state;
    struct pgconf c;
    parse("[service fs]\narg = 1\n[fs data]\npg = 10.0.2.2:6543\ndatabase = warp\nuser = w\n"
          "password = s3cret pass\nvolume = site\nlease = 12\nsync = yes\ntimeout = 9\n",
          &c);
    assert_true(c.present);
    assert_string_equal(c.name, "data");
    assert_string_equal(c.host, "10.0.2.2");
    assert_int_equal(c.port, 6543);
    assert_string_equal(c.database, "warp");
    assert_string_equal(c.user, "w");
    assert_string_equal(c.password, "s3cret pass");
    assert_string_equal(c.volume, "site");
    assert_int_equal(c.lease_s, 12);
    assert_int_equal(c.timeout_s, 9);
    assert_true(c.sync);
    assert_string_equal(logged, "");
    parse("[fs d]\npg = db.internal\ndatabase = a\nuser = b\npassword = c\nvolume = v\n", &c);
    assert_true(c.present);
    assert_string_equal(c.host, "db.internal");
    assert_int_equal(c.port, 5432);
    assert_int_equal(c.lease_s, PGCONF_LEASE_DEFAULT);
    assert_int_equal(c.timeout_s, PGCONF_TIMEOUT_DEFAULT);
    assert_false(c.sync);
    parse("[service x]\n", &c);
    assert_false(c.present);
}

/* Each bad section is left out with one line that names the key, never the value. */
static void test_refused(void **state)
{
    (void)state;
    static const char *bad[] = {
        "[fs tmp]\npg = h\ndatabase = a\nuser = b\npassword = c\nvolume = v\n",
        "[fs Data]\npg = h\ndatabase = a\nuser = b\npassword = c\nvolume = v\n",
        "[fs d]\npg = h:0\ndatabase = a\nuser = b\npassword = c\nvolume = v\n",
        "[fs d]\npg = :5432\ndatabase = a\nuser = b\npassword = c\nvolume = v\n",
        "[fs d]\npg = h\ndatabase = a\nuser = b\npassword = hunter2\nvolume = v\ncolour = red\n",
        "[fs d]\npg = h\ndatabase = a\nuser = b\npassword = hunter2\npassword = hunter3\nvolume = v\n",
        "[fs d]\npg = h\ndatabase = a\nuser = b\npassword = c\nvolume = v\nlease = 0\n",
        "[fs d]\npg = h\ndatabase = a\nuser = b\npassword = c\nvolume = v\ntimeout = 3601\n",
        "[fs d]\npg = h\ndatabase = a\nuser = b\npassword = c\nvolume = v\nsync = maybe\n",
        "[fs d]\npg = h\ndatabase = a\nuser = b\nvolume = v\n",
        "[fs d]\npg = h\ndatabase =\nuser = b\npassword = c\nvolume = v\n",
        "[fs d]\npg = h\nnot a key line\ndatabase = a\nuser = b\npassword = c\nvolume = v\n",
    };
    struct pgconf c;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        parse(bad[i], &c);
        assert_false(c.present);
        assert_non_null(strstr(logged, "manifest line "));
        assert_null(strstr(logged, "hunter"));
    }
    parse("[fs a]\npg = h\ndatabase = a\nuser = b\npassword = c\nvolume = v\n[fs b]\npg = x\n", &c);
    assert_true(c.present);
    assert_string_equal(c.name, "a");
    assert_non_null(strstr(logged, "only one [fs] section"));
}

/* Runs the tests in this file. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests_name("fs_pgconf", tests, NULL, NULL);
}
