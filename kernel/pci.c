/* pci.c: PCI enumeration (PCI Local Bus 3.0 ch. 6): functions, BAR sizes, MSI and MSI-X capabilities. */
#include <arch.h>
#include <log.h>
#include <pci.h>
#include <warp/string.h>

#define PCI_VENDOR 0x00
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CLASS 0x08
#define PCI_HEADER 0x0e
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x19
#define PCI_CAP_PTR 0x34
#define PCI_IRQ_LINE 0x3c
#define CAP_MSI 0x05
#define CAP_MSIX 0x11

static struct pci_dev devices[PCI_MAX_DEVICES];
static uint32_t ndevices;

/* Through the arch port, which picks ECAM or the legacy ports per bus (arch/x64/pci_cfg.c). */
uint32_t pci_read(const struct pci_dev *d, uint16_t off, uint8_t width)
{
    return arch_pci_read(d->info.bus, d->info.slot, d->info.function, off, width);
}

/* Unchecked: callers are the kernel, or a driver's write that pci_config_protected let through. */
void pci_write(const struct pci_dev *d, uint16_t off, uint8_t width, uint32_t v)
{
    arch_pci_write(d->info.bus, d->info.slot, d->info.function, off, width, v);
}

/* Size BAR i by writing all ones with decoding off (PCI Local Bus 3.0, 6.2.5.1); returns how many
 * slots it used (1 or 2). */
static int bar_probe(struct pci_dev *d, int i)
{
    uint16_t off = PCI_BAR0 + i * 4;
    uint32_t orig = pci_read(d, off, 4);
    pci_write(d, off, 4, 0xffffffff);
    uint32_t mask = pci_read(d, off, 4);
    pci_write(d, off, 4, orig);
    struct device_bar *b = &d->info.bars[i];
    /* I/O BARs decode at most 64 KiB of ports, and the upper half may read back as zeros. */
    if (orig & 1) { /* I/O */
        b->base = orig & ~3u;
        b->size = (~(mask & ~3u) + 1) & 0xffff;
        b->flags = BAR_IO;
        return 1;
    }
    uint64_t base = orig & ~0xfu, size_mask = mask & ~0xfu;
    int used = 1;
    b->flags = BAR_MEM | ((orig & 8) ? BAR_PREFETCH : 0);
    if (((orig >> 1) & 3) == 2 && i < 5) { /* 64-bit: the next BAR holds the high half */
        uint32_t hi = pci_read(d, off + 4, 4);
        pci_write(d, off + 4, 4, 0xffffffff);
        uint32_t hmask = pci_read(d, off + 4, 4);
        pci_write(d, off + 4, 4, hi);
        base |= (uint64_t)hi << 32;
        size_mask |= (uint64_t)hmask << 32;
        b->flags |= BAR_64;
        used = 2;
    } else {
        size_mask |= 0xffffffff00000000ull;
    }
    b->base = base;
    b->size = size_mask ? ~size_mask + 1 : 0;
    /* Unassigned (base 0) or not implemented: report no BAR rather than one a driver would map at 0. */
    if (!b->base || !b->size)
        *b = (struct device_bar){0};
    return used;
}

/* Walk the capability list (PCI Local Bus 3.0, 6.7) for MSI and MSI-X. */
static void caps_probe(struct pci_dev *d)
{
    if (!(pci_read(d, PCI_STATUS, 2) & 0x10))
        return;
    uint8_t off = pci_read(d, PCI_CAP_PTR, 1) & 0xfc;
    /* Capabilities sit at dword offsets in the 192 bytes after the header, so 48 at most: the guard
     * ends a list that loops. */
    for (int guard = 0; off && guard < 48; guard++) {
        uint8_t id = pci_read(d, off, 1);
        if (id == CAP_MSI) {
            d->msi_cap = off;
            d->info.has_msi = 1;
        } else if (id == CAP_MSIX && (pci_read(d, off + 4, 4) & 7) < 6) { /* BIR 6, 7: reserved */
            uint32_t table = pci_read(d, off + 4, 4);
            d->msix_cap = off;
            d->info.msix_entries = (pci_read(d, off + 2, 2) & 0x7ff) + 1;
            d->msix_bar = table & 7;
            d->msix_offset = table & ~7u;
        }
        off = pci_read(d, off + 1, 1) & 0xfc;
    }
}

static void bus_scan(uint8_t bus, int depth);

/* Record one function; follow it if it is a PCI-to-PCI bridge. */
static void function_probe(uint8_t bus, uint8_t slot, uint8_t fn, int depth)
{
    uint32_t id = arch_pci_read(bus, slot, fn, PCI_VENDOR, 4);
    uint8_t header = arch_pci_read(bus, slot, fn, PCI_HEADER, 1) & 0x7f;
    uint32_t class_code = arch_pci_read(bus, slot, fn, PCI_CLASS, 4) >> 8;
    /* Bridges are followed, not recorded: no driver is ever granted one. */
    if (header == 1) {
        uint8_t secondary = arch_pci_read(bus, slot, fn, PCI_SECONDARY_BUS, 1);
        if (secondary > bus)
            bus_scan(secondary, depth + 1);
        return;
    }
    if (header != 0 || ndevices == PCI_MAX_DEVICES)
        return;
    struct pci_dev *d = &devices[ndevices++];
    d->info = (struct device_info){.vendor = id & 0xffff,
                                   .device = id >> 16,
                                   .class_code = class_code,
                                   .bus = bus,
                                   .slot = slot,
                                   .function = fn};
    d->info.irq_line = pci_read(d, PCI_IRQ_LINE, 1);
    uint16_t cmd = pci_read(d, PCI_COMMAND, 2);
    pci_write(d, PCI_COMMAND, 2, cmd & ~3u); /* no decoding while the BARs are sized */
    for (int i = 0; i < 6;)
        i += bar_probe(d, i);
    pci_write(d, PCI_COMMAND, 2, cmd);
    caps_probe(d);
    log_printf("pci: %02x:%02x.%x %04x:%04x class %06x%s%s", bus, slot, fn, d->info.vendor, d->info.device,
               class_code, d->msix_cap ? " msi-x" : "", d->msi_cap ? " msi" : "");
}

/* Probe every slot and function of a bus. */
static void bus_scan(uint8_t bus, int depth)
{
    /* Bounds the recursion (and the kernel stack) on a deep or malformed bridge tree. */
    if (depth > 8)
        return;
    for (uint8_t slot = 0; slot < 32; slot++) {
        if ((arch_pci_read(bus, slot, 0, PCI_VENDOR, 2) & 0xffff) == 0xffff)
            continue;
        bool multi = arch_pci_read(bus, slot, 0, PCI_HEADER, 1) & 0x80;
        for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++)
            if ((arch_pci_read(bus, slot, fn, PCI_VENDOR, 2) & 0xffff) != 0xffff)
                function_probe(bus, slot, fn, depth);
    }
}

/* Once at boot, before any driver: the table is fixed from then on (no hot plug). */
void pci_init(void)
{
    bus_scan(0, 0);
    log_printf("pci: %u function(s)", ndevices);
}

/* The m->index-th match in bus order, so identical devices are told apart by position. */
struct pci_dev *pci_find(const struct device_match *m)
{
    uint32_t seen = 0;
    for (uint32_t i = 0; i < ndevices; i++) {
        const struct device_info *in = &devices[i].info;
        if ((m->vendor != PCI_ANY_ID && m->vendor != in->vendor) ||
            (m->device != PCI_ANY_ID && m->device != in->device) ||
            (m->class_code != PCI_ANY_CLASS && m->class_code != in->class_code))
            continue;
        if (seen++ == m->index)
            return &devices[i];
    }
    return NULL;
}

/* Bus master enable (command bit 2) off: no more DMA, and no MSI either, as an MSI is a DMA write. */
void pci_quiesce(struct pci_dev *d)
{
    pci_write(d, PCI_COMMAND, 2, pci_read(d, PCI_COMMAND, 2) & ~(1u << 2));
}

/* True when [a, a+alen) meets [b, b+blen). */
static bool overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
    return a < b + blen && b < a + alen;
}

/* BARs and expansion ROM (where the device decodes), MSI (24 bytes with per-vector masking), MSI-X
 * (12 bytes). The command register stays the driver's: it must enable bus mastering itself. */
bool pci_config_protected(const struct pci_dev *d, uint16_t off, uint8_t width)
{
    if (overlaps(off, width, PCI_BAR0, 24) || overlaps(off, width, 0x30, 4)) /* BARs, expansion ROM */
        return true;
    if (d->msi_cap && overlaps(off, width, d->msi_cap, 24))
        return true;
    return d->msix_cap && overlaps(off, width, d->msix_cap, 12);
}
