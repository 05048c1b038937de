/* test_manifest.c: unit tests for init's manifest parser (servers/init/manifest.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "servers/init/instances.h"
#include "servers/init/manifest.h"
#include "servers/init/manifest_limits.h"

/* Diagnostics the parser logged, one per line. */
static char logbuf[8192];
static unsigned nlogs;

static void log_fn(void *ctx, const char *msg)
{
    assert_ptr_equal(ctx, &nlogs);
    size_t used = strlen(logbuf);
    snprintf(logbuf + used, sizeof(logbuf) - used, "%s\n", msg);
    nlogs++;
}

static struct manifest M;

/* Parses text (a C string), clearing the log first; returns the service count. */
static unsigned parse(const char *text)
{
    logbuf[0] = '\0';
    nlogs = 0;
    return manifest_parse(text, strlen(text), &M, log_fn, &nlogs);
}

/* True if the log holds s. */
static bool logged(const char *s)
{
    return strstr(logbuf, s) != NULL;
}

/* A full section with every key, and the defaults of a minimal one. */
static void test_keys_and_defaults(void **state)
{
    (void)state;
    assert_int_equal(parse("# comment\n"
                           "; another\n"
                           "[service tests]\n"
                           "binary = bin/tests   # trailing comment\n"
                           "initfs = yes\n"
                           "on_exit = shutdown\n"
                           "restart = never\n"
                           "essential = yes\n"
                           "weight = 100\n"
                           "\n"
                           "[service pong]\n"
                           "binary=bin/pong\n"),
                     2);
    assert_int_equal(nlogs, 0);
    assert_string_equal(M.services[0].name, "tests");
    assert_string_equal(M.services[0].binary, "bin/tests");
    assert_true(M.services[0].share_initfs);
    assert_int_equal(M.services[0].on_exit, MANIFEST_ON_EXIT_SHUTDOWN);
    assert_int_equal(M.services[0].restart, MANIFEST_RESTART_NEVER);
    assert_true(M.services[0].essential);
    assert_int_equal(M.services[0].weight, 100);
    assert_string_equal(M.services[1].name, "pong");
    assert_string_equal(M.services[1].binary, "bin/pong");
    assert_false(M.services[1].share_initfs);
    assert_int_equal(M.services[1].on_exit, MANIFEST_ON_EXIT_IGNORE);
    assert_int_equal(M.services[1].restart, MANIFEST_RESTART_NEVER);
    assert_false(M.services[1].essential);
    assert_int_equal(M.services[1].weight, 1);
}

/* The three restart policies parse; anything else skips the service. */
static void test_restart_policies(void **state)
{
    (void)state;
    assert_int_equal(parse("[service a]\nbinary = bin/a\nrestart = never\n"
                           "[service b]\nbinary = bin/b\nrestart = on-failure\n"
                           "[service c]\nbinary = bin/c\nrestart = always\n"
                           "[service d]\nbinary = bin/d\nrestart = sometimes\n"
                           "[service e]\nbinary = bin/e\nrestart = On-Failure\n"),
                     3);
    assert_int_equal(M.services[0].restart, MANIFEST_RESTART_NEVER);
    assert_int_equal(M.services[1].restart, MANIFEST_RESTART_ON_FAILURE);
    assert_int_equal(M.services[2].restart, MANIFEST_RESTART_ALWAYS);
    assert_int_equal(nlogs, 2);
    assert_true(logged("line 12: restart = 'sometimes' is not never, on-failure or always; "
                       "service d skipped"));
    assert_true(logged("line 15: restart = 'On-Failure'"));
}

/* Broken services are skipped with their line; the good ones around them are kept. */
static void test_errors_skip_one_service(void **state)
{
    (void)state;
    assert_int_equal(parse("[service ok1]\nbinary = bin/ok1\n"
                           "[service b]\nbinary = bin/b\ncolour = red\n"     /* line 5 */
                           "[service c]\nbinary = bin/c\nbinary = bin/c2\n"  /* line 8 */
                           "[service d]\ninitfs = yes\n"                     /* no binary */
                           "[service e]\nbinary = bin/e\ninitfs = maybe\n"   /* line 13 */
                           "[service f]\nbinary = bin/f\non_exit = reboot\n" /* line 16 */
                           "[service g]\nbinary = bin/g\njunk\n"             /* line 19 */
                           "[service ok1]\nbinary = bin/dup\n"               /* line 20 */
                           "[service h]\nbinary = bin/h x\n"                 /* line 23 */
                           "[service i]\nbinary =\n"                         /* line 25 */
                           "[service j]\nbinary = bin/j\nessential = 1\n"    /* line 28 */
                           "[service k]\nbinary = bin/k\nweight = 101\n"     /* line 31 */
                           "[service l]\nbinary = bin/l\nweight = 07\n"      /* line 34 */
                           "[service ok2]\nbinary = bin/ok2\n"),
                     2);
    assert_string_equal(M.services[0].name, "ok1");
    assert_string_equal(M.services[0].binary, "bin/ok1");
    assert_string_equal(M.services[1].name, "ok2");
    assert_true(logged("line 5: unknown key 'colour'; service b skipped"));
    assert_true(logged("line 8: key 'binary' given twice; service c skipped"));
    assert_true(logged("line 9: service d has no binary; skipped"));
    assert_true(logged("line 13: initfs = 'maybe' is not yes or no; service e skipped"));
    assert_true(logged("line 16: on_exit = 'reboot' is not ignore or shutdown; service f skipped"));
    assert_true(logged("line 19: expected 'key = value' or '[service name]'; service g skipped"));
    assert_true(logged("line 20: service ok1 defined twice; the second one skipped"));
    assert_true(logged("line 23: binary path 'bin/h x' contains a blank; service h skipped"));
    assert_true(logged("line 25: key 'binary' has no value; service i skipped"));
    assert_true(logged("line 28: essential = '1' is not yes or no; service j skipped"));
    assert_true(logged("line 31: weight = '101' is not a number from 1 to 100; service k skipped"));
    assert_true(logged("line 34: weight = '07' is not a number from 1 to 100"));
}

/* Section headers: unknown kinds and bad names are ignored with their keys. */
static void test_sections(void **state)
{
    (void)state;
    assert_int_equal(parse("binary = bin/x\n"
                           "[device nic]\nbinary = bin/y\n"
                           "[service]\nbinary = bin/z\n"
                           "[service a/b]\nbinary = bin/z\n"
                           "[service 0123456789012345678901234567890123]\nbinary = bin/z\n"
                           "[service x\n"
                           "[ service  spaced ]\nbinary = bin/s\n"),
                     1);
    assert_string_equal(M.services[0].name, "spaced");
    assert_true(logged("line 1: 'binary' outside any [service] section; ignored"));
    assert_true(logged("line 2: unknown section kind 'device'; its keys are ignored"));
    assert_true(logged("line 4: bad service name ''"));
    assert_true(logged("line 6: bad service name 'a/b'"));
    assert_true(logged("line 8: bad service name"));
    assert_true(logged("line 10: malformed section header"));
}

/* [linux NAME] sections are the linux server's, [fs NAME] the fs server's: skipped without a word,
 * their keys (blanks in values and all) never taken for a service's. */
static void test_linux_sections(void **state)
{
    (void)state;
    assert_int_equal(parse("[service linux]\nbinary = bin/linux\n"
                           "[linux hello]\nlinux = linux/hello\nargs = a b c\nbinary = bin/nope\n"
                           "[fs data]\npg = 10.0.2.2\npassword = secret\nbinary = bin/nope\n"
                           "[service after]\nbinary = bin/after\n"),
                     2);
    assert_string_equal(M.services[0].binary, "bin/linux");
    assert_string_equal(M.services[1].name, "after");
    assert_int_equal(nlogs, 0);
}

/* [http upload] is http_server's (its bearer token too): skipped without a word, so init never
 * prints the token, and its keys are never taken for a service's. */
static void test_http_sections(void **state)
{
    (void)state;
    assert_int_equal(
        parse("[service http_server]\nbinary = bin/http_server\n"
              "[http upload]\nprefix = /uploads/\ntoken = s3cret-s3cret-s3cret\nbinary = bin/nope\n"
              "colour = blue\n[service after]\nbinary = bin/after\n"),
        2);
    assert_string_equal(M.services[0].binary, "bin/http_server");
    assert_string_equal(M.services[1].name, "after");
    assert_int_equal(nlogs, 0);
}

/* Lines: CRLF endings, tabs, a missing final newline, control characters, overlong lines. */
static void test_lines(void **state)
{
    (void)state;
    assert_int_equal(parse("[service a]\r\n\tbinary\t=\tbin/a\r\n[service b]\nbinary = bin/b"), 2);
    assert_string_equal(M.services[0].binary, "bin/a");
    assert_string_equal(M.services[1].binary, "bin/b");

    char text[1024];
    snprintf(text, sizeof(text),
             "[service a]\nbinary = bin/a\x01\n[service b]\nbinary = bin/%0300d\n"
             "[service c]\nbinary = bin/c\n",
             0);
    assert_int_equal(parse(text), 1);
    assert_string_equal(M.services[0].name, "c");
    assert_true(logged("line 2: line too long or holds a control character; service a skipped"));
    assert_true(logged("line 4: line too long or holds a control character; service b skipped"));
}

/* A path of MANIFEST_PATH_MAX - 1 bytes fits; one more does not. */
static void test_binary_length(void **state)
{
    (void)state;
    char path[MANIFEST_PATH_MAX + 1], text[512];
    memset(path, 'p', sizeof(path));
    path[MANIFEST_PATH_MAX - 1] = '\0';
    snprintf(text, sizeof(text), "[service a]\nbinary = %s\n", path);
    assert_int_equal(parse(text), 1);
    assert_int_equal(strlen(M.services[0].binary), MANIFEST_PATH_MAX - 1);
    path[MANIFEST_PATH_MAX - 1] = 'p';
    path[MANIFEST_PATH_MAX] = '\0';
    snprintf(text, sizeof(text), "[service a]\nbinary = %s\n", path);
    assert_int_equal(parse(text), 0);
    assert_true(logged("binary path longer than 99 bytes"));
}

/* At most MANIFEST_MAX_SERVICES services; an empty text gives none; no log function is fine. */
static void test_limits(void **state)
{
    (void)state;
    char text[4096] = "";
    for (int i = 0; i < MANIFEST_MAX_SERVICES + 1; i++) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof(text) - n, "[service s%d]\nbinary = bin/s\n", i);
    }
    assert_int_equal(parse(text), MANIFEST_MAX_SERVICES);
    assert_true(logged("more than 16 services; s16 skipped"));
    assert_int_equal(parse(""), 0);
    assert_int_equal(manifest_parse("[service a]\ncolour = x\n", 24, &M, NULL, NULL), 0);
    /* Not NUL-terminated: only len bytes are read. */
    assert_int_equal(manifest_parse("[service a]\nbinary = bin/aXXXX", 26, &M, NULL, NULL), 1);
    assert_string_equal(M.services[0].binary, "bin/a");
}

/* devices = lists up to eight alternatives, each with an optional =binary; a malformed id or
 * binary, or a ninth one, skips the service. */
static void test_devices(void **state)
{
    (void)state;
    assert_int_equal(parse("[service net]\n"
                           "binary = bin/virtio_net\n"
                           "devices = pci:1af4:1000  pci:1AF4:1041 pci-class:020000=bin/other\n"
                           "[service plain]\n"
                           "binary = bin/hello\n"),
                     2);
    assert_int_equal(nlogs, 0);
    assert_int_equal(M.services[0].ndevices, 3);
    assert_string_equal(M.services[0].device_binary[0], "");
    assert_string_equal(M.services[0].device_binary[1], "");
    assert_string_equal(M.services[0].device_binary[2], "bin/other");
    assert_int_equal(M.services[0].devices[0].vendor, 0x1af4);
    assert_int_equal(M.services[0].devices[0].device, 0x1000);
    assert_int_equal(M.services[0].devices[0].class_code, PCI_ANY_CLASS);
    assert_int_equal(M.services[0].devices[1].device, 0x1041);
    assert_int_equal(M.services[0].devices[2].vendor, PCI_ANY_ID);
    assert_int_equal(M.services[0].devices[2].class_code, 0x020000);
    assert_int_equal(M.services[1].ndevices, 0);

    const char *bad[] = {"pci:1af4",
                         "pci:1af4:10000",
                         "pci:xyz4:1000",
                         "usb:1234:5678",
                         "pci-class:02000",
                         "pci-class:02000g",
                         "pci:1af4:1000=",
                         "pci:1af4=bin/a",
                         "pci:1:1 pci:1:2 pci:1:3 pci:1:4 pci:1:5",
                         "pci:0001:0001 pci:0001:0002 pci:0001:0003 pci:0001:0004 pci:0001:0005 "
                         "pci:0001:0006 pci:0001:0007 pci:0001:0008 pci:0001:0009"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), "[service x]\nbinary = bin/x\ndevices = %s\n", bad[i]);
        assert_int_equal(parse(text), 0);
        assert_int_equal(nlogs, 1);
    }
}

/* arg = a decimal number handed to main; anything else skips the service. */
static void test_arg(void **state)
{
    (void)state;
    assert_int_equal(parse("[service a]\nbinary = bin/a\narg = 64\n[service b]\nbinary = bin/b\n"), 2);
    assert_int_equal(nlogs, 0);
    assert_int_equal(M.services[0].arg, 64);
    assert_int_equal(M.services[1].arg, 0);
    const char *bad[] = {"-1", "x", "2147483648", "1 2", "0x10"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[128];
        snprintf(text, sizeof(text), "[service x]\nbinary = bin/x\narg = %s\n", bad[i]);
        assert_int_equal(parse(text), 0);
        assert_int_equal(nlogs, 1);
    }
}

/* Service names: the characters and lengths manifest_valid_name accepts. */
static void test_valid_name(void **state)
{
    (void)state;
    assert_true(manifest_valid_name("pong"));
    assert_true(manifest_valid_name("virtio_net-0.1"));
    assert_true(manifest_valid_name("0123456789012345678901234567890"));   /* 31 */
    assert_false(manifest_valid_name("01234567890123456789012345678901")); /* 32 */
    assert_false(manifest_valid_name(""));
    assert_false(manifest_valid_name("a/b"));
    assert_false(manifest_valid_name("a b"));
    assert_false(manifest_valid_name("caf\xc3\xa9"));
}

/* The quota keys: defaults, every key set, and bad values refused with their line. */
static void test_quota_keys(void **state)
{
    (void)state;
    assert_int_equal(parse("[service a]\nbinary = bin/a\n"
                           "[service b]\nbinary = bin/b\npages = 300\nhandles = 40\nchannels = 7\n"
                           "timers = 3\nmessages = 90\nchildren = 2\n"),
                     2);
    assert_int_equal(nlogs, 0);
    assert_int_equal(M.services[0].limits[LIMIT_PAGES], MANIFEST_DEFAULT_PAGES);
    assert_int_equal(M.services[0].limits[LIMIT_HANDLES], MANIFEST_DEFAULT_HANDLES);
    assert_int_equal(M.services[0].limits[LIMIT_CHANNELS], MANIFEST_DEFAULT_CHANNELS);
    assert_int_equal(M.services[0].limits[LIMIT_TIMERS], MANIFEST_DEFAULT_TIMERS);
    assert_int_equal(M.services[0].limits[LIMIT_MESSAGES], MANIFEST_DEFAULT_MESSAGES);
    assert_int_equal(M.services[0].limits[LIMIT_CHILDREN], MANIFEST_DEFAULT_CHILDREN);
    const uint64_t want[LIMIT_COUNT] = {300, 40, 7, 3, 90, 2};
    assert_memory_equal(M.services[1].limits, want, sizeof(want));

    assert_int_equal(parse("[service a]\nbinary = bin/a\npages = 0\n"
                           "[service b]\nbinary = bin/b\nhandles = 4096\n"
                           "[service c]\nbinary = bin/c\ntimers = -1\n"
                           "[service d]\nbinary = bin/d\nchildren = 2x\n"
                           "[service e]\nbinary = bin/e\nmessages = 5\nmessages = 6\n"
                           "[service f]\nbinary = bin/f\nchannels = 99999999\n"
                           "[service g]\nbinary = bin/g\nchildren = 1\n"),
                     1);
    assert_string_equal(M.services[0].name, "g");
    assert_true(logged("line 3: pages = '0' is not a number from 64 to 1048576"));
    assert_true(logged("line 6: handles = '4096' is not a number from 8 to 4095"));
    assert_true(logged("line 9: timers = '-1'"));
    assert_true(logged("line 12: children = '2x'"));
    assert_true(logged("line 16: key 'messages' given twice"));
    assert_true(logged("line 19: channels = '99999999'"));
}

/* per_device: yes or no; it needs devices, leaves arg to init, and its name room for ":N". */
static void test_per_device_keys(void **state)
{
    (void)state;
    assert_int_equal(
        parse("[service block]\nbinary = bin/virtio_blk\ndevices = pci:1af4:1001\nper_device = yes\n"
              "[service plain]\nbinary = bin/x\nper_device = no\n"),
        2);
    assert_int_equal(nlogs, 0);
    assert_true(M.services[0].per_device);
    assert_false(M.services[1].per_device);
    assert_int_equal(
        parse("[service a]\nbinary = bin/a\nper_device = yes\n"
              "[service b]\nbinary = bin/b\ndevices = pci:1af4:1001\nper_device = yes\narg = 3\n"
              "[service c]\nbinary = bin/c\nper_device = maybe\n"
              "[service abcdefghijklmnopqrstuvwxyz01234]\nbinary = bin/d\ndevices = pci:1af4:1001\n"
              "per_device = yes\n"),
        0);
    assert_true(logged("service a: per_device without devices; skipped"));
    assert_true(logged("service b: per_device gives each instance its number as arg; skipped"));
    assert_true(logged("per_device = 'maybe' is not yes or no"));
    assert_true(logged("name too long for its instances' NAME:N; skipped"));
}

/* The fake machine of the instances tests: how many functions match each device id. */
static unsigned fake_count(void *ctx, const struct device_match *id)
{
    const unsigned *counts = ctx; /* by device id: 0x1001, 0x1042, anything else (a class) */
    assert_int_equal(id->index, 0);
    if (id->device == 0x1001)
        return counts[0];
    return id->device == 0x1042 ? counts[1] : counts[2];
}

static const char BLOCK_MANIFEST[] = "[service before]\nbinary = bin/b\n"
                                     "[service block]\nbinary = bin/virtio_blk\nper_device = yes\n"
                                     "devices = pci:1af4:1001 pci:1af4:1042 pci-class:010802=bin/nvme\n"
                                     "[service after]\nbinary = bin/a\nuses = block\n";

/* Instances in the order of the ids, then of the functions: each its own id and index, binary and
 * number; the other services keep their order around them. */
static void test_instances(void **state)
{
    (void)state;
    unsigned counts[3] = {2, 0, 1};
    assert_int_equal(parse(BLOCK_MANIFEST), 3);
    assert_int_equal(manifest_instances(&M, fake_count, counts, log_fn, &nlogs), 5);
    assert_int_equal(nlogs, 0);
    const char *names[5] = {"before", "block:0", "block:1", "block:2", "after"};
    for (unsigned i = 0; i < 5; i++)
        assert_string_equal(M.services[i].name, names[i]);
    for (unsigned i = 1; i <= 3; i++) {
        const struct manifest_service *b = &M.services[i];
        assert_int_equal(b->ndevices, 1);
        assert_false(b->per_device);
        assert_int_equal(b->arg, i - 1);
        assert_string_equal(b->binary, "bin/virtio_blk");
    }
    assert_int_equal(M.services[1].devices[0].device, 0x1001);
    assert_int_equal(M.services[1].devices[0].index, 0);
    assert_int_equal(M.services[2].devices[0].device, 0x1001);
    assert_int_equal(M.services[2].devices[0].index, 1);
    assert_string_equal(M.services[2].device_binary[0], "");
    assert_int_equal(M.services[3].devices[0].class_code, 0x010802);
    assert_int_equal(M.services[3].devices[0].index, 0);
    assert_string_equal(M.services[3].device_binary[0], "bin/nvme");
    assert_true(manifest_access_may_open(&M.services[4].access, "block:2"));
}

/* No device: the service stays as written (init reports it absent); too many: the first
 * MANIFEST_INSTANCES_MAX are served and the rest logged. */
static void test_instances_none_and_too_many(void **state)
{
    (void)state;
    unsigned none[3] = {0, 0, 0}, many[3] = {5, 5, 0};
    assert_int_equal(parse(BLOCK_MANIFEST), 3);
    assert_int_equal(manifest_instances(&M, fake_count, none, log_fn, &nlogs), 3);
    assert_string_equal(M.services[1].name, "block");
    assert_true(M.services[1].per_device);
    assert_int_equal(parse(BLOCK_MANIFEST), 3);
    assert_int_equal(manifest_instances(&M, fake_count, many, log_fn, &nlogs), 2 + MANIFEST_INSTANCES_MAX);
    assert_string_equal(M.services[MANIFEST_INSTANCES_MAX].name, "block:7");
    assert_int_equal(M.services[MANIFEST_INSTANCES_MAX].devices[0].device, 0x1042);
    assert_int_equal(M.services[MANIFEST_INSTANCES_MAX].devices[0].index, 2);
    assert_string_equal(M.services[MANIFEST_INSTANCES_MAX + 1].name, "after");
    assert_true(logged("block: 2 more device(s) than instances init can run; not served"));
}

/* A full table: instances past MANIFEST_MAX_SERVICES are not served, and logged. */
static void test_instances_table_full(void **state)
{
    (void)state;
    char text[4096] = "";
    for (unsigned i = 0; i < MANIFEST_MAX_SERVICES - 2; i++) {
        size_t used = strlen(text);
        snprintf(text + used, sizeof(text) - used, "[service s%u]\nbinary = bin/s\n", i);
    }
    strcat(text, "[service block]\nbinary = bin/virtio_blk\nper_device = yes\ndevices = pci:1af4:1001\n");
    unsigned counts[3] = {4, 0, 0};
    assert_int_equal(parse(text), MANIFEST_MAX_SERVICES - 1);
    assert_int_equal(manifest_instances(&M, fake_count, counts, log_fn, &nlogs), MANIFEST_MAX_SERVICES);
    assert_string_equal(M.services[MANIFEST_MAX_SERVICES - 1].name, "block:1");
    assert_true(logged("block: 2 more device(s) than instances init can run; not served"));
}

/* uses = NAME opens NAME and NAME:N (one digit), nothing else. */
static void test_may_open_instances(void **state)
{
    (void)state;
    assert_int_equal(parse("[service block]\nbinary = bin/b\n[service fs]\nbinary = bin/fs\nuses = block\n"),
                     2);
    const struct manifest_access *a = &M.services[1].access;
    assert_true(manifest_access_may_open(a, "block"));
    assert_true(manifest_access_may_open(a, "block:0"));
    assert_true(manifest_access_may_open(a, "block:9"));
    assert_false(manifest_access_may_open(a, "block:10"));
    assert_false(manifest_access_may_open(a, "block:"));
    assert_false(manifest_access_may_open(a, "block:x"));
    assert_false(manifest_access_may_open(a, "blockx"));
    assert_false(manifest_access_may_open(a, "bloc"));
    assert_false(manifest_access_may_open(a, "fs"));
}

/* Runs the tests in this file. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_and_defaults),
        cmocka_unit_test(test_restart_policies),
        cmocka_unit_test(test_errors_skip_one_service),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_linux_sections),
        cmocka_unit_test(test_http_sections),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_binary_length),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_quota_keys),
        cmocka_unit_test(test_valid_name),
        cmocka_unit_test(test_devices),
        cmocka_unit_test(test_arg),
        cmocka_unit_test(test_per_device_keys),
        cmocka_unit_test(test_instances),
        cmocka_unit_test(test_instances_none_and_too_many),
        cmocka_unit_test(test_instances_table_full),
        cmocka_unit_test(test_may_open_instances),
    };
    return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
