/* msg.h: random messages for the fuzzer's sends, and what happens to the handles they list. */
#pragma once

#include <warp/ipc.h>

/* Fills *m for a send on channel ch: random type, flags, call id (often that of a call we received,
 * for replies), inline data, handles of ours to move, buffers. True if the kernel must refuse it
 * (a count past its maximum, a handle that is not ours or lacks RIGHT_TRANSFER). */
bool msg_build(struct warp_msg *m, handle_t ch);
/* The handles m lists that are ours and live now (pool_live), asked just before sending it. */
unsigned msg_live(const struct warp_msg *m);
/* After a send of m: a refused send (sent false) must have moved none of the handles live before it
 * (`live`), and a sent one moved those it listed; the pool follows. A reply that went drops the call
 * it answered. */
void msg_after_send(const struct warp_msg *m, handle_t ch, bool sent, bool refusal_moves_nothing,
                    unsigned live);
/* Takes what an event (written by the kernel at ev) brings: handles, calls to answer. */
void msg_take_event(const struct warp_event *ev);
