/* addr.c: text forms of IPv4 and MAC addresses and the socket protocol's URIs (see addr.h). */
#include "addr.h"
#include <warp/text.h>

#include <warp/error.h>
#include <warp/fmt.h>
#include <warp/string.h>

/* Parses a decimal number of at most max_digits digits, no sign, no leading zero, value <= max,
 * from s[0..len). */
static int addr_decimal(const char *s, size_t len, unsigned max_digits, uint32_t max, uint32_t *out)
{
    if (len == 0 || len > max_digits || (len > 1 && s[0] == '0'))
        return ERR_INVALID_ARG;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return ERR_INVALID_ARG;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > max)
        return ERR_INVALID_ARG;
    *out = v;
    return 0;
}

/* Parses a dotted quad from s[0..len). */
static int addr_ipv4_parse_n(const char *s, size_t len, uint32_t *out)
{
    uint32_t ip = 0;
    size_t start = 0;
    for (unsigned part = 0; part < 4; part++) {
        size_t end = start;
        while (end < len && s[end] != '.')
            end++;
        if ((part < 3) != (end < len))
            return ERR_INVALID_ARG; /* too few or too many dots */
        uint32_t v;
        if (addr_decimal(s + start, end - start, 3, 255, &v) < 0)
            return ERR_INVALID_ARG;
        ip = ip << 8 | v;
        start = end + 1;
    }
    *out = ip;
    return 0;
}

int addr_ipv4_parse(const char *s, uint32_t *out)
{
    return addr_ipv4_parse_n(s, strlen(s), out);
}

/* Finishes a formatter: the length, or ERR_TOO_LARGE when snprintf had to cut. */
static int addr_fit(int n, size_t size)
{
    return n >= 0 && (size_t)n < size ? n : ERR_TOO_LARGE;
}

int addr_ipv4_format(uint32_t ip, char *buf, size_t size)
{
    int n = fmt_snprintf(buf, size, "%u.%u.%u.%u", (unsigned)(ip >> 24), (unsigned)(ip >> 16 & 0xff),
                         (unsigned)(ip >> 8 & 0xff), (unsigned)(ip & 0xff));
    return addr_fit(n, size);
}

int addr_port_parse(const char *s, uint16_t *out)
{
    uint32_t v;
    if (addr_decimal(s, strlen(s), 5, 65535, &v) < 0 || v == 0)
        return ERR_INVALID_ARG;
    *out = (uint16_t)v;
    return 0;
}

/* Parses "<dotted quad>:<port>" after prefix in uri. */
static int addr_endpoint_parse(const char *uri, const char *prefix, uint32_t *ip, uint16_t *port)
{
    size_t plen = strlen(prefix);
    if (strncmp(uri, prefix, plen) != 0)
        return ERR_INVALID_ARG;
    const char *host = uri + plen;
    const char *colon = strchr(host, ':');
    if (!colon)
        return ERR_INVALID_ARG;
    uint32_t a;
    uint16_t p;
    if (addr_ipv4_parse_n(host, (size_t)(colon - host), &a) < 0 || addr_port_parse(colon + 1, &p) < 0)
        return ERR_INVALID_ARG;
    *ip = a;
    *port = p;
    return 0;
}

int addr_listen_uri_parse(const char *uri, uint32_t *ip, uint16_t *port)
{
    return addr_endpoint_parse(uri, TCPIP_LISTEN_PREFIX, ip, port);
}

int addr_connect_uri_parse(const char *uri, uint32_t *ip, uint16_t *port)
{
    uint32_t a;
    uint16_t p;
    if (addr_endpoint_parse(uri, TCPIP_CONNECT_PREFIX, &a, &p) < 0 || a == 0 || a >= ADDR_MULTICAST_FIRST)
        return ERR_INVALID_ARG;
    *ip = a;
    *port = p;
    return 0;
}

/* True if s[0..len) is a host-name label: 1..63 letters, digits and '-', no '-' at either end. */
static bool addr_label_ok(const char *s, size_t len)
{
    if (len == 0 || len > ADDR_LABEL_MAX || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

int addr_resolve_uri_parse(const char *uri, char *name, size_t size)
{
    size_t plen = strlen(TCPIP_RESOLVE_PREFIX);
    if (strncmp(uri, TCPIP_RESOLVE_PREFIX, plen) != 0)
        return ERR_INVALID_ARG;
    const char *host = uri + plen;
    size_t len = strlen(host);
    if (len == 0 || len > TCPIP_NAME_MAX || len >= size)
        return ERR_INVALID_ARG;
    for (size_t start = 0, end; start <= len; start = end + 1) {
        end = start;
        while (end < len && host[end] != '.')
            end++;
        if (!addr_label_ok(host + start, end - start))
            return ERR_INVALID_ARG; /* an empty label too: "a..b", ".a", "a." */
    }
    /* No top-level domain is all digits: such a name is an address, and only a dotted quad is one
     * ("1.2.3" or "010.0.0.1" would mean other addresses to inet_aton, and to lwIP). */
    bool numeric = true;
    for (size_t i = len; i > 0 && host[i - 1] != '.'; i--)
        numeric = numeric && host[i - 1] >= '0' && host[i - 1] <= '9';
    uint32_t ip;
    if (numeric && addr_ipv4_parse(host, &ip) < 0)
        return ERR_INVALID_ARG;
    memcpy(name, host, len + 1);
    return (int)len;
}

int addr_conn_uri_format(uint32_t ip, uint16_t port, char *buf, size_t size)
{
    char text[ADDR_IPV4_TEXT_MAX];
    addr_ipv4_format(ip, text, sizeof(text));
    return addr_fit(fmt_snprintf(buf, size, TCPIP_CONN_PREFIX "%s:%u", text, (unsigned)port), size);
}

int addr_mac_parse(const char *s, uint8_t out[6])
{
    uint8_t mac[6];
    if (strlen(s) != ADDR_MAC_TEXT_MAX - 1)
        return ERR_INVALID_ARG;
    for (unsigned i = 0; i < 6; i++) {
        int hi = text_hex_digit(s[3 * i]), lo = text_hex_digit(s[3 * i + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
            return ERR_INVALID_ARG;
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(out, mac, sizeof(mac));
    return 0;
}

int addr_mac_format(const uint8_t mac[6], char *buf, size_t size)
{
    int n = fmt_snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                         mac[5]);
    return addr_fit(n, size);
}

int addr_prefix_len(uint32_t mask)
{
    int len = 0;
    while (len < 32 && (mask & (0x80000000u >> len)))
        len++;
    return mask == addr_prefix_mask((unsigned)len) ? len : ERR_INVALID_ARG;
}

uint32_t addr_prefix_mask(unsigned len)
{
    return len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len);
}

int addr_config_format(uint32_t ip, uint32_t mask, uint32_t gw, char *buf, size_t size)
{
    char a[ADDR_IPV4_TEXT_MAX], g[ADDR_IPV4_TEXT_MAX];
    int len = addr_prefix_len(mask);
    addr_ipv4_format(ip, a, sizeof(a));
    addr_ipv4_format(gw, g, sizeof(g));
    int n = gw ? fmt_snprintf(buf, size, "%s/%d via %s", a, len < 0 ? 32 : len, g)
               : fmt_snprintf(buf, size, "%s/%d", a, len < 0 ? 32 : len);
    return addr_fit(n, size);
}

int addr_config_parse(const char *s, uint32_t *ip, uint32_t *mask, uint32_t *gw)
{
    const char *slash = strchr(s, '/');
    if (!slash)
        return ERR_INVALID_ARG;
    const char *len_end = slash + 1;
    while (*len_end >= '0' && *len_end <= '9')
        len_end++;
    uint32_t a, len, g = 0;
    if (addr_ipv4_parse_n(s, (size_t)(slash - s), &a) < 0 ||
        addr_decimal(slash + 1, (size_t)(len_end - slash - 1), 2, 32, &len) < 0)
        return ERR_INVALID_ARG;
    if (*len_end != '\0') {
        size_t vlen = strlen(" via ");
        if (strncmp(len_end, " via ", vlen) != 0 || addr_ipv4_parse(len_end + vlen, &g) < 0)
            return ERR_INVALID_ARG;
    }
    *ip = a;
    *mask = addr_prefix_mask(len);
    *gw = g;
    return 0;
}
