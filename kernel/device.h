/* device.h: device objects (one PCI function granted to a driver) and the DMA memory they own. */
#pragma once

#include <object.h>

struct pci_dev;
struct dma_buf;
struct quota;

#define DMA_DEVICE_MAX \
    (64ul << 20) /* DMA memory allocated for one device over its life (freed after it goes) */

struct device {
    struct kobj obj;
    struct pci_dev *pci;
    struct dma_buf *dma; /* the DMA memory allocated for it, which it may still be writing to */
    uint64_t dma_pages;  /* their total */
};

/* A device object for pci (granting it: no other until this one goes); NULL when memory is out. */
struct device *device_create(struct pci_dev *pci);
/*
 * npages of physically contiguous zeroed memory for dev's DMA, as an object holding the frames,
 * charged to quota (LIMIT_PAGES) until the frames are freed: *backing is one reference, for the
 * mapping (vm_map_phys takes it over; obj_unref frees it all if mapping fails). ERR_TOO_LARGE past
 * DMA_DEVICE_MAX, ERR_NO_MEMORY (out of memory or over the quota).
 */
long device_dma_alloc(struct device *dev, struct quota *quota, uint64_t npages, paddr_t *pa,
                      struct kobj **backing);
/* Once the driver can learn the frames' address: dev takes a reference too, so they are freed only
 * after the device is quiesced (and the function's next grant has ended: device.c) and the mapping
 * is gone, in whichever order. */
void device_dma_attach(struct device *dev, struct kobj *backing);
/* Frees now the DMA memory pci keeps from its last grant (a test's clean slate). */
void device_release_stale(struct pci_dev *pci);
