/* hog.h: the adversary's resource hogs, which the quotas must stop (docs/security.md). */
#pragma once

#include <warp/tar.h>
#include <warp/types.h>

#define HOG_MODE_FIRST 32 /* spawn arguments from here on select a hog child (hog.c) */

/* Serves "hog KIND", "squat", "unsquat", "crash pong" and "sysinfo" (arg: the text after the
 * command word's start); writes the answer line into out. self: bin/adversary, to spawn. False
 * when cmd is none of these. */
bool hog_command(const char *cmd, char *out, size_t size, const struct tar_file *self);
/* The body of a hog child started with arg >= HOG_MODE_FIRST (with the initfs if it spawns: it finds
 * bin/adversary there); its exit code reports the result. */
int hog_child(uint64_t arg, const void *initfs, size_t initfs_size);
