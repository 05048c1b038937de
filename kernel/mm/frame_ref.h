/* frame_ref.h: how many address spaces map each frame of user memory (copy-on-write sharing). */
#pragma once

#include <warp/types.h>

/*
 * One 16-bit counter per page frame, indexed by frame number, counting the holders beyond the
 * first: 0 (every frame's state after boot) means one holder or none, so a frame mapped once costs
 * this table nothing. Only owned user frames (anonymous, image and stack pages) are ever shared.
 * Caller holds the kernel lock.
 */
#define FRAME_REF_MAX 0xffffu /* extra holders one frame may have */

/* Bytes of table for frames [0, nframes). */
uint64_t frame_ref_bytes(uint64_t nframes);
/* Use table (frame_ref_bytes(nframes) bytes, zeroed here) for frames [0, nframes). */
void frame_ref_init(uint16_t *table, uint64_t nframes);
/* One more holder of the frame at pa; false (nothing changes) when it has FRAME_REF_MAX extra. */
bool frame_ref_share(paddr_t pa);
/* True when more than one holder maps the frame at pa. */
bool frame_ref_shared(paddr_t pa);
/* One holder fewer: the frame goes back to the page allocator when it was the last. */
void frame_ref_drop(paddr_t pa);
