/* acpi.c: finds CPUs, I/O APICs and interrupt overrides in the ACPI MADT (ACPI 6.5 ch. 5.2.12). */
#include <arch.h>
#include <boot.h>
#include <log.h>
#include <warp/string.h>
#include "x64.h"

struct platform platform;

struct acpi_rsdp {
    char signature[8];
    uint8_t checksum;
    char oem[6];
    uint8_t revision;
    uint32_t rsdt;
    uint32_t length; /* ACPI 2.0+ from here */
    uint64_t xsdt;
    uint8_t ext_checksum;
    uint8_t reserved[3];
} __attribute__((packed));

struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem[6], oem_table[8];
    uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));

#define MAX_TABLE_LEN (1u << 20) /* sanity bound on a table's claimed length */

/* Sum of bytes, for ACPI checksums (a valid structure sums to 0). */
static uint8_t acpi_sum(const void *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s += ((const uint8_t *)p)[i];
    return s;
}

/* Map a table header at pa and check its length and checksum; NULL if invalid. */
static const struct acpi_header *acpi_table(paddr_t pa)
{
    if (!pa)
        return NULL;
    const struct acpi_header *h = arch_phys_to_virt(pa);
    if (h->length < sizeof(*h) || h->length > MAX_TABLE_LEN || acpi_sum(h, h->length))
        return NULL;
    return h;
}

/* Search the XSDT (64-bit entries) when the RSDP has one, else the RSDT (32-bit), for a table by
 * signature; tables with a bad checksum are skipped. */
static const struct acpi_header *acpi_find(const struct acpi_rsdp *rsdp, const char *sig)
{
    bool x = rsdp->revision >= 2 && rsdp->xsdt;
    const struct acpi_header *root = acpi_table(x ? rsdp->xsdt : rsdp->rsdt);
    if (!root)
        return NULL;
    size_t esize = x ? 8 : 4, n = (root->length - sizeof(*root)) / esize;
    const uint8_t *entries = (const uint8_t *)(root + 1);
    for (size_t i = 0; i < n; i++) {
        uint64_t pa = 0;
        memcpy(&pa, entries + i * esize, esize);
        const struct acpi_header *t = acpi_table(pa);
        if (t && !memcmp(t->signature, sig, 4))
            return t;
    }
    return NULL;
}

/* Record one MADT entry of interest. */
static void madt_entry(uint8_t type, const uint8_t *e, uint8_t len)
{
    uint32_t flags, gsi, addr;
    switch (type) {
    case 0: /* processor local APIC: uid, apic id, flags (bit 0 enabled, bit 1 online-capable) */
        memcpy(&flags, e + 4, 4);
        if ((flags & 3) && platform.ncpus < 32)
            platform.cpu_apic_ids[platform.ncpus++] = e[3];
        break;
    case 1: /* I/O APIC: id, reserved, address, GSI base */
        memcpy(&addr, e + 4, 4);
        memcpy(&gsi, e + 8, 4);
        if (platform.nioapics < PLATFORM_MAX_IOAPICS)
            platform.ioapics[platform.nioapics++] = (typeof(platform.ioapics[0])){e[2], addr, gsi};
        break;
    case 2: /* interrupt source override: bus, source irq, GSI, flags */
        if (platform.noverrides < PLATFORM_MAX_OVERRIDES) {
            memcpy(&gsi, e + 4, 4);
            uint16_t f;
            memcpy(&f, e + 8, 2);
            platform.overrides[platform.noverrides++] = (typeof(platform.overrides[0])){e[3], gsi, f};
        }
        break;
    case 5: /* local APIC address override */
        if (len >= 12)
            memcpy(&platform.lapic_base, e + 4, 8);
        break;
    case 9: /* processor local x2APIC: reserved, x2apic id, flags */
        memcpy(&addr, e + 4, 4);
        memcpy(&flags, e + 8, 4);
        if ((flags & 3) && platform.ncpus < 32)
            platform.cpu_apic_ids[platform.ncpus++] = addr;
        break;
    }
}

/* Walk the MADT's variable-length entries. */
static void madt_parse(const struct acpi_header *madt)
{
    const uint8_t *p = (const uint8_t *)madt;
    uint32_t lapic;
    memcpy(&lapic, p + sizeof(*madt), 4);
    platform.lapic_base = lapic;
    /* Entries follow the local APIC address and the flags (8 bytes); each starts with type and length. */
    for (size_t off = sizeof(*madt) + 8; off + 2 <= madt->length;) {
        uint8_t type = p[off], len = p[off + 1];
        if (len < 2 || off + len > madt->length)
            break;
        madt_entry(type, p + off, len);
        off += len;
    }
}

/* Scan [pa, pa+len) on 16-byte boundaries for a valid RSDP (ACPI 6.5, 5.2.5.1); the checksum covers
 * the 20 bytes of the ACPI 1.0 structure. */
static paddr_t rsdp_scan(paddr_t pa, size_t len)
{
    for (size_t off = 0; off + 20 <= len; off += 16) {
        const struct acpi_rsdp *r = arch_phys_to_virt(pa + off);
        if (!memcmp(r->signature, "RSD PTR ", 8) && !acpi_sum(r, 20))
            return pa + off;
    }
    return 0;
}

/* PCI Express ECAM from the MCFG table (PCI Firmware spec 3.2, 4.1.2): segment group 0 only. */
static void mcfg_parse(const struct acpi_header *mcfg)
{
    const uint8_t *p = (const uint8_t *)mcfg;
    for (size_t off = sizeof(*mcfg) + 8; off + 16 <= mcfg->length; off += 16) {
        uint64_t base;
        uint16_t segment;
        memcpy(&base, p + off, 8);
        memcpy(&segment, p + off + 8, 2);
        if (segment == 0) {
            platform.ecam_base = base;
            platform.ecam_bus_start = p[off + 10];
            platform.ecam_bus_end = p[off + 11];
            return;
        }
    }
}

bool mptable_parse(void);

/* Fill `platform` from the MADT, else the MP table, else single-CPU defaults. */
void acpi_discover(const struct boot_info *bi)
{
    paddr_t rsdp_pa = bi->acpi_rsdp;
    /* No multiboot2 tag: search where a BIOS leaves the RSDP. */
    if (!rsdp_pa) {
        uint16_t ebda_seg = *(const uint16_t *)arch_phys_to_virt(0x40e);
        rsdp_pa = rsdp_scan((paddr_t)ebda_seg << 4, 1024);
        if (!rsdp_pa)
            rsdp_pa = rsdp_scan(0xe0000, 0x20000);
    }
    const struct acpi_header *madt = NULL, *mcfg = NULL;
    if (rsdp_pa) {
        madt = acpi_find(arch_phys_to_virt(rsdp_pa), "APIC");
        mcfg = acpi_find(arch_phys_to_virt(rsdp_pa), "MCFG");
    }
    if (mcfg)
        mcfg_parse(mcfg);
    if (madt) {
        madt_parse(madt);
        platform.source = "ACPI MADT";
    } else if (mptable_parse()) {
        platform.source = "MP table";
    } else {
        platform.source = "defaults";
    }
    /* Whatever the tables left out: the local APIC from its MSR, the I/O APIC every PC has at 0xfec00000. */
    if (!platform.lapic_base)
        platform.lapic_base = rdmsr(MSR_APIC_BASE) & ~0xfffull;
    if (platform.ncpus == 0)
        platform.cpu_apic_ids[platform.ncpus++] = 0;
    if (platform.nioapics == 0)
        platform.ioapics[platform.nioapics++] = (typeof(platform.ioapics[0])){0, 0xfec00000, 0};
    log_printf("acpi: %s: %u CPU(s), %u I/O APIC(s), %u interrupt override(s), local APIC at %#lx",
               platform.source, platform.ncpus, platform.nioapics, platform.noverrides, platform.lapic_base);
}
