/* addr.h: text forms of IPv4 and MAC addresses and the URIs of the socket protocol; pure code. */
#pragma once

#include <warp/proto/tcpip.h>
#include <warp/types.h>

/*
 * No system calls and no lwIP here, so host unit tests run it as it is (tests/unit/test_tcpip_addr.c).
 * IPv4 addresses are uint32_t in host byte order: 10.0.2.15 is 0x0a00020f.
 * Parsers take a NUL-terminated string and return 0 or ERR_INVALID_ARG (nothing written then);
 * formatters return the text's length or ERR_TOO_LARGE when it does not fit (buf NUL-terminated
 * whenever size > 0).
 */

#define ADDR_IPV4_TEXT_MAX 16            /* "255.255.255.255" and its NUL */
#define ADDR_MAC_TEXT_MAX 18             /* "52:54:00:12:34:56" and its NUL */
#define ADDR_MULTICAST_FIRST 0xe0000000u /* 224.0.0.0: it and all above are no unicast destination */
#define ADDR_LABEL_MAX 63                /* one label of a host name (RFC 1035) */

/* Dotted quad, exactly four decimal parts 0..255 without leading zeros ("010" is refused, as it
 * would mean 8 to inet_aton). */
int addr_ipv4_parse(const char *s, uint32_t *out);
/* Writes a dotted quad. */
int addr_ipv4_format(uint32_t ip, char *buf, size_t size);

/* A port number 1..65535 in decimal without leading zeros or sign. */
int addr_port_parse(const char *s, uint16_t *out);

/* TCPIP_LISTEN_PREFIX "<addr>:<port>": addr a dotted quad (0.0.0.0 = any), port 1..65535. */
int addr_listen_uri_parse(const char *uri, uint32_t *ip, uint16_t *port);
/* TCPIP_CONNECT_PREFIX "<addr>:<port>": a unicast destination (not 0.0.0.0, not 224.0.0.0 and
 * above: multicast, reserved, broadcast), port 1..65535. */
int addr_connect_uri_parse(const char *uri, uint32_t *ip, uint16_t *port);
/* TCPIP_RESOLVE_PREFIX "<name>": a host name of at most TCPIP_NAME_MAX characters, dot-separated
 * labels of letters, digits and '-' (1..63 each, no '-' at either end, no empty label: no trailing
 * dot). A dotted quad is such a name too, and the only one whose last label is all digits. Copies it into name (size bytes); its length or
 * ERR_INVALID_ARG (also when it does not fit). */
int addr_resolve_uri_parse(const char *uri, char *name, size_t size);
/* TCPIP_CONN_PREFIX "<addr>:<port>", what a listener channel's OPEN carries for an accepted connection. */
int addr_conn_uri_format(uint32_t ip, uint16_t port, char *buf, size_t size);

/* Six hex pairs separated by ':' (either case). */
int addr_mac_parse(const char *s, uint8_t out[6]);
/* Lower-case "52:54:00:12:34:56". */
int addr_mac_format(const uint8_t mac[6], char *buf, size_t size);

/* Prefix length of a netmask (255.255.255.0 -> 24), ERR_INVALID_ARG if its ones are not contiguous. */
int addr_prefix_len(uint32_t mask);
/* Netmask of a prefix length 0..32. */
uint32_t addr_prefix_mask(unsigned len);

/* The interface configuration as GETATTR "ipv4" reports it: "198.18.0.2/32 via 198.18.0.1" (no
 * " via ..." when gw is 0). */
int addr_config_format(uint32_t ip, uint32_t mask, uint32_t gw, char *buf, size_t size);
/* Parses that form (SETATTR "ipv4=..."): "<addr>/<len>" optionally followed by " via <gw>". */
int addr_config_parse(const char *s, uint32_t *ip, uint32_t *mask, uint32_t *gw);
