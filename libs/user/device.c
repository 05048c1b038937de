/* device.c: the device system-call wrappers of warp/devcall.h. */
#include <warp/devcall.h>
#include <warp/stdio.h>
#include <warp/syscall.h>

/* A driver's first check of the handle init gave it (devcall.h). */
long warp_device_check(handle_t dev, const char *driver)
{
    struct handle_info hi;
    long r = warp_handle_info(dev, &hi);
    if (r >= 0 && hi.type == OBJ_DEVICE)
        return 0;
    printf("%s: handle %ld is no device (%s); is a `devices =` grant in the manifest?\n", driver, (long)dev,
           r < 0 ? err_str(r) : "wrong type");
    return r < 0 ? r : ERR_WRONG_TYPE;
}

/* SYS_DEVICE_OPEN: grants the matching PCI function (init only). */
long warp_device_open(const struct device_match *match, struct device_info *out)
{
    return warp_syscall6(SYS_DEVICE_OPEN, (long)match, (long)out, 0, 0, 0, 0);
}

/* SYS_DEVICE_INFO: what SYS_DEVICE_OPEN reported of the function. */
long warp_device_info(handle_t dev, struct device_info *out)
{
    return warp_syscall6(SYS_DEVICE_INFO, dev, (long)out, 0, 0, 0, 0);
}

/* SYS_DEVICE_CONFIG_READ: reads config space. */
long warp_device_config_read(handle_t dev, unsigned offset, unsigned width)
{
    return warp_syscall6(SYS_DEVICE_CONFIG_READ, dev, offset, width, 0, 0, 0);
}

/* SYS_DEVICE_CONFIG_WRITE: writes config space. */
long warp_device_config_write(handle_t dev, unsigned offset, unsigned width, uint32_t value)
{
    return warp_syscall6(SYS_DEVICE_CONFIG_WRITE, dev, offset, width, value, 0, 0);
}

/* Turns on the command register's bits (decoding, bus mastering) by a read and a write of it. */
long warp_device_enable(handle_t dev, uint32_t bits)
{
    long cmd = warp_device_config_read(dev, PCI_COMMAND, 2);
    if (cmd < 0)
        return cmd;
    return warp_device_config_write(dev, PCI_COMMAND, 2, (uint32_t)cmd | bits);
}

/* SYS_DEVICE_MAP_BAR: maps a memory BAR or opens an I/O BAR's ports. */
long warp_device_map_bar(handle_t dev, unsigned bar)
{
    return warp_syscall6(SYS_DEVICE_MAP_BAR, dev, bar, 0, 0, 0, 0);
}

/* SYS_IRQ_CREATE: an interrupt of the device as an event source. */
long warp_irq_create(handle_t dev, unsigned index)
{
    return warp_syscall6(SYS_IRQ_CREATE, dev, index, 0, 0, 0, 0);
}

/* SYS_IRQ_ACK: lets the next interrupt come. */
long warp_irq_ack(handle_t irq)
{
    return warp_syscall6(SYS_IRQ_ACK, irq, 0, 0, 0, 0, 0);
}

/* SYS_DMA_ALLOC: DMA memory with its physical address. */
long warp_dma_alloc(handle_t dev, size_t len, paddr_t *phys_out)
{
    return warp_syscall6(SYS_DMA_ALLOC, dev, (long)len, (long)phys_out, 0, 0, 0);
}
