/* blk.h: service/block:N (blk.c): the sessions' READ, WRITE, GETATTR and flush calls on the disk. */
#pragma once

#include <warp/loop.h>

/* Registers service/block:N for instance N (main's arg, 0..9: ERR_INVALID_ARG past it); its sessions
 * are served from l. Precondition: the backend (blkdev.h) is up. */
long blk_start(struct loop *l, uint64_t instance);
/* The name registered: "block:N". */
const char *blk_name(void);
/* The disk finished the request in slot with result (0 or an ERR_*): answers its call. */
void blk_done(unsigned slot, long result);
