/* virtio_pci.c: virtio over PCI (virtio 1.1 §4.1, §3.1): probing, the init sequence, dispatch. */
#include "msix.h"

#include <virtio/virtio.h>

#include <warp/devcall.h>
#include <warp/string.h>
#include <warp/syscall.h>

#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define VIRTIO_RESET_POLLS 1000000 /* status reads before a modern reset counts as stuck */

/* Probes the function and picks its transport. */
long virtio_pci_open(struct virtio_dev *d, handle_t dev)
{
    memset(d, 0, sizeof(*d));
    d->handle = dev;
    long vendor = warp_device_config_read(dev, PCI_VENDOR_ID, 2);
    long device = warp_device_config_read(dev, PCI_DEVICE_ID, 2);
    if (vendor < 0)
        return vendor;
    if (device < 0)
        return device;
    if (vendor != VIRTIO_PCI_VENDOR || device < VIRTIO_PCI_LEGACY_FIRST || device > 0x107f)
        return ERR_NOT_SUPPORTED;
    d->pci_device = (uint16_t)device;
    virtio_msix_find(d);
    long r = virtio_modern_open(d);
    if (r == ERR_NOT_FOUND && device <= VIRTIO_PCI_LEGACY_LAST)
        r = virtio_legacy_open(d);
    else if (r == ERR_NOT_FOUND)
        r = ERR_NOT_SUPPORTED;
    if (r < 0)
        return r;
    return warp_device_enable(dev, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

/* Device type from the PCI id (§4.1.2): modern ids directly, transitional ones through a table. */
unsigned virtio_device_type(const struct virtio_dev *d)
{
    if (d->pci_device >= VIRTIO_PCI_MODERN_BASE)
        return d->pci_device - VIRTIO_PCI_MODERN_BASE;
    /* §4.1.2.3: transitional ids 0x1000.. for network, block, balloon, console, SCSI, entropy, 9P. */
    static const uint8_t transitional[] = {1, 2, 5, 3, 8, 4, 0, 0, 0, 9};
    unsigned i = d->pci_device - VIRTIO_PCI_LEGACY_FIRST;
    return i < sizeof(transitional) ? transitional[i] : 0;
}

/* Writes 0 to the status; modern devices finish resetting when it reads back 0. */
long virtio_reset(struct virtio_dev *d)
{
    d->ops->set_status(d, 0);
    for (int i = 0; i < VIRTIO_RESET_POLLS; i++) {
        if (d->ops->get_status(d) == 0)
            return 0;
        warp_yield();
    }
    return ERR_TIMED_OUT;
}

/* Adds bits to the status register. */
static void virtio_add_status(struct virtio_dev *d, uint8_t bits)
{
    d->ops->set_status(d, (uint8_t)(d->ops->get_status(d) | bits));
}

/* The feature handshake of §3.1.1. */
long virtio_negotiate(struct virtio_dev *d, uint64_t wanted, uint64_t *accepted)
{
    virtio_add_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_add_status(d, VIRTIO_STATUS_DRIVER);
    uint64_t offered = d->ops->device_features(d);
    if (d->transport == VIRTIO_MODERN)
        wanted |= VIRTIO_F_VERSION_1;
    uint64_t features = offered & wanted;
    if (d->transport == VIRTIO_MODERN && !(features & VIRTIO_F_VERSION_1)) {
        virtio_fail(d);
        return ERR_NOT_SUPPORTED;
    }
    d->ops->set_driver_features(d, features);
    if (d->transport == VIRTIO_MODERN) { /* legacy devices have no FEATURES_OK step */
        virtio_add_status(d, VIRTIO_STATUS_FEATURES_OK);
        if (!(d->ops->get_status(d) & VIRTIO_STATUS_FEATURES_OK)) {
            virtio_fail(d);
            return ERR_NOT_SUPPORTED;
        }
    }
    *accepted = features;
    return 0;
}

/* Largest size of queue q. */
uint16_t virtio_queue_max(struct virtio_dev *d, uint16_t q)
{
    return d->ops->queue_max(d, q);
}

/* The size queue q gets (virtio.h). */
uint16_t virtio_queue_size(struct virtio_dev *d, uint16_t q, uint16_t want)
{
    uint16_t max = virtio_queue_max(d, q);
    if (!virtq_size_ok(max))
        return 0;
    return d->transport == VIRTIO_MODERN && max > want ? want : max;
}

/* Hands vq to the device. */
long virtio_queue_setup(struct virtio_dev *d, struct virtq *vq)
{
    return d->ops->queue_setup(d, vq);
}

/* Assigns queue q's MSI-X vector. */
long virtio_queue_vector(struct virtio_dev *d, uint16_t q, uint16_t vector)
{
    if (!virtio_msix_enabled(d))
        return ERR_NOT_SUPPORTED;
    return d->ops->queue_vector(d, q, vector);
}

/* Assigns the configuration-change MSI-X vector. */
long virtio_config_vector(struct virtio_dev *d, uint16_t vector)
{
    if (!virtio_msix_enabled(d))
        return ERR_NOT_SUPPORTED;
    return d->ops->config_vector(d, vector);
}

/* The device is live. */
void virtio_driver_ok(struct virtio_dev *d)
{
    virtio_add_status(d, VIRTIO_STATUS_DRIVER_OK);
}

/* The driver gave up. */
void virtio_fail(struct virtio_dev *d)
{
    virtio_add_status(d, VIRTIO_STATUS_FAILED);
}

/* Current status. */
uint8_t virtio_status(struct virtio_dev *d)
{
    return d->ops->get_status(d);
}

/* Kicks vq. */
void virtio_notify(struct virtio_dev *d, const struct virtq *vq)
{
    d->ops->notify(d, vq);
}

/* Reads (and so clears) the ISR. */
uint8_t virtio_isr(struct virtio_dev *d)
{
    return d->ops->isr(d);
}

/* Reads device-specific config. */
uint32_t virtio_config_read(struct virtio_dev *d, unsigned offset, unsigned width)
{
    return d->ops->config_read(d, offset, width);
}
