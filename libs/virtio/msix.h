/* msix.h: finding a virtio PCI function's MSI-X capability (msix.c); virtio_msix_enabled is in virtio.h. */
#pragma once

#include <virtio/virtio.h>

/* Records the MSI-X capability's offset and table size in d; leaves d->msix_cap 0 if there is none. */
void virtio_msix_find(struct virtio_dev *d);
