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

/* SYS_SPAWN: starts a child from args. */
long warp_spawn(const struct spawn_args *args)
{
    return syscall3(SYS_SPAWN, (long)args, 0, 0);
}

/* SYS_WAIT: waits for child pid and reaps it. */
long warp_wait(long pid, struct exit_info *out)
{
    return syscall3(SYS_WAIT, pid, (long)out, 0);
}

/* SYS_KILL: kills child pid. */
long warp_kill(long pid)
{
    return syscall3(SYS_KILL, pid, 0, 0);
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
