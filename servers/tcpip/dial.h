/* dial.h: outbound TCP connections (dial.c): OPEN "tcp-connect:<addr>:<port>" until the handshake ends. */
#pragma once

#include "access.h"

#include <warp/loop.h>

/* Starts connecting to ip:port (host byte order) for the OPEN m received on control channel ch of
 * client c: 0 when the handshake is under way (the reply comes later: handles[0] = a connection
 * channel, or ERR_REFUSED, ERR_TIMED_OUT), else the error to reply now: ERR_PERMISSION (no
 * connect = yes), ERR_WOULD_BLOCK (no address yet, no route), ERR_NO_RESOURCES (pending connects
 * of c's client or of all at their cap, or no pcb). */
long dial_open(struct loop *l, handle_t ch, const struct warp_msg *m, const struct access_client *c,
               uint32_t ip, uint16_t port);
/* Control channel ch has closed: abandons its pending connects (their pcbs are aborted). */
void dial_cancel(handle_t ch);
