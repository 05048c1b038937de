/* stats.c: tcpip's stats line: lwIP's pools, pcbs and drops, and the parts' counters (stats.h). */
#include "stats.h"

#include <warp/string.h>
#include <warp/user.h>

#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"

#define STATS_PERIOD_NS (10 * 1000000000ull) /* stats line period (logged only when it changed) */

struct stats_counts stats_g;

static struct loop_timeout stats_timer;
static char stats_last[256]; /* the line logged last */

/* Elements of lwIP pool t in use. */
static unsigned stats_memp_used(memp_t t)
{
    return lwip_stats.memp[t] ? (unsigned)lwip_stats.memp[t]->used : 0;
}

/* Length of a pcb list. */
static unsigned stats_pcb_count(const struct tcp_pcb *p)
{
    unsigned n = 0;
    for (; p; p = p->next)
        n++;
    return n;
}

/* Appends the connection pcbs' states ("est:3/fw2:1"; "-" when there are none) to buf. */
static void stats_states_format(char *buf, size_t size)
{
    static const char *const names[] = {"closed", "listen", "synsent", "synrcvd", "est", "fw1",
                                        "fw2",    "cw",     "closing", "la",      "tw"};
    unsigned count[11] = {0};
    for (const struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        if ((unsigned)p->state < 11)
            count[p->state]++;
    count[TIME_WAIT] = stats_pcb_count(tcp_tw_pcbs);
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < 11; i++)
        if (count[i] && n < size)
            n += (size_t)fmt_snprintf(buf + n, size - n, "%s%s:%u", n ? "/" : "", names[i], count[i]);
    if (n == 0)
        fmt_snprintf(buf, size, "-");
}

/* The stats line's fields. */
int stats_format(char *buf, size_t size)
{
    char states[96];
    stats_states_format(states, sizeof(states));
    /* pcbs: connection pcbs alive (TIME_WAIT included, tw of them); pbufs: pool buffers in use (the
     * pending READ holds one) plus reference pbufs; ram: lwIP heap bytes in use (queued output). */
    return fmt_snprintf(
        buf, size,
        "pcbs=%u tw=%u listen=%u conns=%u listeners=%u ctl=%u dials=%u lookups=%u pbufs=%u ram=%u "
        "segs=%u "
        "rx=%llu tx=%llu txw=%llu drop=%u txfull=%llu tcp=%s",
        stats_memp_used(MEMP_TCP_PCB), stats_pcb_count(tcp_tw_pcbs), stats_memp_used(MEMP_TCP_PCB_LISTEN),
        stats_g.conns, stats_g.listeners, stats_g.ctls, stats_g.dials, stats_g.lookups,
        stats_memp_used(MEMP_PBUF_POOL) + stats_memp_used(MEMP_PBUF), (unsigned)lwip_stats.mem.used,
        stats_memp_used(MEMP_TCP_SEG), (unsigned long long)stats_g.rx_frames,
        (unsigned long long)stats_g.tx_frames, (unsigned long long)stats_g.tx_writes,
        (unsigned)(lwip_stats.link.drop + lwip_stats.ip.drop + lwip_stats.tcp.drop),
        (unsigned long long)stats_g.tx_full, states);
}

/* Logs the stats line and remembers it. */
void stats_log(void)
{
    stats_format(stats_last, sizeof(stats_last));
    printf("tcpip: stats %s\n", stats_last);
}

/* Every STATS_PERIOD_NS: the stats line, if anything in it changed. */
static void stats_on_timer(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)ctx;
    char now[sizeof(stats_last)];
    stats_format(now, sizeof(now));
    if (strcmp(now, stats_last) != 0)
        stats_log();
    loop_timeout_after(l, t, STATS_PERIOD_NS);
}

/* Arms the periodic stats timer on l. */
void stats_start(struct loop *l)
{
    loop_timeout_init(&stats_timer, stats_on_timer, NULL);
    loop_timeout_after(l, &stats_timer, STATS_PERIOD_NS);
}
