/* syscall.h: one user-space wrapper per Warp system call (semantics in docs/syscalls.md). */
#pragma once

#include <warp/abi.h>
#include <warp/error.h>

/*
 * Each wrapper returns what the kernel put in rax: a value >= 0 on success or a negative ERR_*.
 * Pointers are passed as given; the kernel checks them.
 */

/* Any system call by number with six raw arguments (tests use it for bad numbers). */
long warp_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* Writes len bytes of buf to the console; returns len. */
long warp_console_write(const char *buf, size_t len);
/* Ends the calling process with an exit code. */
_Noreturn void warp_exit(int code);
/* Starts a process from an ELF image in our memory; returns its pid. */
long warp_spawn(const struct spawn_args *args);
/* Blocks until child pid ends, fills *out and reaps it; returns 0. */
long warp_wait(long pid, struct exit_info *out);
/* Ends child pid with EXIT_KILLED; returns 0. */
long warp_kill(long pid);
/* Maps len bytes (rounded up to pages) of zeroed memory; returns its address or an ERR_*. */
long warp_vm_map(size_t len, unsigned prot);
/* Unmaps exactly one mapping made by warp_vm_map; returns 0. */
long warp_vm_unmap(const void *addr, size_t len);
/* Fills *out with system-wide counters; returns 0. */
long warp_sysinfo(struct sysinfo *out);
/* Gives up the CPU to another runnable thread; returns 0. */
long warp_yield(void);
/* Monotonic nanoseconds since boot. */
uint64_t warp_clock(void);
/* Powers the machine off reporting code (0..255); returns only with an error (only init may). */
long warp_shutdown(int code);

/* The rsp the kernel started this process with (saved by crt0). */
extern uint64_t user_entry_rsp;
