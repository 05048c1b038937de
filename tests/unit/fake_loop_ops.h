/* fake_loop_ops.h: a fake kernel behind struct loop_ops, for host tests of the event loop and its users. */
#pragma once

#include <warp/loop.h>

/*
 * The fake records what the loop asks of the kernel: registrations (a cookie per handle), every
 * message sent, every handle closed; its event queue returns the events a test scripted, then
 * times out. Tests read and set its state directly; fake_loop_init() clears it before each test.
 * Like the kernel, closing a handle removes it from the event queue and drops the calls pending
 * on it, and a closed channel refuses sends (ERR_BAD_HANDLE) until its number is added again.
 */

#define FAKE_EQ 4000      /* the fake event queue's handle */
#define FAKE_HANDLES 4096 /* handle values the fake tracks: 1..FAKE_HANDLES - 1 */
#define FAKE_EVENTS 256
#define FAKE_WAITS 256
#define FAKE_SENT 4096

struct fake_kernel {
    uint64_t cookie[FAKE_HANDLES];         /* by handle; 0: not registered */
    bool closed[FAKE_HANDLES];             /* closed, and not added to the queue again since */
    unsigned nclosed;                      /* handle_close calls, whatever the value */
    long add_err;                          /* the next eventq_add fails with this, if not 0 */
    long send_err;                         /* every channel_send fails with this, if not 0 */
    struct warp_event events[FAKE_EVENTS]; /* what eventq_wait returns, in order */
    unsigned nevents, next_event;
    long wait_err_when_empty;       /* returned by a DEADLINE_FOREVER wait once the events are used up */
    uint64_t deadlines[FAKE_WAITS]; /* what each wait was given */
    unsigned nwaits;
    struct warp_msg sent[FAKE_SENT]; /* every message sent, in order */
    handle_t sent_on[FAKE_SENT];     /* the channel each went on */
    bool call_pending[FAKE_SENT];    /* a call not yet answered (the test clears it) nor dropped */
    unsigned nsent;
    uint64_t now;         /* the clock; a wait that times out moves it to its deadline */
    unsigned clock_reads; /* how often the loop read it */
};

extern struct fake_kernel fake;

/* Clears the fake kernel and starts l, empty, over it (event queue FAKE_EQ). */
void fake_loop_init(struct loop *l);
/* The first pending call of type on ch (a message the loop sent and nobody answered yet), or NULL. */
struct warp_msg *fake_pending(handle_t ch, uint32_t type);
/* Hands loop l reply r to call m pending on ch, as the kernel would (m is no longer pending). */
void fake_reply_msg(struct loop *l, handle_t ch, struct warp_msg *m, struct warp_msg *r);
/* Answers call m pending on ch with status (an ERROR reply for a negative one). */
void fake_reply(struct loop *l, handle_t ch, struct warp_msg *m, int64_t status);
