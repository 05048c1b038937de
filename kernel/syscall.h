/* syscall.h: the system-call table: one handler per number (docs/syscalls.md), called by the arch entry. */
#pragma once

#include <warp/types.h>

/* A system call's argument registers, in order. */
struct syscall_args {
    uint64_t a1, a2, a3, a4, a5, a6;
};

/* A handler decodes its registers, checks every argument, then acts; the result goes to the caller. */
typedef long (*syscall_fn)(const struct syscall_args *a);

/* Run system call nr; a number without a handler is ERR_BAD_SYSCALL, never a crash. */
long syscall_dispatch(uint64_t nr, const struct syscall_args *a);

/* supervise.c: a supervised process ran the system-call instruction: not a Warp call, but a trap
 * its supervisor answers with the result (if the supervisor is gone, the process is being killed
 * and the result never seen). */
long supervise_syscall(uint64_t nr, const struct syscall_args *a);

/* The handlers, by the file that holds them. */
/* sys_proc.c: processes */
long sys_exit(const struct syscall_args *a);
long sys_spawn(const struct syscall_args *a);
long sys_wait(const struct syscall_args *a);
long sys_kill(const struct syscall_args *a);
long sys_yield(const struct syscall_args *a);
long sys_proc_start(const struct syscall_args *a);
long sys_proc_get_regs(const struct syscall_args *a);
long sys_proc_set_regs(const struct syscall_args *a);
long sys_proc_interrupt(const struct syscall_args *a);
long sys_proc_get_fpu(const struct syscall_args *a);
long sys_proc_set_fpu(const struct syscall_args *a);
long sys_proc_vm_clone(const struct syscall_args *a);
long sys_proc_vm_share(const struct syscall_args *a);
long sys_clock_map(const struct syscall_args *a);
/* sys_vm.c: memory */
long sys_vm_map(const struct syscall_args *a);
long sys_vm_unmap(const struct syscall_args *a);
long sys_proc_vm_map(const struct syscall_args *a);
long sys_proc_vm_unmap(const struct syscall_args *a);
long sys_proc_vm_protect(const struct syscall_args *a);
long sys_proc_vm_read(const struct syscall_args *a);
long sys_proc_vm_write(const struct syscall_args *a);
/* sys_system.c: console, counters, time, randomness, power */
long sys_console_write(const struct syscall_args *a);
long sys_sysinfo(const struct syscall_args *a);
long sys_clock(const struct syscall_args *a);
long sys_entropy(const struct syscall_args *a);
long sys_shutdown(const struct syscall_args *a);
/* sys_ipc.c: handles, channels, calls, event queues, timers */
long sys_handle_close(const struct syscall_args *a);
long sys_handle_info(const struct syscall_args *a);
long sys_handle_reduce(const struct syscall_args *a);
long sys_channel_create(const struct syscall_args *a);
long sys_channel_send(const struct syscall_args *a);
long sys_channel_recv(const struct syscall_args *a);
long sys_call_read(const struct syscall_args *a);
long sys_call_write(const struct syscall_args *a);
long sys_eventq_create(const struct syscall_args *a);
long sys_eventq_add(const struct syscall_args *a);
long sys_eventq_remove(const struct syscall_args *a);
long sys_eventq_wait(const struct syscall_args *a);
long sys_send_wait(const struct syscall_args *a);
long sys_timer_create(const struct syscall_args *a);
long sys_timer_set(const struct syscall_args *a);
/* sys_device.c: devices, interrupts, DMA memory */
long sys_device_open(const struct syscall_args *a);
long sys_device_info(const struct syscall_args *a);
long sys_config_read(const struct syscall_args *a);
long sys_config_write(const struct syscall_args *a);
long sys_map_bar(const struct syscall_args *a);
long sys_irq_create(const struct syscall_args *a);
long sys_irq_ack(const struct syscall_args *a);
long sys_dma_alloc(const struct syscall_args *a);
