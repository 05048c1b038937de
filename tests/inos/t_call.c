/* t_call.c: tests of calls and replies: call ids, CALLS_MAX, reserved reply room, and every refused reply. */
#include "tests.h"

#include <warp/string.h>

/* A call, received, answered, and the reply received with everything the replier put in it. */
static void call_basic(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    struct warp_msg m = tests_msg(MSG_USER + 7, MSG_CALL, 7, "ping");
    tap_eq(warp_channel_send(ch[0], &m), 0, "a call returns 0");
    struct warp_msg got;
    tap_eq(warp_channel_recv(ch[1], &got), 0, "the receiver gets it");
    tap_ok(tests_msg_is(&got, MSG_USER + 7, "ping") && got.flags == MSG_CALL && got.call_id == 7,
           "... as a call (MSG_CALL) with its call id and data");
    tap_eq(warp_channel_recv(ch[0], &got), ERR_WOULD_BLOCK,
           "the caller has nothing to receive before the reply");
    struct warp_msg r = tests_msg(MSG_USER + 8, MSG_REPLY, 7, "pong");
    r.status = 42;
    tap_eq(warp_channel_send(ch[1], &r), 0, "the reply returns 0");
    tap_eq(warp_channel_recv(ch[0], &got), 0, "the caller receives the reply");
    tap_ok(tests_msg_is(&got, MSG_USER + 8, "pong") && got.flags == MSG_REPLY && got.call_id == 7 &&
               got.status == 42 && got.nbufs == 0,
           "... with MSG_REPLY, the call id, status 42, its type and data");
    tap_eq(warp_channel_send(ch[0], &m), 0, "once answered, call id 7 can be used again");
    tap_eq(warp_channel_recv(ch[1], &got), 0, "... and the new call arrives");
    /* A reply may move a handle (as MSG_OPEN's does). */
    long t = warp_timer_create();
    r = tests_msg(MSG_USER, MSG_REPLY, 7, NULL);
    r.nhandles = 1;
    r.handles[0] = (handle_t)t;
    tap_eq(warp_channel_send(ch[1], &r), 0, "a reply moving a handle returns 0");
    tap_ok(warp_channel_recv(ch[0], &got) == 0 && got.flags == MSG_REPLY && got.nhandles == 1 &&
               tests_handle_is(got.handles[0], OBJ_TIMER, RIGHTS_ALL),
           "... and the caller gets the handle with the reply");
    warp_handle_close(got.handles[0]);
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

/* Call ids: unique among one end's unanswered calls, independent between ends. */
static void call_ids(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    tests_send_call(ch[0], MSG_USER, 1);
    tap_eq(tests_send_call(ch[0], MSG_USER, 1), ERR_ALREADY_EXISTS,
           "a second call with a pending id (not yet received) gives ERR_ALREADY_EXISTS");
    struct warp_msg got;
    warp_channel_recv(ch[1], &got);
    tap_eq(tests_send_call(ch[0], MSG_USER, 1), ERR_ALREADY_EXISTS,
           "... and still once it is received but unanswered");
    tap_eq(warp_channel_recv(ch[1], &got), ERR_WOULD_BLOCK, "the refused calls were not sent");
    tap_eq(tests_send_call(ch[1], MSG_USER, 1), 0, "the other end may use the same id for its own call");
    tap_eq(tests_send_call(ch[0], MSG_USER, 2), 0, "another id from the first end works");
    tap_eq(tests_send_call(ch[0], MSG_USER, UINT64_MAX), 0, "call id 2^64 - 1 works");
    tests_reply(ch[1], 1, 0);
    /* docs/ipc.md: replies to this end's calls come before messages queued earlier. */
    tap_eq(warp_channel_recv(ch[0], &got), 0, "the first end receives the reply to its call 1 ...");
    tap_ok(got.flags == MSG_REPLY && got.call_id == 1,
           "... first, as a reply, before the other end's earlier call");
    tap_eq(warp_channel_recv(ch[0], &got), 0, "then the other end's call 1");
    tap_ok(got.flags == MSG_CALL && got.call_id == 1, "... as a call");
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

/* CALLS_MAX unanswered calls per end; the reply's room is reserved, so replies never fail for lack of it. */
static void call_max(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    unsigned ok = 0;
    for (unsigned i = 1; i <= CALLS_MAX; i++)
        ok += tests_send_call(ch[0], MSG_USER, i) == 0;
    tap_eq(ok, CALLS_MAX, "CALLS_MAX calls are sent");
    struct warp_msg got;
    unsigned received = 0;
    while (warp_channel_recv(ch[1], &got) == 0)
        received++;
    tap_eq(received, CALLS_MAX, "the receiver takes them all (they stay unanswered)");
    tap_eq(tests_send_call(ch[0], MSG_USER, 1000), ERR_QUEUE_FULL,
           "one more call gives ERR_QUEUE_FULL although the receiver's queue is empty");
    tap_eq(tests_send_text(ch[0], "one-way"), 0, "a one-way message still goes through");
    tap_eq(warp_channel_recv(ch[1], &got), 0, "... and arrives");
    /* Fill the caller's own queue, then answer: the replies were reserved when the calls were made. */
    unsigned filled = 0;
    while (filled < 2 * MSG_QUEUE_MAX && tests_send_text(ch[1], "filler") == 0)
        filled++;
    tap_eq(filled, MSG_QUEUE_MAX, "the caller's queue is filled with MSG_QUEUE_MAX messages");
    unsigned replied = 0;
    for (unsigned i = 1; i <= CALLS_MAX; i++)
        replied += tests_reply(ch[1], i, (int64_t)i) == 0;
    tap_eq(replied, CALLS_MAX, "all CALLS_MAX replies succeed although the caller's queue is full");
    unsigned notes = 0, replies = 0;
    bool ids = true;
    while (warp_channel_recv(ch[0], &got) == 0) {
        if (got.flags == MSG_REPLY) {
            replies++;
            ids = ids && got.call_id == (uint64_t)got.status;
        } else {
            notes++;
        }
    }
    tap_ok(notes == MSG_QUEUE_MAX && replies == CALLS_MAX && ids,
           "the caller receives the %d messages and all %d replies (%u, %u)", MSG_QUEUE_MAX, CALLS_MAX, notes,
           replies);
    tap_eq(tests_send_call(ch[0], MSG_USER, 1000), 0, "with the calls answered, a new call works");
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

/* Replies that name no call this end received and has not answered: ERR_NOT_FOUND, nothing sent. */
static void call_bad_replies(void)
{
    handle_t ch[2], other[2];
    if (tests_channel(ch) != 0 || tests_channel(other) != 0)
        return;
    struct warp_msg got;
    tap_eq(tests_reply(ch[1], 99, 0), ERR_NOT_FOUND, "a reply to an id never called gives ERR_NOT_FOUND");
    tests_send_call(ch[0], MSG_USER, 5);
    tap_eq(tests_reply(ch[1], 5, 0), ERR_NOT_FOUND, "a reply to a call not yet received gives ERR_NOT_FOUND");
    warp_channel_recv(ch[1], &got);
    tap_eq(tests_reply(ch[0], 5, 0), ERR_NOT_FOUND,
           "a reply by the caller's own end to its call gives ERR_NOT_FOUND");
    tap_eq(tests_reply(other[1], 5, 0), ERR_NOT_FOUND,
           "a reply to call 5 sent on another channel than the one it came on gives ERR_NOT_FOUND");
    tap_eq(tests_reply(other[0], 5, 0), ERR_NOT_FOUND, "... from either of its ends");
    struct warp_msg r = tests_msg(MSG_USER, MSG_REPLY, 5, NULL);
    static uint8_t buf[16];
    r.nbufs = 1;
    r.bufs[0] = (struct msg_buf){.addr = (uaddr_t)buf, .len = sizeof(buf), .access = BUF_READ};
    tap_eq(warp_channel_send(ch[1], &r), ERR_INVALID_ARG, "a reply with a buffer gives ERR_INVALID_ARG");
    tap_eq(warp_channel_recv(ch[0], &got), ERR_WOULD_BLOCK, "none of the refused replies reached the caller");
    tap_eq(tests_reply(ch[1], 5, 1), 0, "the proper reply works");
    tap_eq(tests_reply(ch[1], 5, 2), ERR_NOT_FOUND, "a second reply to the same call gives ERR_NOT_FOUND");
    tap_ok(warp_channel_recv(ch[0], &got) == 0 && got.status == 1 &&
               warp_channel_recv(ch[0], &got) == ERR_WOULD_BLOCK,
           "the caller gets exactly one reply");
    tap_eq(tests_drain(other[0]) + tests_drain(other[1]), 0, "nothing arrived on the other channel");
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
    warp_handle_close(other[0]);
    warp_handle_close(other[1]);
}

/* Calls and replies. */
void test_calls(void)
{
    call_basic();
    call_ids();
    call_max();
    call_bad_replies();
}
