/* device.h: the device half of the kernel ABI: PCI functions granted to user-space drivers (docs/drivers.md). */
#pragma once

#include <warp/abi.h>

#define PCI_ANY_ID 0xffff      /* device_match: any vendor or device */
#define PCI_ANY_CLASS 0xffffff /* device_match: any class */

/* Which function SYS_DEVICE_OPEN should grant: the index-th one matching ids and class. */
struct device_match {
    uint16_t vendor;     /* or PCI_ANY_ID */
    uint16_t device;     /* or PCI_ANY_ID */
    uint32_t class_code; /* base << 16 | subclass << 8 | prog-if, or PCI_ANY_CLASS */
    uint32_t index;      /* 0 = the first match */
};

#define BAR_IO 1u  /* an I/O-port range */
#define BAR_MEM 2u /* a memory range */
#define BAR_64 4u  /* 64-bit memory BAR (occupies the next slot too) */
#define BAR_PREFETCH 8u

struct device_bar {
    uint64_t base; /* physical address or first port; 0 if the BAR is unused */
    uint64_t size;
    uint32_t flags; /* BAR_* */
    uint32_t pad;
};

struct device_info {
    uint16_t vendor, device;
    uint32_t class_code;                   /* base << 16 | subclass << 8 | prog-if */
    uint8_t bus, slot, function, irq_line; /* irq_line: the firmware's legacy routing, 0xff if none */
    uint16_t msix_entries;                 /* 0 without MSI-X */
    uint8_t has_msi;
    uint8_t pad;
    struct device_bar bars[6];
};
