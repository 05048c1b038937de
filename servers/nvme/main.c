/* nvme: the NVMe driver: drives the controller init grants it and serves namespace 1 as service/block:N (N: main's arg, from init). */
#include "blk.h"
#include "nvme.h"

#include <warp/user.h>

/*
 * Handles from init (docs/drivers.md): 1 = the channel to init (SERVICE_INIT_CH), 2 = the device
 * handle of the first PCI function matching the manifest's `devices =` line (pci-class:010802).
 */
#define NVME_DEVICE 2

static struct loop nvme_main_loop;

/* Logs the one start-up line: the disk, its size, queue depth and interrupts. */
static void nvme_log_start(void)
{
    uint64_t bytes = nvme_g.ns.sectors * nvme_g.ns.sector_size;
    printf("nvme: %s (serial %s): %llu sectors of %u bytes (%llu MiB), queue depth %u, %u KiB per command, "
           "%s%s%s, service %s\n",
           nvme_g.id.model, nvme_g.id.serial, (unsigned long long)nvme_g.ns.sectors, nvme_g.ns.sector_size,
           (unsigned long long)(bytes >> 20), nvme_g.nslots, nvme_g.max_xfer >> 10, nvme_g.irq_kind,
           nvme_g.ns.read_only ? ", read-only" : "", nvme_g.id.vwc ? ", flush" : "", blk_name());
}

/* Brings up the controller, registers the service, serves until the loop fails. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)initfs;
    (void)initfs_size;
    long r = loop_init(&nvme_main_loop);
    if (r < 0) {
        printf("nvme: no event queue: %s\n", err_str(r));
        return 1;
    }
    if (nvme_init(NVME_DEVICE) < 0)
        return 1;
    if ((r = loop_add_irq(&nvme_main_loop, nvme_g.irq, nvme_on_irq, NULL)) < 0) {
        printf("nvme: cannot wait for interrupts: %s\n", err_str(r));
        return 1;
    }
    if ((r = blk_start(&nvme_main_loop, arg)) < 0) {
        printf("nvme: cannot register service/block:%llu: %s\n", (unsigned long long)arg, err_str(r));
        return 1;
    }
    nvme_log_start();
    r = loop_run(&nvme_main_loop);
    printf("nvme: event loop failed: %s\n", err_str(r));
    return 1;
}
