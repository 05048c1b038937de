/* blk.h: service/block0 (blk.c): the sessions' READ, WRITE, GETATTR and flush calls on the disk. */
#pragma once

#include <warp/loop.h>

/* Registers service/block0; its sessions are served from l. Precondition: the backend (blkdev.h) is up. */
long blk_start(struct loop *l);
/* The disk finished the request in slot with result (0 or an ERR_*): answers its call. */
void blk_done(unsigned slot, long result);
