/* ethernet.h: the service/ethernet protocol (virtio_net): up to four frames per READ and per WRITE. */
#pragma once

#include <warp/error.h>
#include <warp/ipc.h>
#include <warp/string.h>

/*
 * A client OPENs ETHERNET_URI through init and gets a session channel; every session sees every
 * received frame (like a tap). Calls on a session (docs/drivers.md has the errors and limits):
 *
 *   MSG_READ     bufs[0..n) BUF_WRITE, 1 <= n <= ETHERNET_READ_FRAMES, each at least
 *                ETHERNET_FRAME_MAX bytes  -> 1..n frames, one per buffer in order, status = the
 *                sum of their lengths, data = each frame's length as a uint16 (data_len = 2 per
 *                frame; ethernet_read_lens checks them). Answered as soon as a frame is there: the
 *                frames that arrived together fill the buffers, later ones go to the next READ
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
#define ETHERNET_READ_FRAMES MSG_BUFS_MAX                    /* frames one READ answers at most */
#define ETHERNET_READS_MAX 16 /* READ calls one session may have waiting; one more: ERR_QUEUE_FULL */

/*
 * The frame lengths of a successful READ reply r (status = msg_result's) to a call with nbufs
 * buffers: copies them to lens and returns how many frames came, or ERR_BAD_FORMAT unless there are
 * 1..nbufs of them, each ETHERNET_HDR_LEN..ETHERNET_FRAME_MAX bytes, summing to status.
 */
static inline long ethernet_read_lens(const struct warp_msg *r, long status, unsigned nbufs,
                                      uint16_t lens[ETHERNET_READ_FRAMES])
{
    unsigned n = r->data_len / sizeof(uint16_t);
    if (r->data_len % sizeof(uint16_t) || n == 0 || n > nbufs || n > ETHERNET_READ_FRAMES)
        return ERR_BAD_FORMAT;
    memcpy(lens, r->data, r->data_len);
    long sum = 0;
    for (unsigned i = 0; i < n; i++) {
        if (lens[i] < ETHERNET_HDR_LEN || lens[i] > ETHERNET_FRAME_MAX)
            return ERR_BAD_FORMAT;
        sum += lens[i];
    }
    return sum == status ? (long)n : ERR_BAD_FORMAT;
}
