/* nic.h: the virtio-net device (nic.c): bring-up, receive and transmit rings, interrupts. */
#pragma once

#include <virtio/virtio.h>
#include <warp/loop.h>
#include <warp/proto/ethernet.h>

/* §5.1.3: virtio-net feature bits the driver may accept. */
#define VIRTIO_NET_F_MAC (1ull << 5)     /* the device config holds a MAC address */
#define VIRTIO_NET_F_STATUS (1ull << 16) /* ... and a link status */
#define VIRTIO_NET_S_LINK_UP 1u
#define VIRTIO_NET_CFG_MAC 0    /* u8 mac[6] */
#define VIRTIO_NET_CFG_STATUS 6 /* le16 status */
#define VIRTIO_NET_TYPE 1       /* virtio device type of a network card */

/* §5.1.6: struct virtio_net_hdr is 10 bytes, 12 with num_buffers (VERSION_1 or MRG_RXBUF). */
#define NET_HDR_LEGACY 10
#define NET_HDR_MODERN 12

#define NET_RXQ 0 /* queue numbers (§5.1.2) */
#define NET_TXQ 1

/*
 * DMA layout: both rings, then NET_RX_BUFS + NET_TX_BUFS slots of NET_SLOT bytes. A slot holds the
 * virtio-net header at offset 0 and the frame at NET_FRAME_OFF; each is its own descriptor, so one
 * packet is a 2-descriptor chain (the layout a legacy device needs without VIRTIO_F_ANY_LAYOUT).
 */
#define NET_SLOT 2048
#define NET_FRAME_OFF 16
#define NET_RX_BUFS 64
#define NET_TX_BUFS 64
#define NET_QUEUE_WANT 256      /* queue size we pick where the device lets us (modern) */
#define NET_RX_BATCH 64         /* frames handled per turn of the event loop */
#define NET_RX_HOLD_CHECK_MS 50 /* while the client holds frames back, how often to look again */

/* Where the NIC hands what the device did (the service/ethernet sessions, eth.c). */
struct nic_client {
    void (*on_frame)(const uint8_t *frame, uint32_t len); /* a frame arrived (valid during the call) */
    void (*on_rx_done)(void);  /* a receive batch's frames have all been handed to on_frame */
    bool (*can_take)(void);    /* false: leave received frames in the ring (back-pressure) */
    void (*on_tx_space)(void); /* tx slots came free */
};

/* The NIC: transport, queues, buffers, interrupts, counters. */
struct nic {
    struct loop *loop; /* the driver's event loop (rx_more) */
    const struct nic_client *client;
    struct virtio_dev vdev;
    struct virtq rx, tx;
    uint8_t *slots; /* NET_SLOT-byte buffers: rx first, then tx */
    paddr_t slots_phys;
    unsigned rx_bufs, tx_bufs;     /* how many of each (bounded by the queue sizes) */
    uint16_t tx_free[NET_TX_BUFS]; /* stack of free tx slot numbers */
    unsigned tx_nfree;
    unsigned hdr_len;  /* NET_HDR_LEGACY or NET_HDR_MODERN */
    uint64_t features; /* accepted */
    uint8_t mac[ETHERNET_ADDR_LEN];
    bool msix;                   /* two MSI-X vectors (rx, tx); else one INTx/MSI interrupt and the ISR */
    handle_t irq_rx, irq_tx;     /* irq_tx == irq_rx without MSI-X */
    struct loop_timeout rx_more; /* armed when a receive batch left frames behind, or was held back */
    struct loop_timeout tx_more; /* armed when tx slots came free before the tx interrupt was on */
    bool tx_space_wanted;        /* the client waits for slots: the tx interrupt is on */
    uint64_t rx_frames, rx_bad, tx_frames, tx_kicks, irqs;
};

extern struct nic nic_g;

/* Brings up the device behind handle dev, to run from loop l and report to client; logs why not and
 * returns an ERR_* on failure. */
long nic_init(handle_t dev, struct loop *l, const struct nic_client *client);
/* Handles EV_IRQ of irq: ISR (INTx), ack, then the rings. */
void nic_on_irq(struct loop *l, handle_t irq, void *ctx);
/* The client can take frames again (after can_take said no): collects those in the ring soon. */
void nic_rx_resume(void);
/* True if n tx slots are free (collecting those the device has finished first). */
bool nic_tx_room(unsigned n);
/*
 * Queues the n frames in bufs[0..n) of call call_id on ch, frame i lens[i] bytes (copied with
 * SYS_CALL_READ), all or none: returns the sum of the lengths, or the first copy's ERR_* with nothing
 * queued. The device hears of them at the next nic_tx_kick. Precondition: nic_tx_room(n), every
 * length ETHERNET_HDR_LEN..ETHERNET_FRAME_MAX.
 */
long nic_send_from_call(handle_t ch, uint64_t call_id, const uint32_t *lens, unsigned n);
/* Publishes the queued frames and notifies the device once (if it asks for notifications). */
void nic_tx_kick(void);
/*
 * Whether the client waits for tx slots. Off (the normal case), the device raises no tx interrupt
 * and finished slots are collected when sending; on, the tx interrupt is enabled and on_tx_space
 * reports freed slots (also those freed just before it was turned on).
 */
void nic_tx_want_space(bool on);
/* Link state (up unless the device reports otherwise). */
bool nic_link_up(void);
