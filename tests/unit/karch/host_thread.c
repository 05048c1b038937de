/* host_thread.c: the host port's kernel threads: ucontexts on malloc'd stacks, switched with ASan's fiber hooks. */
#include "karch.h"
#include "kharness.h"

#include <arch.h>
#include <cpu.h>
#include <sanitizer/common_interface_defs.h>
#include <stdlib.h>
#include <string.h>

/* The test's own thread (the kernel's idle thread here): its stack, for ASan's switch hooks. The
 * first switch of all leaves it, so the first thread to start learns its bounds from ASan. */
static const void *main_stack_bottom;
static size_t main_stack_size;

void *arch_kstack_alloc(void)
{
    if (karch_alloc_fails())
        return NULL;
    char *base = malloc(HOST_KSTACK_SIZE);
    return base ? base + HOST_KSTACK_SIZE : NULL;
}

void arch_kstack_free(void *top)
{
    free((char *)top - HOST_KSTACK_SIZE);
}

void *arch_boot_stack_top(void)
{
    return NULL;
}

/* Where a new thread starts: finish the switch, then run its user program (kharness.c). */
static void thread_entry(unsigned hi, unsigned lo, unsigned a0_hi, unsigned a0_lo)
{
    struct arch_thread *t = (struct arch_thread *)(((uintptr_t)hi << 32) | lo);
    const void *from_bottom;
    size_t from_size;
    __sanitizer_finish_switch_fiber(NULL, &from_bottom, &from_size);
    if (!main_stack_bottom) {
        main_stack_bottom = from_bottom;
        main_stack_size = from_size;
    }
    (void)t;
    proc_thread_started();
    kh_user_main(((uint64_t)a0_hi << 32) | a0_lo);
}

void arch_thread_init_user(struct arch_thread *t, uaddr_t entry, uaddr_t stack, uint64_t a0, uint64_t a1,
                           uint64_t a2)
{
    (void)entry, (void)stack, (void)a1, (void)a2; /* the program is a C function chosen by a0 */
    struct cpu_fpu init = {
        .fcw = CPU_FPU_FCW_INIT, .mxcsr = CPU_FPU_MXCSR_INIT, .mxcsr_mask = CPU_FPU_MXCSR_MASK_DEF};
    memcpy(t->fpu, &init, sizeof(t->fpu));
    getcontext(&t->ctx);
    t->ctx.uc_stack.ss_sp = (char *)t->kstack_top - HOST_KSTACK_SIZE;
    t->ctx.uc_stack.ss_size = HOST_KSTACK_SIZE;
    t->ctx.uc_link = NULL;
    uintptr_t self = (uintptr_t)t;
    makecontext(&t->ctx, (void (*)(void))thread_entry, 4, (unsigned)(self >> 32), (unsigned)self,
                (unsigned)(a0 >> 32), (unsigned)a0);
}

/* Kept, not used: the host's programs are C functions (kharness.c). */
void arch_thread_get_regs(const struct arch_thread *t, struct cpu_regs *out)
{
    *out = t->regs;
}

/* The same check as the x86-64 port's: user-half addresses, the user's flags only. */
long arch_thread_set_regs(struct arch_thread *t, const struct cpu_regs *in)
{
    if (in->pc >= USER_TOP || in->sp > USER_TOP || in->tls >= USER_TOP)
        return ERR_INVALID_ARG;
    t->regs = *in;
    t->regs.flags = (in->flags & CPU_FLAGS_USER) | 0x202;
    return 0;
}

/* The x86-64 port's rule with the mask of a CPU that reports 0 (all but DAZ). */
void arch_thread_get_fpu(const struct arch_thread *t, struct cpu_fpu *out)
{
    memcpy(out, t->fpu, sizeof(*out));
}

long arch_thread_set_fpu(struct arch_thread *t, const struct cpu_fpu *in)
{
    if (in->mxcsr & ~CPU_FPU_MXCSR_MASK_DEF)
        return ERR_INVALID_ARG;
    struct cpu_fpu img = *in;
    img.mxcsr_mask = CPU_FPU_MXCSR_MASK_DEF;
    memset(img.reserved, 0, sizeof(img.reserved));
    memcpy(t->fpu, &img, sizeof(t->fpu));
    return 0;
}

void arch_thread_switch(struct arch_thread *prev, struct arch_thread *next, const struct arch_vm *next_vm)
{
    arch_vm_activate(next_vm);
    kh_switches++;
    const void *bottom = next->kstack_top ? (char *)next->kstack_top - HOST_KSTACK_SIZE : main_stack_bottom;
    size_t size = next->kstack_top ? HOST_KSTACK_SIZE : main_stack_size;
    __sanitizer_start_switch_fiber(&prev->fake_stack, bottom, size);
    swapcontext(&prev->ctx, &next->ctx);
    __sanitizer_finish_switch_fiber(prev->fake_stack, NULL, NULL);
}
