/* lxaddr.h: IPv4 socket addresses between Linux's struct sockaddr_in and tcpip's texts (pure;
 * tests/unit/test_linux_ready.c). */
#pragma once

#include <warp/abi.h>

#include "lxnetabi.h"

/* A bind address of len bytes (what the process passed): 0 with addr and port (host order), or
 * -EINVAL (shorter than sockaddr_in), -EAFNOSUPPORT (not AF_INET), as Linux's inet_bind. */
int64_t lxaddr_from_sockaddr(const void *buf, uint64_t len, uint32_t *addr, uint16_t *port);
/* Fills a sockaddr_in (network order, zero padding). */
void lxaddr_to_sockaddr(struct lx_sockaddr_in *sa, uint32_t addr, uint16_t port);
/* "a.b.c.d" at s (four decimal parts 0-255, no leading zeros past one digit): 0 and the address
 * with *end past it, or -1. */
int lxaddr_parse_ipv4(const char *s, uint32_t *addr, const char **end);
/* tcpip's "tcp:a.b.c.d:port" (an accepted connection's peer): 0, or -1 if malformed. */
int lxaddr_parse_peer(const char *s, uint32_t *addr, uint16_t *port);
/* tcpip's "ipv4" attribute "a.b.c.d/N via g.h.i.j": 0 and the address, or -1. */
int lxaddr_parse_ipv4_attr(const char *s, uint32_t *addr);
