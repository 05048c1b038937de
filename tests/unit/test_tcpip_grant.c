/* test_tcpip_grant.c: tcpip's checks of its clients' grants (servers/tcpip/access.c, libs/user/sessions.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "servers/tcpip/access.h"
#include <warp/msg.h>
#include <warp/sessions.h>

/* The grant init's notice text gives, parsed as tcpip's service helper parses it. */
static struct grant grant_of(const char *text)
{
    struct warp_msg m;
    struct grant g;
    msg_init(&m, GRANT_MSG, 0);
    msg_set_data(&m, text, strlen(text));
    assert_int_equal(grant_parse(&m, &g), 0);
    return g;
}

/* Fresh session table before every test. */
static int setup(void **state)
{
    (void)state;
    access_init();
    return 0;
}

/* Listening: only on the ports the client's manifest lists. */
static void test_listen_needs_the_port(void **state)
{
    (void)state;
    long err = 0;
    struct grant web = grant_of("client=http_server admin=no ports=80,8080");
    struct access_client *c = access_open(&web, &err);
    assert_non_null(c);
    assert_int_equal(access_listen(c, 80), 0);
    assert_int_equal(access_listen(c, 8080), 0);
    assert_int_equal(access_listen(c, 81), ERR_PERMISSION);
    assert_int_equal(access_listen(c, 0), ERR_PERMISSION);
    assert_int_equal(access_listen(c, 65535), ERR_PERMISSION);
    access_close(c);

    struct grant none = grant_of("client=adversary admin=no ports=");
    c = access_open(&none, &err);
    assert_non_null(c);
    assert_int_equal(access_listen(c, 80), ERR_PERMISSION);
    access_close(c);

    struct grant unknown; /* a client init sent no notice for: the helper's empty grant */
    memset(&unknown, 0, sizeof(unknown));
    c = access_open(&unknown, &err);
    assert_non_null(c);
    assert_int_equal(access_listen(c, 80), ERR_PERMISSION);
    assert_int_equal(access_setattr(c), ERR_PERMISSION);
    access_close(c);
}

/* SETATTR (the interface's address): only for admin = yes. */
static void test_setattr_needs_admin(void **state)
{
    (void)state;
    long err = 0;
    struct grant user = grant_of("client=http_server admin=no ports=80");
    struct grant admin = grant_of("client=netcfg admin=yes ports=");
    struct access_client *u = access_open(&user, &err), *a = access_open(&admin, &err);
    assert_non_null(u);
    assert_non_null(a);
    assert_int_equal(access_setattr(u), ERR_PERMISSION);
    assert_int_equal(access_setattr(a), 0);
    assert_int_equal(access_listen(a, 80), ERR_PERMISSION); /* admin is no port grant */
    access_close(u);
    access_close(a);
}

/* A client gets ACCESS_CTLS_PER_CLIENT control channels; the next is refused while others still get
 * theirs, and closing one makes room again. */
static void test_sessions_per_client(void **state)
{
    (void)state;
    long err = 0;
    struct access_client *mine[ACCESS_CTLS_PER_CLIENT];
    struct grant bad = grant_of("client=adversary admin=no ports=81");
    struct grant web = grant_of("client=http_server admin=no ports=80");
    for (unsigned i = 0; i < ACCESS_CTLS_PER_CLIENT; i++)
        assert_non_null(mine[i] = access_open(&bad, &err));
    for (unsigned i = 0; i < 100; i++) {
        err = 0;
        assert_null(access_open(&bad, &err));
        assert_int_equal(err, ERR_NO_RESOURCES);
    }
    struct access_client *w = access_open(&web, &err);
    assert_non_null(w);
    access_close(mine[3]);
    assert_non_null(mine[3] = access_open(&bad, &err));
    assert_null(access_open(&bad, &err));
    for (unsigned i = 0; i < ACCESS_CTLS_PER_CLIENT; i++)
        access_close(mine[i]);
    access_close(w);
}

/* All clients together get ACCESS_CTLS_MAX; clients without a grant count as one client. */
static void test_sessions_in_total(void **state)
{
    (void)state;
    long err = 0;
    struct access_client *held[ACCESS_CTLS_MAX];
    unsigned n = 0;
    char text[64];
    for (unsigned client = 0; n < ACCESS_CTLS_MAX; client++) {
        snprintf(text, sizeof(text), "client=c%u admin=no ports=", client);
        struct grant g = grant_of(text);
        for (unsigned i = 0; i < ACCESS_CTLS_PER_CLIENT && n < ACCESS_CTLS_MAX; i++)
            assert_non_null(held[n++] = access_open(&g, &err));
    }
    struct grant fresh = grant_of("client=http_server admin=no ports=80");
    err = 0;
    assert_null(access_open(&fresh, &err));
    assert_int_equal(err, ERR_NO_RESOURCES);
    access_close(held[0]);
    struct access_client *c = access_open(&fresh, &err);
    assert_non_null(c);
    access_close(c);
    for (unsigned i = 1; i < n; i++)
        access_close(held[i]);

    struct grant unknown;
    memset(&unknown, 0, sizeof(unknown));
    for (unsigned i = 0; i < ACCESS_CTLS_PER_CLIENT; i++)
        held[i] = access_open(&unknown, &err);
    assert_null(access_open(&unknown, &err));
    for (unsigned i = 0; i < ACCESS_CTLS_PER_CLIENT; i++)
        access_close(held[i]);
}

/* Listeners: ACCESS_LISTENERS_PER_CLIENT per client (whatever its control channels), counted back. */
static void test_listeners_per_client(void **state)
{
    (void)state;
    long err = 0;
    struct grant web = grant_of("client=http_server admin=no ports=80");
    struct access_client *a = access_open(&web, &err), *b = access_open(&web, &err);
    long slots[ACCESS_LISTENERS_PER_CLIENT];
    for (unsigned i = 0; i < ACCESS_LISTENERS_PER_CLIENT; i++)
        assert_true((slots[i] = access_listener_take(i % 2 ? a : b)) >= 0);
    assert_int_equal(access_listener_take(a), ERR_NO_RESOURCES);
    assert_int_equal(access_listener_take(b), ERR_NO_RESOURCES);
    access_close(a); /* listeners outlive their control channel: still counted */
    assert_int_equal(access_listener_take(b), ERR_NO_RESOURCES);
    access_listener_put(slots[0]);
    long again = access_listener_take(b);
    assert_true(again >= 0);
    access_listener_put(again);
    access_listener_put(-1); /* a failed take's slot: ignored */
    for (unsigned i = 1; i < ACCESS_LISTENERS_PER_CLIENT; i++)
        access_listener_put(slots[i]);
    access_close(b);
}

/* The counting underneath: slots, counts back to zero, bad slots ignored, more clients than slots. */
static void test_sessions_table(void **state)
{
    (void)state;
    struct sessions s;
    sessions_init(&s, 1000, 2);
    long a = sessions_take(&s, "a"), a2 = sessions_take(&s, "a");
    assert_true(a >= 0);
    assert_int_equal(a, a2);
    assert_int_equal(sessions_take(&s, "a"), ERR_NO_RESOURCES);
    assert_int_equal(sessions_of(&s, "a"), 2);
    sessions_put(&s, -1);
    sessions_put(&s, SESSIONS_CLIENTS_MAX);
    assert_int_equal(s.total, 2);
    sessions_put(&s, a);
    sessions_put(&s, a);
    sessions_put(&s, a); /* already at zero: ignored */
    assert_int_equal(s.total, 0);
    assert_int_equal(sessions_of(&s, "a"), 0);
    char name[8];
    for (unsigned i = 0; i < SESSIONS_CLIENTS_MAX; i++) {
        snprintf(name, sizeof(name), "n%u", i);
        assert_true(sessions_take(&s, name) >= 0);
    }
    assert_int_equal(sessions_take(&s, "one-more"), ERR_NO_RESOURCES);
    assert_true(sessions_take(&s, "n5") >= 0); /* a known client still counts */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_listen_needs_the_port, setup),
        cmocka_unit_test_setup(test_setattr_needs_admin, setup),
        cmocka_unit_test_setup(test_sessions_per_client, setup),
        cmocka_unit_test_setup(test_sessions_in_total, setup),
        cmocka_unit_test_setup(test_listeners_per_client, setup),
        cmocka_unit_test_setup(test_sessions_table, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
