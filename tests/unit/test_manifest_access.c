/* test_manifest_access.c: unit tests for the manifest's access keys (servers/init/manifest_access.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "servers/init/manifest.h"

static char logbuf[8192];
static unsigned nlogs;
static struct manifest M;

/* Collects the parser's diagnostics. */
static void log_fn(void *ctx, const char *msg)
{
    assert_ptr_equal(ctx, &nlogs);
    size_t used = strlen(logbuf);
    snprintf(logbuf + used, sizeof(logbuf) - used, "%s\n", msg);
    nlogs++;
}

/* Parses text, clearing the log first; returns the service count. */
static unsigned parse(const char *text)
{
    logbuf[0] = '\0';
    nlogs = 0;
    return manifest_parse(text, strlen(text), &M, log_fn, &nlogs);
}

/* The kept service named name (fails the test if there is none). */
static const struct manifest_service *svc(const char *name)
{
    for (unsigned i = 0; i < M.count; i++)
        if (strcmp(M.services[i].name, name) == 0)
            return &M.services[i];
    fail_msg("no service %s", name);
    return NULL;
}

/* Every key, a forward reference in uses included, and the defaults: nothing allowed. */
static void test_access_keys_and_defaults(void **state)
{
    (void)state;
    assert_int_equal(parse("[service web]\n"
                           "binary = bin/web\n"
                           "uses = net  db\t# later sections are fine\n"
                           "ports = 80 8080 65535 1\n"
                           "admin = yes\n"
                           "connect = yes\n"
                           "[service net]\nbinary = bin/net\n"
                           "[service db]\nbinary = bin/db\nadmin = no\n"),
                     3);
    assert_int_equal(nlogs, 0);
    const struct manifest_service *web = svc("web");
    assert_int_equal(web->access.nuses, 2);
    assert_string_equal(web->access.uses[0], "net");
    assert_string_equal(web->access.uses[1], "db");
    assert_true(manifest_access_uses(&web->access, "net"));
    assert_true(manifest_access_uses(&web->access, "db"));
    assert_false(manifest_access_uses(&web->access, "web"));
    assert_false(manifest_access_uses(&web->access, "ne"));
    assert_int_equal(web->access.nports, 4);
    assert_int_equal(web->access.ports[0], 80);
    assert_int_equal(web->access.ports[1], 8080);
    assert_int_equal(web->access.ports[2], 65535);
    assert_int_equal(web->access.ports[3], 1);
    assert_true(web->access.admin);
    assert_true(web->access.connect);
    const struct manifest_service *net = svc("net");
    assert_int_equal(net->access.nuses, 0);
    assert_int_equal(net->access.nports, 0);
    assert_false(net->access.admin);
    assert_false(net->access.connect);
    assert_false(manifest_access_uses(&net->access, "web"));
    assert_false(svc("db")->access.admin);
}

/* Each bad value skips its service with the line number; the others stay. */
static void test_access_bad_values(void **state)
{
    (void)state;
    assert_int_equal(parse("[service ok]\nbinary = bin/ok\n"          /* lines 1-2 */
                           "[service a]\nbinary = bin/a\nports = 0\n" /* 5 */
                           "[service b]\nbinary = bin/b\nports = 65536\n"
                           "[service c]\nbinary = bin/c\nports = 080\n"
                           "[service d]\nbinary = bin/d\nports = 80 x\n"
                           "[service e]\nbinary = bin/e\nports = 80 81 80\n"
                           "[service f]\nbinary = bin/f\nports = 1 2 3 4 5 6 7 8 9\n"
                           "[service g]\nbinary = bin/g\nadmin = maybe\n"
                           "[service h]\nbinary = bin/h\nuses = ok ok\n"
                           "[service i]\nbinary = bin/i\nconnect = any\n"),
                     1);
    assert_string_equal(M.services[0].name, "ok");
    assert_int_equal(nlogs, 9);
    assert_true(strstr(logbuf, "line 5: ports: '0' is not a port from 1 to 65535; service a skipped"));
    assert_true(strstr(logbuf, "line 8: ports: '65536' is not a port"));
    assert_true(strstr(logbuf, "line 11: ports: '080' is not a port"));
    assert_true(strstr(logbuf, "line 14: ports: 'x' is not a port"));
    assert_true(strstr(logbuf, "line 17: ports: 80 listed twice; service e skipped"));
    assert_true(strstr(logbuf, "line 20: ports lists more than 8 ports; service f skipped"));
    assert_true(strstr(logbuf, "line 23: admin = 'maybe' is not yes or no; service g skipped"));
    assert_true(strstr(logbuf, "line 26: uses: 'ok' listed twice; service h skipped"));
    assert_true(strstr(logbuf, "line 29: connect = 'any' is not yes or no; service i skipped"));
}

/* A key given twice or empty is refused like any other key. */
static void test_access_duplicate_and_empty_keys(void **state)
{
    (void)state;
    assert_int_equal(parse("[service a]\nbinary = bin/a\nuses = b\nuses = b\n"
                           "[service b]\nbinary = bin/b\nports = 1\nports = 2\n"
                           "[service c]\nbinary = bin/c\nadmin = no\nadmin = no\n"
                           "[service d]\nbinary = bin/d\nuses =\n"),
                     0);
    assert_true(strstr(logbuf, "line 4: key 'uses' given twice; service a skipped"));
    assert_true(strstr(logbuf, "line 8: key 'ports' given twice; service b skipped"));
    assert_true(strstr(logbuf, "line 12: key 'admin' given twice; service c skipped"));
    assert_true(strstr(logbuf, "line 15: key 'uses' has no value; service d skipped"));
}

/* uses naming a service that is not kept (unknown, skipped, too long a name) drops the user, at its
 * uses line, and a drop that leaves another's uses dangling drops that one too. */
static void test_access_unknown_uses(void **state)
{
    (void)state;
    assert_int_equal(parse("[service a]\nbinary = bin/a\nuses = nosuch\n" /* line 3 */
                           "[service b]\nbinary = bin/b\nuses = broken\n" /* line 6 */
                           "[service broken]\nrestart = sometimes\n"      /* skipped */
                           "[service c]\nbinary = bin/c\nuses = b\n"      /* line 11: b dropped */
                           "[service d]\nbinary = bin/d\n"
                           "uses = "
                           "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\n" /* 14: too long */
                           "[service e]\nbinary = bin/e\nuses = d e\n"),
                     0);
    assert_int_equal(nlogs, 6);
    assert_true(strstr(logbuf, "line 3: uses names unknown service 'nosuch'; service a skipped"));
    assert_true(strstr(logbuf, "line 6: uses names unknown service 'broken'; service b skipped"));
    assert_true(strstr(logbuf, "line 11: uses names unknown service 'b'; service c skipped"));
    assert_true(
        strstr(logbuf, "line 14: uses: 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn' is longer than a service"));
    assert_true(strstr(logbuf, "line 17: uses names unknown service 'd'; service e skipped"));
}

/* The manifests the tree ships keep every service, with the access the system needs. */
static void test_access_as_shipped(void **state)
{
    (void)state;
    assert_int_equal(parse("[service ethernet]\nbinary = bin/virtio_net\n"
                           "[service tcpip]\nbinary = bin/tcpip\nuses = ethernet\n"
                           "[service http_server]\nbinary = bin/http_server\nuses = tcpip\nports = 80\n"),
                     3);
    assert_int_equal(nlogs, 0);
    assert_true(manifest_access_uses(&svc("tcpip")->access, "ethernet"));
    assert_false(manifest_access_uses(&svc("http_server")->access, "ethernet"));
    assert_int_equal(svc("http_server")->access.ports[0], 80);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_access_keys_and_defaults),
        cmocka_unit_test(test_access_bad_values),
        cmocka_unit_test(test_access_duplicate_and_empty_keys),
        cmocka_unit_test(test_access_unknown_uses),
        cmocka_unit_test(test_access_as_shipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
