/* virtio_blk: the virtio-blk driver: drives the disk init grants it and serves service/block:N (N: main's arg, from init). */
#include "blk.h"
#include "disk.h"

#include <warp/user.h>

/*
 * Handles from init (docs/drivers.md): 1 = the channel to init (SERVICE_INIT_CH), 2 = the device
 * handle of the first PCI function matching the manifest's `devices =` line (pci:1af4:1001
 * pci:1af4:1042).
 */
#define BLK_DEVICE 2

static struct loop blk_main_loop;

/* Logs the one start-up line: size and service. */
static void blk_log_start(void)
{
    uint64_t bytes = disk_g.sectors * disk_g.sector_size;
    printf("virtio_blk: %llu sectors of %u bytes (%llu MiB), service %s\n",
           (unsigned long long)disk_g.sectors, disk_g.sector_size, (unsigned long long)(bytes >> 20),
           blk_name());
    printf("virtio_blk: %s transport, %u requests in flight, %s%s%s\n", disk_g.vdev.ops->name, disk_g.nslots,
           disk_g.msix ? "MSI-X" : "INTx", (disk_g.features & VIRTIO_BLK_F_RO) ? ", read-only" : "",
           (disk_g.features & VIRTIO_BLK_F_FLUSH) ? ", flush" : "");
}

/* Brings up the disk, registers the service, serves until the loop fails. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)initfs;
    (void)initfs_size;
    long r = loop_init(&blk_main_loop);
    if (r < 0) {
        printf("virtio_blk: no event queue: %s\n", err_str(r));
        return 1;
    }
    if (disk_init(BLK_DEVICE, blk_done) < 0)
        return 1;
    if ((r = loop_add_irq(&blk_main_loop, disk_g.irq, disk_on_irq, NULL)) < 0) {
        printf("virtio_blk: cannot wait for interrupts: %s\n", err_str(r));
        return 1;
    }
    if ((r = blk_start(&blk_main_loop, arg)) < 0) {
        printf("virtio_blk: cannot register service/block:%llu: %s\n", (unsigned long long)arg, err_str(r));
        return 1;
    }
    blk_log_start();
    r = loop_run(&blk_main_loop);
    printf("virtio_blk: event loop failed: %s\n", err_str(r));
    return 1;
}
