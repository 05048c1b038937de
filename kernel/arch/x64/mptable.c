/* mptable.c: the Intel MultiProcessor Specification 1.4 table (ch. 4), used when there is no ACPI MADT. */
#include <arch.h>
#include <warp/string.h>
#include "x64.h"

struct mp_floating {
    char signature[4]; /* "_MP_" */
    uint32_t config;   /* physical address of the configuration table */
    uint8_t length, revision, checksum, features[5];
} __attribute__((packed));

struct mp_config {
    char signature[4]; /* "PCMP" */
    uint16_t length;
    uint8_t revision, checksum;
    char oem[20];
    uint32_t oem_table;
    uint16_t oem_size, count;
    uint32_t lapic;
    uint16_t ext_length;
    uint8_t ext_checksum, reserved;
} __attribute__((packed));

/* Byte sum for MP checksums. */
static uint8_t mp_sum(const void *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s += ((const uint8_t *)p)[i];
    return s;
}

/* Find the floating pointer structure (4.1) in [pa, pa+len), on 16-byte boundaries. */
static const struct mp_floating *mp_scan(paddr_t pa, size_t len)
{
    for (size_t off = 0; off + sizeof(struct mp_floating) <= len; off += 16) {
        const struct mp_floating *f = arch_phys_to_virt(pa + off);
        if (!memcmp(f->signature, "_MP_", 4) && !mp_sum(f, 16))
            return f;
    }
    return NULL;
}

/* Record one base configuration entry (4.3); returns its size or 0 for an unknown type, which ends
 * the walk, as the sizes of what follows are then unknown. */
static size_t mp_entry(const uint8_t *e)
{
    switch (e[0]) {
    case 0: /* processor: apic id, version, flags (bit 0 enabled) */
        if ((e[3] & 1) && platform.ncpus < 32)
            platform.cpu_apic_ids[platform.ncpus++] = e[1];
        return 20;
    case 2: { /* I/O APIC: id, version, flags, address */
        uint32_t addr;
        memcpy(&addr, e + 4, 4);
        if ((e[3] & 1) && platform.nioapics < PLATFORM_MAX_IOAPICS)
            platform.ioapics[platform.nioapics++] = (typeof(platform.ioapics[0])){e[1], addr, 0};
        return 8;
    }
    case 1:
    case 3:
    case 4: return 8;
    default: return 0;
    }
}

/* Parse the MP table if the firmware has one; true when it was found and valid. */
bool mptable_parse(void)
{
    uint16_t ebda_seg = *(const uint16_t *)arch_phys_to_virt(0x40e);
    /* Where ch. 4 says to look: the EBDA's first KiB, the last KiB of base memory, the BIOS ROM. */
    const struct mp_floating *f = mp_scan((paddr_t)ebda_seg << 4, 1024);
    if (!f)
        f = mp_scan(0x9fc00, 1024);
    if (!f)
        f = mp_scan(0xf0000, 0x10000);
    if (!f || !f->config)
        return false;
    const struct mp_config *c = arch_phys_to_virt(f->config);
    if (memcmp(c->signature, "PCMP", 4) || c->length < sizeof(*c) || mp_sum(c, c->length))
        return false;
    platform.lapic_base = c->lapic;
    const uint8_t *p = (const uint8_t *)(c + 1), *end = (const uint8_t *)c + c->length;
    for (uint16_t i = 0; i < c->count && p < end; i++) {
        size_t n = mp_entry(p);
        if (!n || p + n > end)
            break;
        p += n;
    }
    return true;
}
