/* resolve.h: host names to IPv4 addresses (resolve.c): OPEN "resolve:<name>" through lwIP's DNS client. */
#pragma once

#include "access.h"

#include <warp/loop.h>

/* Looks name up (a valid host name, addr_resolve_uri_parse) for the OPEN m received on control
 * channel ch of client c: 0 when the answer comes later (data: the dotted quad, or ERR_NOT_FOUND,
 * ERR_TIMED_OUT), else the error to reply now: ERR_PERMISSION (no connect = yes), ERR_WOULD_BLOCK
 * (no DNS server known yet), ERR_NO_RESOURCES (lookups of c's client or of all at their cap).
 * A dotted quad and a name lwIP has cached are answered at once. */
long resolve_open(struct loop *l, handle_t ch, const struct warp_msg *m, const struct access_client *c,
                  const char *name);
/* Control channel ch has closed: forgets its pending lookups (lwIP's answers to them are ignored). */
void resolve_cancel(handle_t ch);
/* The DNS servers as text ("198.18.0.1" or "10.0.0.2 10.0.0.3"); its length, ERR_WOULD_BLOCK when
 * there is none, ERR_TOO_LARGE if it does not fit. */
int resolve_servers_format(char *buf, size_t size);
/* Uses server ip (host byte order) alone, until DHCP's next lease names others. */
void resolve_set_server(uint32_t ip);
