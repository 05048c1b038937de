/* thread.c: x86-64 thread start-up frames and the context switch. */
#include <cpu.h>
#include <warp/abi.h>
#include <warp/error.h>
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
    struct cpu_fpu init = {
        .fcw = CPU_FPU_FCW_INIT, .mxcsr = CPU_FPU_MXCSR_INIT, .mxcsr_mask = fpu_mxcsr_mask};
    memcpy(t->fpu, &init, sizeof(t->fpu));
    t->fs_base = 0;
}

_Static_assert(sizeof(struct cpu_fpu) == sizeof(((struct arch_thread *)0)->fpu), "the fxsave image");

/* The image the last switch away from t saved (or the initial one): a stopped thread's own. */
void arch_thread_get_fpu(const struct arch_thread *t, struct cpu_fpu *out)
{
    memcpy(out, t->fpu, sizeof(*out));
}

/*
 * fxrstor (on the next switch to t, in the kernel) raises #GP for an MXCSR with a bit outside
 * fpu_mxcsr_mask, and for nothing else in the image's contents (the SDM's FXRSTOR exceptions: the
 * rest are memory-operand faults): so that is the one check. An x87 or SSE exception left pending
 * and unmasked in the image is raised only by the thread's next x87/SSE instruction, in user mode,
 * a user fault like any other (fxsave and fxrstor never raise one). mxcsr_mask is the CPU's, and
 * the last 96 bytes (reserved, and free for software) are kept 0, so a read gives back only state.
 */
long arch_thread_set_fpu(struct arch_thread *t, const struct cpu_fpu *in)
{
    if (in->mxcsr & ~fpu_mxcsr_mask)
        return ERR_INVALID_ARG;
    struct cpu_fpu *img = (struct cpu_fpu *)t->fpu;
    *img = *in;
    img->mxcsr_mask = fpu_mxcsr_mask;
    memset(img->reserved, 0, sizeof(img->reserved));
    return 0;
}

/* The user's registers of a thread in the kernel: the trap frame at the top of its kernel stack,
 * where every entry from user mode (syscall, an exception, an interrupt) and a new thread's first
 * frame put it. */
static struct trap_frame *user_frame(const struct arch_thread *t)
{
    return (struct trap_frame *)t->kstack_top - 1;
}

/* The frame's registers, the FS base, and of the flags only the user's. */
void arch_thread_get_regs(const struct arch_thread *t, struct cpu_regs *out)
{
    const struct trap_frame *tf = user_frame(t);
    *out = (struct cpu_regs){
        .rax = tf->rax,
        .rbx = tf->rbx,
        .rcx = tf->rcx,
        .rdx = tf->rdx,
        .rsi = tf->rsi,
        .rdi = tf->rdi,
        .rbp = tf->rbp,
        .r8 = tf->r8,
        .r9 = tf->r9,
        .r10 = tf->r10,
        .r11 = tf->r11,
        .r12 = tf->r12,
        .r13 = tf->r13,
        .r14 = tf->r14,
        .r15 = tf->r15,
        .pc = tf->rip,
        .sp = tf->rsp,
        .flags = tf->rflags & CPU_FLAGS_USER,
        .tls = t->fs_base,
    };
}

/* Addresses must lie in the user half (so canonical): iret to a non-canonical rip would fault in
 * the kernel, and a kernel-half FS base would only fault later. Flags outside CPU_FLAGS_USER keep
 * their fixed values (IF on, the reserved bit 1 set). The frame returns by iret (syscall_entry
 * sees the error code set), so every register is restored as set, rcx and r11 too. */
long arch_thread_set_regs(struct arch_thread *t, const struct cpu_regs *in)
{
    if (in->pc >= USER_TOP || in->sp > USER_TOP || in->tls >= USER_TOP)
        return ERR_INVALID_ARG;
    struct trap_frame *tf = user_frame(t);
    tf->rax = in->rax, tf->rbx = in->rbx, tf->rcx = in->rcx, tf->rdx = in->rdx, tf->rsi = in->rsi;
    tf->rdi = in->rdi, tf->rbp = in->rbp, tf->r8 = in->r8, tf->r9 = in->r9, tf->r10 = in->r10;
    tf->r11 = in->r11, tf->r12 = in->r12, tf->r13 = in->r13, tf->r14 = in->r14, tf->r15 = in->r15;
    tf->rip = in->pc;
    tf->rsp = in->sp;
    tf->rflags = (in->flags & CPU_FLAGS_USER) | 0x202; /* IF and the always-set bit 1 */
    t->fs_base = in->tls;
    tf->error_code = 1; /* a system call's frame (0 there) then returns by iret, not sysret */
    return 0;
}

/* Everything but the stack changes first, on prev's kernel stack, which every address space maps;
 * the stack switch comes last and returns on next's. */
void arch_thread_switch(struct arch_thread *prev, struct arch_thread *next, const struct arch_vm *next_vm)
{
    /* Eager FPU switching: the kernel itself never touches x87/SSE registers (built without them). */
    __asm__ volatile("fxsave %0" : "=m"(prev->fpu));
    __asm__ volatile("fxrstor %0" ::"m"(next->fpu));
    /* The FS base is user state (TLS) the kernel never uses. Only a supervisor sets it to anything
     * but 0 (arch_thread_set_regs), and a user segment load can only make it 0, so between two
     * threads whose base is 0 the register holds 0 already: the MSR is written only when either
     * thread has one, never read. (A process that clears its own base with a segment load gets
     * it back at its next switch.) */
    if (prev->fs_base || next->fs_base)
        wrmsr(MSR_FS_BASE, next->fs_base);
    cpu_set_kernel_stack(next->kstack_top);
    /* No CR3 write (and no TLB flush) between two threads of one address space: it compares. */
    arch_vm_activate(next_vm);
    /* Most processes have no ports, and then a switch between two of them leaves the TSS alone. */
    if ((next_vm && next_vm->io_bitmap) || cpu_self()->arch.io_granted)
        cpu_load_io_bitmap(next_vm);
    thread_switch_stack(&prev->rsp, next->rsp);
}
