/* lxaddr.c: IPv4 socket addresses between Linux's struct sockaddr_in and tcpip's texts (pure). */
#include "lxaddr.h"

#include <warp/string.h>

#include "lxabi.h"

/* Linux's network order is big-endian; x86-64 is little-endian. */
static uint16_t lxaddr_swap16(uint16_t v)
{
    return (uint16_t)((v >> 8) | (v << 8));
}

static uint32_t lxaddr_swap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

int64_t lxaddr_from_sockaddr(const void *buf, uint64_t len, uint32_t *addr, uint16_t *port)
{
    struct lx_sockaddr_in sa;
    if (len < sizeof(sa))
        return -LX_EINVAL;
    memcpy(&sa, buf, sizeof(sa));
    if (sa.family != LX_AF_INET)
        return -LX_EAFNOSUPPORT;
    *addr = lxaddr_swap32(sa.addr);
    *port = lxaddr_swap16(sa.port);
    return 0;
}

void lxaddr_to_sockaddr(struct lx_sockaddr_in *sa, uint32_t addr, uint16_t port)
{
    memset(sa, 0, sizeof(*sa));
    sa->family = LX_AF_INET;
    sa->port = lxaddr_swap16(port);
    sa->addr = lxaddr_swap32(addr);
}

/* A decimal number at s of 1 to 5 digits, no leading zero unless it is 0, at most max. */
static int lxaddr_number(const char *s, uint32_t max, uint32_t *out, const char **end)
{
    uint32_t v = 0, n = 0;
    while (s[n] >= '0' && s[n] <= '9' && n < 6)
        v = v * 10 + (uint32_t)(s[n++] - '0');
    if (n == 0 || n > 5 || (n > 1 && s[0] == '0') || v > max)
        return -1;
    *out = v;
    *end = s + n;
    return 0;
}

int lxaddr_parse_ipv4(const char *s, uint32_t *addr, const char **end)
{
    uint32_t a = 0;
    for (int i = 0; i < 4; i++) {
        uint32_t part;
        if (lxaddr_number(s, 255, &part, &s) < 0)
            return -1;
        a = (a << 8) | part;
        if (i < 3 && *s++ != '.')
            return -1;
    }
    *addr = a;
    *end = s;
    return 0;
}

int lxaddr_parse_peer(const char *s, uint32_t *addr, uint16_t *port)
{
    uint32_t p;
    if (strncmp(s, "tcp:", 4) != 0 || lxaddr_parse_ipv4(s + 4, addr, &s) < 0 || *s++ != ':' ||
        lxaddr_number(s, 65535, &p, &s) < 0 || *s)
        return -1;
    *port = (uint16_t)p;
    return 0;
}

int lxaddr_parse_ipv4_attr(const char *s, uint32_t *addr)
{
    return lxaddr_parse_ipv4(s, addr, &s) < 0 || *s != '/' ? -1 : 0;
}
