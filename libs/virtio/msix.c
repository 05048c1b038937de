/* msix.c: the MSI-X capability of a virtio PCI function (PCI Local Bus 3.0 §6.8.2), for both transports. */
#include "msix.h"

#include <virtio/virtio.h>

#include <warp/devcall.h>

#define PCI_STATUS 0x06
#define PCI_CAP_PTR 0x34
#define PCI_STATUS_CAPS 0x10u
#define PCI_CAP_MSIX 0x11
#define MSIX_CTRL_ENABLE 0x8000u

/* Finds the MSI-X capability; leaves d->msix_cap 0 if there is none. */
void virtio_msix_find(struct virtio_dev *d)
{
    long status = warp_device_config_read(d->handle, PCI_STATUS, 2);
    if (status < 0 || !(status & PCI_STATUS_CAPS))
        return;
    long off = warp_device_config_read(d->handle, PCI_CAP_PTR, 1);
    for (int guard = 0; off > 0 && guard < 48; guard++) {
        off &= 0xfc;
        if (warp_device_config_read(d->handle, (unsigned)off, 1) == PCI_CAP_MSIX) {
            d->msix_cap = (uint8_t)off;
            long ctrl = warp_device_config_read(d->handle, (unsigned)off + 2, 2);
            d->msix_entries = ctrl < 0 ? 0 : (uint16_t)((ctrl & 0x7ff) + 1);
            return;
        }
        off = warp_device_config_read(d->handle, (unsigned)off + 1, 1);
    }
}

/* True if the MSI-X enable bit is set in the function's capability. */
bool virtio_msix_enabled(struct virtio_dev *d)
{
    if (!d->msix_cap)
        return false;
    long ctrl = warp_device_config_read(d->handle, d->msix_cap + 2u, 2);
    return ctrl >= 0 && (ctrl & MSIX_CTRL_ENABLE);
}
