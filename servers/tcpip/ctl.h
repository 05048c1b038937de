/* ctl.h: control channels of service/tcpip (ctl.c): listeners, the interface's attributes. */
#pragma once

#include <warp/loop.h>

/* Serves a control channel a client got by opening service/tcpip, handed over by init (a
 * service_connect_fn); closes ch if the loop cannot take it. */
void ctl_accept(struct loop *l, handle_t ch, void *ctx);
