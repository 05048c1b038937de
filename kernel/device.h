/* device.h: device objects: one PCI function granted to a driver process. */
#pragma once

#include <object.h>

struct pci_dev;

struct device {
    struct kobj obj;
    struct pci_dev *pci;
};

void device_destroy(struct device *dev);
/* The device system calls (SYS_DEVICE_*, SYS_IRQ_*, SYS_DMA_ALLOC). */
long syscall_device(long nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);
