/* pci.h: the PCI functions found at boot. */
#pragma once

#include <warp/device.h>

#define PCI_MAX_DEVICES 64

struct dma_buf;

struct pci_dev {
    struct device_info info;
    uint8_t msi_cap;               /* config offset of the MSI capability, 0 if none */
    uint8_t msix_cap;              /* ... of MSI-X */
    uint8_t msix_bar;              /* BAR holding the MSI-X table */
    uint32_t msix_offset;          /* offset of the table in that BAR */
    volatile uint32_t *msix_table; /* kernel mapping, made on first use */
    bool granted;                  /* a device object for it exists (one driver at a time) */
    struct dma_buf *stale_dma; /* the last grant's DMA memory, kept until the next grant ends (device.c) */
};

void pci_init(void);                                    /* enumerate every bus reachable from bus 0 */
struct pci_dev *pci_find(const struct device_match *m); /* NULL if no such function */
uint32_t pci_read(const struct pci_dev *d, uint16_t off, uint8_t width);
void pci_write(const struct pci_dev *d, uint16_t off, uint8_t width, uint32_t v);
/* Stop the function's DMA (bus mastering off) once its driver is gone, before its pages are reused. */
void pci_quiesce(struct pci_dev *d);
/* True when config bytes [off, off+width) belong to what the kernel manages (BARs, MSI/MSI-X). */
bool pci_config_protected(const struct pci_dev *d, uint16_t off, uint8_t width);
