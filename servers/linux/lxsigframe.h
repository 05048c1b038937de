/* lxsigframe.h: the x86-64 Linux rt signal frame (arch/x86/include/asm/sigframe.h's struct
 * rt_sigframe, uapi asm/sigcontext.h, asm-generic/siginfo.h): building and reading it back. Pure:
 * no system calls, host-tested (tests/unit/test_linux_sigframe.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <warp/abi.h>

/* Linux's user segment selectors, as a program reads them in the frame (Warp's own differ and are
 * never taken from it). */
#define LXSF_USER_CS 0x33
#define LXSF_USER_SS 0x2b

/* uc_flags: ss is saved, and restored strictly (what Linux sets for every 64-bit frame on a CPU
 * without XSAVE: no UC_FP_XSTATE, as Warp leaves XSAVE off). */
#define LXSF_UC_SIGCONTEXT_SS 0x2
#define LXSF_UC_STRICT_RESTORE_SS 0x4

/* sigaltstack's ss_flags */
#define LXSF_SS_ONSTACK 1
#define LXSF_SS_DISABLE 2
#define LXSF_SS_AUTODISARM (1u << 31)
#define LXSF_MINSIGSTKSZ 2048

/* si_code values */
#define LXSF_SI_USER 0
#define LXSF_SI_KERNEL 0x80
#define LXSF_SI_TKILL (-6)
#define LXSF_SEGV_MAPERR 1
#define LXSF_SEGV_ACCERR 2
#define LXSF_BUS_ADRALN 1
#define LXSF_ILL_ILLOPN 2
#define LXSF_FPE_INTDIV 1

/* stack_t */
struct lxsf_stack {
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t pad;
    uint64_t ss_size;
};

/* struct sigcontext (64-bit): 256 bytes. */
struct lxsf_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate; /* the saved FPU state (struct _fpstate: lxsf_fpstate); 0: none */
    uint64_t reserved1[8];
};

/* The kernel's struct ucontext: 304 bytes. */
struct lxsf_ucontext {
    uint64_t uc_flags;
    uint64_t uc_link;
    struct lxsf_stack uc_stack;
    struct lxsf_sigcontext uc_mcontext;
    uint64_t uc_sigmask;
};

/* siginfo_t: 128 bytes; the fields used here (kill: si_pid, si_uid; faults: si_addr). */
struct lxsf_siginfo {
    int32_t si_signo, si_errno, si_code, pad;
    union {
        struct {
            uint32_t pid, uid;
        } kill;
        uint64_t addr;
        uint8_t bytes[112];
    } u;
};

/* struct rt_sigframe: what the handler's rsp points at. 440 bytes. */
struct lxsf_frame {
    uint64_t pretcode; /* sa_restorer: the handler's return address */
    struct lxsf_ucontext uc;
    struct lxsf_siginfo info;
};

/*
 * struct _fpstate (64-bit): the 512-byte fxsave image, which is Warp's whole FPU state (struct
 * cpu_fpu: fcw at 0, mxcsr at 24, st(i) at 32 + 16i, xmm(i) at 160 + 16i), the last 48 bytes being
 * sw_reserved, where a frame with xstate would carry FP_XSTATE_MAGIC1: 0 here, as without XSAVE.
 * Linux puts it above the rt_sigframe, 64-byte aligned (fpu__alloc_mathframe).
 */
#define LXSF_FPSTATE_SIZE 512
#define LXSF_FPSTATE_ALIGN 64
#define LXSF_FXSAVE_ALIGN 16 /* fxrstor's: an fpstate off it is refused, as fxrstor faults on Linux */
_Static_assert(sizeof(struct cpu_fpu) == LXSF_FPSTATE_SIZE, "struct _fpstate is the fxsave image");

_Static_assert(sizeof(struct lxsf_sigcontext) == 256, "struct sigcontext is 256 bytes");
_Static_assert(sizeof(struct lxsf_ucontext) == 304, "struct ucontext is 304 bytes");
_Static_assert(sizeof(struct lxsf_siginfo) == 128, "siginfo_t is 128 bytes");
_Static_assert(sizeof(struct lxsf_frame) == 440, "struct rt_sigframe is 440 bytes");

/* What a frame is made of: the interrupted registers and the rest of the context. */
struct lxsf_context {
    struct cpu_regs regs;      /* where the process was (rax: what it would have seen) */
    uint64_t oldmask;          /* the mask to restore at rt_sigreturn */
    struct lxsf_stack stack;   /* the sigaltstack setting to save (ss_flags as sigaltstack reports) */
    uint64_t trapno, err, cr2; /* a CPU exception's vector, error code and address (else 0) */
    uint64_t fpstate;          /* where the FPU state goes (lxsf_place), for sigcontext.fpstate */
    struct lxsf_siginfo info;
};

/* True if sp lies on the alternate stack st (Linux's on_sig_stack: (ss_sp, ss_sp + ss_size]). */
bool lxsf_on_stack(const struct lxsf_stack *st, uint64_t sp);

/* The frame's address for a handler of a process at sp, as Linux's get_sigframe: from below the
 * 128-byte red zone, or from the top of the alternate stack st when use_alt (SA_ONSTACK with one
 * set, and not on it already), first the FPU state (*fpstate, 64-byte aligned), then below it the
 * frame, aligned so that rsp % 16 == 8 at the handler's entry (as after a call). 0 when they would
 * not fit in the user half. */
uint64_t lxsf_place(uint64_t sp, bool use_alt, const struct lxsf_stack *st, uint64_t *fpstate);

/* Fills f for signal sig with the handler's return address restorer. */
void lxsf_build(struct lxsf_frame *f, const struct lxsf_context *c, uint64_t restorer);

/* The fpstate to write for a process whose FPU state is cur: its image, with the reserved bytes
 * and sw_reserved 0 (no FP_XSTATE_MAGIC1: the frame has no xstate). */
void lxsf_fp_save(struct cpu_fpu *out, const struct cpu_fpu *cur);

/* The FPU state a handler starts with, and what rt_sigreturn of a frame without fpstate leaves,
 * as Linux's fpu__clear_user_states: the init state (FCW 0x37f, MXCSR 0x1f80, all else 0). */
void lxsf_fp_init(struct cpu_fpu *out);

/* False if rt_sigreturn must refuse the fpstate address: not 16-byte aligned (fxrstor's rule) or
 * outside the user half. 0 is valid (no state saved: lxsf_fp_init). */
bool lxsf_fp_addr_ok(uint64_t addr);

/* The registers to enter handler for sig with frame f at frame_addr: rip the handler, rdi the
 * signal, rsi &info, rdx &uc, rsp the frame, rax 0, the direction flag clear (the ABI's rule);
 * every other register and the TLS as in `from`. */
void lxsf_enter(struct cpu_regs *out, const struct cpu_regs *from, uint64_t frame_addr, uint64_t handler,
                int sig);

/*
 * Reads a frame back at rt_sigreturn. The registers come from the frame, except the TLS, which
 * is the current one (`cur`: Linux keeps the FS base out of the frame); the flags keep only the
 * bits a program may set. Fails (false) when rip or rsp is not a user address, so that the caller
 * raises SIGSEGV instead of resuming there. *mask is the saved mask (SIGKILL and SIGSTOP still to
 * be cleared by the caller), *st the saved alternate stack.
 */
bool lxsf_parse(const struct lxsf_frame *f, const struct cpu_regs *cur, struct cpu_regs *out, uint64_t *mask,
                struct lxsf_stack *st);
