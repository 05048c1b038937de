/* scsi.h: the virtio-scsi host (scsi.c, virtio 1.1 §5.6): bring-up, the first request queue, one disk. */
#pragma once

#include "blkdev.h"

#include <virtio/virtio.h>
#include <warp/loop.h>

#define VIRTIO_SCSI_TYPE 8 /* virtio device type of a SCSI host */

/* §5.6.2: queues; we use only the first request queue. */
#define SCSI_REQQ 2

/* §5.6.4: device config offsets. */
#define SCSI_CFG_SENSE_SIZE 20 /* le32 */
#define SCSI_CFG_CDB_SIZE 24   /* le32 */
#define SCSI_CFG_MAX_TARGET 30 /* le16 */

/* §5.6.6: the fixed sizes of the request's CDB and the response's sense (the config's defaults). */
#define SCSI_CDB_SIZE 32
#define SCSI_SENSE_SIZE 96

/*
 * DMA layout: the ring, then nslots SCSI_META-byte areas (the device-readable request header,
 * struct virtio_scsi_req_cmd, at 0; the device-writable response, struct virtio_scsi_resp_cmd, at
 * SCSI_RESP_OFF), then nslots bounce buffers of BLOCK_IO_MAX bytes. A command is a chain of request
 * header, data-out (a write), response, data-in (a read): the split layout a legacy device needs
 * without VIRTIO_F_ANY_LAYOUT.
 */
#define SCSI_META 256
#define SCSI_RESP_OFF 128

#define SCSI_SLOTS_MAX BLKDEV_SLOTS_MAX
#define SCSI_QUEUE_WANT 128        /* queue size we pick where the device lets us (modern) */
#define SCSI_TARGETS_MAX 16        /* targets scanned at most, whatever max_target says */
#define SCSI_RETRIES_MAX 5         /* UNIT ATTENTION retries of one command */
#define SCSI_SYNC_NS 2000000000ull /* a scan command not answered by then gives up */

/* A slot's command as submitted, kept to send it again after a UNIT ATTENTION. */
struct scsi_req {
    enum blkdev_op op;
    uint32_t len;
    uint64_t lba;
    unsigned retries;
};

/* The host, its queue and slots, and the disk it serves. */
struct scsi_host {
    struct virtio_dev vdev;
    struct virtq vq;
    void *ring; /* the queue's memory and its cookies, set up anew after a reset */
    paddr_t ring_phys;
    void **cookies;
    uint16_t qsize;
    uint8_t *slots; /* per slot: request header and response (SCSI_META bytes) ... */
    paddr_t slots_phys;
    uint8_t *data; /* ... and BLOCK_IO_MAX bytes of bounce buffer */
    paddr_t data_phys;
    unsigned nslots; /* min(SCSI_SLOTS_MAX, queue size / 3) */
    struct scsi_req reqs[SCSI_SLOTS_MAX];
    uint64_t features; /* accepted */
    unsigned target;   /* the disk's: target on bus 0, LUN 0 */
    char vendor[9], product[17];
    uint64_t sectors;     /* READ CAPACITY(16): last LBA + 1 */
    uint32_t sector_size; /* its logical block length */
    bool read_only;       /* MODE SENSE's WP bit: the disk is write-protected */
    bool msix;            /* one MSI-X vector for the queue; else INTx/MSI and the ISR */
    handle_t irq;
    uint64_t requests, errors, irqs, retries, resets;
};

extern struct scsi_host scsi_g;

/* Brings up the host behind handle dev and finds its first disk, waiting for its answers on l's
 * event queue (its interrupt a source of l, served later); logs why not and returns an ERR_*. */
long scsi_init(handle_t dev, struct loop *l);
/* Handles EV_IRQ of irq: ISR (INTx), ack, then the finished commands (to blk_done). */
void scsi_on_irq(struct loop *l, handle_t irq, void *ctx);
