/* syscall.c: the system-call wrappers of warp/syscall.h over one `syscall` instruction. */
#include <warp/syscall.h>

/*
 * Only rax, rcx and r11 are documented as changed by `syscall`; the argument registers are still
 * declared clobbered (in-out) so the wrappers stay correct whatever the kernel leaves in them.
 */

/* Issues system call nr with six arguments and returns rax. */
long warp_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    long ret = nr;

    __asm__ volatile("syscall"
                     : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    return ret;
}

/* Issues a system call with up to three arguments. */
static long syscall3(long nr, long a1, long a2, long a3)
{
    return warp_syscall6(nr, a1, a2, a3, 0, 0, 0);
}

/* SYS_CONSOLE_WRITE: writes buf[0..len) to the console. */
long warp_console_write(const char *buf, size_t len)
{
    return syscall3(SYS_CONSOLE_WRITE, (long)buf, (long)len, 0);
}

/* SYS_EXIT: ends the process; a return from the kernel would be a kernel bug, so trap. */
_Noreturn void warp_exit(int code)
{
    syscall3(SYS_EXIT, code, 0, 0);
    __builtin_trap();
}

/* SYS_SPAWN: starts a child from args; returns its process handle. */
long warp_spawn(const struct spawn_args *args)
{
    return syscall3(SYS_SPAWN, (long)args, 0, 0);
}

/* SYS_WAIT: waits for process proc to end. */
long warp_wait(handle_t proc, struct exit_info *out)
{
    return syscall3(SYS_WAIT, proc, (long)out, 0);
}

/* SYS_KILL: ends process proc. */
long warp_kill(handle_t proc)
{
    return syscall3(SYS_KILL, proc, 0, 0);
}

/* SYS_VM_MAP: maps fresh zeroed pages. */
long warp_vm_map(size_t len, unsigned prot)
{
    return syscall3(SYS_VM_MAP, (long)len, (long)prot, 0);
}

/* SYS_VM_UNMAP: unmaps one whole mapping. */
long warp_vm_unmap(const void *addr, size_t len)
{
    return syscall3(SYS_VM_UNMAP, (long)addr, (long)len, 0);
}

/* SYS_SYSINFO: reads the system counters. */
long warp_sysinfo(struct sysinfo *out)
{
    return syscall3(SYS_SYSINFO, (long)out, 0, 0);
}

/* SYS_YIELD: lets another thread run. */
long warp_yield(void)
{
    return syscall3(SYS_YIELD, 0, 0, 0);
}

/* SYS_ENTROPY: random bytes from the kernel's generator. */
long warp_entropy(void *buf, size_t len)
{
    return syscall3(SYS_ENTROPY, (long)buf, (long)len, 0);
}

/* SYS_CLOCK: monotonic time in nanoseconds. */
uint64_t warp_clock(void)
{
    return (uint64_t)syscall3(SYS_CLOCK, 0, 0, 0);
}

/* SYS_SHUTDOWN: powers off (init only). */
long warp_shutdown(int code)
{
    return syscall3(SYS_SHUTDOWN, code, 0, 0);
}

/* SYS_HANDLE_CLOSE: drops a handle. */
long warp_handle_close(handle_t h)
{
    return syscall3(SYS_HANDLE_CLOSE, h, 0, 0);
}

/* SYS_HANDLE_INFO: the type and rights of a handle. */
long warp_handle_info(handle_t h, struct handle_info *out)
{
    return syscall3(SYS_HANDLE_INFO, h, (long)out, 0);
}

/* SYS_HANDLE_REDUCE: a new handle to the same object with fewer rights. */
long warp_handle_reduce(handle_t h, unsigned rights)
{
    return syscall3(SYS_HANDLE_REDUCE, h, (long)rights, 0);
}

/* SYS_CHANNEL_CREATE: two connected channel ends in out[0] and out[1]. */
long warp_channel_create(handle_t out[2])
{
    return syscall3(SYS_CHANNEL_CREATE, (long)out, 0, 0);
}

/* SYS_CHANNEL_SEND: sends a message, call or reply. */
long warp_channel_send(handle_t ch, const struct warp_msg *msg)
{
    return syscall3(SYS_CHANNEL_SEND, ch, (long)msg, 0);
}

/* SYS_CHANNEL_RECV: takes the next message or reply without blocking. */
long warp_channel_recv(handle_t ch, struct warp_msg *out)
{
    return syscall3(SYS_CHANNEL_RECV, ch, (long)out, 0);
}

/* SYS_CALL_READ: copies from a pending call's buffer into dst. */
long warp_call_read(handle_t ch, uint64_t call_id, unsigned buf, uint64_t offset, void *dst, size_t len)
{
    return warp_syscall6(SYS_CALL_READ, ch, (long)call_id, buf, (long)offset, (long)dst, (long)len);
}

/* SYS_CALL_WRITE: copies src into a pending call's buffer. */
long warp_call_write(handle_t ch, uint64_t call_id, unsigned buf, uint64_t offset, const void *src,
                     size_t len)
{
    return warp_syscall6(SYS_CALL_WRITE, ch, (long)call_id, buf, (long)offset, (long)src, (long)len);
}

/* SYS_EVENTQ_CREATE: a new event queue. */
long warp_eventq_create(void)
{
    return syscall3(SYS_EVENTQ_CREATE, 0, 0, 0);
}

/* SYS_EVENTQ_ADD: registers a source with a cookie. */
long warp_eventq_add(handle_t eq, handle_t source, uint64_t cookie)
{
    return syscall3(SYS_EVENTQ_ADD, eq, source, (long)cookie);
}

/* SYS_EVENTQ_REMOVE: unregisters a source. */
long warp_eventq_remove(handle_t eq, handle_t source)
{
    return syscall3(SYS_EVENTQ_REMOVE, eq, source, 0);
}

/* SYS_EVENTQ_WAIT: the next event, waiting until deadline (absolute ns). */
long warp_eventq_wait(handle_t eq, struct warp_event *out, uint64_t deadline)
{
    return syscall3(SYS_EVENTQ_WAIT, eq, (long)out, (long)deadline);
}

/* SYS_SEND_WAIT: sends msg on ch, then waits on eq as warp_eventq_wait does (one kernel entry). */
long warp_send_wait(handle_t ch, const struct warp_msg *msg, handle_t eq, struct warp_event *out,
                    uint64_t deadline)
{
    return warp_syscall6(SYS_SEND_WAIT, ch, (long)msg, eq, (long)out, (long)deadline, 0);
}

/* SYS_TIMER_CREATE: a new one-shot timer. */
long warp_timer_create(void)
{
    return syscall3(SYS_TIMER_CREATE, 0, 0, 0);
}

/* SYS_TIMER_SET: arms a timer at an absolute deadline (0 disarms). */
long warp_timer_set(handle_t timer, uint64_t deadline)
{
    return syscall3(SYS_TIMER_SET, timer, (long)deadline, 0);
}

/* SYS_PROC_START: lets a supervised process run from the registers set. */
long warp_proc_start(handle_t proc)
{
    return syscall3(SYS_PROC_START, proc, 0, 0);
}

/* SYS_PROC_INTERRUPT: a running supervised process traps before it runs user code again. */
long warp_proc_interrupt(handle_t proc)
{
    return syscall3(SYS_PROC_INTERRUPT, proc, 0, 0);
}

/* SYS_PROC_GET_REGS: a stopped supervised process's registers. */
long warp_proc_get_regs(handle_t proc, struct cpu_regs *out)
{
    return syscall3(SYS_PROC_GET_REGS, proc, (long)out, 0);
}

/* SYS_PROC_SET_REGS: sets them, for its next return to user mode. */
long warp_proc_set_regs(handle_t proc, const struct cpu_regs *regs)
{
    return syscall3(SYS_PROC_SET_REGS, proc, (long)regs, 0);
}

/* SYS_PROC_GET_FPU: a stopped supervised process's x87/SSE state. */
long warp_proc_get_fpu(handle_t proc, struct cpu_fpu *out)
{
    return syscall3(SYS_PROC_GET_FPU, proc, (long)out, 0);
}

/* SYS_PROC_SET_FPU: sets it, for when it next runs. */
long warp_proc_set_fpu(handle_t proc, const struct cpu_fpu *fpu)
{
    return syscall3(SYS_PROC_SET_FPU, proc, (long)fpu, 0);
}

/* SYS_PROC_VM_MAP: zeroed pages in a supervised process. */
long warp_proc_vm_map(handle_t proc, uaddr_t addr, size_t len, unsigned prot)
{
    return warp_syscall6(SYS_PROC_VM_MAP, proc, (long)addr, (long)len, (long)prot, 0, 0);
}

/* SYS_PROC_VM_UNMAP: one whole mapping of a supervised process. */
long warp_proc_vm_unmap(handle_t proc, uaddr_t addr, size_t len)
{
    return syscall3(SYS_PROC_VM_UNMAP, proc, (long)addr, (long)len);
}

/* SYS_PROC_VM_PROTECT: a new protection for one whole mapping of a supervised process. */
long warp_proc_vm_protect(handle_t proc, uaddr_t addr, size_t len, unsigned prot)
{
    return warp_syscall6(SYS_PROC_VM_PROTECT, proc, (long)addr, (long)len, (long)prot, 0, 0);
}

/* SYS_PROC_VM_READ: from a supervised process's memory into ours. */
long warp_proc_vm_read(handle_t proc, uaddr_t addr, void *dst, size_t len)
{
    return warp_syscall6(SYS_PROC_VM_READ, proc, (long)addr, (long)dst, (long)len, 0, 0);
}

/* SYS_PROC_VM_WRITE: from our memory into a supervised process's. */
long warp_proc_vm_write(handle_t proc, uaddr_t addr, const void *src, size_t len)
{
    return warp_syscall6(SYS_PROC_VM_WRITE, proc, (long)addr, (long)src, (long)len, 0, 0);
}

/* SYS_PROC_VM_CLONE: src's memory into dst, shared copy-on-write. */
long warp_proc_vm_clone(handle_t src, handle_t dst)
{
    return syscall3(SYS_PROC_VM_CLONE, src, dst, 0);
}

/* SYS_PROC_VM_SHARE: dst runs in src's address space (a thread of it). */
long warp_proc_vm_share(handle_t src, handle_t dst)
{
    return syscall3(SYS_PROC_VM_SHARE, src, dst, 0);
}

/* SYS_CLOCK_MAP: the kernel's clock page, read-only, in a supervised process. */
long warp_clock_map(handle_t proc, uaddr_t addr)
{
    return syscall3(SYS_CLOCK_MAP, proc, (long)addr, 0);
}
