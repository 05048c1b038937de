/* device.c: device objects: the grant of one PCI function, and the DMA memory it may write to. */
#include <device.h>
#include <mm/mm.h>
#include <pci.h>
#include <quota.h>
#include <warp/error.h>

/*
 * One physically contiguous DMA allocation. Two references keep it: the device's (dropped once the
 * device's bus mastering is off) and the mapping's (dropped at unmap or exit). A driver can thus
 * unmap memory the device still writes to, or give its device handle away and exit, without the
 * frames going back to the allocator while the device may still write them. Either order is safe:
 *
 *   driver unmaps or exits    the mapping's reference goes; frames stay, the device may still write
 *   device handle closes      bus mastering off; the device's reference goes when the function's
 *                             next grant ends (device_destroy): frames freed
 *
 * or the other way round: bus mastering goes off and the device's reference with it, and the
 * frames stay mapped in the driver until it unmaps them.
 */
struct dma_buf {
    struct kobj obj;
    paddr_t pa;
    uint64_t npages;
    struct quota *charged; /* the allocating driver's account, charged npages; referenced */
    struct dma_buf *next;  /* the device's list */
};

/* The last reference went: nobody maps the frames and the device no longer writes them. The charge
 * goes with the frames, even when that is after the driver has ended (its account lives on). */
static void dma_buf_destroy(struct kobj *o)
{
    struct dma_buf *b = container_of(o, struct dma_buf, obj);
    pmm_free(b->pa, b->npages);
    quota_uncharge(b->charged, LIMIT_PAGES, b->npages);
    quota_put(b->charged);
    kfree(b);
}

static const struct obj_ops dma_buf_ops = {
    .type = 0, /* never behind a handle */
    .name = "DMA memory",
    .destroy = dma_buf_destroy,
};

/* Drops the device's references on a list of DMA allocations (the mappings keep theirs). */
static void dma_list_release(struct dma_buf *b)
{
    while (b) {
        struct dma_buf *next = b->next;
        obj_unref(&b->obj);
        b = next;
    }
}

/*
 * The driver's last handle is gone (it closed it or died). Bus mastering goes off at once, and
 * another driver may be granted the function. The memory is kept a while longer: a device can
 * still finish requests the dead driver gave it (QEMU's virtio-blk reads and writes the buffers of
 * an I/O already in its host thread, bus mastering or not) until its next driver resets it; frames
 * reused meanwhile would take a dead request's bytes (a stale READ's data in the new driver's WRITE
 * buffer). So they stay with the function until its next grant ends, by which time that driver has
 * reset the device; the grant before's memory goes then. At most one grant's DMA memory per
 * function waits so, charged to the driver that allocated it.
 */
static void device_destroy(struct kobj *o)
{
    struct device *dev = container_of(o, struct device, obj);
    pci_quiesce(dev->pci);
    dma_list_release(dev->pci->stale_dma);
    dev->pci->stale_dma = dev->dma;
    dev->dma = NULL;
    dev->pci->granted = false;
    kfree(dev);
}

/* Lets a function's kept DMA memory go now; see device.h. */
void device_release_stale(struct pci_dev *pci)
{
    dma_list_release(pci->stale_dma);
    pci->stale_dma = NULL;
}

static const struct obj_ops device_ops = {
    .type = OBJ_DEVICE,
    .name = "device",
    .destroy = device_destroy,
};

/* pci->granted is the one-driver rule: set here, cleared only when this object is destroyed. */
struct device *device_create(struct pci_dev *pci)
{
    struct device *dev = kzalloc(sizeof(*dev));
    if (!dev)
        return NULL;
    obj_init(&dev->obj, &device_ops);
    dev->pci = pci;
    pci->granted = true;
    return dev;
}

/* The buffer starts with the mapping's reference only: the device takes its own in
 * device_dma_attach, once the mapping exists and the address can reach the driver. */
long device_dma_alloc(struct device *dev, struct quota *quota, uint64_t npages, paddr_t *pa,
                      struct kobj **backing)
{
    /* Written so it cannot overflow: dma_pages never exceeds the budget. The budget is for the
     * device's life; freed buffers do not give it back. */
    if (npages > DMA_DEVICE_MAX / PAGE_SIZE - dev->dma_pages)
        return ERR_TOO_LARGE;
    long err = quota_charge(quota, LIMIT_PAGES, npages);
    if (err < 0)
        return err;
    struct dma_buf *b = kzalloc(sizeof(*b));
    if (!b || pmm_alloc(npages, &b->pa) < 0) {
        kfree(b);
        quota_uncharge(quota, LIMIT_PAGES, npages);
        return ERR_NO_MEMORY;
    }
    obj_init(&b->obj, &dma_buf_ops); /* the mapping's reference */
    b->npages = npages;
    b->charged = quota_get(quota);
    *pa = b->pa;
    *backing = &b->obj;
    return 0;
}

/* The device's reference: freed only by device_destroy, after bus mastering is off. */
void device_dma_attach(struct device *dev, struct kobj *backing)
{
    struct dma_buf *b = container_of(backing, struct dma_buf, obj);
    obj_ref(backing);
    b->next = dev->dma;
    dev->dma = b;
    dev->dma_pages += b->npages;
}
