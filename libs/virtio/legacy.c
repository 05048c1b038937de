/* legacy.c: the legacy virtio PCI transport: registers in I/O BAR0 (virtio 1.1 §4.1.4.8, §2.6.2). */
#include <virtio/virtio.h>

#include <warp/devcall.h>

/* §4.1.4.8: offsets in BAR0. */
#define LEGACY_DEVICE_FEATURES 0 /* 32 bits, device to driver */
#define LEGACY_DRIVER_FEATURES 4 /* 32 bits, the ones the driver accepts */
#define LEGACY_QUEUE_PFN 8       /* 32 bits: physical address >> 12 of the selected queue, 0 = off */
#define LEGACY_QUEUE_SIZE 12     /* 16 bits, read-only: the selected queue's size, 0 = none */
#define LEGACY_QUEUE_SELECT 14
#define LEGACY_QUEUE_NOTIFY 16  /* write a queue index to kick it */
#define LEGACY_STATUS 18        /* 8 bits */
#define LEGACY_ISR 19           /* 8 bits, read to clear */
#define LEGACY_CONFIG_VECTOR 20 /* 16 bits, only while MSI-X is enabled */
#define LEGACY_QUEUE_VECTOR 22
#define LEGACY_CONFIG 20      /* device config without MSI-X ... */
#define LEGACY_CONFIG_MSIX 24 /* ... and with it */
#define LEGACY_PFN_SHIFT 12
#define PCI_BAR0 0x10

/* The port of register off. */
static uint16_t legacy_port(const struct virtio_dev *d, unsigned off)
{
    return (uint16_t)(d->io_base + off);
}

/* Device status, 8 bits. */
static uint8_t legacy_get_status(struct virtio_dev *d)
{
    return port_in8(legacy_port(d, LEGACY_STATUS));
}

/* Writes the device status (0 resets). */
static void legacy_set_status(struct virtio_dev *d, uint8_t status)
{
    port_out8(legacy_port(d, LEGACY_STATUS), status);
}

/* Legacy devices have 32 feature bits. */
static uint64_t legacy_device_features(struct virtio_dev *d)
{
    return port_in32(legacy_port(d, LEGACY_DEVICE_FEATURES));
}

/* Accepts features (the low 32 bits are all a legacy device has). */
static void legacy_set_driver_features(struct virtio_dev *d, uint64_t features)
{
    port_out32(legacy_port(d, LEGACY_DRIVER_FEATURES), (uint32_t)features);
}

/* Selects queue q and reads its size (0: no such queue). */
static uint16_t legacy_queue_max(struct virtio_dev *d, uint16_t q)
{
    port_out16(legacy_port(d, LEGACY_QUEUE_SELECT), q);
    return port_in16(legacy_port(d, LEGACY_QUEUE_SIZE));
}

/* The size is the device's; the layout is virtqueue.h's (used ring at 4096); the address a PFN. */
static long legacy_queue_setup(struct virtio_dev *d, struct virtq *vq)
{
    if (legacy_queue_max(d, vq->index) != vq->size)
        return ERR_INVALID_ARG;
    if (vq->desc_phys >> LEGACY_PFN_SHIFT > UINT32_MAX)
        return ERR_NOT_SUPPORTED; /* beyond the 32-bit page frame number */
    port_out32(legacy_port(d, LEGACY_QUEUE_PFN), (uint32_t)(vq->desc_phys >> LEGACY_PFN_SHIFT));
    vq->notify = legacy_port(d, LEGACY_QUEUE_NOTIFY);
    return 0;
}

/* Writes a vector register and checks the device took it (§4.1.5.1.2.1). */
static long legacy_vector(struct virtio_dev *d, unsigned reg, uint16_t vector)
{
    port_out16(legacy_port(d, reg), vector);
    if (vector != VIRTIO_MSI_NO_VECTOR && port_in16(legacy_port(d, reg)) != vector)
        return ERR_NO_RESOURCES;
    return 0;
}

/* Queue q's MSI-X vector. */
static long legacy_queue_vector(struct virtio_dev *d, uint16_t q, uint16_t vector)
{
    port_out16(legacy_port(d, LEGACY_QUEUE_SELECT), q);
    return legacy_vector(d, LEGACY_QUEUE_VECTOR, vector);
}

/* The configuration-change MSI-X vector. */
static long legacy_config_vector(struct virtio_dev *d, uint16_t vector)
{
    return legacy_vector(d, LEGACY_CONFIG_VECTOR, vector);
}

/* Kicks vq: its index to the notify register. */
static void legacy_notify(struct virtio_dev *d, const struct virtq *vq)
{
    (void)d;
    port_out16((uint16_t)vq->notify, vq->index);
}

/* Reads and clears the ISR (lowers INTx). */
static uint8_t legacy_isr(struct virtio_dev *d)
{
    return port_in8(legacy_port(d, LEGACY_ISR));
}

/* Device config follows the registers; where depends on whether MSI-X is enabled right now. */
static uint32_t legacy_config_read(struct virtio_dev *d, unsigned offset, unsigned width)
{
    unsigned base = virtio_msix_enabled(d) ? LEGACY_CONFIG_MSIX : LEGACY_CONFIG;
    uint16_t port = legacy_port(d, base + offset);
    if (width == 4)
        return port_in32(port);
    if (width == 2)
        return port_in16(port);
    return port_in8(port);
}

static const struct virtio_ops legacy_ops = {
    .name = "legacy",
    .get_status = legacy_get_status,
    .set_status = legacy_set_status,
    .device_features = legacy_device_features,
    .set_driver_features = legacy_set_driver_features,
    .queue_max = legacy_queue_max,
    .queue_setup = legacy_queue_setup,
    .queue_vector = legacy_queue_vector,
    .config_vector = legacy_config_vector,
    .notify = legacy_notify,
    .isr = legacy_isr,
    .config_read = legacy_config_read,
};

/* BAR0 must be an I/O BAR; mapping it opens its ports to us. */
long virtio_legacy_open(struct virtio_dev *d)
{
    long bar0 = warp_device_config_read(d->handle, PCI_BAR0, 4);
    if (bar0 < 0)
        return bar0;
    if (!(bar0 & 1))
        return ERR_NOT_SUPPORTED;
    long base = warp_device_map_bar(d->handle, 0);
    if (base < 0)
        return base;
    d->io_base = (uint16_t)base;
    d->transport = VIRTIO_LEGACY;
    d->ops = &legacy_ops;
    return 0;
}
