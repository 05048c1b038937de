/* eth.h: tcpip's network interface over service/ethernet (eth.c): the link, its address, its MAC. */
#pragma once

#include <warp/loop.h>

/* Opens service/ethernet through init, retrying until the driver registers, reads its MAC, brings
 * the netif up and starts DHCP, all from l (whose handle 1, init's channel, service_start added). */
void eth_start(struct loop *l);
/* The interface's address, netmask and gateway (host byte order); ERR_WOULD_BLOCK while it has
 * none (DHCP not bound yet). */
int eth_ipv4(uint32_t *ip, uint32_t *mask, uint32_t *gw);
/* A static address instead of DHCP (SETATTR "ipv4=A/N via G"); mask 0 goes back to DHCP.
 * ERR_WOULD_BLOCK while the interface does not exist yet. */
int eth_configure(uint32_t ip, uint32_t mask, uint32_t gw);
/* The MAC as text, or "" before the driver told it. */
const char *eth_mac_text(void);
