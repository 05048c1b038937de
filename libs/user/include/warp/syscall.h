/* syscall.h: one user-space wrapper per Warp system call (semantics in docs/syscalls.md). */
#pragma once

#include <warp/abi.h>
#include <warp/error.h>
#include <warp/ipc.h>

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
/* Starts a process from an ELF image in our memory; returns its process handle. */
long warp_spawn(const struct spawn_args *args);
/* Blocks until process proc ends and fills *out; returns 0 (can be repeated). */
long warp_wait(handle_t proc, struct exit_info *out);
/* Ends process proc with EXIT_KILLED; returns 0. */
long warp_kill(handle_t proc);
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
/* Fills buf[0..len) with random bytes (len <= ENTROPY_MAX); returns len. */
long warp_entropy(void *buf, size_t len);
/* Powers the machine off reporting code (0..255); returns only with an error (only init may). */
long warp_shutdown(int code);

/* A supervised process (SPAWN_SUPERVISED; docs/linux-compat.md), through its handle (RIGHT_MANAGE). */
long warp_proc_start(handle_t proc);
/* Stops a running supervised process with a TRAP_INTERRUPT before it runs user code again. */
long warp_proc_interrupt(handle_t proc);
long warp_proc_get_regs(handle_t proc, struct cpu_regs *out);
long warp_proc_set_regs(handle_t proc, const struct cpu_regs *regs);
long warp_proc_get_fpu(handle_t proc, struct cpu_fpu *out);
long warp_proc_set_fpu(handle_t proc, const struct cpu_fpu *fpu);
long warp_clock_map(handle_t proc, uaddr_t addr);
/* Maps zeroed memory in proc at addr, or (addr 0) where the kernel picks; returns the address. */
long warp_proc_vm_map(handle_t proc, uaddr_t addr, size_t len, unsigned prot);
long warp_proc_vm_unmap(handle_t proc, uaddr_t addr, size_t len);
long warp_proc_vm_protect(handle_t proc, uaddr_t addr, size_t len, unsigned prot);
/* Copies len bytes between proc's memory at addr and ours; returns len. */
long warp_proc_vm_read(handle_t proc, uaddr_t addr, void *dst, size_t len);
long warp_proc_vm_write(handle_t proc, uaddr_t addr, const void *src, size_t len);
/* Maps all of src's memory into dst (empty, not started) copy-on-write: the start of a fork. */
long warp_proc_vm_clone(handle_t src, handle_t dst);
/* Makes dst (empty, not started) run in src's address space, every mapping shared: a thread. */
long warp_proc_vm_share(handle_t src, handle_t dst);

/* IPC (docs/ipc.md): handles, channels, calls, memory copies, event queues, timers. */
long warp_handle_close(handle_t h);
long warp_handle_info(handle_t h, struct handle_info *out);
long warp_handle_reduce(handle_t h, unsigned rights);
long warp_channel_create(handle_t out[2]);
long warp_channel_send(handle_t ch, const struct warp_msg *msg);
long warp_channel_recv(handle_t ch, struct warp_msg *out);
long warp_call_read(handle_t ch, uint64_t call_id, unsigned buf, uint64_t offset, void *dst, size_t len);
long warp_call_write(handle_t ch, uint64_t call_id, unsigned buf, uint64_t offset, const void *src,
                     size_t len);
long warp_eventq_create(void);
long warp_eventq_add(handle_t eq, handle_t source, uint64_t cookie);
long warp_eventq_remove(handle_t eq, handle_t source);
long warp_eventq_wait(handle_t eq, struct warp_event *out, uint64_t deadline);
long warp_send_wait(handle_t ch, const struct warp_msg *msg, handle_t eq, struct warp_event *out,
                    uint64_t deadline);
long warp_timer_create(void);
long warp_timer_set(handle_t timer, uint64_t deadline);

/* The rsp the kernel started this process with (saved by crt0). */
extern uint64_t user_entry_rsp;
