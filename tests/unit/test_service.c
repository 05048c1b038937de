/* test_service.c: the service helper (libs/user/service.c): registration, hand-over, refusals, replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <warp/msg.h>
#include <warp/service.h>

#include "fake_loop_ops.h"

static struct loop L;
static jmp_buf exit_jmp;   /* where warp_exit returns to */
static int exit_code = -1; /* what it was called with; -1: not called */
static handle_t connected[8];
static unsigned nconnected;
static void *connect_ctx;
static struct grant grants[8]; /* service_grant() as on_connect saw it */
static long refuse_with;       /* on_connect refuses the channel with this error when not 0 */

/* The runtime's warp_exit, for service.c: records the code and unwinds to the test. */
_Noreturn void warp_exit(int code)
{
    exit_code = code;
    longjmp(exit_jmp, 1);
}

/* on_connect: records the channel it was given. */
static void on_connect(struct loop *l, handle_t ch, void *ctx)
{
    (void)l;
    assert_true(nconnected < 8);
    grants[nconnected] = *service_grant();
    connected[nconnected++] = ch;
    connect_ctx = ctx;
    if (refuse_with)
        service_refuse(l, ch, refuse_with);
}

/* Queues a message on handle h: type, flags, call id, text data and handles. */
static struct warp_msg *push(uint32_t ev_type, handle_t h, uint32_t type, uint32_t flags, uint64_t call_id,
                             const char *data, unsigned nhandles, handle_t first)
{
    assert_true(fake.nevents < FAKE_EVENTS);
    struct warp_event *ev = &fake.events[fake.nevents++];
    memset(ev, 0, sizeof(*ev));
    ev->type = ev_type;
    ev->handle = h;
    ev->cookie = fake.cookie[h];
    struct warp_msg *m = &ev->u.msg;
    m->type = type;
    m->flags = flags;
    m->call_id = call_id;
    if (data)
        assert_int_equal(msg_set_data(m, data, strlen(data)), 0);
    for (unsigned i = 0; i < nhandles; i++)
        m->handles[i] = first + (handle_t)i;
    m->nhandles = nhandles;
    return m;
}

/* Runs the loop over the scripted events; returns warp_exit's code, or -1 if it was not called. */
static int drain(void)
{
    exit_code = -1;
    fake.wait_err_when_empty = ERR_BAD_HANDLE;
    if (setjmp(exit_jmp) == 0)
        assert_int_equal(loop_run(&L), ERR_BAD_HANDLE);
    return exit_code;
}

/* Starts "echo" and answers its registration. */
static void start_echo(void)
{
    static int ctx;
    assert_int_equal(service_start(&L, "echo", on_connect, &ctx), 0);
    push(EV_REPLY, SERVICE_INIT_CH, MSG_OPEN, MSG_REPLY, fake.sent[0].call_id, NULL, 0, 0);
    assert_int_equal(drain(), -1);
    fake.nsent = 0;
}

/* Fresh fake kernel and loop before every test. */
static int setup(void **state)
{
    (void)state;
    fake_loop_init(&L);
    nconnected = 0;
    connect_ctx = NULL;
    refuse_with = 0;
    return 0;
}

/* The loop's memory is freed (ASan reports leaks). */
static int teardown(void **state)
{
    (void)state;
    loop_destroy(&L);
    return 0;
}

/* service_start adds handle 1 and calls OPEN "listen:service/<name>" on it. */
static void test_start_registers(void **state)
{
    (void)state;
    assert_int_equal(service_start(&L, "echo", on_connect, NULL), 0);
    assert_true(fake.cookie[SERVICE_INIT_CH] != 0);
    assert_int_equal(fake.nsent, 1);
    assert_int_equal(fake.sent_on[0], SERVICE_INIT_CH);
    assert_int_equal(fake.sent[0].type, MSG_OPEN);
    assert_int_equal(fake.sent[0].flags, MSG_CALL);
    assert_int_equal(fake.sent[0].data_len, strlen("listen:service/echo"));
    assert_memory_equal(fake.sent[0].data, "listen:service/echo", fake.sent[0].data_len);
    assert_int_equal(loop_pending_calls(&L), 1);
}

/* Bad names and a failed send: an error, nothing sent, handle 1 not left in the loop. */
static void test_start_errors(void **state)
{
    (void)state;
    assert_int_equal(service_start(&L, "", on_connect, NULL), ERR_INVALID_ARG);
    assert_int_equal(service_start(&L, "abcdefghijklmnopqrstuvwxyz012345", on_connect, NULL),
                     ERR_INVALID_ARG); /* 32 characters */
    assert_int_equal(service_start(&L, "a b", on_connect, NULL), ERR_BAD_FORMAT);
    assert_int_equal(service_start(&L, "echo", NULL, NULL), ERR_INVALID_ARG);
    assert_int_equal(fake.nsent, 0);
    assert_int_equal(fake.cookie[SERVICE_INIT_CH], 0);
    fake.send_err = ERR_QUEUE_FULL;
    assert_int_equal(service_start(&L, "echo", on_connect, NULL), ERR_QUEUE_FULL);
    assert_int_equal(fake.cookie[SERVICE_INIT_CH], 0);
    fake.send_err = 0;
    assert_int_equal(service_start(&L, "abcdefghijklmnopqrstuvwxyz01234", on_connect, NULL), 0);
}

/* init refuses the registration: the server logs and exits 1; a peer close of handle 1 too. */
static void test_refused_or_orphaned_exits(void **state)
{
    (void)state;
    assert_int_equal(service_start(&L, "echo", on_connect, NULL), 0);
    push(EV_REPLY, SERVICE_INIT_CH, MSG_ERROR, MSG_REPLY, fake.sent[0].call_id, NULL, 0, 0)->status =
        ERR_PERMISSION;
    assert_int_equal(drain(), 1);
    loop_destroy(&L);
    fake_loop_init(&L);
    start_echo();
    push(EV_PEER_CLOSED, SERVICE_INIT_CH, 0, 0, 0, NULL, 0, 0);
    assert_int_equal(drain(), 1);
}

/* init's one-way OPEN of our name: on_connect gets handles[0] and the context; extras are closed. */
static void test_clients_handed_over(void **state)
{
    (void)state;
    start_echo();
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, 0, 0, "service/echo", 2, 7);
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, 0, 0, "service/echo", 1, 9);
    assert_int_equal(drain(), -1);
    assert_int_equal(nconnected, 2);
    assert_int_equal(connected[0], 7);
    assert_int_equal(connected[1], 9);
    assert_non_null(connect_ctx);
    assert_false(fake.closed[7]);
    assert_true(fake.closed[8]);
    assert_false(fake.closed[9]);
    assert_int_equal(fake.nsent, 0);
}

/* init's hand-over as a call (what init sends): on_connect gets the channel, then init gets
 * OPEN status 0 for that call, so it can hand the client its end. */
static void test_handover_call_answered(void **state)
{
    (void)state;
    start_echo();
    push(EV_MESSAGE, SERVICE_INIT_CH, GRANT_MSG, 0, 0, "client=web admin=no ports=", 0, 0);
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, MSG_CALL, 5, "service/echo", 2, 7);
    assert_int_equal(drain(), -1);
    assert_int_equal(nconnected, 1);
    assert_int_equal(connected[0], 7);
    assert_string_equal(grants[0].client, "web");
    assert_true(fake.closed[8]);
    assert_false(fake.closed[7]);
    assert_int_equal(fake.nsent, 1);
    assert_int_equal(fake.sent_on[0], SERVICE_INIT_CH);
    assert_int_equal(fake.sent[0].type, MSG_OPEN);
    assert_int_equal(fake.sent[0].flags, MSG_REPLY);
    assert_int_equal(fake.sent[0].call_id, 5);
    assert_int_equal(fake.sent[0].status, 0);
}

/* A channel on_connect refuses with service_refuse: the one-way ERROR on it and its close as
 * always, and init's hand-over call answered with that error (init passes it to the client's OPEN).
 * The next client, taken, is answered 0 again. */
static void test_handover_refusal_reaches_init(void **state)
{
    (void)state;
    start_echo();
    refuse_with = ERR_NO_RESOURCES;
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, MSG_CALL, 6, "service/echo", 1, 7);
    assert_int_equal(drain(), -1);
    assert_int_equal(fake.nsent, 2);
    assert_int_equal(fake.sent_on[0], 7);
    assert_int_equal(fake.sent[0].type, MSG_ERROR);
    assert_int_equal(fake.sent[0].flags, 0);
    assert_int_equal(fake.sent[0].status, ERR_NO_RESOURCES);
    assert_true(fake.closed[7]);
    assert_int_equal(fake.sent_on[1], SERVICE_INIT_CH);
    assert_int_equal(fake.sent[1].type, MSG_ERROR);
    assert_int_equal(fake.sent[1].flags, MSG_REPLY);
    assert_int_equal(fake.sent[1].call_id, 6);
    assert_int_equal(fake.sent[1].status, ERR_NO_RESOURCES);
    refuse_with = 0;
    fake.nsent = 0;
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, MSG_CALL, 7, "service/echo", 1, 9);
    assert_int_equal(drain(), -1);
    assert_int_equal(fake.nsent, 1);
    assert_int_equal(fake.sent[0].type, MSG_OPEN);
    assert_int_equal(fake.sent[0].status, 0);
    /* service_refuse outside a hand-over tells init nothing. */
    fake.nsent = 0;
    service_refuse(&L, 9, ERR_NO_RESOURCES);
    assert_int_equal(fake.nsent, 1);
    assert_int_equal(fake.sent_on[0], 9);
}

/* init's grant notice applies to the next client only; a client without one (or after a malformed
 * notice) gets the empty grant: no name, no admin, no ports. A notice sent as a call is refused. */
static void test_grants(void **state)
{
    (void)state;
    start_echo();
    push(EV_MESSAGE, SERVICE_INIT_CH, GRANT_MSG, 0, 0, "client=web admin=no ports=80,8080", 0, 0);
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, 0, 0, "service/echo", 1, 7);
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, 0, 0, "service/echo", 1, 8);
    push(EV_MESSAGE, SERVICE_INIT_CH, GRANT_MSG, 0, 0, "client=old admin=yes ports=", 0, 0);
    push(EV_MESSAGE, SERVICE_INIT_CH, GRANT_MSG, 0, 0, "client=ops admin=yes ports=", 0, 0);
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, 0, 0, "service/echo", 1, 9);
    push(EV_MESSAGE, SERVICE_INIT_CH, GRANT_MSG, 0, 0, "client=ops admin=yes", 0, 0);
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, 0, 0, "service/echo", 1, 10);
    push(EV_MESSAGE, SERVICE_INIT_CH, GRANT_MSG, MSG_CALL, 3, "client=ops admin=yes ports=", 0, 0);
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, 0, 0, "service/echo", 1, 11);
    assert_int_equal(drain(), -1);
    assert_int_equal(nconnected, 5);
    assert_string_equal(grants[0].client, "web");
    assert_false(grants[0].admin);
    assert_int_equal(grants[0].nports, 2);
    assert_true(grant_port(&grants[0], 8080));
    assert_string_equal(grants[1].client, "");
    assert_int_equal(grants[1].nports, 0);
    assert_string_equal(grants[2].client, "ops");
    assert_true(grants[2].admin);
    assert_string_equal(grants[3].client, "");
    assert_false(grants[3].admin);
    assert_string_equal(grants[4].client, "");
    assert_false(grants[4].admin);
    assert_int_equal(fake.nsent, 1); /* the call: ERR_NOT_SUPPORTED */
    assert_int_equal(fake.sent[0].type, MSG_ERROR);
    assert_int_equal(fake.sent[0].status, ERR_NOT_SUPPORTED);
}

/* service_refuse: a one-way ERROR with the error on the channel, then the channel closed; a client
 * already gone (the send fails) still gets its channel closed. */
static void test_refuse(void **state)
{
    (void)state;
    start_echo();
    service_refuse(&L, 40, ERR_NO_RESOURCES);
    assert_int_equal(fake.nsent, 1);
    assert_int_equal(fake.sent_on[0], 40);
    assert_int_equal(fake.sent[0].type, MSG_ERROR);
    assert_int_equal(fake.sent[0].flags, 0);
    assert_int_equal(fake.sent[0].status, ERR_NO_RESOURCES);
    assert_int_equal(fake.sent[0].nhandles, 0);
    assert_true(fake.closed[40]);
    fake.send_err = ERR_PEER_CLOSED;
    service_refuse(&L, 41, ERR_NO_RESOURCES);
    assert_true(fake.closed[41]);
}

/* Anything else on handle 1 is refused (calls with ERR_NOT_SUPPORTED), and the next client still comes. */
static void test_bad_init_messages(void **state)
{
    (void)state;
    start_echo();
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, 0, 0, "service/other", 1, 10);
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, 0, 0, "service/echo", 0, 0);
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, 0, 0, NULL, 1, 11);
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, 0, 0, "service/echo\x01", 1, 12);
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, MSG_CALL, 5, "service/other", 1, 13);
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_GETATTR, MSG_CALL, 6, "name", 2, 14);
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, 0, 0, "service/echo", 1, 20);
    assert_int_equal(drain(), -1);
    for (handle_t h = 10; h <= 15; h++)
        assert_true(fake.closed[h]);
    assert_int_equal(nconnected, 1);
    assert_int_equal(connected[0], 20);
    assert_int_equal(fake.nsent, 2);
    for (unsigned i = 0; i < 2; i++) {
        assert_int_equal(fake.sent_on[i], SERVICE_INIT_CH);
        assert_int_equal(fake.sent[i].type, MSG_ERROR);
        assert_int_equal(fake.sent[i].flags, MSG_REPLY);
        assert_int_equal(fake.sent[i].call_id, 5 + i);
        assert_int_equal(fake.sent[i].status, ERR_NOT_SUPPORTED);
    }
}

/* The reply helpers: the call's type and id, ERROR with the code; a failed send closes the handles. */
static void test_replies(void **state)
{
    (void)state;
    struct warp_msg call;
    msg_init(&call, MSG_GETATTR, MSG_CALL);
    call.call_id = 42;
    assert_int_equal(service_reply_status(&L, 5, &call, 3), 0);
    assert_int_equal(service_reply_error(&L, 5, &call, ERR_NOT_FOUND), 0);
    assert_int_equal(fake.nsent, 2);
    assert_int_equal(fake.sent[0].type, MSG_GETATTR);
    assert_int_equal(fake.sent[0].flags, MSG_REPLY);
    assert_int_equal(fake.sent[0].call_id, 42);
    assert_int_equal(fake.sent[0].status, 3);
    assert_int_equal(fake.sent[1].type, MSG_ERROR);
    assert_int_equal(fake.sent[1].call_id, 42);
    assert_int_equal(fake.sent[1].status, ERR_NOT_FOUND);

    struct warp_msg m;
    msg_reply_open(&m, 43, 30);
    fake.send_err = ERR_PEER_CLOSED;
    assert_int_equal(service_send(&L, 5, &m), ERR_PEER_CLOSED);
    assert_true(fake.closed[30]);
    msg_reply_open(&m, 44, 31);
    fake.send_err = ERR_QUEUE_FULL;
    assert_int_equal(service_send(&L, 5, &m), ERR_QUEUE_FULL);
    assert_true(fake.closed[31]);
    fake.send_err = 0;
    msg_reply_open(&m, 45, 32);
    assert_int_equal(service_send(&L, 5, &m), 0);
    assert_false(fake.closed[32]);
}

/* service_drop_handles closes what a message brought, at most MSG_HANDLES_MAX of them. */
static void test_drop_handles(void **state)
{
    (void)state;
    struct warp_msg m;
    msg_init(&m, MSG_WRITE, 0);
    for (unsigned i = 0; i < MSG_HANDLES_MAX; i++)
        m.handles[i] = (handle_t)(40 + i);
    m.nhandles = 60000;
    service_drop_handles(&L, &m);
    assert_int_equal(fake.nclosed, MSG_HANDLES_MAX);
    for (unsigned i = 0; i < MSG_HANDLES_MAX; i++)
        assert_true(fake.closed[40 + i]);
}

/* service_init_pause takes handle 1 out of the loop only once registered; resume puts it back and
 * clients are handed over again. */
static void test_init_pause(void **state)
{
    (void)state;
    assert_int_equal(service_start(&L, "echo", on_connect, NULL), 0);
    assert_int_equal(service_init_pause(&L), ERR_WOULD_BLOCK); /* the registration's reply is due */
    assert_true(loop_has(&L, SERVICE_INIT_CH));
    push(EV_REPLY, SERVICE_INIT_CH, MSG_OPEN, MSG_REPLY, fake.sent[0].call_id, NULL, 0, 0);
    assert_int_equal(drain(), -1);
    assert_int_equal(service_init_pause(&L), 0);
    assert_false(loop_has(&L, SERVICE_INIT_CH));
    assert_int_equal(service_init_resume(&L), 0);
    assert_true(loop_has(&L, SERVICE_INIT_CH));
    push(EV_MESSAGE, SERVICE_INIT_CH, MSG_OPEN, MSG_CALL, 9, "service/echo", 1, 40);
    assert_int_equal(drain(), -1);
    assert_int_equal(nconnected, 1);
    assert_int_equal(connected[0], 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_or_orphaned_exits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clients_handed_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handover_call_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handover_refusal_reaches_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_init_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_pause, setup, teardown),
    };
    return cmocka_run_group_tests_name("service", tests, NULL, NULL);
}
