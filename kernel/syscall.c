/* syscall.c: the system-call table: one handler per number (docs/syscalls.md), each in its sys_*.c file. */
#include <cpu.h>
#include <kstat.h>
#include <proc.h>
#include <sched.h>
#include <syscall.h>
#include <warp/abi.h>
#include <warp/error.h>

/* Every system call by number; a gap is ERR_BAD_SYSCALL. */
static const syscall_fn syscall_table[SYS_COUNT] = {
    [SYS_CONSOLE_WRITE] = sys_console_write,
    [SYS_EXIT] = sys_exit,
    [SYS_SPAWN] = sys_spawn,
    [SYS_WAIT] = sys_wait,
    [SYS_KILL] = sys_kill,
    [SYS_VM_MAP] = sys_vm_map,
    [SYS_VM_UNMAP] = sys_vm_unmap,
    [SYS_SYSINFO] = sys_sysinfo,
    [SYS_YIELD] = sys_yield,
    [SYS_CLOCK] = sys_clock,
    [SYS_SHUTDOWN] = sys_shutdown,
    [SYS_HANDLE_CLOSE] = sys_handle_close,
    [SYS_HANDLE_INFO] = sys_handle_info,
    [SYS_HANDLE_REDUCE] = sys_handle_reduce,
    [SYS_CHANNEL_CREATE] = sys_channel_create,
    [SYS_CHANNEL_SEND] = sys_channel_send,
    [SYS_CHANNEL_RECV] = sys_channel_recv,
    [SYS_CALL_READ] = sys_call_read,
    [SYS_CALL_WRITE] = sys_call_write,
    [SYS_EVENTQ_CREATE] = sys_eventq_create,
    [SYS_EVENTQ_ADD] = sys_eventq_add,
    [SYS_EVENTQ_REMOVE] = sys_eventq_remove,
    [SYS_EVENTQ_WAIT] = sys_eventq_wait,
    [SYS_TIMER_CREATE] = sys_timer_create,
    [SYS_TIMER_SET] = sys_timer_set,
    [SYS_DEVICE_OPEN] = sys_device_open,
    [SYS_DEVICE_CONFIG_READ] = sys_config_read,
    [SYS_DEVICE_CONFIG_WRITE] = sys_config_write,
    [SYS_DEVICE_MAP_BAR] = sys_map_bar,
    [SYS_IRQ_CREATE] = sys_irq_create,
    [SYS_IRQ_ACK] = sys_irq_ack,
    [SYS_DMA_ALLOC] = sys_dma_alloc,
    [SYS_DEVICE_INFO] = sys_device_info,
    [SYS_SEND_WAIT] = sys_send_wait,
    [SYS_ENTROPY] = sys_entropy,
    [SYS_PROC_START] = sys_proc_start,
    [SYS_PROC_GET_REGS] = sys_proc_get_regs,
    [SYS_PROC_SET_REGS] = sys_proc_set_regs,
    [SYS_PROC_GET_FPU] = sys_proc_get_fpu,
    [SYS_PROC_SET_FPU] = sys_proc_set_fpu,
    [SYS_PROC_VM_CLONE] = sys_proc_vm_clone,
    [SYS_CLOCK_MAP] = sys_clock_map,
    [SYS_PROC_VM_SHARE] = sys_proc_vm_share,
    [SYS_PROC_VM_MAP] = sys_proc_vm_map,
    [SYS_PROC_VM_UNMAP] = sys_proc_vm_unmap,
    [SYS_PROC_VM_PROTECT] = sys_proc_vm_protect,
    [SYS_PROC_VM_READ] = sys_proc_vm_read,
    [SYS_PROC_VM_WRITE] = sys_proc_vm_write,
    [SYS_PROC_INTERRUPT] = sys_proc_interrupt,
};

/* nr is a raw register: bounded before it indexes the table. The call is timed in stretches that
 * end where it lets the CPU go (a wait, a preemption point: sched.c) and at its return. */
long syscall_dispatch(uint64_t nr, const struct syscall_args *a)
{
    struct thread *t = current_thread();
    if (t->proc->sup)
        return supervise_syscall(nr, a); /* not a Warp system call: its supervisor's business */
    syscall_fn fn = nr < SYS_COUNT ? syscall_table[nr] : NULL;
    if (!fn)
        return ERR_BAD_SYSCALL;
    t->sys_nr = nr;
    t->sys_since = arch_cycles();
    long r = fn(a);
    kstat_syscall(nr, arch_cycles() - t->sys_since);
    t->sys_nr = 0;
    kstat_poll();
    return r;
}
