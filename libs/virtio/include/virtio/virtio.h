/* virtio.h: virtio devices over PCI (virtio 1.1 §4.1): one interface, legacy and modern transports. */
#pragma once

#include <virtio/virtqueue.h>
#include <warp/error.h>
#include <warp/types.h>

/*
 * A driver holds a device handle (from init) and drives the device through struct virtio_dev,
 * whatever transport it offers:
 *
 *   legacy  (§4.1.4.8, "Legacy Interfaces: A Note on PCI Device Layout"): registers in I/O BAR0,
 *           32 feature bits, queues at a page frame number with a fixed size, device config at
 *           offset 20, or 24 while MSI-X is enabled (then 20/22 hold the MSI-X vector registers);
 *   modern  (§4.1.4, virtio 1.0+): vendor-specific PCI capabilities point into memory BARs at the
 *           common config (§4.1.4.3), notify area (§4.1.4.4), ISR (§4.1.4.5) and device config
 *           (§4.1.4.6); 64 feature bits, VIRTIO_F_VERSION_1 required, queue sizes chosen by us.
 *
 * A transitional device (ids 0x1000..0x103f with both) is driven as modern. The sequence a driver
 * follows is §3.1.1: virtio_pci_open, virtio_reset, virtio_negotiate (ACKNOWLEDGE, DRIVER,
 * features, FEATURES_OK), virtio_queue_setup per queue, optional MSI-X vectors, virtio_driver_ok.
 */

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_LEGACY_FIRST 0x1000 /* transitional/legacy ids: 0x1000 + (type - 1) */
#define VIRTIO_PCI_LEGACY_LAST 0x103f
#define VIRTIO_PCI_MODERN_BASE 0x1040 /* modern ids: 0x1040 + device type */

/* §2.1: device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

/* §6: reserved (device-independent) feature bits. */
#define VIRTIO_F_VERSION_1 (1ull << 32)

/* §4.1.5.1.2: "no MSI-X vector" for the config or a queue. */
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* §4.1.4.5: ISR status bits (read to clear; INTx only). */
#define VIRTIO_ISR_QUEUE 1u
#define VIRTIO_ISR_CONFIG 2u

enum virtio_transport {
    VIRTIO_LEGACY = 1,
    VIRTIO_MODERN = 2,
};

struct virtio_dev;

/* What a transport does; the virtio_* functions below are the interface drivers use. */
struct virtio_ops {
    const char *name; /* "legacy" or "modern" */
    uint8_t (*get_status)(struct virtio_dev *d);
    void (*set_status)(struct virtio_dev *d, uint8_t status);
    uint64_t (*device_features)(struct virtio_dev *d);
    void (*set_driver_features)(struct virtio_dev *d, uint64_t features);
    uint16_t (*queue_max)(struct virtio_dev *d, uint16_t q);
    long (*queue_setup)(struct virtio_dev *d, struct virtq *vq);
    long (*queue_vector)(struct virtio_dev *d, uint16_t q, uint16_t vector);
    long (*config_vector)(struct virtio_dev *d, uint16_t vector);
    void (*notify)(struct virtio_dev *d, const struct virtq *vq);
    uint8_t (*isr)(struct virtio_dev *d);
    uint32_t (*config_read)(struct virtio_dev *d, unsigned offset, unsigned width);
};

/* One virtio PCI function. Fields are the transports'; drivers use the functions. */
struct virtio_dev {
    handle_t handle; /* the device handle */
    const struct virtio_ops *ops;
    enum virtio_transport transport;
    uint16_t pci_device; /* PCI device id */
    uint8_t msix_cap;    /* config offset of the MSI-X capability, 0 if none */
    uint16_t msix_entries;
    /* legacy */
    uint16_t io_base; /* first port of BAR0 */
    /* modern */
    volatile uint8_t *common; /* struct virtio_pci_common_cfg */
    volatile uint8_t *notify_base;
    uint32_t notify_mult; /* notify_off_multiplier */
    volatile uint8_t *isr_reg;
    volatile uint8_t *device_cfg;
    uint32_t device_cfg_len;
    volatile uint8_t *bars[6]; /* memory BARs mapped so far */
};

/*
 * Probes the PCI function behind handle dev: a virtio device (vendor 0x1af4) with the modern
 * capabilities (preferred) or a legacy I/O BAR0. Maps what the transport needs, turns on I/O and
 * memory decoding and bus mastering, and fills *d. ERR_NOT_SUPPORTED if it is not a virtio device
 * either transport can drive; the system calls' errors otherwise.
 */
long virtio_pci_open(struct virtio_dev *d, handle_t dev);

/* The virtio device type (1 = network, 4 = entropy, ...) from the PCI device id; 0 if unknown. */
unsigned virtio_device_type(const struct virtio_dev *d);

/* Resets the device (status 0) and, for modern, waits until it reads back 0 (§4.1.4.3.2). */
long virtio_reset(struct virtio_dev *d);

/*
 * §3.1.1 steps 2-6: ACKNOWLEDGE, DRIVER, then accepts device features & wanted (VERSION_1 is added
 * on modern and required there), FEATURES_OK (modern) and checks that it stuck. Stores the
 * accepted set in *accepted. ERR_NOT_SUPPORTED if the device refuses (status FAILED is then set).
 */
long virtio_negotiate(struct virtio_dev *d, uint64_t wanted, uint64_t *accepted);

/* Largest size of queue q (legacy: its only size); 0 if the queue does not exist. */
uint16_t virtio_queue_max(struct virtio_dev *d, uint16_t q);
/* The size to give queue q: legacy devices fix it; modern ones take want if the device allows
 * more. 0 if unusable (no queue, over VIRTQ_SIZE_MAX, or not a power of two). */
uint16_t virtio_queue_size(struct virtio_dev *d, uint16_t q, uint16_t want);

/*
 * Tells the device where vq lives and enables it (vq->index, vq->size set by virtq_init; on legacy
 * the size must be the device's). ERR_INVALID_ARG for a size the device cannot take.
 */
long virtio_queue_setup(struct virtio_dev *d, struct virtq *vq);

/*
 * MSI-X vector of queue q / of configuration changes (VIRTIO_MSI_NO_VECTOR for none). MSI-X must
 * be enabled on the function (after SYS_IRQ_CREATE): ERR_NOT_SUPPORTED otherwise; ERR_NO_RESOURCES
 * if the device does not take the vector (§4.1.5.1.2: it reads back NO_VECTOR).
 */
long virtio_queue_vector(struct virtio_dev *d, uint16_t q, uint16_t vector);
long virtio_config_vector(struct virtio_dev *d, uint16_t vector);

/* True if MSI-X is enabled on the function now (the kernel enables it at the first IRQ handle). */
bool virtio_msix_enabled(struct virtio_dev *d);

/* Sets DRIVER_OK: the device is live. */
void virtio_driver_ok(struct virtio_dev *d);
/* Sets FAILED: the driver gave up on the device. */
void virtio_fail(struct virtio_dev *d);
/* Current status bits. */
uint8_t virtio_status(struct virtio_dev *d);

/* Kicks the device for vq (after virtq_publish said so). */
void virtio_notify(struct virtio_dev *d, const struct virtq *vq);

/* Reads and clears the ISR status (VIRTIO_ISR_*); what an INTx handler does first. */
uint8_t virtio_isr(struct virtio_dev *d);

/* Reads width (1, 2 or 4) bytes of the device-specific config at offset. */
uint32_t virtio_config_read(struct virtio_dev *d, unsigned offset, unsigned width);

/* Transports (legacy.c, modern.c): fill in the transport part of d. */
long virtio_legacy_open(struct virtio_dev *d);
long virtio_modern_open(struct virtio_dev *d);
