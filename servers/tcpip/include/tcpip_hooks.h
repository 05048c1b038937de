/* tcpip_hooks.h: the lwIP hooks of Warp's tcpip (LWIP_HOOK_FILENAME): TCP ISNs, TIME_WAIT reuse, the
 * DHCP MTU option. */
#pragma once

#include "lwip/arch.h"
#include "lwip/ip_addr.h"

struct netif;
struct dhcp;
struct dhcp_msg;
struct pbuf;

/*
 * TCP initial sequence numbers as RFC 6528 says: a 4-microsecond clock plus a keyed hash of the
 * connection's addresses and ports under a secret drawn at start-up, so they are neither guessable
 * (lwIP 2.1.3's own ISN is a counter) nor repeated for a reused four-tuple.
 */
u32_t tcpip_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                    u16_t remote_port);
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) \
    tcpip_tcp_isn(local_ip, local_port, remote_ip, remote_port)

/* A SYN newer than the TIME_WAIT connection of its four-tuple ends that TIME_WAIT (timewait.c). */
int timewait_on_ip4_input(struct pbuf *p);
#define LWIP_HOOK_IP4_INPUT(pbuf, input_netif) timewait_on_ip4_input(pbuf)

/* Adds option 26 (interface MTU) to the parameter request list of the message being built. */
void tcpip_dhcp_append_options(struct netif *netif, struct dhcp_msg *msg, u8_t msg_type, u16_t *options_len);
#define LWIP_HOOK_DHCP_APPEND_OPTIONS(netif, dhcp, state, msg, msg_type, options_len_ptr) \
    tcpip_dhcp_append_options(netif, msg, msg_type, options_len_ptr)

/* Sees each option lwIP does not parse itself; keeps the interface MTU of an ACK. */
void tcpip_dhcp_parse_option(struct netif *netif, u8_t msg_type, u8_t option, u8_t len, struct pbuf *p,
                             u16_t offset);
#define LWIP_HOOK_DHCP_PARSE_OPTION(netif, dhcp, state, msg, msg_type, option, len, pbuf, offset) \
    do {                                                                                          \
        LWIP_UNUSED_ARG(msg);                                                                     \
        tcpip_dhcp_parse_option(netif, msg_type, option, len, pbuf, offset);                      \
    } while (0)
