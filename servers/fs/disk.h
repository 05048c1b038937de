/* disk.h: the fs server's disk: a service/block:0 session read by the page cache. */
#pragma once

#include <warp/blockclient.h>
#include <warp/loop.h>

#define DISK_RA_MAX 8 /* read-ahead READs in flight at most (tags 0..DISK_RA_MAX-1) */

/* A read-ahead READ's outcome: the tag disk_start was given, and 0 or an ERR_* code. */
typedef void (*disk_ra_done_fn)(void *ctx, unsigned tag, int result);

/*
 * The disk behind service/block:0: one session for the synchronous reads (block_call), and one for
 * read-ahead, whose READs are sent at once and answered whenever the driver finishes them. That
 * session sits in an event queue of its own, not in the server's loop: its answers are collected
 * when the page cache asks (disk_poll), which lets a read that needs a page on its way wait for just
 * that, with no other client's call served in the middle.
 */
struct disk {
    struct block_client bc;
    struct block_client ra; /* ra.ch 0: closed; disk_start opens it again */
    handle_t ra_eq;         /* holds ra.ch alone */
    disk_ra_done_fn ra_done;
    void *ra_ctx;
    uint64_t ra_ids[DISK_RA_MAX]; /* the call id of each tag in flight; 0: none */
    size_t ra_lens[DISK_RA_MAX];
    uint64_t ra_next_id;
    uint32_t sector_size; /* a power of two from 512 to 4096 */
    uint64_t size;        /* bytes */
};

/* Opens service/block:0 through init (handle 1, before the server registers: the call is
 * synchronous) and reads its geometry: 0, ERR_NOT_FOUND (no disk), or another error. */
long disk_open(struct disk *d, handle_t init_ch);
/* From now on a reopen of service/block:0 (the driver restarted) goes through init with handle 1
 * taken out of l for the call (service_init_pause). */
void disk_follow_loop(struct disk *d, struct loop *l);
/* Read-ahead outcomes go to done(ctx, tag, result) from now on. */
void disk_ra_init(struct disk *d, disk_ra_done_fn done, void *ctx);
/* Sends a read-ahead READ of len bytes at off into buf (a cache_start_fn; tag < DISK_RA_MAX, not in
 * flight): 0, and its outcome through disk_poll later; or an ERR_* code, and none. */
int disk_start(void *ctx, uint64_t off, void *buf, size_t len, unsigned tag);
/* Hands the read-ahead READs answered so far to the done function (a cache_poll_fn); with wait, first
 * waits for one if none is. When the driver went away, every READ in flight ends with
 * ERR_PEER_CLOSED. 0, ERR_NOT_FOUND to wait with nothing in flight, or the wait's error. */
int disk_poll(void *ctx, bool wait);
/* The page cache's device read (cache_dev_fn): len bytes of whole sectors at off. */
int disk_read(void *ctx, uint64_t off, void *buf, size_t len);
