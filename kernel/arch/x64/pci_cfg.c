/* pci_cfg.c: PCI configuration space access: ECAM (PCIe, from ACPI MCFG) or mechanism #1 (ports 0xcf8/0xcfc).
 * ECAM: PCI Express Base 3.0, 7.2.2; mechanism #1: PCI Local Bus 3.0, 3.2.2.3.2. */
#include <arch.h>
#include "x64.h"

#define CFG_ADDRESS 0xcf8
#define CFG_DATA 0xcfc
#define ECAM_BUS_SIZE (1u << 20) /* 32 devices x 8 functions x 4 KiB */

static volatile uint8_t *ecam_bus[256]; /* mapped lazily, one bus at a time */

/* 32-bit port I/O, needed only here: the two registers of mechanism #1 are dwords. */
static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
/* A word to one of CONFIG_DATA's two halves. */
static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
/* A read of CONFIG_DATA after CONFIG_ADDRESS is one configuration read. */
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* The ECAM window of a function, or NULL to use mechanism #1. */
static volatile uint8_t *ecam(uint8_t bus, uint8_t slot, uint8_t fn)
{
    if (!platform.ecam_base || bus < platform.ecam_bus_start || bus > platform.ecam_bus_end)
        return NULL;
    /* Lazily: mapping a whole 256 MiB segment up front would spend page tables on absent buses. */
    if (!ecam_bus[bus])
        ecam_bus[bus] = mmio_map(
            platform.ecam_base + (uint64_t)(bus - platform.ecam_bus_start) * ECAM_BUS_SIZE, ECAM_BUS_SIZE);
    if (!ecam_bus[bus])
        return NULL; /* the MMIO window is full: mechanism #1 still reaches the first 256 bytes */
    return ecam_bus[bus] + ((uint32_t)slot << 15) + ((uint32_t)fn << 12);
}

/* Read width (1, 2 or 4) bytes at an aligned offset; mechanism #1 reaches only the first 256 bytes. */
uint32_t arch_pci_read(uint8_t bus, uint8_t slot, uint8_t fn, uint16_t off, uint8_t width)
{
    volatile uint8_t *e = ecam(bus, slot, fn);
    if (e) {
        if (width == 1)
            return *(volatile uint8_t *)(e + off);
        if (width == 2)
            return *(volatile uint16_t *)(e + off);
        return *(volatile uint32_t *)(e + off);
    }
    if (off >= 256)
        return 0xffffffff;
    outl(CFG_ADDRESS,
         0x80000000u | ((uint32_t)bus << 16) | ((uint32_t)slot << 11) | ((uint32_t)fn << 8) | (off & 0xfc));
    /* Mechanism #1 addresses dwords: read the one holding off and shift the wanted bytes down. */
    uint32_t v = inl(CFG_DATA) >> ((off & 3) * 8);
    return width == 4 ? v : v & ((1u << (width * 8)) - 1);
}

/* Write width (1, 2 or 4) bytes at an aligned offset. */
void arch_pci_write(uint8_t bus, uint8_t slot, uint8_t fn, uint16_t off, uint8_t width, uint32_t v)
{
    volatile uint8_t *e = ecam(bus, slot, fn);
    if (e) {
        if (width == 1)
            *(volatile uint8_t *)(e + off) = (uint8_t)v;
        else if (width == 2)
            *(volatile uint16_t *)(e + off) = (uint16_t)v;
        else
            *(volatile uint32_t *)(e + off) = v;
        return;
    }
    if (off >= 256)
        return;
    uint32_t addr =
        0x80000000u | ((uint32_t)bus << 16) | ((uint32_t)slot << 11) | ((uint32_t)fn << 8) | (off & 0xfc);
    outl(CFG_ADDRESS, addr);
    /* Bytes and words go to their own lanes of CONFIG_DATA: a read-modify-write of the whole dword
     * would write the neighbouring register back, and Status (next to Command) clears its error
     * bits on every 1 written to them. */
    if (width == 1)
        outb(CFG_DATA + (off & 3), (uint8_t)v);
    else if (width == 2)
        outw(CFG_DATA + (off & 2), (uint16_t)v);
    else
        outl(CFG_DATA, v);
}
