/* tcpip.h: the tcpip server's parts and what they share (lwIP 2.1.3 in one event loop). */
#pragma once

#include <warp/loop.h>
#include <warp/proto/ethernet.h>
#include <warp/proto/tcpip.h>

#include "lwip/err.h"

struct tcp_pcb;
struct listener;

#define TCPIP_INIT_CH 1              /* init's channel: handle 1 (docs/userspace.md) */

/* The one event loop everything runs in (main.c). */
extern struct loop tcpip_loop;

/* main.c: sends a reply or one-way message; a peer that has gone is not an error of ours. */
void tcpip_send(handle_t ch, const struct warp_msg *m);
/* main.c: replies ERROR(err) to call m received on ch. */
void tcpip_reply_error(handle_t ch, const struct warp_msg *m, long err);
/* main.c: replies to call m with its own type and a status. */
void tcpip_reply_status(handle_t ch, const struct warp_msg *m, int64_t status);
/* main.c: closes the handles a message brought that its handler does not keep. */
void tcpip_drop_handles(const struct warp_msg *m);
/* main.c: formats the stats line's fields ("pcbs=3 tw=0 ..."); returns its length. */
int tcpip_stats_format(char *buf, size_t size);
/* main.c: logs the stats line now. */
void tcpip_stats_log(void);

/* eth.c: the interface over service/ethernet (virtio_net): opens it through init, retrying until the
 * driver registers, reads its MAC, brings the netif up and starts DHCP. */
void eth_start(void);
/* eth.c: the interface's address, netmask and gateway (host byte order); ERR_WOULD_BLOCK while it
 * has none (DHCP not bound yet). */
int eth_ipv4(uint32_t *ip, uint32_t *mask, uint32_t *gw);
/* eth.c: a static address instead of DHCP (SETATTR "ipv4=A/N via G"); mask 0 goes back to DHCP.
 * ERR_WOULD_BLOCK while the interface does not exist yet. */
int eth_configure(uint32_t ip, uint32_t mask, uint32_t gw);
/* eth.c: the MAC as text, or "" before the driver told it. */
const char *eth_mac_text(void);
/* eth.c: frame counters for the stats line. */
struct eth_counters {
    uint64_t rx_frames, tx_frames; /* handed to lwIP / to the driver */
    uint64_t rx_errors, tx_errors; /* READ/WRITE calls the driver failed */
    uint64_t tx_full;              /* frames refused because every WRITE slot was in flight */
};
const struct eth_counters *eth_counters(void);

/* ctl.c: serves a control channel a client got by opening service/tcpip (handed over by init). */
void ctl_accept(handle_t ch);
/* ctl.c: control channels open now. */
unsigned ctl_count(void);

/* listener.c: listens on ip:port (host byte order, ip 0 = any) for connections; *out is the
 * listener channel's end for the client. ERR_ALREADY_EXISTS when a listener has the port,
 * ERR_NO_RESOURCES when lwIP or the handle table is full. */
long listener_open(uint32_t ip, uint16_t port, handle_t *out);
/* listener.c: listeners open now. */
unsigned listener_count(void);
/* listener.c: passes an accepted connection's channel to l's client as a one-way OPEN with its
 * "tcp:<addr>:<port>" URI; ERR_QUEUE_FULL or ERR_PEER_CLOSED if the client cannot take it. */
long listener_hand_over(struct listener *l, handle_t conn_end, uint32_t ip, uint16_t port);

/* conn.c: takes a connection lwIP accepted on l; ERR_OK, or ERR_ABRT after aborting it (RST). */
err_t conn_accept(struct listener *l, struct tcp_pcb *pcb);
/* conn.c: connections that have a channel or a pcb. */
unsigned conn_count(void);
/* conn.c: retries sending on every connection (a WRITE slot to the driver came free). */
void conn_kick_all(void);
