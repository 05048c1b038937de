/* frames.c: the Ethernet frames nettest sends (ARP request RFC 826, DHCP DISCOVER RFC 2131) and parses. */
#include "nettest.h"

#include <warp/string.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ARP_REQUEST 1
#define ARP_REPLY 2
#define ETH_MIN_FRAME 60 /* without FCS: shorter frames are padded */
#define IP_HLEN 20
#define UDP_HLEN 8
#define IPPROTO_UDP 17
#define BOOTP_FIXED 236 /* op .. file */
#define BOOTP_VEND 312  /* options area: slirp wants the whole 576-byte IP datagram RFC 2131 allows */
#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_MAGIC 0x63825363u
#define DHCP_OPT_MSG_TYPE 53
#define DHCP_OPT_PARAMS 55
#define DHCP_OPT_PAD 0
#define DHCP_OPT_END 255
#define DHCP_DISCOVER 1
#define DHCP_OFFER 2

static const uint8_t broadcast[ETHERNET_ADDR_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Big-endian (network order) stores and loads. */
static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* 32-bit big-endian store. */
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* 16-bit big-endian load. */
static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* 32-bit big-endian load. */
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Ethernet header: dst, src, type. */
static void put_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
    memcpy(f, dst, ETHERNET_ADDR_LEN);
    memcpy(f + ETHERNET_ADDR_LEN, src, ETHERNET_ADDR_LEN);
    put16(f + 12, type);
}

/* The Internet checksum (RFC 1071) of len bytes. */
static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* ARP request, padded to the minimum frame. */
size_t frame_arp_request(uint8_t *out, const uint8_t mac[ETHERNET_ADDR_LEN], uint32_t spa, uint32_t tpa)
{
    memset(out, 0, ETH_MIN_FRAME);
    put_eth(out, broadcast, mac, ETHERTYPE_ARP);
    uint8_t *a = out + ETHERNET_HDR_LEN;
    put16(a, 1); /* hardware: Ethernet */
    put16(a + 2, ETHERTYPE_IPV4);
    a[4] = ETHERNET_ADDR_LEN;
    a[5] = 4;
    put16(a + 6, ARP_REQUEST);
    memcpy(a + 8, mac, ETHERNET_ADDR_LEN);
    put32(a + 14, spa);
    put32(a + 24, tpa); /* target hardware address stays zero */
    return ETH_MIN_FRAME;
}

/* DHCP DISCOVER from 0.0.0.0:68 to 255.255.255.255:67, asking for a broadcast answer. */
size_t frame_dhcp_discover(uint8_t *out, const uint8_t mac[ETHERNET_ADDR_LEN], uint32_t xid)
{
    size_t udp_len = UDP_HLEN + BOOTP_FIXED + BOOTP_VEND, ip_len = IP_HLEN + udp_len;
    memset(out, 0, ETHERNET_HDR_LEN + ip_len);
    put_eth(out, broadcast, mac, ETHERTYPE_IPV4);
    uint8_t *ip = out + ETHERNET_HDR_LEN, *udp = ip + IP_HLEN, *b = udp + UDP_HLEN;
    ip[0] = 0x45; /* IPv4, 5-word header */
    put16(ip + 2, (uint16_t)ip_len);
    ip[8] = 64; /* TTL */
    ip[9] = IPPROTO_UDP;
    put32(ip + 16, 0xffffffffu);
    put16(ip + 10, ip_checksum(ip, IP_HLEN));
    put16(udp, DHCP_CLIENT_PORT);
    put16(udp + 2, DHCP_SERVER_PORT);
    put16(udp + 4, (uint16_t)udp_len); /* checksum 0: none (allowed for UDP over IPv4) */
    b[0] = 1;                          /* BOOTREQUEST */
    b[1] = 1;                          /* Ethernet */
    b[2] = ETHERNET_ADDR_LEN;
    put32(b + 4, xid);
    put16(b + 10, 0x8000); /* broadcast flag */
    memcpy(b + 28, mac, ETHERNET_ADDR_LEN);
    uint8_t *o = b + BOOTP_FIXED;
    put32(o, DHCP_MAGIC);
    const uint8_t opts[] = {DHCP_OPT_MSG_TYPE, 1, DHCP_DISCOVER, DHCP_OPT_PARAMS, 3, 1, 3, 6, DHCP_OPT_END};
    memcpy(o + 4, opts, sizeof(opts)); /* the rest is DHCP_OPT_PAD */
    return ETHERNET_HDR_LEN + ip_len;
}

/* ARP reply addressed to mac from spa. */
bool frame_is_arp_reply(const uint8_t *f, size_t len, const uint8_t mac[ETHERNET_ADDR_LEN], uint32_t spa,
                        uint8_t sha[ETHERNET_ADDR_LEN])
{
    if (len < ETHERNET_HDR_LEN + 28 || get16(f + 12) != ETHERTYPE_ARP)
        return false;
    const uint8_t *a = f + ETHERNET_HDR_LEN;
    if (get16(a + 6) != ARP_REPLY || get32(a + 14) != spa || memcmp(a + 18, mac, ETHERNET_ADDR_LEN) != 0)
        return false;
    memcpy(sha, a + 8, ETHERNET_ADDR_LEN);
    return true;
}

/* The DHCP message type option of the options at o (len bytes after the magic), or 0. */
static int dhcp_msg_type(const uint8_t *o, size_t len)
{
    size_t i = 0;
    while (i < len && o[i] != DHCP_OPT_END) {
        if (o[i] == DHCP_OPT_PAD) {
            i++;
            continue;
        }
        if (i + 1 >= len || i + 2 + o[i + 1] > len)
            return 0;
        if (o[i] == DHCP_OPT_MSG_TYPE && o[i + 1] == 1)
            return o[i + 2];
        i += 2 + (size_t)o[i + 1];
    }
    return 0;
}

/* UDP to port 68 holding a BOOTREPLY for xid whose DHCP type is OFFER. */
bool frame_is_dhcp_offer(const uint8_t *f, size_t len, uint32_t xid, uint32_t *yiaddr)
{
    if (len < ETHERNET_HDR_LEN + IP_HLEN || get16(f + 12) != ETHERTYPE_IPV4)
        return false;
    const uint8_t *ip = f + ETHERNET_HDR_LEN;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    if ((ip[0] >> 4) != 4 || ihl < IP_HLEN || ip[9] != IPPROTO_UDP)
        return false;
    size_t off = ETHERNET_HDR_LEN + ihl;
    if (len < off + UDP_HLEN + BOOTP_FIXED + 4)
        return false;
    const uint8_t *udp = f + off, *b = udp + UDP_HLEN;
    if (get16(udp + 2) != DHCP_CLIENT_PORT || b[0] != 2 || get32(b + 4) != xid ||
        get32(b + BOOTP_FIXED) != DHCP_MAGIC)
        return false;
    size_t opts_off = off + UDP_HLEN + BOOTP_FIXED + 4;
    if (dhcp_msg_type(f + opts_off, len - opts_off) != DHCP_OFFER)
        return false;
    *yiaddr = get32(b + 16);
    return true;
}
