/* disk.h: the fs server's disk: a service/block:0 session read by the page cache. */
#pragma once

#include <warp/blockclient.h>
#include <warp/loop.h>

/* The disk behind service/block:0. */
struct disk {
    struct block_client bc;
    uint32_t sector_size; /* a power of two from 512 to 4096 */
    uint64_t size;        /* bytes */
};

/* Opens service/block:0 through init (handle 1, before the server registers: the call is
 * synchronous) and reads its geometry: 0, ERR_NOT_FOUND (no disk), or another error. */
long disk_open(struct disk *d, handle_t init_ch);
/* From now on a reopen of service/block:0 (the driver restarted) goes through init with handle 1
 * taken out of l for the call (service_init_pause). */
void disk_follow_loop(struct disk *d, struct loop *l);
/* The page cache's device read (cache_dev_fn): len bytes of whole sectors at off. */
int disk_read(void *ctx, uint64_t off, void *buf, size_t len);
