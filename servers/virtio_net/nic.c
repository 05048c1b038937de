/* nic.c: the virtio-net device (virtio 1.1 §5.1) over either PCI transport: bring-up, rx, tx, IRQs. */
#include "nic.h"

#include <warp/clock.h>
#include <warp/devcall.h>
#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

struct nic nic_g;

/* Slot i's virtual address (rx slots first, then tx). */
static uint8_t *nic_slot(unsigned i)
{
    return nic_g.slots + (size_t)i * NET_SLOT;
}

/* Slot i's physical address. */
static paddr_t nic_slot_phys(unsigned i)
{
    return nic_g.slots_phys + (paddr_t)i * NET_SLOT;
}

/* Cookies are slot numbers + 1 (a cookie may not be NULL). */
static void *nic_cookie(unsigned slot)
{
    return (void *)(uintptr_t)(slot + 1);
}

/* Puts rx slot i on the rx queue: header and frame area, both device-writable. */
static long nic_rx_post(unsigned i)
{
    struct virtq_buf bufs[2] = {
        {nic_slot_phys(i), nic_g.hdr_len, true},
        {nic_slot_phys(i) + NET_FRAME_OFF, NET_SLOT - NET_FRAME_OFF, true},
    };
    return virtq_add(&nic_g.rx, bufs, 2, nic_cookie(i));
}

/* Publishes what was added to vq and kicks the device if it wants it. */
static void nic_kick(struct virtq *vq)
{
    if (virtq_publish(vq))
        virtio_notify(&nic_g.vdev, vq);
}

static void nic_rx_poll(void);

/* The rest of a receive batch, after the loop has had its turn (or frames held back). */
static void nic_rx_more(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)l;
    (void)t;
    (void)ctx;
    nic_rx_poll();
}

void nic_rx_resume(void)
{
    loop_timeout_after(nic_g.loop, &nic_g.rx_more, 0);
}

/*
 * Collects received frames, hands them on, gives the buffers back to the device. At most
 * NET_RX_BATCH per turn: a device that never stops delivering must not starve the sessions' calls,
 * so the rest waits for a zero-delay timeout (the interrupt that announced it is already acked).
 * While the client cannot take a frame, the rest stay in the ring (the device then holds new ones
 * back): its nic_rx_resume, or a look every NET_RX_HOLD_CHECK_MS, goes on.
 */
static void nic_rx_poll(void)
{
    void *cookie;
    uint32_t len;
    long r;
    unsigned budget = NET_RX_BATCH;
    while (budget-- > 0 && nic_g.client->can_take() && (r = virtq_pop(&nic_g.rx, &cookie, &len)) != 0) {
        if (r < 0) {
            printf("virtio_net: the device returned a bad rx descriptor\n");
            nic_g.rx_bad++;
            continue;
        }
        unsigned slot = (unsigned)(uintptr_t)cookie - 1;
        if (slot >= nic_g.rx_bufs) {
            nic_g.rx_bad++;
            continue;
        }
        uint32_t frame_len = len >= nic_g.hdr_len ? len - nic_g.hdr_len : 0;
        if (frame_len < ETHERNET_HDR_LEN || frame_len > ETHERNET_FRAME_MAX) {
            nic_g.rx_bad++;
        } else {
            nic_g.rx_frames++;
            nic_g.client->on_frame(nic_slot(slot) + NET_FRAME_OFF, frame_len);
        }
        nic_rx_post(slot); /* cannot fail: its two descriptors were just freed */
    }
    nic_g.client->on_rx_done();
    nic_kick(&nic_g.rx);
    if (virtq_pending_used(&nic_g.rx) > 0) {
        uint64_t ms = nic_g.client->can_take() ? 0 : NET_RX_HOLD_CHECK_MS;
        loop_timeout_after(nic_g.loop, &nic_g.rx_more, ms * CLOCK_NS_PER_MS);
    }
}

/* Returns the tx slots the device is done with to the free stack; how many. */
static unsigned nic_tx_reclaim(void)
{
    void *cookie;
    uint32_t len;
    long r;
    unsigned freed = 0;
    while ((r = virtq_pop(&nic_g.tx, &cookie, &len)) != 0) {
        unsigned slot = (unsigned)(uintptr_t)cookie - 1;
        if (r < 0 || slot < nic_g.rx_bufs || slot >= nic_g.rx_bufs + nic_g.tx_bufs) {
            printf("virtio_net: the device returned a bad tx descriptor\n");
            continue;
        }
        nic_g.tx_free[nic_g.tx_nfree++] = (uint16_t)slot;
        freed++;
    }
    return freed;
}

/* True if n tx slots are free (collecting finished ones first). */
bool nic_tx_room(unsigned n)
{
    if (nic_g.tx_nfree < n)
        nic_tx_reclaim();
    return nic_g.tx_nfree >= n;
}

/* Copies one frame of the caller's (buffer buf) behind a zeroed header into tx slot slot. */
static long nic_tx_copy(handle_t ch, uint64_t call_id, unsigned buf, unsigned slot, uint32_t len)
{
    uint8_t *p = nic_slot(slot);
    long n = warp_call_read(ch, call_id, buf, 0, p + NET_FRAME_OFF, len);
    if (n < 0)
        return n;
    if ((uint32_t)n != len)
        return ERR_BAD_ADDRESS;  /* cannot happen: len is the buffer's length */
    memset(p, 0, nic_g.hdr_len); /* no checksum offload, no GSO */
    return 0;
}

/* Puts tx slot slot, holding a len-byte frame, on the tx queue: header and frame, device-readable. */
static long nic_tx_post(unsigned slot, uint32_t len)
{
    struct virtq_buf bufs[2] = {
        {nic_slot_phys(slot), nic_g.hdr_len, false},
        {nic_slot_phys(slot) + NET_FRAME_OFF, len, false},
    };
    return virtq_add(&nic_g.tx, bufs, 2, nic_cookie(slot));
}

/*
 * Copies every frame into a slot from the top of the free stack first, and only then queues them:
 * a copy that fails (the client unmapped a buffer) leaves the stack as it was and nothing queued.
 * Queueing cannot fail: a tx slot's two descriptors are free whenever the slot is (the queue has
 * two per slot).
 */
long nic_send_from_call(handle_t ch, uint64_t call_id, const uint32_t *lens, unsigned n)
{
    long total = 0;
    for (unsigned i = 0; i < n; i++) {
        long r = nic_tx_copy(ch, call_id, i, nic_g.tx_free[nic_g.tx_nfree - 1 - i], lens[i]);
        if (r < 0)
            return r;
        total += lens[i];
    }
    for (unsigned i = 0; i < n; i++) {
        long r = nic_tx_post(nic_g.tx_free[nic_g.tx_nfree - 1], lens[i]);
        if (r < 0)
            return r;
        nic_g.tx_nfree--;
        nic_g.tx_frames++;
    }
    return total;
}

/* One notification for everything queued since the last. */
void nic_tx_kick(void)
{
    if (virtq_publish(&nic_g.tx)) {
        virtio_notify(&nic_g.vdev, &nic_g.tx);
        nic_g.tx_kicks++;
    }
}

/* Collects finished tx slots and reports them to the client. */
static void nic_tx_collect(void)
{
    nic_tx_reclaim();
    nic_g.client->on_tx_space(); /* WRITEs that waited for a slot */
}

/* Slots came free before the tx interrupt was enabled: report them as the interrupt would have. */
static void nic_tx_more(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)l;
    (void)t;
    (void)ctx;
    if (nic_g.tx_space_wanted)
        nic_tx_collect();
}

/*
 * The tx interrupt is needed only while the client waits for slots. Turning it on races with the
 * device finishing the last busy slots just before (it saw NO_INTERRUPT and raised nothing): used
 * entries already there are reported from a zero-delay timeout instead.
 */
void nic_tx_want_space(bool on)
{
    if (on == nic_g.tx_space_wanted)
        return;
    nic_g.tx_space_wanted = on;
    virtq_set_interrupts(&nic_g.tx, on);
    if (on && virtq_pending_used(&nic_g.tx) > 0)
        loop_timeout_after(nic_g.loop, &nic_g.tx_more, 0);
}

/* Link state: STATUS negotiated and the bit clear means down. */
bool nic_link_up(void)
{
    if (!(nic_g.features & VIRTIO_NET_F_STATUS))
        return true;
    return virtio_config_read(&nic_g.vdev, VIRTIO_NET_CFG_STATUS, 2) & VIRTIO_NET_S_LINK_UP;
}

/*
 * One interrupt. Ack first, then drain: anything the device adds meanwhile raises a new event (the
 * kernel keeps an MSI-X entry's pending bit while it is masked; INTx stays asserted), none is lost.
 * With INTx the ISR read comes before the ack: it lowers the level-triggered line.
 */
void nic_on_irq(struct loop *l, handle_t irq, void *ctx)
{
    (void)l;
    (void)ctx;
    nic_g.irqs++;
    if (!nic_g.msix)
        virtio_isr(&nic_g.vdev);
    warp_irq_ack(irq);
    if (irq == nic_g.irq_rx)
        nic_rx_poll();
    if (irq == nic_g.irq_tx && nic_g.tx_space_wanted)
        nic_tx_collect();
}

/* One DMA allocation for both rings and every slot; the queues laid out in it. */
static long nic_alloc_queues(handle_t dev)
{
    uint16_t rxn = virtio_queue_size(&nic_g.vdev, NET_RXQ, NET_QUEUE_WANT),
             txn = virtio_queue_size(&nic_g.vdev, NET_TXQ, NET_QUEUE_WANT);
    if (rxn < 2 || txn < 2)
        return ERR_NOT_SUPPORTED;
    nic_g.rx_bufs = rxn / 2 < NET_RX_BUFS ? rxn / 2 : NET_RX_BUFS;
    nic_g.tx_bufs = txn / 2 < NET_TX_BUFS ? txn / 2 : NET_TX_BUFS;
    size_t rx_ring = virtq_bytes(rxn), tx_ring = virtq_bytes(txn);
    size_t len = rx_ring + tx_ring + (size_t)(nic_g.rx_bufs + nic_g.tx_bufs) * NET_SLOT;
    paddr_t phys;
    long addr = warp_dma_alloc(dev, len, &phys);
    void **rx_cookies = malloc(rxn * sizeof(void *)), **tx_cookies = malloc(txn * sizeof(void *));
    if (addr < 0 || !rx_cookies || !tx_cookies) {
        free(rx_cookies);
        free(tx_cookies);
        return addr < 0 ? addr : ERR_NO_MEMORY;
    }
    uint8_t *mem = (uint8_t *)addr;
    long r = virtq_init(&nic_g.rx, NET_RXQ, rxn, mem, phys, rx_cookies);
    if (r == 0)
        r = virtq_init(&nic_g.tx, NET_TXQ, txn, mem + rx_ring, phys + rx_ring, tx_cookies);
    nic_g.slots = mem + rx_ring + tx_ring;
    nic_g.slots_phys = phys + rx_ring + tx_ring;
    for (unsigned i = 0; i < nic_g.tx_bufs; i++)
        nic_g.tx_free[nic_g.tx_nfree++] = (uint16_t)(nic_g.rx_bufs + nic_g.tx_bufs - 1 - i);
    return r;
}

/* Two MSI-X vectors (0: rx, 1: tx; no config vector) when the function has them, else one
 * interrupt (INTx, or MSI) that the ISR tells apart. */
static long nic_setup_irqs(handle_t dev)
{
    if (nic_g.vdev.msix_entries >= 2) {
        long rx = warp_irq_create(dev, 0), tx = rx < 0 ? rx : warp_irq_create(dev, 1);
        if (rx < 0 || tx < 0)
            return rx < 0 ? rx : tx;
        nic_g.irq_rx = (handle_t)rx;
        nic_g.irq_tx = (handle_t)tx;
        nic_g.msix = true;
        return virtio_config_vector(&nic_g.vdev, VIRTIO_MSI_NO_VECTOR);
    }
    long irq = warp_irq_create(dev, 0);
    if (irq < 0)
        return irq;
    nic_g.irq_rx = nic_g.irq_tx = (handle_t)irq;
    return 0;
}

/* Assigns q's vector (MSI-X) and hands the queue to the device. */
static long nic_setup_queue(struct virtq *vq, uint16_t vector)
{
    if (nic_g.msix) {
        long r = virtio_queue_vector(&nic_g.vdev, vq->index, vector);
        if (r < 0)
            return r;
    }
    return virtio_queue_setup(&nic_g.vdev, vq);
}

/* The MAC from the device config, or a fixed locally administered one without VIRTIO_NET_F_MAC. */
static void nic_read_mac(void)
{
    static const uint8_t fallback[ETHERNET_ADDR_LEN] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    for (unsigned i = 0; i < ETHERNET_ADDR_LEN; i++)
        nic_g.mac[i] = (nic_g.features & VIRTIO_NET_F_MAC)
                           ? (uint8_t)virtio_config_read(&nic_g.vdev, VIRTIO_NET_CFG_MAC + i, 1)
                           : fallback[i];
}

/* Logs the one start-up line: transport, MAC, queues, interrupts, link. */
static void nic_log_start(void)
{
    const uint8_t *m = nic_g.mac;
    printf("virtio_net: %s transport, MAC %02x:%02x:%02x:%02x:%02x:%02x, rx queue %u (%u buffers), "
           "tx queue %u (%u buffers), %s, link %s\n",
           nic_g.vdev.ops->name, m[0], m[1], m[2], m[3], m[4], m[5], nic_g.rx.size, nic_g.rx_bufs,
           nic_g.tx.size, nic_g.tx_bufs,
           nic_g.msix ? "MSI-X (rx vector 0, tx vector 1)" : "INTx (one interrupt, ISR)",
           nic_link_up() ? "up" : "down");
}

/* Logs which bring-up step failed, marks the device FAILED, returns r. */
static long nic_failed(const char *step, long r)
{
    printf("virtio_net: %s failed: %s\n", step, err_str(r));
    virtio_fail(&nic_g.vdev);
    return r;
}

/* §3.1.1 for a network card: reset, features, queues, interrupts (DRIVER_OK comes after rx fill). */
static long nic_bring_up(handle_t dev)
{
    long r;
    if ((r = virtio_reset(&nic_g.vdev)) < 0)
        return nic_failed("reset", r);
    r = virtio_negotiate(&nic_g.vdev, VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS, &nic_g.features);
    if (r < 0)
        return nic_failed("feature negotiation", r);
    nic_g.hdr_len = (nic_g.features & VIRTIO_F_VERSION_1) ? NET_HDR_MODERN : NET_HDR_LEGACY;
    if ((r = nic_alloc_queues(dev)) < 0)
        return nic_failed("queue memory", r);
    if ((r = nic_setup_irqs(dev)) < 0)
        return nic_failed("interrupts", r);
    if ((r = nic_setup_queue(&nic_g.rx, 0)) < 0 || (r = nic_setup_queue(&nic_g.tx, 1)) < 0)
        return nic_failed("queue setup", r);
    return 0;
}

/* Brings the NIC up and starts receiving. */
long nic_init(handle_t dev, struct loop *l, const struct nic_client *client)
{
    nic_g.loop = l;
    nic_g.client = client;
    long r = warp_device_check(dev, "virtio_net");
    if (r < 0)
        return r;
    if ((r = virtio_pci_open(&nic_g.vdev, dev)) < 0 || virtio_device_type(&nic_g.vdev) != VIRTIO_NET_TYPE) {
        printf("virtio_net: not a virtio network device I can drive: %s\n",
               r < 0 ? err_str(r) : "wrong device type");
        return r < 0 ? r : ERR_NOT_SUPPORTED;
    }
    if ((r = nic_bring_up(dev)) < 0)
        return r;
    nic_read_mac();
    for (unsigned i = 0; i < nic_g.rx_bufs; i++)
        nic_rx_post(i);
    loop_timeout_init(&nic_g.rx_more, nic_rx_more, NULL);
    loop_timeout_init(&nic_g.tx_more, nic_tx_more, NULL);
    virtq_set_interrupts(&nic_g.tx, false); /* until a WRITE waits for a slot */
    virtio_driver_ok(&nic_g.vdev);
    nic_kick(&nic_g.rx);
    nic_log_start();
    return 0;
}
