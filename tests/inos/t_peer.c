/* t_peer.c: tests of peer close and death during calls: error replies, refused copies and replies, unmapped buffers. */
#include "tests.h"

#include <warp/string.h>

static uint8_t peer_tmp[PAGE_SIZE];

/* True if m is the MSG_ERROR reply with ERR_PEER_CLOSED that completes call id. */
static bool peer_error_reply(const struct warp_msg *m, uint64_t id)
{
    return m->type == MSG_ERROR && m->flags == MSG_REPLY && m->call_id == id && m->status == ERR_PEER_CLOSED;
}

/* The receiving end closes with calls it received and did not answer: the caller gets error replies. */
static void peer_server_closes(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    tests_send_call(ch[0], MSG_USER, 1);
    tests_send_call(ch[0], MSG_USER, 2);
    struct warp_msg got;
    warp_channel_recv(ch[1], &got);
    warp_channel_recv(ch[1], &got);
    tests_reply(ch[1], 2, 22);
    tests_send_call(ch[0], MSG_USER, 3);
    warp_channel_recv(ch[1], &got);
    warp_handle_close(ch[1]);
    bool r2 = false, e1 = false, e3 = false;
    long r;
    unsigned n = 0;
    while ((r = warp_channel_recv(ch[0], &got)) == 0 && n++ < 10) {
        r2 = r2 || (got.flags == MSG_REPLY && got.call_id == 2 && got.status == 22);
        e1 = e1 || peer_error_reply(&got, 1);
        e3 = e3 || peer_error_reply(&got, 3);
    }
    tap_ok(r2, "the reply sent before the close is delivered");
    tap_ok(e1 && e3,
           "calls 1 and 3, received and unanswered, complete as MSG_ERROR replies with ERR_PEER_CLOSED");
    tap_eq(n, 3, "exactly three replies arrive");
    tap_eq(r, ERR_PEER_CLOSED, "then recv gives ERR_PEER_CLOSED");
    tap_eq(tests_send_call(ch[0], MSG_USER, 1), ERR_PEER_CLOSED,
           "a new call to the closed end gives ERR_PEER_CLOSED");
    warp_handle_close(ch[0]);

    /* A call still queued, never received, when the end closes: its caller must not wait forever. */
    if (tests_channel(ch) != 0)
        return;
    tests_send_call(ch[0], MSG_USER, 8);
    warp_handle_close(ch[1]);
    tap_ok(warp_channel_recv(ch[0], &got) == 0 && peer_error_reply(&got, 8),
           "a call never received when the end closed also completes as MSG_ERROR with ERR_PEER_CLOSED");
    tap_eq(warp_channel_recv(ch[0], &got), ERR_PEER_CLOSED, "... then recv gives ERR_PEER_CLOSED");
    warp_handle_close(ch[0]);
}

/* The calling end closes: its calls stay with the receiver, whose copies and reply are refused. */
static void peer_caller_closes(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    static uint8_t buf[64] = "caller's bytes";
    struct warp_msg m = tests_msg(MSG_READ, MSG_CALL, 4, NULL), got;
    m.nbufs = 1;
    m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)buf, .len = sizeof(buf), .access = BUF_READ | BUF_WRITE};
    warp_channel_send(ch[0], &m);
    m.call_id = 5;
    warp_channel_send(ch[0], &m);
    warp_channel_recv(ch[1], &got);
    tap_eq(warp_call_read(ch[1], 4, 0, 0, peer_tmp, 8), 8, "call_read works while the caller's end is open");
    warp_handle_close(ch[0]);
    tap_eq(warp_call_read(ch[1], 4, 0, 0, peer_tmp, 8), ERR_PEER_CLOSED,
           "call_read of a received call after the caller's end closed gives ERR_PEER_CLOSED");
    tap_eq(warp_call_write(ch[1], 4, 0, 0, "x", 1), ERR_PEER_CLOSED, "call_write then gives ERR_PEER_CLOSED");
    tap_eq(tests_reply(ch[1], 4, 0), ERR_PEER_CLOSED, "the reply then gives ERR_PEER_CLOSED");
    tap_ok(warp_channel_recv(ch[1], &got) == 0 && got.call_id == 5 && got.flags == MSG_CALL,
           "a call queued before the close is still received");
    tap_eq(warp_call_read(ch[1], 5, 0, 0, peer_tmp, 8), ERR_PEER_CLOSED,
           "... but its copies give ERR_PEER_CLOSED");
    tap_eq(tests_reply(ch[1], 5, 0), ERR_PEER_CLOSED, "... and so does its reply");
    tap_eq(warp_channel_recv(ch[1], &got), ERR_PEER_CLOSED, "then recv gives ERR_PEER_CLOSED");
    warp_handle_close(ch[1]);
}

/* Starts a child in mode with ch[1] moved in; ch[0] registered in a new event queue (returned). */
static long peer_spawn(handle_t ch[2], unsigned mode, uint64_t payload, long *eq)
{
    *eq = warp_eventq_create();
    warp_eventq_add((handle_t)*eq, ch[0], 0);
    long p = tests_spawn_with("peer", mode, payload, 0, &ch[1], 1);
    if (p < 0)
        tap_eq(p, 1, "spawn of a child in mode %u with a channel end", mode);
    return p;
}

/* Waits up to 10 s for the next event on eq; its message in *m; the event type or an ERR_*. */
static long peer_next(long eq, struct warp_msg *m)
{
    struct warp_event ev;
    long r = tests_wait_event((handle_t)eq, &ev, 10000);
    *m = ev.u.msg;
    return r < 0 ? r : (long)ev.type;
}

/* A child server exits, or is killed, with our call received and unanswered. */
static void peer_server_dies(void)
{
    handle_t ch[2];
    long eq;
    struct warp_msg got;
    struct exit_info ei;
    if (tests_channel(ch) != 0)
        return;
    long p = peer_spawn(ch, TESTS_SERVER, 0, &eq);
    tests_send_call(ch[0], TESTS_OP_DIE, 9);
    tap_eq(peer_next(eq, &got), EV_REPLY, "a child server that exits during our call: we get an EV_REPLY");
    tap_ok(peer_error_reply(&got, 9), "... a MSG_ERROR reply with ERR_PEER_CLOSED for our call id");
    tap_eq(peer_next(eq, &got), EV_PEER_CLOSED, "... then EV_PEER_CLOSED");
    tests_wait_close(p, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0, "... the child exited 0");
    warp_handle_close((handle_t)eq);
    warp_handle_close(ch[0]);

    if (tests_channel(ch) != 0)
        return;
    p = peer_spawn(ch, TESTS_SERVER, 0, &eq);
    tests_send_call(ch[0], TESTS_OP_HANG, 10);
    struct warp_msg m = tests_msg(TESTS_OP_ECHO, MSG_CALL, 11, "echo");
    warp_channel_send(ch[0], &m);
    tap_eq(peer_next(eq, &got), EV_REPLY, "a child server answers an echo call after taking a call it keeps");
    tap_ok(got.call_id == 11 && tests_msg_is(&got, TESTS_OP_ECHO, "echo") && got.status == 4,
           "... with our data");
    tap_eq(warp_kill((handle_t)p), 0, "kill of the server holding our call returns 0");
    tap_eq(peer_next(eq, &got), EV_REPLY, "we get an EV_REPLY for the call it held");
    tap_ok(peer_error_reply(&got, 10), "... a MSG_ERROR reply with ERR_PEER_CLOSED for call 10");
    tap_eq(peer_next(eq, &got), EV_PEER_CLOSED, "... then EV_PEER_CLOSED");
    tests_wait_close(p, &ei);
    tap_exit(&ei, EXIT_KILLED, 0, "... the server was killed");
    warp_handle_close((handle_t)eq);
    warp_handle_close(ch[0]);
}

/* A child caller exits, or is killed, with its call pending here. */
static void peer_caller_dies(void)
{
    handle_t ch[2];
    long eq;
    struct warp_msg got;
    struct exit_info ei;
    if (tests_channel(ch) != 0)
        return;
    long p = peer_spawn(ch, TESTS_CALLER, TESTS_CALLER_EXIT, &eq);
    tests_wait_close(p, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0, "a child that calls and exits at once ends");
    tap_eq(peer_next(eq, &got), EV_MESSAGE, "its call is still delivered after its death");
    tap_ok(got.flags == MSG_CALL && got.call_id == TESTS_CALLER_ID && got.nbufs == 2,
           "... as the call it sent");
    tap_eq(warp_call_read(ch[0], TESTS_CALLER_ID, 0, 0, peer_tmp, 16), ERR_PEER_CLOSED,
           "call_read of a dead caller's buffer gives ERR_PEER_CLOSED");
    tap_eq(warp_call_write(ch[0], TESTS_CALLER_ID, 1, 0, "x", 1), ERR_PEER_CLOSED,
           "call_write into a dead caller's buffer gives ERR_PEER_CLOSED");
    tap_eq(tests_reply(ch[0], TESTS_CALLER_ID, 0), ERR_PEER_CLOSED,
           "the reply to a dead caller gives ERR_PEER_CLOSED");
    tap_eq(peer_next(eq, &got), EV_PEER_CLOSED, "then EV_PEER_CLOSED");
    warp_handle_close((handle_t)eq);
    warp_handle_close(ch[0]);

    if (tests_channel(ch) != 0)
        return;
    p = peer_spawn(ch, TESTS_CALLER, TESTS_CALLER_BLOCK, &eq);
    tap_eq(peer_next(eq, &got), EV_MESSAGE, "a child's call arrives");
    tap_eq(peer_next(eq, &got), EV_MESSAGE, "... then its note that it now waits for the reply");
    tap_eq(warp_call_read(ch[0], TESTS_CALLER_ID, 0, 0, peer_tmp, 16), 16,
           "call_read from the live caller works");
    tap_eq(warp_kill((handle_t)p), 0, "kill of the caller returns 0");
    tests_wait_close(p, &ei);
    tap_exit(&ei, EXIT_KILLED, 0, "... it was killed waiting for the reply");
    tap_eq(warp_call_read(ch[0], TESTS_CALLER_ID, 0, 0, peer_tmp, 16), ERR_PEER_CLOSED,
           "call_read after the caller was killed mid-call gives ERR_PEER_CLOSED");
    tap_eq(warp_call_write(ch[0], TESTS_CALLER_ID, 1, 0, "x", 1), ERR_PEER_CLOSED,
           "call_write then gives ERR_PEER_CLOSED");
    tap_eq(tests_reply(ch[0], TESTS_CALLER_ID, 0), ERR_PEER_CLOSED, "the reply then gives ERR_PEER_CLOSED");
    warp_handle_close((handle_t)eq);
    warp_handle_close(ch[0]);
}

/* A child caller unmaps its buffer while the call is pending: copies fail, the reply still works. */
static void peer_caller_unmaps(void)
{
    handle_t ch[2];
    long eq;
    struct warp_msg got;
    struct exit_info ei;
    if (tests_channel(ch) != 0)
        return;
    long p = peer_spawn(ch, TESTS_CALLER, TESTS_CALLER_UNMAP, &eq);
    tap_eq(peer_next(eq, &got), EV_MESSAGE, "a child's call granting one page arrives");
    tap_ok(got.nbufs == 1 && got.bufs[0].len == PAGE_SIZE, "... with that page as its buffer");
    tap_eq(peer_next(eq, &got), EV_MESSAGE, "... then its note that it has unmapped the page");
    tap_eq(warp_call_read(ch[0], TESTS_CALLER_ID, 0, 0, peer_tmp, PAGE_SIZE), ERR_BAD_ADDRESS,
           "call_read of a buffer the caller unmapped gives ERR_BAD_ADDRESS");
    tap_eq(warp_call_write(ch[0], TESTS_CALLER_ID, 0, 100, "x", 1), ERR_BAD_ADDRESS,
           "call_write into it gives ERR_BAD_ADDRESS");
    tap_eq(tests_reply(ch[0], TESTS_CALLER_ID, ERR_BAD_ADDRESS), 0, "the reply still works");
    tests_wait_close(p, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0, "the child got its reply and exited 0");
    warp_handle_close((handle_t)eq);
    warp_handle_close(ch[0]);
}

/* Peer close and death. */
void test_peers(void)
{
    peer_server_closes();
    peer_caller_closes();
    peer_server_dies();
    peer_caller_dies();
    peer_caller_unmaps();
}
