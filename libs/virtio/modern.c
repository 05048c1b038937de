/* modern.c: the modern virtio PCI transport: capabilities into memory BARs (virtio 1.1 §4.1.4). */
#include <virtio/virtio.h>

#include <warp/devcall.h>

/* §4.1.4: a vendor-specific capability (struct virtio_pci_cap) per structure. */
#define PCI_STATUS 0x06
#define PCI_CAP_PTR 0x34
#define PCI_BAR0 0x10
#define PCI_STATUS_CAPS 0x10u
#define PCI_CAP_VENDOR 0x09
#define CAP_LEN 2          /* u8 cap_len */
#define CAP_CFG_TYPE 3     /* u8 cfg_type */
#define CAP_BAR 4          /* u8 bar */
#define CAP_OFFSET 8       /* le32 offset within the BAR */
#define CAP_LENGTH 12      /* le32 length of the structure */
#define CAP_NOTIFY_MULT 16 /* le32 notify_off_multiplier (notify capability only) */
#define CAP_TYPE_COMMON 1
#define CAP_TYPE_NOTIFY 2
#define CAP_TYPE_ISR 3
#define CAP_TYPE_DEVICE 4

/* §4.1.4.3: struct virtio_pci_common_cfg. */
#define COMMON_DEVICE_FEATURE_SELECT 0
#define COMMON_DEVICE_FEATURE 4
#define COMMON_DRIVER_FEATURE_SELECT 8
#define COMMON_DRIVER_FEATURE 12
#define COMMON_MSIX_CONFIG 16
#define COMMON_NUM_QUEUES 18
#define COMMON_DEVICE_STATUS 20
#define COMMON_QUEUE_SELECT 22
#define COMMON_QUEUE_SIZE 24
#define COMMON_QUEUE_MSIX_VECTOR 26
#define COMMON_QUEUE_ENABLE 28
#define COMMON_QUEUE_NOTIFY_OFF 30
#define COMMON_QUEUE_DESC 32
#define COMMON_QUEUE_DRIVER 40 /* the available ring */
#define COMMON_QUEUE_DEVICE 48 /* the used ring */
#define COMMON_LEN 56

/* A capability as found in config space. */
struct modern_cap {
    uint8_t bar;
    uint32_t offset, length;
    uint32_t notify_mult;
    bool found;
};

/* Accessors of the common config (the BAR is mapped uncached; volatile keeps every access). */
/* 8-bit common-config read. */
static uint8_t common_read8(struct virtio_dev *d, unsigned off)
{
    return *(volatile uint8_t *)(d->common + off);
}

/* 16-bit common-config read. */
static uint16_t common_read16(struct virtio_dev *d, unsigned off)
{
    return *(volatile uint16_t *)(d->common + off);
}

/* 32-bit common-config read. */
static uint32_t common_read32(struct virtio_dev *d, unsigned off)
{
    return *(volatile uint32_t *)(d->common + off);
}

/* 8-bit common-config write. */
static void common_write8(struct virtio_dev *d, unsigned off, uint8_t v)
{
    *(volatile uint8_t *)(d->common + off) = v;
}

/* 16-bit common-config write. */
static void common_write16(struct virtio_dev *d, unsigned off, uint16_t v)
{
    *(volatile uint16_t *)(d->common + off) = v;
}

/* 32-bit common-config write. */
static void common_write32(struct virtio_dev *d, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(d->common + off) = v;
}

/* 64-bit fields as two 32-bit writes, low half first (§4.1.3.1 allows it). */
static void common_write64(struct virtio_dev *d, unsigned off, uint64_t v)
{
    common_write32(d, off, (uint32_t)v);
    common_write32(d, off + 4, (uint32_t)(v >> 32));
}

/* Device status. */
static uint8_t modern_get_status(struct virtio_dev *d)
{
    return common_read8(d, COMMON_DEVICE_STATUS);
}

/* Writes the device status (0 resets). */
static void modern_set_status(struct virtio_dev *d, uint8_t status)
{
    common_write8(d, COMMON_DEVICE_STATUS, status);
}

/* 64 feature bits, read as two selected 32-bit halves. */
static uint64_t modern_device_features(struct virtio_dev *d)
{
    common_write32(d, COMMON_DEVICE_FEATURE_SELECT, 0);
    uint64_t lo = common_read32(d, COMMON_DEVICE_FEATURE);
    common_write32(d, COMMON_DEVICE_FEATURE_SELECT, 1);
    uint64_t hi = common_read32(d, COMMON_DEVICE_FEATURE);
    return hi << 32 | lo;
}

/* Accepts features, both 32-bit halves. */
static void modern_set_driver_features(struct virtio_dev *d, uint64_t features)
{
    common_write32(d, COMMON_DRIVER_FEATURE_SELECT, 0);
    common_write32(d, COMMON_DRIVER_FEATURE, (uint32_t)features);
    common_write32(d, COMMON_DRIVER_FEATURE_SELECT, 1);
    common_write32(d, COMMON_DRIVER_FEATURE, (uint32_t)(features >> 32));
}

/* The selected queue's maximum size; 0 for a queue the device does not have. */
static uint16_t modern_queue_max(struct virtio_dev *d, uint16_t q)
{
    if (q >= common_read16(d, COMMON_NUM_QUEUES))
        return 0;
    common_write16(d, COMMON_QUEUE_SELECT, q);
    return common_read16(d, COMMON_QUEUE_SIZE);
}

/* §4.1.5.1.3: size (ours, at most the device's), the three addresses, the notify offset, enable. */
static long modern_queue_setup(struct virtio_dev *d, struct virtq *vq)
{
    uint16_t max = modern_queue_max(d, vq->index);
    if (max == 0 || vq->size > max)
        return ERR_INVALID_ARG;
    common_write16(d, COMMON_QUEUE_SIZE, vq->size);
    common_write64(d, COMMON_QUEUE_DESC, vq->desc_phys);
    common_write64(d, COMMON_QUEUE_DRIVER, vq->avail_phys);
    common_write64(d, COMMON_QUEUE_DEVICE, vq->used_phys);
    uint16_t off = common_read16(d, COMMON_QUEUE_NOTIFY_OFF);
    vq->notify = (uint64_t)(uintptr_t)(d->notify_base + (uint32_t)off * d->notify_mult);
    common_write16(d, COMMON_QUEUE_ENABLE, 1);
    return 0;
}

/* Writes a vector register and checks the device took it (§4.1.5.1.2.1). */
static long modern_vector(struct virtio_dev *d, unsigned reg, uint16_t vector)
{
    common_write16(d, reg, vector);
    if (vector != VIRTIO_MSI_NO_VECTOR && common_read16(d, reg) != vector)
        return ERR_NO_RESOURCES;
    return 0;
}

/* Queue q's MSI-X vector. */
static long modern_queue_vector(struct virtio_dev *d, uint16_t q, uint16_t vector)
{
    common_write16(d, COMMON_QUEUE_SELECT, q);
    return modern_vector(d, COMMON_QUEUE_MSIX_VECTOR, vector);
}

/* The configuration-change MSI-X vector. */
static long modern_config_vector(struct virtio_dev *d, uint16_t vector)
{
    return modern_vector(d, COMMON_MSIX_CONFIG, vector);
}

/* §4.1.4.4: the queue's index, 16 bits, at its notify address. */
static void modern_notify(struct virtio_dev *d, const struct virtq *vq)
{
    (void)d;
    *(volatile uint16_t *)(uintptr_t)vq->notify = vq->index;
}

/* Reads and clears the ISR (lowers INTx). */
static uint8_t modern_isr(struct virtio_dev *d)
{
    return *d->isr_reg;
}

/* Device config with the field's own width; 0 beyond what the capability covers. */
static uint32_t modern_config_read(struct virtio_dev *d, unsigned offset, unsigned width)
{
    if (offset + width > d->device_cfg_len)
        return 0;
    volatile uint8_t *p = d->device_cfg + offset;
    if (width == 4)
        return *(volatile uint32_t *)p;
    if (width == 2)
        return *(volatile uint16_t *)p;
    return *p;
}

static const struct virtio_ops modern_ops = {
    .name = "modern",
    .get_status = modern_get_status,
    .set_status = modern_set_status,
    .device_features = modern_device_features,
    .set_driver_features = modern_set_driver_features,
    .queue_max = modern_queue_max,
    .queue_setup = modern_queue_setup,
    .queue_vector = modern_queue_vector,
    .config_vector = modern_config_vector,
    .notify = modern_notify,
    .isr = modern_isr,
    .config_read = modern_config_read,
};

/* Reads a config-space value, 0 on error (the caps are then found incomplete). */
static uint32_t modern_cfg(struct virtio_dev *d, unsigned off, unsigned width)
{
    long v = warp_device_config_read(d->handle, off, width);
    return v < 0 ? 0 : (uint32_t)v;
}

/* Records the capability at off in caps[] (the first of each type wins, §4.1.4). */
static void modern_read_cap(struct virtio_dev *d, unsigned off, struct modern_cap caps[5])
{
    uint8_t type = (uint8_t)modern_cfg(d, off + CAP_CFG_TYPE, 1);
    uint8_t len = (uint8_t)modern_cfg(d, off + CAP_LEN, 1);
    if (type < CAP_TYPE_COMMON || type > CAP_TYPE_DEVICE || caps[type].found || len < 16)
        return;
    struct modern_cap *c = &caps[type];
    c->bar = (uint8_t)modern_cfg(d, off + CAP_BAR, 1);
    if (c->bar > 5)
        return; /* a reserved BAR number: ignore this capability */
    c->offset = modern_cfg(d, off + CAP_OFFSET, 4);
    c->length = modern_cfg(d, off + CAP_LENGTH, 4);
    if (type == CAP_TYPE_NOTIFY) {
        if (len < 20)
            return;
        c->notify_mult = modern_cfg(d, off + CAP_NOTIFY_MULT, 4);
    }
    c->found = true;
}

/* Walks the capability list for the four virtio structures. */
static void modern_find_caps(struct virtio_dev *d, struct modern_cap caps[5])
{
    if (!(modern_cfg(d, PCI_STATUS, 2) & PCI_STATUS_CAPS))
        return;
    unsigned off = modern_cfg(d, PCI_CAP_PTR, 1) & 0xfc;
    for (int guard = 0; off && guard < 48; guard++) {
        if (modern_cfg(d, off, 1) == PCI_CAP_VENDOR)
            modern_read_cap(d, off, caps);
        off = modern_cfg(d, off + 1, 1) & 0xfc;
    }
}

/* Maps memory BAR bar once; returns its address (or an ERR_*; I/O BARs are not supported here). */
static long modern_map(struct virtio_dev *d, unsigned bar)
{
    if (d->bars[bar])
        return (long)(uintptr_t)d->bars[bar];
    long raw = warp_device_config_read(d->handle, PCI_BAR0 + 4 * bar, 4);
    if (raw < 0)
        return raw;
    if (raw & 1)
        return ERR_NOT_SUPPORTED;
    long addr = warp_device_map_bar(d->handle, bar);
    if (addr < 0)
        return addr;
    d->bars[bar] = (volatile uint8_t *)(uintptr_t)addr;
    return addr;
}

/* Maps the BAR of capability c; stores the structure's address in *out. */
static long modern_map_cap(struct virtio_dev *d, const struct modern_cap *c, volatile uint8_t **out)
{
    long base = modern_map(d, c->bar);
    if (base < 0)
        return base;
    *out = (volatile uint8_t *)(uintptr_t)base + c->offset;
    return 0;
}

/* ERR_NOT_FOUND without the capabilities (a legacy-only device), else maps the structures. */
long virtio_modern_open(struct virtio_dev *d)
{
    struct modern_cap caps[5] = {0};
    modern_find_caps(d, caps);
    for (int t = CAP_TYPE_COMMON; t <= CAP_TYPE_ISR; t++)
        if (!caps[t].found)
            return ERR_NOT_FOUND;
    if (caps[CAP_TYPE_COMMON].length < COMMON_LEN || caps[CAP_TYPE_ISR].length < 1)
        return ERR_NOT_SUPPORTED;
    long r;
    if ((r = modern_map_cap(d, &caps[CAP_TYPE_COMMON], &d->common)) < 0 ||
        (r = modern_map_cap(d, &caps[CAP_TYPE_NOTIFY], &d->notify_base)) < 0 ||
        (r = modern_map_cap(d, &caps[CAP_TYPE_ISR], &d->isr_reg)) < 0)
        return r;
    if (caps[CAP_TYPE_DEVICE].found) { /* only devices with a device config have it */
        if ((r = modern_map_cap(d, &caps[CAP_TYPE_DEVICE], &d->device_cfg)) < 0)
            return r;
        d->device_cfg_len = caps[CAP_TYPE_DEVICE].length;
    }
    d->notify_mult = caps[CAP_TYPE_NOTIFY].notify_mult;
    d->transport = VIRTIO_MODERN;
    d->ops = &modern_ops;
    return 0;
}
