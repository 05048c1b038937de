/* blkdev.h: what blk.c (service/block:0's sessions) needs of a disk backend: virtio_blk's disk.c, virtio_scsi's scsi.c, nvme's io.c. */
#pragma once

#include <warp/proto/block.h>
#include <warp/types.h>

#define BLKDEV_SLOTS_MAX 32                       /* requests a backend has in flight at most */
#define BLKDEV_DEADLINE_NS (5ull * 1000000000ull) /* a request not done by then resets the device */
#define BLKDEV_RESETS_MAX 3 /* resets one request may see; at the last it fails with ERR_TIMED_OUT */

/* What a session call asks of the disk. */
enum blkdev_op {
    BLKDEV_READ,
    BLKDEV_WRITE,
    BLKDEV_FLUSH,
};

/* The disk as the sessions see it; the backend fills it before blk_start. */
struct blkdev_info {
    const char *driver;   /* the log prefix: "virtio_blk", "virtio_scsi" */
    uint64_t sectors;     /* capacity in units of sector_size */
    uint32_t sector_size; /* bytes */
    bool read_only;
    bool can_flush;   /* BLKDEV_FLUSH works */
    unsigned nslots;  /* requests in flight at most (<= BLKDEV_SLOTS_MAX): slots 0..nslots-1 */
    uint8_t *buffers; /* BLOCK_IO_MAX bytes of bounce buffer per slot, slot 0's first */
    /* After a request missed its deadline (blk.c checks every second): hands what the device did
     * finish to blk_done, resets the device and brings it up again with nothing in flight; blk.c then
     * submits the requests still in flight anew. 0, or an ERR_* if the device did not come back (the
     * driver exits and init restarts it). NULL: the backend has no deadline. */
    long (*reset)(void);
};

/* The disk's geometry and abilities. */
const struct blkdev_info *blkdev_info(void);
/* Starts slot's request (also again, after a reset): len bytes (a multiple of sector_size, <= BLOCK_IO_MAX; 0 for a flush) at
 * sector, from (WRITE) or into (READ) the slot's buffer; its end comes as blk_done(slot, result).
 * Precondition: the range is on the disk; can_flush for a flush. */
void blkdev_submit(unsigned slot, enum blkdev_op op, uint64_t sector, uint32_t len);
/* The backend's counters as text (requests, errors, ...) into buf of size n. */
void blkdev_stats(char *buf, size_t n);
