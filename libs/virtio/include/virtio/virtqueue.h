/* virtqueue.h: split virtqueues (virtio 1.1 §2.6): descriptor table, available and used rings. */
#pragma once

#include <warp/error.h>
#include <warp/types.h>

/*
 * One allocation holds a queue of n entries in the layout the legacy PCI transport prescribes
 * (§2.6.2 "Legacy Interfaces: A Note on Virtqueue Layout"), which the modern transport accepts too:
 *
 *     offset 0                          descriptor table   16 * n bytes
 *     16 * n                            available ring     6 + 2 * n bytes (flags, idx, ring, used_event)
 *     align(16n + 6 + 2n, 4096)         used ring          6 + 8 * n bytes (flags, idx, ring, avail_event)
 *
 * The driver puts chains of descriptors on the available ring; the device returns each chain's head
 * on the used ring with the number of bytes it wrote. Both rings' idx fields are free-running 16-bit
 * counters: an entry lives at ring[idx % n], so n must be a power of two and the arithmetic wraps
 * at 65536 by itself. The code here is pure (no system calls) and runs in host unit tests.
 *
 * Not thread-safe: one event loop owns each queue.
 */

#define VIRTQ_ALIGN 4096     /* legacy: the used ring starts on this boundary (QUEUE_ALIGN) */
#define VIRTQ_SIZE_MAX 32768 /* the largest queue the spec allows */

#define VIRTQ_DESC_F_NEXT 1u          /* the chain continues at next */
#define VIRTQ_DESC_F_WRITE 2u         /* the device writes this buffer (else it reads it) */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u /* driver to device: no interrupt needed for used entries */
#define VIRTQ_USED_F_NO_NOTIFY 1u     /* device to driver: no kick needed for new chains */

/* §2.6.5: one descriptor (little-endian on the wire; x86 is little-endian). */
struct virtq_desc {
    uint64_t addr; /* physical address of the buffer */
    uint32_t len;
    uint16_t flags; /* VIRTQ_DESC_F_* */
    uint16_t next;
};

/* §2.6.6: the available ring (driver to device). */
struct virtq_avail {
    uint16_t flags; /* VIRTQ_AVAIL_F_* */
    uint16_t idx;   /* where the driver puts the next entry, free-running */
    uint16_t ring[];
};

/* §2.6.8: one used-ring entry (device to driver). */
struct virtq_used_elem {
    uint32_t id;  /* head of the chain the device is done with */
    uint32_t len; /* bytes it wrote into the chain's device-writable buffers */
};

struct virtq_used {
    uint16_t flags; /* VIRTQ_USED_F_* */
    uint16_t idx;   /* where the device puts the next entry, free-running */
    struct virtq_used_elem ring[];
};

/* One buffer of a chain. */
struct virtq_buf {
    paddr_t addr;
    uint32_t len;
    bool device_writes; /* true: the device fills it (VIRTQ_DESC_F_WRITE) */
};

/* A split virtqueue as the driver sees it. */
struct virtq {
    uint16_t index; /* queue number on the device */
    uint16_t size;  /* entries; a power of two */
    volatile struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
    paddr_t desc_phys, avail_phys, used_phys;
    uint16_t free_head; /* first free descriptor; free ones are chained through next */
    uint16_t num_free;
    uint16_t avail_idx; /* our copy of avail->idx (chains added, published or not) */
    uint16_t last_used; /* used entries before this one are collected */
    void **cookies;     /* per head descriptor: the caller's token while the chain is out, else NULL */
    uint64_t notify;    /* the transport's: where a kick for this queue goes */
};

/* Bytes of ring memory (VIRTQ_ALIGN-aligned) a queue of size entries needs; 0 if size is invalid. */
size_t virtq_bytes(uint16_t size);

/* True if size is a usable split-queue size: a power of two, 1..VIRTQ_SIZE_MAX. */
bool virtq_size_ok(uint16_t size);

/*
 * Lays out a queue of size entries (a power of two, 1..VIRTQ_SIZE_MAX) in ring memory mem, whose
 * physical address phys is VIRTQ_ALIGN-aligned, zeroing it; cookies has room for size pointers.
 * ERR_INVALID_ARG for a bad size or an unaligned phys.
 */
long virtq_init(struct virtq *vq, uint16_t index, uint16_t size, void *mem, paddr_t phys, void **cookies);

/*
 * Adds one chain of n buffers (device-readable ones first, then device-writable ones, as §2.6.4.2
 * requires) with cookie, which virtq_pop returns with it; the device sees it after virtq_publish.
 * Returns the head descriptor, ERR_NO_RESOURCES if fewer than n descriptors are free, or
 * ERR_INVALID_ARG (n == 0, cookie NULL, a zero length, a readable buffer after a writable one).
 */
long virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned n, void *cookie);

/*
 * Makes the chains added since the last call visible to the device (avail->idx) and says whether
 * the device asked to be notified (no VIRTQ_USED_F_NO_NOTIFY). False when nothing was added.
 */
bool virtq_publish(struct virtq *vq);

/*
 * Collects the next chain the device is done with: its cookie and the bytes the device wrote, and
 * frees its descriptors. Returns 1, 0 if the device has returned nothing new, or ERR_BAD_FORMAT if
 * the device returned a head that is not out (the entry is skipped; the device is broken).
 */
long virtq_pop(struct virtq *vq, void **cookie, uint32_t *len);

/* Chains returned by the device and not yet collected (a ring-wrap-safe difference). */
uint16_t virtq_pending_used(const struct virtq *vq);

/* Asks the device not to interrupt for this queue (a hint: it may still do so), or to again. */
void virtq_set_interrupts(struct virtq *vq, bool enabled);
