/* virtio_scsi: the virtio-scsi driver: serves the first disk of the host init grants it as service/block:N (N: main's arg). */
#include "blk.h"
#include "scsi.h"

#include <warp/user.h>

/*
 * Handles from init (docs/drivers.md): 1 = the channel to init (SERVICE_INIT_CH), 2 = the device
 * handle of the first PCI function matching the manifest's `devices =` line (pci:1af4:1004
 * pci:1af4:1048).
 */
#define SCSI_DEVICE 2

static struct loop scsi_main_loop;

/* Logs the start-up lines: the disk, its size and service; transport, interrupts, write protection. */
static void scsi_log_start(void)
{
    uint64_t bytes = scsi_g.sectors * scsi_g.sector_size;
    printf("virtio_scsi: %s %s at target %u lun 0: %llu sectors of %u bytes (%llu MiB), service %s\n",
           scsi_g.vendor, scsi_g.product, scsi_g.target, (unsigned long long)scsi_g.sectors,
           scsi_g.sector_size, (unsigned long long)(bytes >> 20), blk_name());
    printf("virtio_scsi: %s transport, %u requests in flight, %s%s\n", scsi_g.vdev.ops->name, scsi_g.nslots,
           scsi_g.msix ? "MSI-X" : "INTx", scsi_g.read_only ? ", read-only" : "");
}

/* Brings up the host and its disk, registers the service, serves until the loop fails. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)initfs;
    (void)initfs_size;
    long r = loop_init(&scsi_main_loop);
    if (r < 0) {
        printf("virtio_scsi: no event queue: %s\n", err_str(r));
        return 1;
    }
    if (scsi_init(SCSI_DEVICE, &scsi_main_loop) < 0)
        return 1;
    if ((r = blk_start(&scsi_main_loop, arg)) < 0) {
        printf("virtio_scsi: cannot register service/block:%llu: %s\n", (unsigned long long)arg, err_str(r));
        return 1;
    }
    scsi_log_start();
    r = loop_run(&scsi_main_loop);
    printf("virtio_scsi: event loop failed: %s\n", err_str(r));
    return 1;
}
