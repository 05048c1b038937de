/* thread.c: x86-64 thread start-up frames and the context switch. */
#include <cpu.h>
#include <warp/string.h>
#include "x64.h"

void thread_start(void);

/* Callee-saved registers as thread_switch_stack pops them, then its return address. */
struct switch_frame {
    uint64_t r15, r14, r13, r12, rbx, rbp;
    uint64_t ret;
};

/* Two frames on the new stack: a trap frame to iret into user mode from, and below it a switch
 * frame returning to thread_start, so the first switch to the thread is like any other. */
void arch_thread_init_user(struct arch_thread *t, uaddr_t entry, uaddr_t stack, uint64_t a0, uint64_t a1,
                           uint64_t a2)
{
    struct trap_frame *tf = (struct trap_frame *)t->kstack_top - 1;
    memset(tf, 0, sizeof(*tf));
    tf->rip = entry;
    tf->cs = GDT_USER_CS | 3;
    tf->rflags = 0x202; /* IF */
    tf->rsp = stack;
    tf->ss = GDT_USER_DS | 3;
    tf->rdi = a0;
    tf->rsi = a1;
    tf->rdx = a2;
    struct switch_frame *sf = (struct switch_frame *)tf - 1;
    memset(sf, 0, sizeof(*sf));
    sf->ret = (uint64_t)thread_start;
    t->rsp = (uint64_t)sf;
    /* The x87/SSE state of a fresh process: default control word, all exceptions masked. */
    memset(t->fpu, 0, sizeof(t->fpu));
    uint16_t fcw = 0x37f;
    uint32_t mxcsr = 0x1f80;
    memcpy(&t->fpu[0], &fcw, sizeof(fcw));
    memcpy(&t->fpu[24], &mxcsr, sizeof(mxcsr));
}

/* Everything but the stack changes first, on prev's kernel stack, which every address space maps;
 * the stack switch comes last and returns on next's. */
void arch_thread_switch(struct arch_thread *prev, struct arch_thread *next, const struct arch_vm *next_vm)
{
    /* Eager FPU switching: the kernel itself never touches x87/SSE registers (built without them). */
    __asm__ volatile("fxsave %0" : "=m"(prev->fpu));
    __asm__ volatile("fxrstor %0" ::"m"(next->fpu));
    cpu_set_kernel_stack(next->kstack_top);
    arch_vm_activate(next_vm);
    /* Most processes have no ports, and then a switch between two of them leaves the TSS alone. */
    if ((next_vm && next_vm->io_bitmap) || cpu_self()->arch.io_granted)
        cpu_load_io_bitmap(next_vm);
    thread_switch_stack(&prev->rsp, next->rsp);
}
