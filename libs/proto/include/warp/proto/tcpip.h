/* tcpip.h: the service/tcpip protocol: TCP listeners and connections as channels (docs/network.md). */
#pragma once

#include <warp/ipc.h>

/*
 * A client OPENs TCPIP_URI through init and gets a control channel. On it:
 *
 *   MSG_OPEN     "tcp-listen:<addr>:<port>" (addr 0.0.0.0: any)  -> handles[0] = a listener channel
 *   MSG_GETATTR  "ipv4" ("A/N via G"), "mac", "stats"            -> text; ERR_WOULD_BLOCK until known
 *   MSG_SETATTR  "ipv4=A/N via G" (a static address) or "ipv4=dhcp"
 *
 * On a listener channel tcpip sends, for each accepted connection, a one-way MSG_OPEN with data
 * "tcp:<remote addr>:<remote port>" and handles[0] = the connection channel; closing the listener
 * channel (or MSG_CLOSE) stops listening. On a connection channel: MSG_READ (bufs[0] BUF_WRITE; status
 * = bytes, 0 at the peer's FIN; one at a time), MSG_WRITE (bufs[0] BUF_READ; status = bytes, once all
 * are in the send buffer), MSG_CLOSE (FIN after the queued data).
 */
#define TCPIP_URI "service/tcpip"

#define TCPIP_LISTEN_PREFIX "tcp-listen:" /* OPEN on the control channel: tcp-listen:<addr>:<port> */
#define TCPIP_CONN_PREFIX "tcp:"          /* OPEN on a listener channel: tcp:<addr>:<port> */
#define TCPIP_WRITES_MAX 8                /* WRITE calls waiting per connection; one more: ERR_QUEUE_FULL */
