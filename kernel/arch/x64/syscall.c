/* syscall.c: the C side of the x86-64 syscall entry (trap.S builds the frame). */
#include <lock.h>
#include <proc.h>
#include <syscall.h>
#include "x64.h"

/* Called from syscall_entry with interrupts disabled; the result goes back in rax. */
void syscall_handle(struct trap_frame *tf) {
    kernel_lock();
    struct syscall_args a = {tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9};
    tf->rax = (uint64_t)syscall_dispatch(tf->rax, &a);
    proc_user_return();
    kernel_unlock();
}
