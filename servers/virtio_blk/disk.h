/* disk.h: the virtio-blk device (disk.c): bring-up, the request queue, its slots, interrupts. */
#pragma once

#include "blkdev.h"

#include <virtio/virtio.h>
#include <warp/loop.h>
#include <warp/proto/block.h>

/* virtio 1.1 §5.2.3: feature bits the driver may accept. */
#define VIRTIO_BLK_F_RO (1ull << 5)       /* the device is read-only */
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6) /* blk_size in the config is valid */
#define VIRTIO_BLK_F_FLUSH (1ull << 9)    /* VIRTIO_BLK_T_FLUSH works */
#define VIRTIO_BLK_TYPE 2                 /* virtio device type of a block device */

/* §5.2.4: device config offsets. */
#define VIRTIO_BLK_CFG_CAPACITY 0  /* le64, in 512-byte sectors whatever blk_size says */
#define VIRTIO_BLK_CFG_BLK_SIZE 20 /* le32 */

/* §5.2.6: request types and status values. */
#define VIRTIO_BLK_T_IN 0 /* read */
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

/*
 * DMA layout: the ring, then nslots DISK_META-byte areas (the 16-byte request header, struct
 * virtio_blk_req's type/reserved/sector, at 0 and the status byte at DISK_STATUS_OFF), then nslots
 * bounce buffers of BLOCK_IO_MAX bytes. A request is a 3-descriptor chain: header (device reads),
 * data (device reads for a write, writes for a read), status (device writes): the split layout a
 * legacy device needs without VIRTIO_F_ANY_LAYOUT. A flush has no data: header and status.
 */
#define DISK_META 32
#define DISK_HDR_LEN 16
#define DISK_STATUS_OFF 16

#define DISK_SECTOR 512                 /* the unit of the request header's sector and of capacity */
#define DISK_REQQ 0                     /* the request queue (§5.2.2: requestq1) */
#define DISK_SLOTS_MAX BLKDEV_SLOTS_MAX /* requests in flight at most */
#define DISK_QUEUE_WANT 128             /* queue size we pick where the device lets us (modern) */

/* What the sessions (blk.c) learn: a request in slot finished with 0 or an ERR_*. */
typedef void (*disk_done_fn)(unsigned slot, long result);

/* The device: transport, queue, slots, geometry. */
struct disk {
    struct virtio_dev vdev;
    struct virtq vq;
    void *ring; /* the queue's memory and its cookies, set up anew after a reset */
    paddr_t ring_phys;
    void **cookies;
    uint16_t qsize;
    disk_done_fn done;
    uint8_t *slots; /* per slot: the request header and status (DISK_META bytes) ... */
    paddr_t slots_phys;
    uint8_t *data; /* ... and BLOCK_IO_MAX bytes of bounce buffer */
    paddr_t data_phys;
    unsigned nslots;      /* min(DISK_SLOTS_MAX, queue size / 3) */
    uint64_t features;    /* accepted */
    uint64_t sectors;     /* capacity in units of sector_size */
    uint32_t sector_size; /* the device's blk_size if offered and sane, else 512 */
    bool msix;            /* one MSI-X vector for the queue; else INTx/MSI and the ISR */
    handle_t irq;
    uint64_t requests, errors, irqs, resets;
};

extern struct disk disk_g;

/* Brings up the device behind handle dev, reporting completions to done; logs why not and returns
 * an ERR_* on failure. */
long disk_init(handle_t dev, disk_done_fn done);
/* The sessions' interface (blkdev_submit, blkdev_info with its reset, ...) is blkdev.h. */
/* Handles EV_IRQ of irq: ISR (INTx), ack, then the finished requests. */
void disk_on_irq(struct loop *l, handle_t irq, void *ctx);
