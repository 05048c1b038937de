/* syscall.h: the portable system-call dispatcher the arch entry code calls. */
#pragma once

#include <warp/types.h>

/* Run system call nr with its arguments; returns the value for the caller's result register. */
long syscall_dispatch(long nr, uint64_t a1, uint64_t a2, uint64_t a3);
