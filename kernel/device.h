/* device.h: device objects: one PCI function granted to a driver process. */
#pragma once

#include <object.h>

struct pci_dev;

struct device {
    struct kobj obj;
    struct pci_dev *pci;
};

void device_destroy(struct device *dev);
