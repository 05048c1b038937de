/* tcpip: the TCP/IP server: lwIP 2.1.3 (NO_SYS) in one event loop, sockets as channels (docs/network.md). */
#include "port.h"
#include "tcpip.h"

#include <warp/msg.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"

#define TCPIP_STATS_NS (10 * 1000000000ull) /* stats line period (logged only when it changed) */

struct loop tcpip_loop;

static struct loop_timeout tcpip_lwip_timer;  /* lwIP's next timeout (sys_check_timeouts) */
static struct loop_timeout tcpip_stats_timer;
static char tcpip_last_stats[256];

void tcpip_send(handle_t ch, const struct warp_msg *m)
{
    long r = warp_channel_send(ch, m);
    if (r < 0 && r != ERR_PEER_CLOSED)
        printf("tcpip: send on channel %d failed: %s\n", ch, err_str(r));
}

void tcpip_reply_error(handle_t ch, const struct warp_msg *m, long err)
{
    struct warp_msg r;
    msg_reply_error(&r, m->call_id, err);
    tcpip_send(ch, &r);
}

void tcpip_reply_status(handle_t ch, const struct warp_msg *m, int64_t status)
{
    struct warp_msg r;
    msg_reply(&r, m->type, m->call_id, status);
    tcpip_send(ch, &r);
}

void tcpip_drop_handles(const struct warp_msg *m)
{
    for (unsigned i = 0; i < m->nhandles && i < MSG_HANDLES_MAX; i++)
        warp_handle_close(m->handles[i]);
}

/* Elements of lwIP pool t in use. */
static unsigned tcpip_memp_used(memp_t t)
{
    return lwip_stats.memp[t] ? (unsigned)lwip_stats.memp[t]->used : 0;
}

/* Length of a pcb list. */
static unsigned tcpip_pcb_count(const struct tcp_pcb *p)
{
    unsigned n = 0;
    for (; p; p = p->next)
        n++;
    return n;
}

/* Appends the connection pcbs' states ("est:3/fw2:1"; "-" when there are none) to buf. */
static void tcpip_states_format(char *buf, size_t size)
{
    static const char *const names[] = {"closed", "listen", "synsent", "synrcvd", "est", "fw1",
                                        "fw2", "cw", "closing", "la", "tw"};
    unsigned count[11] = {0};
    for (const struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        if ((unsigned)p->state < 11)
            count[p->state]++;
    count[TIME_WAIT] = tcpip_pcb_count(tcp_tw_pcbs);
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < 11; i++)
        if (count[i] && n < size)
            n += (size_t)fmt_snprintf(buf + n, size - n, "%s%s:%u", n ? "/" : "", names[i], count[i]);
    if (n == 0)
        fmt_snprintf(buf, size, "-");
}

int tcpip_stats_format(char *buf, size_t size)
{
    const struct eth_counters *e = eth_counters();
    char states[96];
    tcpip_states_format(states, sizeof(states));
    /* pcbs: connection pcbs alive (TIME_WAIT included, tw of them); pbufs: pool buffers in use (the
     * pending READ holds one) plus reference pbufs; ram: lwIP heap bytes in use (queued output). */
    return fmt_snprintf(buf, size,
                        "pcbs=%u tw=%u listen=%u conns=%u listeners=%u ctl=%u pbufs=%u ram=%u segs=%u "
                        "rx=%llu tx=%llu drop=%u txfull=%llu tcp=%s",
                        tcpip_memp_used(MEMP_TCP_PCB), tcpip_pcb_count(tcp_tw_pcbs),
                        tcpip_memp_used(MEMP_TCP_PCB_LISTEN), conn_count(), listener_count(),
                        ctl_count(), tcpip_memp_used(MEMP_PBUF_POOL) + tcpip_memp_used(MEMP_PBUF),
                        (unsigned)lwip_stats.mem.used, tcpip_memp_used(MEMP_TCP_SEG),
                        (unsigned long long)e->rx_frames, (unsigned long long)e->tx_frames,
                        (unsigned)(lwip_stats.link.drop + lwip_stats.ip.drop + lwip_stats.tcp.drop),
                        (unsigned long long)e->tx_full, states);
}

void tcpip_stats_log(void)
{
    tcpip_stats_format(tcpip_last_stats, sizeof(tcpip_last_stats));
    printf("tcpip: stats %s\n", tcpip_last_stats);
}

/* Every TCPIP_STATS_NS: the stats line, if anything in it changed (an idle console stays quiet). */
static void tcpip_on_stats_timer(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)ctx;
    char now[sizeof(tcpip_last_stats)];
    tcpip_stats_format(now, sizeof(now));
    if (strcmp(now, tcpip_last_stats) != 0)
        tcpip_stats_log();
    loop_timeout_after(l, t, TCPIP_STATS_NS);
}

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

/* On init's channel: one-way OPEN "service/tcpip" with a new client's control channel. */
static void tcpip_on_init_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)l;
    (void)ctx;
    if (m->type == MSG_OPEN && !msg_is_call(m) && m->nhandles >= 1) {
        for (unsigned i = 1; i < m->nhandles && i < MSG_HANDLES_MAX; i++)
            warp_handle_close(m->handles[i]);
        ctl_accept(m->handles[0]);
        return;
    }
    tcpip_drop_handles(m);
    if (msg_is_call(m))
        tcpip_reply_error(ch, m, ERR_NOT_SUPPORTED);
}

/* init is gone: no client can reach us any more, and no driver either. */
static void tcpip_on_init_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)l;
    (void)ch;
    (void)ctx;
    printf("tcpip: init closed its channel\n");
    warp_exit(1);
}

static const struct loop_channel_handlers tcpip_init_handlers = {
    .on_message = tcpip_on_init_message,
    .on_peer_closed = tcpip_on_init_closed,
};

/* init answered our registration. */
static void tcpip_on_registered(struct loop *l, handle_t ch, struct warp_msg *reply, void *ctx)
{
    (void)l;
    (void)ch;
    (void)ctx;
    tcpip_drop_handles(reply);
    long r = msg_result(reply, MSG_OPEN);
    if (r < 0) {
        printf("tcpip: cannot register %s: %s\n", TCPIP_URI, err_str(r));
        warp_exit(1);
    }
}

/* Entry: lwIP up, registered with init, the interface on its way; then the loop, forever. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    (void)initfs;
    (void)initfs_size;
    port_init();
    lwip_init();
    long r = loop_init(&tcpip_loop);
    if (r == 0)
        r = loop_add_channel(&tcpip_loop, TCPIP_INIT_CH, &tcpip_init_handlers, NULL);
    struct warp_msg m;
    if (r == 0)
        r = msg_open(&m, "listen:" TCPIP_URI);
    if (r == 0)
        r = loop_call(&tcpip_loop, TCPIP_INIT_CH, &m, tcpip_on_registered, NULL);
    if (r < 0) {
        printf("tcpip: cannot start: %s\n", err_str(r));
        return 1;
    }
    loop_timeout_init(&tcpip_lwip_timer, tcpip_on_lwip_timer, NULL);
    loop_timeout_init(&tcpip_stats_timer, tcpip_on_stats_timer, NULL);
    loop_timeout_after(&tcpip_loop, &tcpip_stats_timer, TCPIP_STATS_NS);
    eth_start();
    for (;;) {
        tcpip_arm_lwip_timer();
        r = loop_run_once(&tcpip_loop);
        if (r < 0) {
            printf("tcpip: event loop failed: %s\n", err_str(r));
            return 1;
        }
    }
}
