/* disk.c: the virtio-blk device (virtio 1.1 §5.2) over libs/virtio: one request queue, bounce buffers. */
#include "disk.h"

#include <warp/devcall.h>
#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

struct disk disk_g;

/* §5.2.6: the header at the start of every request. */
struct disk_req_hdr {
    uint32_t type; /* VIRTIO_BLK_T_* */
    uint32_t reserved;
    uint64_t sector; /* in 512-byte units */
};

_Static_assert(sizeof(struct disk_req_hdr) == DISK_HDR_LEN, "virtio_blk_req header is 16 bytes");

/* Cookies are slot numbers + 1 (a cookie may not be NULL). */
static void *disk_cookie(unsigned slot)
{
    return (void *)(uintptr_t)(slot + 1);
}

static long disk_reset(void);

/* The geometry disk_read_geometry found and the features accepted. */
const struct blkdev_info *blkdev_info(void)
{
    static struct blkdev_info info;
    info = (struct blkdev_info){"virtio_blk",
                                disk_g.sectors,
                                disk_g.sector_size,
                                (disk_g.features & VIRTIO_BLK_F_RO) != 0,
                                (disk_g.features & VIRTIO_BLK_F_FLUSH) != 0,
                                disk_g.nslots,
                                disk_g.data,
                                disk_reset};
    return &info;
}

/* The device's counters. */
void blkdev_stats(char *buf, size_t n)
{
    fmt_snprintf(buf, n, "requests %llu errors %llu irqs %llu resets %llu",
                 (unsigned long long)disk_g.requests, (unsigned long long)disk_g.errors,
                 (unsigned long long)disk_g.irqs, (unsigned long long)disk_g.resets);
}

/* Publishes what was added and kicks the device if it wants it. */
static void disk_kick(void)
{
    if (virtq_publish(&disk_g.vq))
        virtio_notify(&disk_g.vdev, &disk_g.vq);
}

/* Header, data (none for a flush), status of slot's request (type VIRTIO_BLK_T_*, len bytes at
 * sector) as one chain; the device sees it at once. */
static void disk_post(unsigned slot, uint32_t type, uint64_t sector, uint32_t len)
{
    uint8_t *meta = disk_g.slots + (size_t)slot * DISK_META;
    paddr_t meta_phys = disk_g.slots_phys + (paddr_t)slot * DISK_META;
    struct disk_req_hdr hdr = {type, 0, sector * (disk_g.sector_size / DISK_SECTOR)};
    memcpy(meta, &hdr, sizeof(hdr));
    meta[DISK_STATUS_OFF] = 0xff; /* not a status the device writes: a short completion shows */
    struct virtq_buf bufs[3] = {
        {meta_phys, DISK_HDR_LEN, false},
        {disk_g.data_phys + (paddr_t)slot * BLOCK_IO_MAX, len, type == VIRTIO_BLK_T_IN},
        {meta_phys + DISK_STATUS_OFF, 1, true},
    };
    if (len == 0)
        bufs[1] = bufs[2];
    virtq_add(&disk_g.vq, bufs, len ? 3 : 2, disk_cookie(slot)); /* cannot fail: 3 descriptors per slot */
    disk_g.requests++;
    disk_kick();
}

/* Posts slot's request as its VIRTIO_BLK_T_* type. */
void blkdev_submit(unsigned slot, enum blkdev_op op, uint64_t sector, uint32_t len)
{
    uint32_t type = op == BLKDEV_FLUSH   ? VIRTIO_BLK_T_FLUSH
                    : op == BLKDEV_WRITE ? VIRTIO_BLK_T_OUT
                                         : VIRTIO_BLK_T_IN;
    disk_post(slot, type, sector, len);
}

/* The outcome of a finished slot from its status byte. */
static long disk_result(unsigned slot)
{
    uint8_t status = disk_g.slots[(size_t)slot * DISK_META + DISK_STATUS_OFF];
    if (status == VIRTIO_BLK_S_OK)
        return 0;
    disk_g.errors++;
    return status == VIRTIO_BLK_S_UNSUPP ? ERR_NOT_SUPPORTED : ERR_IO;
}

/* Hands every request the device finished to the sessions. */
static void disk_collect(void)
{
    void *cookie;
    uint32_t len;
    long r;
    while ((r = virtq_pop(&disk_g.vq, &cookie, &len)) != 0) {
        unsigned slot = (unsigned)(uintptr_t)cookie - 1;
        if (r < 0 || slot >= disk_g.nslots) {
            printf("virtio_blk: the device returned a bad descriptor\n");
            continue;
        }
        disk_g.done(slot, disk_result(slot));
    }
}

/*
 * One interrupt. Ack first, then drain: a request finishing meanwhile raises a new event (as in
 * virtio_net). With INTx the ISR read comes before the ack: it lowers the level-triggered line.
 */
void disk_on_irq(struct loop *l, handle_t irq, void *ctx)
{
    (void)l;
    (void)ctx;
    disk_g.irqs++;
    if (!disk_g.msix)
        virtio_isr(&disk_g.vdev);
    warp_irq_ack(irq);
    disk_collect();
}

/* One DMA allocation for the ring, the slots' headers and status bytes, and their bounce buffers. */
static long disk_alloc_queue(handle_t dev)
{
    uint16_t n = virtio_queue_size(&disk_g.vdev, DISK_REQQ, DISK_QUEUE_WANT);
    if (n < 4) /* a slot takes 3 descriptors */
        return ERR_NOT_SUPPORTED;
    disk_g.nslots = n / 3 < DISK_SLOTS_MAX ? n / 3 : DISK_SLOTS_MAX;
    size_t ring = virtq_bytes(n), meta = (size_t)disk_g.nslots * DISK_META;
    size_t len = ring + meta + (size_t)disk_g.nslots * BLOCK_IO_MAX;
    paddr_t phys;
    long addr = warp_dma_alloc(dev, len, &phys);
    void **cookies = malloc(n * sizeof(void *));
    if (addr < 0 || !cookies) {
        free(cookies);
        return addr < 0 ? addr : ERR_NO_MEMORY;
    }
    uint8_t *mem = (uint8_t *)addr;
    disk_g.ring = mem;
    disk_g.ring_phys = phys;
    disk_g.cookies = cookies;
    disk_g.qsize = n;
    disk_g.slots = mem + ring;
    disk_g.slots_phys = phys + ring;
    disk_g.data = mem + ring + meta;
    disk_g.data_phys = phys + ring + meta;
    return virtq_init(&disk_g.vq, DISK_REQQ, n, mem, phys, cookies);
}

/* The queue's MSI-X vector 0 (no config vector) when MSI-X is in use; then hands the queue to the
 * device. Also after a reset, which forgets both. */
static long disk_setup_queue(void)
{
    if (disk_g.msix) {
        long r = virtio_config_vector(&disk_g.vdev, VIRTIO_MSI_NO_VECTOR);
        if (r == 0)
            r = virtio_queue_vector(&disk_g.vdev, DISK_REQQ, 0);
        if (r < 0)
            return r;
    }
    return virtio_queue_setup(&disk_g.vdev, &disk_g.vq);
}

/* MSI-X vector 0 for the queue (no config vector) when the function has MSI-X, else one INTx or
 * MSI interrupt; then hands the queue to the device. */
static long disk_setup_irq(handle_t dev)
{
    long irq = warp_irq_create(dev, 0);
    if (irq < 0)
        return irq;
    disk_g.irq = (handle_t)irq;
    disk_g.msix = disk_g.vdev.msix_entries >= 1;
    return disk_setup_queue();
}

/* Capacity and sector size from the config: blk_size when offered, a power of two 512..4096 that
 * divides the capacity into whole sectors, else 512. */
static void disk_read_geometry(void)
{
    uint64_t cap = virtio_config_read(&disk_g.vdev, VIRTIO_BLK_CFG_CAPACITY, 4) |
                   (uint64_t)virtio_config_read(&disk_g.vdev, VIRTIO_BLK_CFG_CAPACITY + 4, 4) << 32;
    uint32_t size = DISK_SECTOR;
    if (disk_g.features & VIRTIO_BLK_F_BLK_SIZE) {
        uint32_t bs = virtio_config_read(&disk_g.vdev, VIRTIO_BLK_CFG_BLK_SIZE, 4);
        if (bs >= DISK_SECTOR && bs <= 4096 && (bs & (bs - 1)) == 0)
            size = bs;
    }
    disk_g.sector_size = size;
    disk_g.sectors = cap / (size / DISK_SECTOR);
}

/* Logs which bring-up step failed, marks the device FAILED, returns r. */
static long disk_failed(const char *step, long r)
{
    printf("virtio_blk: %s failed: %s\n", step, err_str(r));
    virtio_fail(&disk_g.vdev);
    return r;
}

/* §3.1.1 for a block device: reset, features, queue, interrupt, geometry, DRIVER_OK. */
static long disk_bring_up(handle_t dev)
{
    long r;
    if ((r = virtio_reset(&disk_g.vdev)) < 0)
        return disk_failed("reset", r);
    r = virtio_negotiate(&disk_g.vdev, VIRTIO_BLK_F_RO | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH,
                         &disk_g.features);
    if (r < 0)
        return disk_failed("feature negotiation", r);
    if ((r = disk_alloc_queue(dev)) < 0)
        return disk_failed("queue memory", r);
    if ((r = disk_setup_irq(dev)) < 0)
        return disk_failed("interrupt and queue setup", r);
    disk_read_geometry();
    virtio_driver_ok(&disk_g.vdev);
    return 0;
}

/* Checks the handle is a virtio-blk device and brings it up. */
long disk_init(handle_t dev, disk_done_fn done)
{
    disk_g.done = done;
    long r = warp_device_check(dev, "virtio_blk");
    if (r < 0)
        return r;
    if ((r = virtio_pci_open(&disk_g.vdev, dev)) < 0 || virtio_device_type(&disk_g.vdev) != VIRTIO_BLK_TYPE) {
        printf("virtio_blk: not a virtio block device I can drive: %s\n",
               r < 0 ? err_str(r) : "wrong device type");
        return r < 0 ? r : ERR_NOT_SUPPORTED;
    }
    return disk_bring_up(dev);
}

/* §3.1.1 again after a reset: the same features, the queue laid out anew in its memory, DRIVER_OK. */
static long disk_restart(void)
{
    uint64_t accepted;
    long r = virtio_reset(&disk_g.vdev);
    if (r == 0)
        r = virtio_negotiate(&disk_g.vdev, disk_g.features, &accepted);
    if (r == 0 && accepted != disk_g.features)
        r = ERR_NOT_SUPPORTED;
    if (r == 0)
        r = virtq_init(&disk_g.vq, DISK_REQQ, disk_g.qsize, disk_g.ring, disk_g.ring_phys, disk_g.cookies);
    if (r == 0)
        r = disk_setup_queue();
    if (r < 0)
        return disk_failed("reset after a timeout", r);
    virtio_driver_ok(&disk_g.vdev);
    return 0;
}

/* blkdev_info's reset, after a request missed its deadline: answers what the device finished,
 * resets it and sets it up again, empty (blk.c resubmits what is still in flight). */
static long disk_reset(void)
{
    disk_collect();
    disk_g.resets++;
    return disk_restart();
}
