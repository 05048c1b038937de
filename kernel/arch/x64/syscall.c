/* syscall.c: the x86-64 syscall instruction: its MSRs (Intel SDM vol. 3, 5.8.8) and the C side of its entry. */
#include <lock.h>
#include <proc.h>
#include <syscall.h>
#include "x64.h"

/* Enable the syscall instruction: entry point, segments, and the flags cleared on entry. */
void syscall_init(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1); /* SCE */
    /* sysret loads CS from STAR[63:48] + 16 and SS from + 8: hence user data just below user code in
     * the GDT (layout.h). syscall loads CS from STAR[47:32] and SS from + 8. */
    wrmsr(MSR_STAR, ((uint64_t)(GDT_USER_DS - 8) << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    /* IF (interrupts), TF (trap), DF (direction), AC (alignment check), NT. */
    wrmsr(MSR_FMASK, (1u << 9) | (1u << 8) | (1u << 10) | (1u << 18) | (1u << 14));
}

/* Called from syscall_entry (trap.S) with interrupts disabled; the result goes back in rax. */
void syscall_handle(struct trap_frame *tf)
{
    kernel_lock();
    struct syscall_args a = {tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9};
    tf->rax = (uint64_t)syscall_dispatch(tf->rax, &a);
    /* May switch to another thread (preemption) or end the process; this thread unlocks only once it
     * is on its way back to user mode. */
    proc_user_return();
    kernel_unlock();
}
