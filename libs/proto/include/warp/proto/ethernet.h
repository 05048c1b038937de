/* ethernet.h: the service/ethernet protocol (virtio_net): a frame per READ, up to four per WRITE. */
#pragma once

#include <warp/ipc.h>

/*
 * A client OPENs ETHERNET_URI through init and gets a session channel; every session sees every
 * received frame (like a tap). Calls on a session (docs/drivers.md has the errors and limits):
 *
 *   MSG_READ     bufs[0] BUF_WRITE, at least ETHERNET_FRAME_MAX bytes   -> one frame, status = its length
 *   MSG_WRITE    bufs[0..n) BUF_READ, 1 <= n <= ETHERNET_WRITE_FRAMES, one frame each of
 *                ETHERNET_HDR_LEN..ETHERNET_FRAME_MAX bytes  -> all queued in buffer order,
 *                status = the sum of their lengths; all or nothing: one bad buffer (its error)
 *                or a failed copy, and none of the call's frames is sent
 *   MSG_GETATTR  "mac" (ETHERNET_ADDR_LEN bytes), "mtu", "link" ("up" or "down"), "stats" (text)
 *   MSG_CLOSE                                                         -> status 0, the session ends
 */
#define ETHERNET_URI "service/ethernet"

#define ETHERNET_ADDR_LEN 6 /* a MAC address */
#define ETHERNET_HDR_LEN 14 /* destination, source, EtherType: the shortest frame a WRITE takes */
#define ETHERNET_MTU 1500
#define ETHERNET_FRAME_MAX (ETHERNET_HDR_LEN + ETHERNET_MTU) /* 1514: frames carry no FCS */
#define ETHERNET_WRITE_FRAMES MSG_BUFS_MAX                   /* frames one WRITE carries at most */
#define ETHERNET_READS_MAX 16 /* READ calls one session may have waiting; one more: ERR_QUEUE_FULL */
