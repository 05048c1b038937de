/* virtqueue.c: split virtqueues (virtio 1.1 §2.6): chains out on the available ring, back on the used. */
/* Its header by a path relative to this file: tests/unit/test_virtqueue.c compiles this file into
 * the host test without any include flags of libs/virtio. */
#include "include/virtio/virtqueue.h"

#include <warp/string.h>

/*
 * Ordering (§2.6.13): descriptors and the available-ring entry must be visible before avail->idx
 * says they exist, and used->idx must be read before the used entries it covers. x86 keeps stores
 * in order and loads in order, so these are compiler barriers there; the one store-then-load that
 * x86 may reorder (publish avail->idx, then read used->flags to decide on a kick) gets a full fence:
 *
 *     driver: avail->idx = 5 ... read used->flags (NO_NOTIFY?)     without the fence the read may
 *     device:                 set NO_NOTIFY ... idle, read avail->idx (still 4)   pass the store
 *                                                  and both sides think the other will act.
 */
#define VIRTQ_WMB() __atomic_thread_fence(__ATOMIC_RELEASE)
#define VIRTQ_RMB() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define VIRTQ_MB() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* Rounds x up to a multiple of a (a power of two). */
static size_t virtq_align_up(size_t x, size_t a)
{
    return (x + a - 1) & ~(a - 1);
}

/* Offset of the used ring in the layout of a size-entry queue. */
static size_t virtq_used_offset(uint16_t size)
{
    return virtq_align_up(16u * size + 6u + 2u * size, VIRTQ_ALIGN);
}

/* A power of two, at most VIRTQ_SIZE_MAX. */
bool virtq_size_ok(uint16_t size)
{
    return size != 0 && size <= VIRTQ_SIZE_MAX && (size & (size - 1)) == 0;
}

/* Ring memory a size-entry queue needs. */
size_t virtq_bytes(uint16_t size)
{
    if (!virtq_size_ok(size))
        return 0;
    return virtq_align_up(virtq_used_offset(size) + 6u + 8u * size, VIRTQ_ALIGN);
}

/* Lays out and zeroes a queue; every descriptor starts on the free list. */
long virtq_init(struct virtq *vq, uint16_t index, uint16_t size, void *mem, paddr_t phys, void **cookies)
{
    if (!virtq_size_ok(size) || phys % VIRTQ_ALIGN != 0 || !mem || !cookies)
        return ERR_INVALID_ARG;
    memset(mem, 0, virtq_bytes(size));
    memset(vq, 0, sizeof(*vq));
    vq->index = index;
    vq->size = size;
    vq->desc = mem;
    vq->avail = (void *)((uint8_t *)mem + 16u * size);
    vq->used = (void *)((uint8_t *)mem + virtq_used_offset(size));
    vq->desc_phys = phys;
    vq->avail_phys = phys + 16u * size;
    vq->used_phys = phys + virtq_used_offset(size);
    vq->cookies = cookies;
    for (uint16_t i = 0; i < size; i++) {
        vq->desc[i].next = (uint16_t)(i + 1);
        cookies[i] = NULL;
    }
    vq->free_head = 0;
    vq->num_free = size;
    return 0;
}

/* Checks a chain before any descriptor is taken: lengths set, readable buffers first. */
static bool virtq_chain_ok(const struct virtq_buf *bufs, unsigned n)
{
    bool seen_writable = false;
    for (unsigned i = 0; i < n; i++) {
        if (bufs[i].len == 0 || (seen_writable && !bufs[i].device_writes))
            return false;
        seen_writable |= bufs[i].device_writes;
    }
    return true;
}

/* Takes n descriptors off the free list, fills them as one chain, queues its head. */
long virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned n, void *cookie)
{
    if (n == 0 || !cookie || !virtq_chain_ok(bufs, n))
        return ERR_INVALID_ARG;
    if (n > vq->num_free)
        return ERR_NO_RESOURCES;
    uint16_t head = vq->free_head, d = head;
    for (unsigned i = 0; i < n; i++) {
        volatile struct virtq_desc *desc = &vq->desc[d];
        desc->addr = bufs[i].addr;
        desc->len = bufs[i].len;
        desc->flags = (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
                                 (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        if (i + 1 < n)
            d = desc->next; /* the free list's next is the chain's next */
    }
    vq->free_head = vq->desc[d].next;
    vq->num_free = (uint16_t)(vq->num_free - n);
    vq->cookies[head] = cookie;
    vq->avail->ring[vq->avail_idx % vq->size] = head;
    vq->avail_idx++;
    return head;
}

/* Publishes the added chains; true if the device wants a kick. */
bool virtq_publish(struct virtq *vq)
{
    if (vq->avail->idx == vq->avail_idx)
        return false;
    VIRTQ_WMB();
    vq->avail->idx = vq->avail_idx;
    VIRTQ_MB();
    return (vq->used->flags & VIRTQ_USED_F_NO_NOTIFY) == 0;
}

/* Used entries not yet collected. */
uint16_t virtq_pending_used(const struct virtq *vq)
{
    return (uint16_t)(vq->used->idx - vq->last_used);
}

/* Returns the chain at head to the free list; its length is bounded by the queue size. */
static void virtq_free_chain(struct virtq *vq, uint16_t head)
{
    uint16_t d = head, n = 1;
    while ((vq->desc[d].flags & VIRTQ_DESC_F_NEXT) && n < vq->size) {
        d = vq->desc[d].next;
        n++;
    }
    vq->desc[d].next = vq->free_head;
    vq->free_head = head;
    vq->num_free = (uint16_t)(vq->num_free + n);
    vq->cookies[head] = NULL;
}

/* Collects one used chain. */
long virtq_pop(struct virtq *vq, void **cookie, uint32_t *len)
{
    if (virtq_pending_used(vq) == 0)
        return 0;
    VIRTQ_RMB();
    volatile struct virtq_used_elem *e = &vq->used->ring[vq->last_used % vq->size];
    uint32_t id = e->id, written = e->len;
    vq->last_used++;
    if (id >= vq->size || vq->cookies[id] == NULL)
        return ERR_BAD_FORMAT;
    *cookie = vq->cookies[id];
    *len = written;
    virtq_free_chain(vq, (uint16_t)id);
    return 1;
}

/* Sets or clears VIRTQ_AVAIL_F_NO_INTERRUPT. */
void virtq_set_interrupts(struct virtq *vq, bool enabled)
{
    vq->avail->flags = enabled ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT;
    VIRTQ_MB();
}
