/* nettest.h: the network test client: frames it builds and recognises (frames.c). */
#pragma once

#include <warp/proto/ethernet.h>

/* QEMU user networking (slirp) inside the guest: we are 10.0.2.15, its gateway/DHCP is 10.0.2.2. */
#define NT_GUEST_IP 0x0a00020fu
#define NT_GATEWAY_IP 0x0a000202u

/* Builds a broadcast ARP request "who-has tpa tell spa" from mac into out (60 bytes); returns its length. */
size_t frame_arp_request(uint8_t *out, const uint8_t mac[ETHERNET_ADDR_LEN], uint32_t spa, uint32_t tpa);
/* Builds a broadcast DHCP DISCOVER with transaction id xid into out (590 bytes); returns its length. */
size_t frame_dhcp_discover(uint8_t *out, const uint8_t mac[ETHERNET_ADDR_LEN], uint32_t xid);

/* True if f is an ARP reply to mac saying spa is at some address; copies that address to *sha. */
bool frame_is_arp_reply(const uint8_t *f, size_t len, const uint8_t mac[ETHERNET_ADDR_LEN], uint32_t spa,
                        uint8_t sha[ETHERNET_ADDR_LEN]);
/* True if f is a DHCP OFFER for xid; stores the offered address in *yiaddr. */
bool frame_is_dhcp_offer(const uint8_t *f, size_t len, uint32_t xid, uint32_t *yiaddr);
