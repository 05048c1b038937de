/* listener.h: listening sockets (listener.c): an lwIP listen pcb and the channel announcing connections. */
#pragma once

#include <warp/loop.h>

/* Listens on ip:port (host byte order, ip 0 = any), served from l; *out is the listener channel's
 * end for the client. slot is the client's listener count (access_listener_take), given back when
 * the listener closes (on failure, the caller gives it back). ERR_ALREADY_EXISTS when a listener has
 * the port, ERR_NO_RESOURCES when lwIP or the handle table is full. */
long listener_open(struct loop *l, uint32_t ip, uint16_t port, long slot, handle_t *out);
