/* block.h: the service/block:0 protocol (virtio_blk): READ and WRITE of sector ranges, GETATTR geometry, flush. */
#pragma once

#include <warp/ipc.h>

/*
 * A client OPENs BLOCK_URI through init and gets a session channel. Calls on a session
 * (docs/drivers.md has the errors):
 *
 *   MSG_READ     data = struct block_io, bufs[0] BUF_WRITE of at least io.len bytes
 *                -> io.len bytes from sector io.sector on copied into the buffer, status = io.len
 *   MSG_WRITE    data = struct block_io, bufs[0] BUF_READ of at least io.len bytes
 *                -> the buffer's first io.len bytes written from sector io.sector on, status = io.len
 *   MSG_GETATTR  "geometry" -> struct block_geometry (status = its size); "stats" -> counters (text)
 *   MSG_SETATTR  "flush=1" (BLOCK_FLUSH) -> status 0 once the device has made every WRITE answered
 *                before it durable; ERR_NOT_SUPPORTED if the device cannot flush (any other name too)
 *   MSG_CLOSE    -> status 0, the session ends
 *
 * io.len is a non-zero multiple of the sector size, at most BLOCK_IO_MAX, and the range lies within
 * the disk. A session may have many calls in flight; the driver answers each when its device request
 * completes, in whatever order the device finishes them.
 */
#define BLOCK_URI "service/block:0"

#define BLOCK_IO_MAX 65536  /* bytes one READ or WRITE may move */
#define BLOCK_FLUSH "flush" /* the SETATTR name of a flush; its value is ignored */

/* The data of a READ or WRITE call. */
struct block_io {
    uint64_t sector; /* first sector, in units of the sector size */
    uint64_t len;    /* bytes */
};

/* GETATTR "geometry". */
struct block_geometry {
    uint64_t sectors;     /* capacity */
    uint32_t sector_size; /* bytes; a power of two, at least 512 */
    uint32_t read_only;   /* 1: WRITE is refused with ERR_PERMISSION */
};
