/* lxstart.h: starting a manifest's Linux program under the server's loop. */
#pragma once

#include <warp/types.h>

#include "lxstate.h"

/* Spawns prog (its binary from the initfs) as a supervised process, loads it and starts it under
 * loop. Returns 0 or an error (logged; nothing is left behind). */
long lxstart_run(struct loop *loop, const struct lxconf_prog *prog, const void *initfs, size_t initfs_size);
