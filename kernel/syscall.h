/* syscall.h: the portable system-call dispatcher the arch entry code calls. */
#pragma once

#include <warp/types.h>

/* Run system call nr with its arguments; returns the value for the caller's result register. */
long syscall_dispatch(long nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6);
/* The IPC system calls (handles, channels, copies, event queues, timers): sys_ipc.c. */
long syscall_ipc(long nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6);
