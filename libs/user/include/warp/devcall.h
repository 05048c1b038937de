/* devcall.h: user-space wrappers of the device system calls, and x86 port I/O (docs/drivers.md). */
#pragma once

#include <warp/abi.h>
#include <warp/device.h>
#include <warp/error.h>

/*
 * Each wrapper returns what the kernel put in rax: a value >= 0 on success or a negative ERR_*.
 * A driver gets its device handle from init (handle 2, see docs/drivers.md); only init may open one.
 */

/* Checks that handle dev (a driver's handle 2) is a device; otherwise logs "<driver>: handle N is no
 * device ..." and returns the error (ERR_WRONG_TYPE, or warp_handle_info's). 0 when it is one. */
long warp_device_check(handle_t dev, const char *driver);
/* SYS_DEVICE_OPEN: the match->index-th function matching *match (init only); fills *out. */
long warp_device_open(const struct device_match *match, struct device_info *out);
/* SYS_DEVICE_INFO: the function's ids, BARs with sizes, MSI and MSI-X (as at open) into *out. */
long warp_device_info(handle_t dev, struct device_info *out);
/* SYS_DEVICE_CONFIG_READ: width (1, 2 or 4) bytes of config space at offset. */
long warp_device_config_read(handle_t dev, unsigned offset, unsigned width);
/* SYS_DEVICE_CONFIG_WRITE: writes value (width bytes) at offset; BARs and MSI/MSI-X are refused. */
long warp_device_config_write(handle_t dev, unsigned offset, unsigned width, uint32_t value);
/* PCI configuration space: the command register and its bits a driver turns on (PCI Local Bus 3.0 §6.2.2). */
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 1u     /* I/O space decoding */
#define PCI_COMMAND_MEMORY 2u /* memory space decoding */
#define PCI_COMMAND_MASTER 4u /* bus mastering: the function may DMA */
/* Sets bits (PCI_COMMAND_*) in the function's command register, keeping the others. */
long warp_device_enable(handle_t dev, uint32_t bits);
/* SYS_DEVICE_MAP_BAR: a memory BAR's user address, or an I/O BAR's first port (now granted). */
long warp_device_map_bar(handle_t dev, unsigned bar);
/* SYS_IRQ_CREATE: an IRQ handle for MSI-X entry index (0 for MSI or INTx). */
long warp_irq_create(handle_t dev, unsigned index);
/* SYS_IRQ_ACK: unmasks irq after an EV_IRQ. */
long warp_irq_ack(handle_t irq);
/* SYS_DMA_ALLOC: len bytes of zeroed, physically contiguous memory; its address, *phys_out set. */
long warp_dma_alloc(handle_t dev, size_t len, paddr_t *phys_out);

/*
 * Port I/O. Only ports of an I/O BAR mapped with warp_device_map_bar are open to the process; any
 * other port raises #GP, which kills it.
 */
static inline uint8_t port_in8(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint16_t port_in16(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t port_in32(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void port_out8(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void port_out16(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void port_out32(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
