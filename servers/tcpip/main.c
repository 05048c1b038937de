/* tcpip: the TCP/IP server: lwIP 2.1.3 (NO_SYS) in one event loop, sockets as channels (docs/network.md). */
#include "access.h"
#include "ctl.h"
#include "eth.h"
#include "port.h"
#include "stats.h"

#include <warp/service.h>
#include <warp/user.h>

#include "lwip/init.h"
#include "lwip/timeouts.h"

static struct loop tcpip_loop;
static struct loop_timeout tcpip_lwip_timer; /* lwIP's next timeout (sys_check_timeouts) */

/* Arms the loop timeout at lwIP's next deadline. Called before every pass of the loop, since any
 * handler may have made lwIP add or move a timeout, and after lwIP's timers ran (below). */
static void tcpip_arm_lwip_timer(void)
{
    u32_t ms = sys_timeouts_sleeptime();
    if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
        loop_timeout_cancel(&tcpip_loop, &tcpip_lwip_timer);
    else
        loop_timeout_after(&tcpip_loop, &tcpip_lwip_timer, (uint64_t)ms * 1000000u);
}

/*
 * lwIP's timers are due. Re-arming here matters: loop_run_once fires due timeouts and then waits in
 * the same call, so a timeout re-armed only before the next pass would leave this wait bounded by
 * the other timeouts alone (the stats timer, 10 s), starving TCP's 250 ms timer.
 */
static void tcpip_on_lwip_timer(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)l;
    (void)t;
    (void)ctx;
    sys_check_timeouts();
    tcpip_arm_lwip_timer();
}

/* Entry: lwIP up, service/tcpip registered (clients get control channels, ctl.c), the interface on
 * its way; then the loop, forever. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    (void)initfs;
    (void)initfs_size;
    port_init();
    lwip_init();
    access_init();
    long r = loop_init(&tcpip_loop);
    if (r == 0)
        r = service_start(&tcpip_loop, "tcpip", ctl_accept, NULL);
    if (r < 0) {
        printf("tcpip: cannot start: %s\n", err_str(r));
        return 1;
    }
    loop_timeout_init(&tcpip_lwip_timer, tcpip_on_lwip_timer, NULL);
    stats_start(&tcpip_loop);
    eth_start(&tcpip_loop);
    for (;;) {
        tcpip_arm_lwip_timer();
        r = loop_run_once(&tcpip_loop);
        if (r < 0) {
            printf("tcpip: event loop failed: %s\n", err_str(r));
            return 1;
        }
    }
}
