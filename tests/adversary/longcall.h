/* longcall.h: hostile long system calls on command (issue 12, class 3): huge maps and spawns, console floods, nested channels. */
#pragma once

#include <warp/tar.h>
#include <warp/types.h>

/* Child modes of bin/adversary that longcall.c starts (main's argument); clear of the others. */
#define LONGCALL_MODE_FIRST 16
#define LONGCALL_MODE_LAST 20

/* Acts on cmd if it is a "longcall ..." command, writing the answer line into out; false if not. */
bool longcall_command(const char *cmd, const struct tar_file *self, char *out, size_t size);
/* The body of a longcall child (mode in LONGCALL_MODE_FIRST..LAST); never returns. */
_Noreturn void longcall_child(uint64_t mode, const void *initfs, size_t initfs_size);
