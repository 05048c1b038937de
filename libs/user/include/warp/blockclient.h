/* blockclient.h: a service/block:0 session whose calls survive a restart of the driver. */
#pragma once

#include <warp/ipc.h>

/*
 * When the driver dies (killed, or it exits and init restarts it: `restart = on-failure`), every
 * call on its sessions completes with ERR_PEER_CLOSED. Such a call was never answered, so the driver
 * may or may not have done it; a READ or WRITE of the same range and bytes may be done twice, so
 * block_call reopens BLOCK_URI (init holds the OPEN until the restarted driver registers) and sends
 * the call again. A READ's buffer holds either nothing new or all the bytes: the driver copies them
 * out only when the device has finished, before it answers.
 *
 *     struct block_client bc;  block_client_open(&bc, 1);
 *     long r = block_call(&bc, &m, NULL);
 */
#define BLOCK_CALL_TRIES 3 /* sends of one call: the first and at most two after reopening */

struct block_client {
    handle_t init_ch; /* the channel OPENs go to (handle 1 for a service) */
    handle_t ch;      /* the session; 0 when none is open */
    unsigned reopens; /* sessions opened again after the driver went away */
    /* How a reopen OPENs BLOCK_URI (NULL: ipc_open_sync on init_ch); a server whose loop holds
     * init_ch sets one that takes it out of the loop for the call (service_init_pause). */
    long (*open_fn)(void *ctx, const char *uri);
    void *open_ctx;
};

/* Opens a session of BLOCK_URI through init_ch: 0 or the OPEN's ERR_*. */
long block_client_open(struct block_client *c, handle_t init_ch);
/* Closes c's session (if any) and opens a new one, through open_fn when set: 0 or the OPEN's ERR_*.
 * For a session whose calls go through a loop (loop_call), which notices the driver's end itself. */
long block_client_reopen(struct block_client *c);
/* ipc_call_sync of m on c's session, sent again on a new session after ERR_PEER_CLOSED, at most
 * BLOCK_CALL_TRIES times in all; the call's result, or the reopen's ERR_*. */
long block_call(struct block_client *c, struct warp_msg *m, struct warp_msg *reply);
