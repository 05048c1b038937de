/* lxsigframe.c: the x86-64 Linux rt signal frame, built for a handler and read back at
 * rt_sigreturn (pure: host-tested). */
#include "lxsigframe.h"

#include <stddef.h>

#include <warp/string.h>

#define LXSF_REDZONE 128           /* the System V ABI's red zone below rsp, which a frame skips */
#define LXSF_EFLAGS_FIXED 0x202ull /* IF and the always-set bit 1, as a program sees its rflags */
#define LXSF_DF 0x400ull           /* the direction flag, cleared for a handler */

bool lxsf_on_stack(const struct lxsf_stack *st, uint64_t sp)
{
    return st->ss_size != 0 && sp > st->ss_sp && sp - st->ss_sp <= st->ss_size;
}

uint64_t lxsf_place(uint64_t sp, bool use_alt, const struct lxsf_stack *st, uint64_t *fpstate)
{
    if (use_alt)
        sp = st->ss_sp + st->ss_size; /* may wrap or leave the user half: checked below */
    else if (sp >= LXSF_REDZONE)
        sp -= LXSF_REDZONE;
    else
        return 0;
    if (sp > USER_TOP || sp < LXSF_FPSTATE_SIZE + LXSF_FPSTATE_ALIGN + sizeof(struct lxsf_frame) + 16)
        return 0;
    uint64_t fp = (sp - LXSF_FPSTATE_SIZE) & ~(uint64_t)(LXSF_FPSTATE_ALIGN - 1);
    sp = ((fp - sizeof(struct lxsf_frame)) & ~15ull) - 8;
    if (sp < USER_BASE)
        return 0;
    *fpstate = fp;
    return sp;
}

void lxsf_build(struct lxsf_frame *f, const struct lxsf_context *c, uint64_t restorer)
{
    const struct cpu_regs *r = &c->regs;
    struct lxsf_sigcontext *sc = &f->uc.uc_mcontext;
    memset(f, 0, sizeof(*f));
    f->pretcode = restorer;
    f->uc.uc_flags = LXSF_UC_SIGCONTEXT_SS | LXSF_UC_STRICT_RESTORE_SS;
    f->uc.uc_link = 0;
    f->uc.uc_stack = c->stack;
    sc->r8 = r->r8, sc->r9 = r->r9, sc->r10 = r->r10, sc->r11 = r->r11;
    sc->r12 = r->r12, sc->r13 = r->r13, sc->r14 = r->r14, sc->r15 = r->r15;
    sc->rdi = r->rdi, sc->rsi = r->rsi, sc->rbp = r->rbp, sc->rbx = r->rbx;
    sc->rdx = r->rdx, sc->rax = r->rax, sc->rcx = r->rcx, sc->rsp = r->sp;
    sc->rip = r->pc;
    sc->eflags = (r->flags & CPU_FLAGS_USER) | LXSF_EFLAGS_FIXED;
    sc->cs = LXSF_USER_CS;
    sc->ss = LXSF_USER_SS;
    sc->err = c->err;
    sc->trapno = c->trapno;
    sc->oldmask = c->oldmask;
    sc->cr2 = c->cr2;
    sc->fpstate = c->fpstate;
    f->uc.uc_sigmask = c->oldmask;
    f->info = c->info;
}

void lxsf_fp_save(struct cpu_fpu *out, const struct cpu_fpu *cur)
{
    *out = *cur;
    memset(out->reserved, 0, sizeof(out->reserved));
}

void lxsf_fp_init(struct cpu_fpu *out)
{
    memset(out, 0, sizeof(*out));
    out->fcw = CPU_FPU_FCW_INIT;
    out->mxcsr = CPU_FPU_MXCSR_INIT;
}

bool lxsf_fp_addr_ok(uint64_t addr)
{
    return addr == 0 ||
           (addr % LXSF_FXSAVE_ALIGN == 0 && addr >= USER_BASE && addr <= USER_TOP - LXSF_FPSTATE_SIZE);
}

void lxsf_enter(struct cpu_regs *out, const struct cpu_regs *from, uint64_t frame_addr, uint64_t handler,
                int sig)
{
    *out = *from;
    out->pc = handler;
    out->sp = frame_addr;
    out->rdi = (uint64_t)sig;
    out->rsi = frame_addr + offsetof(struct lxsf_frame, info);
    out->rdx = frame_addr + offsetof(struct lxsf_frame, uc);
    out->rax = 0;
    out->flags = from->flags & ~LXSF_DF;
}

bool lxsf_parse(const struct lxsf_frame *f, const struct cpu_regs *cur, struct cpu_regs *out, uint64_t *mask,
                struct lxsf_stack *st)
{
    const struct lxsf_sigcontext *sc = &f->uc.uc_mcontext;
    if (sc->rip < USER_BASE || sc->rip >= USER_TOP || sc->rsp > USER_TOP)
        return false;
    out->r8 = sc->r8, out->r9 = sc->r9, out->r10 = sc->r10, out->r11 = sc->r11;
    out->r12 = sc->r12, out->r13 = sc->r13, out->r14 = sc->r14, out->r15 = sc->r15;
    out->rdi = sc->rdi, out->rsi = sc->rsi, out->rbp = sc->rbp, out->rbx = sc->rbx;
    out->rdx = sc->rdx, out->rax = sc->rax, out->rcx = sc->rcx, out->sp = sc->rsp;
    out->pc = sc->rip;
    out->flags = sc->eflags & CPU_FLAGS_USER;
    out->tls = cur->tls;
    *mask = f->uc.uc_sigmask;
    *st = f->uc.uc_stack;
    return true;
}
