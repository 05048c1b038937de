/* lxprog.h: starting a manifest's [linux NAME] programs. */
#pragma once

#include <warp/types.h>

#include "lxstate.h"

/* Spawns prog as a supervised process, loads its binary (from the initfs, or an absolute path from
 * fs: lxexec.c) and starts it under loop. Returns 0 or an error (logged; nothing is left behind);
 * for a binary from fs the load finishes later, and its failure is logged then. */
long lxprog_run(struct loop *loop, const struct lxconf_prog *prog, const void *initfs, size_t initfs_size);
