/* dhcpopt.c: DHCP option edits for the interface-MTU option (see dhcpopt.h). */
#include "dhcpopt.h"

#include <warp/string.h>

/* True if code is among the n bytes at list. */
static bool dhcpopt_listed(const uint8_t *list, size_t n, uint8_t code)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == code)
            return true;
    return false;
}

size_t dhcpopt_request_add(uint8_t *opts, size_t len, size_t cap, uint8_t code)
{
    size_t i = 0;
    while (i < len) {
        uint8_t op = opts[i];
        if (op == DHCPOPT_PAD) {
            i++;
            continue;
        }
        if (op == DHCPOPT_END || i + 1 >= len || i + 2 + opts[i + 1] > len)
            return len; /* malformed: leave it alone */
        size_t vlen = opts[i + 1];
        if (op == DHCPOPT_REQUEST_LIST) {
            if (dhcpopt_listed(opts + i + 2, vlen, code) || vlen == 255 || len + 2 > cap)
                return len;
            size_t at = i + 2 + vlen;
            memmove(opts + at + 1, opts + at, len - at);
            opts[at] = code;
            opts[i + 1] = (uint8_t)(vlen + 1);
            return len + 1;
        }
        i += 2 + vlen;
    }
    return len;
}

uint16_t dhcpopt_mtu(uint16_t offered, uint16_t max)
{
    if (offered < DHCPOPT_MTU_MIN)
        return 0;
    return offered > max ? max : offered;
}
