/* sys_device.c: the device system calls (docs/drivers.md): grants, config space, BARs, IRQs, DMA memory. */
#include <device.h>
#include <handle.h>
#include <irq.h>
#include <pci.h>
#include <proc.h>
#include <syscall.h>
#include <vm.h>
#include <warp/device.h>
#include <warp/error.h>

/* Per allocation (a ring, a buffer pool); DMA_DEVICE_MAX bounds what one device gets in all. */
#define DMA_ALLOC_MAX (4ul << 20)

/* SYS_DEVICE_OPEN: init grants devices: it opens them and hands the handles to drivers. */
long sys_device_open(const struct syscall_args *a)
{
    uaddr_t umatch = a->a1;
    uaddr_t uinfo = a->a2;
    struct proc *p = proc_current();
    if (!proc_is_init(p))
        return ERR_PERMISSION;
    struct device_match m;
    long err = copy_from_user(&m, umatch, sizeof(m));
    if (err < 0 || (err = user_range_check(uinfo, sizeof(struct device_info), PROT_WRITE)) < 0)
        return err;
    struct pci_dev *pci = pci_find(&m);
    if (!pci)
        return ERR_NOT_FOUND;
    if (pci->granted)
        return ERR_ALREADY_EXISTS;
    if ((err = handle_reserve(&p->handles, 1)) < 0)
        return err;
    struct device *dev = device_create(pci);
    if (!dev)
        return ERR_NO_MEMORY;
    long h = handle_install(&p->handles, &dev->obj, RIGHTS_ALL);
    copy_to_user(uinfo, &pci->info, sizeof(pci->info)); /* checked writable above */
    return h;
}

/* A config-space access must be 1, 2 or 4 bytes, aligned, inside the 4 KiB space. */
static bool config_args_ok(uint64_t off, uint64_t width)
{
    return (width == 1 || width == 2 || width == 4) && off % width == 0 && off + width <= 4096;
}

/* What pci.c recorded at boot: identity, BARs, interrupt capabilities. */
long sys_device_info(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    uaddr_t out = a->a2;
    struct device *dev = NULL;
    long err = handle_object(proc_handles(), h, OBJ_DEVICE, RIGHT_READ, (void **)&dev);
    if (err < 0)
        return err;
    return copy_to_user(out, &dev->pci->info, sizeof(dev->pci->info));
}

/* Reads are not restricted: only writes can take the device out of the kernel's control. */
long sys_config_read(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    uint64_t off = a->a2;
    uint64_t width = a->a3;
    struct device *dev = NULL;
    long err = handle_object(proc_handles(), h, OBJ_DEVICE, RIGHT_READ, (void **)&dev);
    if (err < 0)
        return err;
    if (!config_args_ok(off, width))
        return ERR_INVALID_ARG;
    return pci_read(dev->pci, (uint16_t)off, (uint8_t)width);
}

/* The kernel keeps the BARs and the MSI/MSI-X capabilities: a moved BAR could decode over other
 * memory, and MSI aimed anywhere is a device write anywhere. */
long sys_config_write(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    uint64_t off = a->a2;
    uint64_t width = a->a3;
    uint64_t value = a->a4;
    struct device *dev = NULL;
    long err = handle_object(proc_handles(), h, OBJ_DEVICE, RIGHT_WRITE, (void **)&dev);
    if (err < 0)
        return err;
    if (!config_args_ok(off, width) || (width < 4 && value >> (width * 8)) || value > 0xffffffff)
        return ERR_INVALID_ARG;
    if (pci_config_protected(dev->pci, (uint16_t)off, (uint8_t)width))
        return ERR_PERMISSION;
    pci_write(dev->pci, (uint16_t)off, (uint8_t)width, (uint32_t)value);
    return 0;
}

/* A memory BAR is mapped uncached at a free user address (keeping the BAR's offset in its page);
 * an I/O BAR becomes a port grant (arch_io_grant), and its port base is returned. */
long sys_map_bar(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    uint64_t index = a->a2;
    struct device *dev = NULL;
    long err = handle_object(proc_handles(), h, OBJ_DEVICE, RIGHT_WRITE, (void **)&dev);
    if (err < 0)
        return err;
    if (index >= 6)
        return ERR_INVALID_ARG;
    const struct device_bar *b = &dev->pci->info.bars[index];
    if (!b->size)
        return ERR_NOT_FOUND;
    /* The mapping or port grant keeps the device object (so the grant) alive: init cannot hand the
     * function to another driver while this process can still reach its registers. */
    struct vm_space *vs = proc_current()->space;
    if (b->flags & BAR_IO) {
        if ((err = vm_keep(vs, &dev->obj)) < 0 ||
            (err = arch_io_grant(&vs->arch, (uint32_t)b->base, (uint32_t)b->size)) < 0)
            return err; /* a kept reference without ports only delays the re-grant to our exit */
        return (long)b->base;
    }
    paddr_t first = b->base & ~(PAGE_SIZE - 1);
    uint64_t npages = (b->base + b->size - first + PAGE_SIZE - 1) / PAGE_SIZE;
    uaddr_t addr = vm_find_free(vs, npages);
    if (!addr)
        return ERR_NO_RESOURCES;
    obj_ref(&dev->obj);
    err =
        vm_map_phys(vs, addr, first, npages, PROT_READ | PROT_WRITE | ARCH_PROT_DEVICE, VM_DEVICE, &dev->obj);
    if (err < 0) {
        obj_unref(&dev->obj);
        return err;
    }
    return (long)(addr + (b->base - first));
}

/* index: an MSI-X entry, or 0 for MSI or the legacy line; room for the handle is checked first. */
long sys_irq_create(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    uint64_t index = a->a2;
    struct device *dev = NULL;
    struct proc *p = proc_current();
    long err = handle_object(proc_handles(), h, OBJ_DEVICE, RIGHT_WRITE, (void **)&dev);
    if (err < 0)
        return err;
    if (index > 0xffff)
        return ERR_INVALID_ARG;
    if ((err = handle_reserve(&p->handles, 1)) < 0)
        return err;
    struct irq *irq;
    if ((err = irq_create(dev->pci, (uint32_t)index, &dev->obj, &irq)) < 0)
        return err;
    return handle_install(&p->handles, &irq->obj, RIGHTS_ALL);
}

/* The driver has served the device: unmask it. One event per interrupt, never a storm. */
long sys_irq_ack(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    struct irq *irq = NULL;
    long err = handle_object(proc_handles(), h, OBJ_IRQ, RIGHT_WRITE, (void **)&irq);
    if (err == 0)
        irq_ack(irq);
    return err;
}

/* Zeroed contiguous memory, mapped into the driver, its physical address written to phys_out,
 * charged to the driver's pages quota until freed. The order below is device.c's ownership rule:
 * map, then let the device hold it too. */
long sys_dma_alloc(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    uint64_t len = a->a2;
    uaddr_t phys_out = a->a3;
    struct device *dev = NULL;
    long err = handle_object(proc_handles(), h, OBJ_DEVICE, RIGHT_WRITE, (void **)&dev);
    if (err < 0)
        return err;
    if (len == 0)
        return ERR_INVALID_ARG;
    if (len > DMA_ALLOC_MAX)
        return ERR_TOO_LARGE;
    if ((err = user_range_check(phys_out, sizeof(paddr_t), PROT_WRITE)) < 0)
        return err;
    struct vm_space *vs = proc_current()->space;
    uint64_t npages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
    uaddr_t addr = vm_find_free(vs, npages);
    if (vm_count_user(vs) >= VM_MAX_ANON || !addr)
        return ERR_NO_RESOURCES;
    paddr_t pa;
    struct kobj *backing;
    if ((err = device_dma_alloc(dev, proc_current()->quota, npages, &pa, &backing)) < 0)
        return err;
    if ((err = vm_map_phys(vs, addr, pa, npages, PROT_READ | PROT_WRITE, VM_DMA, backing)) < 0) {
        obj_unref(backing); /* nobody learned the address: the frames go back at once */
        return err;
    }
    /* Only from here can the driver learn the address and program the device with it. */
    device_dma_attach(dev, backing);
    copy_to_user(phys_out, &pa, sizeof(pa)); /* checked writable above */
    return (long)addr;
}
