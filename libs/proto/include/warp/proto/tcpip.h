/* tcpip.h: the service/tcpip protocol: TCP listeners and connections as channels (docs/network.md). */
#pragma once

#include <warp/ipc.h>

/*
 * A client OPENs TCPIP_URI through init and gets a control channel. On it:
 *
 *   MSG_OPEN     "tcp-listen:<addr>:<port>" (addr 0.0.0.0: any)  -> handles[0] = a listener channel
 *   MSG_OPEN     "tcp-connect:<addr>:<port>"   -> once connected, handles[0] = a connection channel
 *   MSG_OPEN     "resolve:<name>"              -> data: the name's IPv4 address as a dotted quad
 *   MSG_GETATTR  "ipv4" ("A/N via G"), "mac", "dns", "stats"     -> text; ERR_WOULD_BLOCK until known
 *   MSG_SETATTR  "ipv4=A/N via G" (a static address) or "ipv4=dhcp"; "dns=<addr>"
 *
 * On a listener channel tcpip sends, for each accepted connection, a one-way MSG_OPEN with data
 * "tcp:<remote addr>:<remote port>" and handles[0] = the connection channel; closing the listener
 * channel (or MSG_CLOSE) stops listening. On a connection channel: MSG_READ (bufs[0] BUF_WRITE; status
 * = bytes, 0 at the peer's FIN; one at a time), MSG_WRITE (bufs[0] BUF_READ; status = bytes, once all
 * are in the send buffer), MSG_CLOSE (FIN after the queued data). A tcp-connect connection channel
 * is the same. tcp-connect and resolve need `connect = yes` in the client's manifest; their errors
 * are in docs/network.md (ERR_REFUSED, ERR_TIMED_OUT, ERR_NOT_FOUND, ERR_WOULD_BLOCK, ...).
 */
#define TCPIP_URI "service/tcpip"

#define TCPIP_LISTEN_PREFIX "tcp-listen:"   /* OPEN on the control channel: tcp-listen:<addr>:<port> */
#define TCPIP_CONN_PREFIX "tcp:"            /* OPEN on a listener channel: tcp:<addr>:<port> */
#define TCPIP_CONNECT_PREFIX "tcp-connect:" /* OPEN on the control channel: tcp-connect:<addr>:<port> */
#define TCPIP_RESOLVE_PREFIX "resolve:"     /* OPEN on the control channel: resolve:<host name> */
/* Longest host name resolve: takes: what one OPEN's data holds after the prefix (DNS allows 253). */
#define TCPIP_NAME_MAX (MSG_DATA_MAX - (sizeof(TCPIP_RESOLVE_PREFIX) - 1))
#define TCPIP_WRITES_MAX 8 /* WRITE calls waiting per connection; one more: ERR_QUEUE_FULL */
