/* virtio_net: the virtio-net driver: drives the NIC init grants it and serves service/ethernet. */
#include "eth.h"
#include "nic.h"

#include <warp/user.h>

/*
 * Handles from init (docs/drivers.md): 1 = the channel to init (SERVICE_INIT_CH), 2 = the device
 * handle of the first PCI function matching the manifest's `devices =` line (pci:1af4:1000
 * pci:1af4:1041).
 */
#define NET_DEVICE 2

static struct loop net_loop;

/* What the NIC reports goes to the sessions. */
static const struct nic_client net_sessions = {.on_frame = eth_deliver,
                                               .on_rx_done = eth_rx_done,
                                               .can_take = eth_can_take,
                                               .on_tx_space = eth_tx_space};

/* Makes the NIC's interrupts sources of the loop. */
static long net_add_irqs(struct loop *l)
{
    long r = loop_add_irq(l, nic_g.irq_rx, nic_on_irq, NULL);
    if (r == 0 && nic_g.irq_tx != nic_g.irq_rx)
        r = loop_add_irq(l, nic_g.irq_tx, nic_on_irq, NULL);
    return r;
}

/* Brings up the NIC, registers the service, serves until the loop fails. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    (void)initfs;
    (void)initfs_size;
    long r = loop_init(&net_loop);
    if (r < 0) {
        printf("virtio_net: no event queue: %s\n", err_str(r));
        return 1;
    }
    if (nic_init(NET_DEVICE, &net_loop, &net_sessions) < 0)
        return 1;
    if ((r = net_add_irqs(&net_loop)) < 0) {
        printf("virtio_net: cannot wait for interrupts: %s\n", err_str(r));
        return 1;
    }
    if ((r = eth_start(&net_loop)) < 0) {
        printf("virtio_net: cannot register service/ethernet: %s\n", err_str(r));
        return 1;
    }
    r = loop_run(&net_loop);
    printf("virtio_net: event loop failed: %s\n", err_str(r));
    return 1;
}
