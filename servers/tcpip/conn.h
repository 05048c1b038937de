/* conn.h: TCP connections as channels (conn.c): READ/WRITE/CLOSE from the application, lwIP's callbacks. */
#pragma once

#include <warp/loop.h>

#include "lwip/err.h"

struct tcp_pcb;

/* Gives the client end of a new connection's channel to the application, with the peer's address
 * and port (host byte order); 0, or the error that makes the connection refused. */
typedef long (*conn_hand_over_fn)(void *ctx, handle_t client_end, uint32_t ip, uint16_t port);

/* Takes a connection lwIP accepted: a channel served from l, whose other end hand_over(ctx, ...)
 * passes on. ERR_OK, or ERR_ABRT after aborting the pcb (RST) when that fails. */
err_t conn_accept(struct loop *l, struct tcp_pcb *pcb, conn_hand_over_fn hand_over, void *ctx);
/* Retries sending on every connection (a WRITE slot to the driver came free). */
void conn_kick_all(void);
