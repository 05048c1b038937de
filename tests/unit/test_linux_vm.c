/* test_linux_vm.c: the linux server's mapping table (lxvm.c), manifest sections (lxconf.c), call names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <warp/error.h>

#include "servers/linux/lxconf.h"
#include "servers/linux/lxvm.h"
#include "servers/linux/sysnames.h"

#define P 4096ull

static struct lxvm V;

/* True if the table is sorted, disjoint and non-empty areas. */
static bool vm_ok(void)
{
    for (uint32_t i = 0; i < V.n; i++) {
        if (V.a[i].start >= V.a[i].end || (i > 0 && V.a[i - 1].end > V.a[i].start))
            return false;
    }
    return true;
}

static void test_vm_insert_and_pieces(void **state)
{
    (void)state;
    struct lxvm_area piece;
    lxvm_init(&V);
    assert_int_equal(lxvm_insert(&V, 10 * P, 20 * P, 3), 0);
    assert_int_equal(lxvm_insert(&V, 30 * P, 40 * P, 1), 0);
    assert_int_equal(lxvm_insert(&V, 19 * P, 21 * P, 3), ERR_ALREADY_EXISTS);
    assert_int_equal(lxvm_insert(&V, 5 * P, 5 * P, 3), ERR_INVALID_ARG);
    assert_true(lxvm_is_free(&V, 20 * P, 30 * P));
    assert_false(lxvm_is_free(&V, 0, 11 * P));
    assert_true(lxvm_is_covered(&V, 12 * P, 20 * P));
    assert_false(lxvm_is_covered(&V, 12 * P, 31 * P));
    assert_true(lxvm_first_piece(&V, 15 * P, 35 * P, &piece));
    assert_int_equal(piece.start, 15 * P);
    assert_int_equal(piece.end, 20 * P);
    assert_true(lxvm_first_piece(&V, 20 * P, 35 * P, &piece));
    assert_int_equal(piece.start, 30 * P);
    assert_int_equal(piece.end, 35 * P);
    assert_false(lxvm_first_piece(&V, 40 * P, 50 * P, &piece));
}

static void test_vm_split(void **state)
{
    (void)state;
    lxvm_init(&V);
    assert_int_equal(lxvm_insert(&V, 10 * P, 20 * P, 3), 0);
    assert_int_equal(lxvm_split_cost(&V, 12 * P, 14 * P, false), 1);
    assert_int_equal(lxvm_split_cost(&V, 12 * P, 14 * P, true), 2);
    assert_int_equal(lxvm_split_cost(&V, 10 * P, 20 * P, false), 0);
    assert_int_equal(lxvm_split_cost(&V, 9 * P, 14 * P, false), -1);
    assert_int_equal(lxvm_remove(&V, 12 * P, 14 * P), 0);
    assert_int_equal(V.n, 2);
    assert_int_equal(lxvm_protect(&V, 15 * P, 16 * P, 1), 0);
    assert_int_equal(V.n, 4);
    assert_int_equal(V.a[2].prot, 1);
    assert_true(vm_ok());
    assert_int_equal(lxvm_remove(&V, 12 * P, 14 * P), ERR_NOT_FOUND);
    assert_int_equal(lxvm_protect(&V, 13 * P, 17 * P, 1), ERR_NOT_FOUND); /* over a hole and two areas */
}

/* A full table refuses an insert and any split that needs room, keeping itself intact. */
static void test_vm_full(void **state)
{
    (void)state;
    lxvm_init(&V);
    for (uint64_t i = 0; i < LXVM_AREAS_MAX; i++)
        assert_int_equal(lxvm_insert(&V, (10 + 4 * i) * P, (13 + 4 * i) * P, 3), 0);
    assert_int_equal(lxvm_insert(&V, 1 * P, 2 * P, 3), ERR_NO_RESOURCES);
    assert_int_equal(lxvm_remove(&V, 11 * P, 12 * P), ERR_NO_RESOURCES);
    assert_int_equal(lxvm_protect(&V, 10 * P, 11 * P, 1), ERR_NO_RESOURCES);
    assert_int_equal(lxvm_remove(&V, 10 * P, 11 * P), 0);                /* an end: no new piece */
    assert_int_equal(lxvm_remove(&V, 15 * P, 16 * P), ERR_NO_RESOURCES); /* still full */
    assert_int_equal(lxvm_remove(&V, 18 * P, 21 * P), 0);                /* a whole area */
    assert_int_equal(lxvm_remove(&V, 15 * P, 16 * P), 0);                /* the room it freed */
    assert_int_equal(V.n, LXVM_AREAS_MAX);
    assert_true(vm_ok());
}

/* Diagnostics logged. */
static char logbuf[4096];

static void log_fn(void *ctx, const char *msg)
{
    (void)ctx;
    size_t used = strlen(logbuf);
    snprintf(logbuf + used, sizeof(logbuf) - used, "%s\n", msg);
}

static struct lxconf C;

/* Parses text, clearing the log. */
static uint32_t parse(const char *text)
{
    logbuf[0] = '\0';
    return lxconf_parse(text, strlen(text), &C, log_fn, NULL);
}

static void test_conf(void **state)
{
    (void)state;
    assert_int_equal(parse("[service linux]\nbinary = bin/linux\n"
                           "[linux hello]  # a comment\nlinux = linux/hello\n"
                           "[linux args]\nlinux = linux/args\nargs = a  b\tc\nenv = A=1 B=2\n"),
                     2);
    assert_string_equal(C.progs[0].name, "hello");
    assert_string_equal(C.progs[0].path, "linux/hello");
    assert_string_equal(C.progs[0].args, "");
    assert_string_equal(C.progs[1].args, "a  b c");
    assert_string_equal(C.progs[1].env, "A=1 B=2");
    assert_int_equal(C.progs[0].pages, LXCONF_PAGES_DEFAULT);
    assert_int_equal(parse("[linux a]\nlinux = x\npages = 300\n"), 1);
    assert_int_equal(C.progs[0].pages, 300);
    assert_string_equal(C.progs[0].cwd, "/");
    assert_int_equal(C.progs[0].nports, 0);
    assert_false(C.progs[0].connect);
    assert_int_equal(parse("[linux a]\nlinux = x\ncwd = /disk0/./www//../site/\nports = 80  8080 65535\n"
                           "connect = yes\n"),
                     1);
    assert_true(C.progs[0].connect);
    assert_string_equal(C.progs[0].cwd, "/disk0/site");
    assert_int_equal(C.progs[0].nports, 3);
    assert_int_equal(C.progs[0].ports[0], 80);
    assert_int_equal(C.progs[0].ports[1], 8080);
    assert_int_equal(C.progs[0].ports[2], 65535);
    assert_int_equal(parse("[linux a]\nlinux = x\ncwd = /../..\nports = 1 2 3 4 5 6 7 8\n"), 1);
    assert_string_equal(C.progs[0].cwd, "/");
    assert_int_equal(C.progs[0].nports, 8);
    assert_string_equal(logbuf, "");
    char *words[4];
    char text[] = "  a  b c ";
    assert_int_equal(lxconf_words(text, words, 4), 3);
    assert_string_equal(words[2], "c");
    char many[] = "a b c d e";
    assert_int_equal(lxconf_words(many, words, 4), -1);
}

/* Every bad section is left out with a log line; the good ones around it stay. */
static void test_conf_refusals(void **state)
{
    (void)state;
    const char *bad[] = {
        "[linux]\nlinux = x\n",
        "[linux bad/name]\nlinux = x\n",
        "[linux a]\nargs = x\n",
        "[linux a]\nlinux = x\nlinux = y\n",
        "[linux a]\nlinux = x\ncolour = red\n",
        "[linux a]\nlinux =\n",
        "[linux a]\nlinux = x\njunk\n",
        "[linux a]\nlinux = x\nargs = \001\n",
        "[linux aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\nlinux = x\n",
        "[linux a]\nlinux = x\npages = 0\n",
        "[linux a]\nlinux = x\npages = 16777217\n",
        "[linux a]\nlinux = x\npages = 12k\n",
        "[linux a]\nlinux = x\npages = 1\npages = 2\n",
        "[linux a]\nlinux = x\ncwd = relative\n",
        "[linux a]\nlinux = x\ncwd =\n",
        "[linux a]\nlinux = x\ncwd = /a\ncwd = /b\n",
        "[linux a]\nlinux = x\nports =\n",
        "[linux a]\nlinux = x\nports = 0\n",
        "[linux a]\nlinux = x\nports = 65536\n",
        "[linux a]\nlinux = x\nports = 80 http\n",
        "[linux a]\nlinux = x\nports = 80 81 80\n",
        "[linux a]\nlinux = x\nports = 1 2 3 4 5 6 7 8 9\n",
        "[linux a]\nlinux = x\nconnect = maybe\n",
        "[linux a]\nlinux = x\nconnect =\n",
        "[linux a]\nlinux = x\nconnect = no\nconnect = yes\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text), "[linux ok1]\nlinux = p\n%s[linux ok2]\nlinux = q\n", bad[i]);
        assert_int_equal(parse(text), 2);
        assert_true(logbuf[0] != '\0');
    }
    char longline[600] = "[linux a]\nlinux = ";
    memset(longline + strlen(longline), 'x', 300);
    assert_int_equal(parse(longline), 0);
    assert_int_equal(parse("[linux a]\nlinux = x\n[linux a]\nlinux = y\n"), 1);
    assert_string_equal(C.progs[0].path, "x");
    char many[4096] = "";
    for (int i = 0; i < LXCONF_PROGS_MAX + 2; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "[linux p%d]\nlinux = x\n", i);
    assert_int_equal(parse(many), LXCONF_PROGS_MAX);
}

static void test_sysnames(void **state)
{
    (void)state;
    assert_string_equal(sysnames_name(0), "read");
    assert_string_equal(sysnames_name(60), "exit");
    assert_string_equal(sysnames_name(99), "sysinfo");
    assert_string_equal(sysnames_name(231), "exit_group");
    assert_string_equal(sysnames_name(334), "rseq");
    assert_string_equal(sysnames_name(335), "unknown");
    assert_string_equal(sysnames_name(435), "clone3");
    assert_string_equal(sysnames_name(450), "set_mempolicy_home_node");
    assert_string_equal(sysnames_name(451), "unknown");
    assert_string_equal(sysnames_name(UINT64_MAX), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vm_insert_and_pieces),
        cmocka_unit_test(test_vm_split),
        cmocka_unit_test(test_vm_full),
        cmocka_unit_test(test_conf),
        cmocka_unit_test(test_conf_refusals),
        cmocka_unit_test(test_sysnames),
    };
    return cmocka_run_group_tests_name("linux_vm", tests, NULL, NULL);
}
