/* stats.h: tcpip's stats line (stats.c): lwIP's pools and pcbs, and the counters the parts keep. */
#pragma once

#include <warp/loop.h>

/* Counters each part keeps up to date in its own fields; only the stats line reads them. */
struct stats_counts {
    unsigned conns;                /* conn.c: connections that have a channel or a pcb */
    unsigned listeners;            /* listener.c: listeners open */
    unsigned ctls;                 /* ctl.c: control channels open */
    unsigned dials;                /* dial.c: tcp-connects waiting for their handshake */
    unsigned lookups;              /* resolve.c: name lookups waiting for their answer */
    uint64_t rx_frames, tx_frames; /* eth.c: frames handed to lwIP / to the driver */
    uint64_t tx_writes;            /* eth.c: WRITE calls that carried the tx frames */
    uint64_t rx_errors, tx_errors; /* eth.c: READ/WRITE calls the driver failed */
    uint64_t tx_full;              /* eth.c: frames refused because every WRITE slot was in flight */
};

extern struct stats_counts stats_g;

/* Formats the stats line's fields ("pcbs=3 tw=0 ..."); returns its length (as fmt_snprintf). */
int stats_format(char *buf, size_t size);
/* Logs the stats line now. */
void stats_log(void);
/* From now on, logs the stats line every STATS_PERIOD_NS when it changed (an idle console stays quiet). */
void stats_start(struct loop *l);
