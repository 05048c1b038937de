/* thread.c: x86-64 thread start-up frames and the context switch. */
#include <cpu.h>
#include <proc.h>
#include <warp/string.h>
#include "x64.h"

void thread_start(void);

/* Callee-saved registers as thread_switch_stack pops them, then its return address. */
struct switch_frame {
    uint64_t r15, r14, r13, r12, rbx, rbp;
    uint64_t ret;
};

void arch_thread_init_user(struct thread *t, uaddr_t entry, uaddr_t stack, uint64_t a0, uint64_t a1,
                           uint64_t a2) {
    uint64_t top = (uint64_t)arch_phys_to_virt(t->kstack) + KERNEL_STACK_PAGES * PAGE_SIZE;
    struct trap_frame *tf = (struct trap_frame *)top - 1;
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
    t->arch.rsp = (uint64_t)sf;
    t->arch.kstack_top = top;
    /* The x87/SSE state of a fresh process: default control word, all exceptions masked. */
    memset(t->arch.fpu, 0, sizeof(t->arch.fpu));
    uint16_t fcw = 0x37f;
    uint32_t mxcsr = 0x1f80;
    memcpy(&t->arch.fpu[0], &fcw, sizeof(fcw));
    memcpy(&t->arch.fpu[24], &mxcsr, sizeof(mxcsr));
}

/* Precondition: interrupts disabled, kernel lock held (it passes to next). */
void arch_thread_switch(struct thread *prev, struct thread *next) {
    /* Eager FPU switching: the kernel itself never touches x87/SSE registers (built without them). */
    __asm__ volatile("fxsave %0" : "=m"(prev->arch.fpu));
    __asm__ volatile("fxrstor %0" ::"m"(next->arch.fpu));
    cpu_set_kernel_stack(next->arch.kstack_top);
    arch_vm_activate(next->proc ? next->proc->vm.root : arch_vm_kernel_root());
    /* Most processes have no ports, and then a switch between two of them leaves the TSS alone. */
    const struct arch_vm *avm = next->proc ? &next->proc->vm.arch : NULL;
    if ((avm && avm->io_bitmap) || cpu_self()->arch.io_granted)
        cpu_load_io_bitmap(avm);
    thread_switch_stack(&prev->arch.rsp, next->arch.rsp);
}
