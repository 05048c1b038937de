/* sigfpu: the FPU state across signal handlers (compared with the host run). Code that holds
 * values in all sixteen xmm registers, MXCSR and the x87 control word is interrupted by SIGALRM:
 * a handler that clobbers them all (and checks it starts from the init state) leaves the
 * interrupted code's values intact; a handler that edits the saved fpstate (xmm0, MXCSR) changes
 * what it sees; one that sets fpstate to NULL gives it the init state. With the argument
 * `badmxcsr`, a handler that writes a reserved MXCSR bit into the saved state makes rt_sigreturn
 * fail: the program is killed by SIGSEGV, as on Linux. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

/* What the interrupted code saw when it went on: its xmm registers, MXCSR and FCW. */
struct fpview {
    uint8_t xmm[16][16];
    uint32_t mxcsr;
    uint16_t fcw;
};

static volatile int ready, done, mode;
static volatile uint32_t entry_mxcsr;
static volatile uint16_t entry_fcw;
static uint8_t entry_xmm15[16];
static volatile int fp_aligned, fp_above;
static uint8_t pattern[16][16];

enum { MODE_CLOBBER, MODE_EDIT, MODE_NULL, MODE_BAD };

/* Loads in, mxcsr and fcw into the FPU, says it is ready, spins until a handler says done, then
 * stores what the registers hold into *out (and puts the caller's MXCSR and FCW back). */
static __attribute__((noinline)) void hold(const uint8_t in[16][16], uint32_t mxcsr, uint16_t fcw,
                                           struct fpview *out)
{
    uint32_t keep_mxcsr;
    uint16_t keep_fcw;
    __asm__ volatile("stmxcsr %[km]\n\t"
                     "fnstcw %[kf]\n\t"
                     "ldmxcsr %[m]\n\t"
                     "fldcw %[f]\n\t"
                     "movdqu 0(%[in]), %%xmm0\n\t"
                     "movdqu 16(%[in]), %%xmm1\n\t"
                     "movdqu 32(%[in]), %%xmm2\n\t"
                     "movdqu 48(%[in]), %%xmm3\n\t"
                     "movdqu 64(%[in]), %%xmm4\n\t"
                     "movdqu 80(%[in]), %%xmm5\n\t"
                     "movdqu 96(%[in]), %%xmm6\n\t"
                     "movdqu 112(%[in]), %%xmm7\n\t"
                     "movdqu 128(%[in]), %%xmm8\n\t"
                     "movdqu 144(%[in]), %%xmm9\n\t"
                     "movdqu 160(%[in]), %%xmm10\n\t"
                     "movdqu 176(%[in]), %%xmm11\n\t"
                     "movdqu 192(%[in]), %%xmm12\n\t"
                     "movdqu 208(%[in]), %%xmm13\n\t"
                     "movdqu 224(%[in]), %%xmm14\n\t"
                     "movdqu 240(%[in]), %%xmm15\n\t"
                     "movl $1, %[ready]\n\t"
                     "1: cmpl $0, %[done]\n\t"
                     "je 1b\n\t"
                     "movdqu %%xmm0, 0(%[out])\n\t"
                     "movdqu %%xmm1, 16(%[out])\n\t"
                     "movdqu %%xmm2, 32(%[out])\n\t"
                     "movdqu %%xmm3, 48(%[out])\n\t"
                     "movdqu %%xmm4, 64(%[out])\n\t"
                     "movdqu %%xmm5, 80(%[out])\n\t"
                     "movdqu %%xmm6, 96(%[out])\n\t"
                     "movdqu %%xmm7, 112(%[out])\n\t"
                     "movdqu %%xmm8, 128(%[out])\n\t"
                     "movdqu %%xmm9, 144(%[out])\n\t"
                     "movdqu %%xmm10, 160(%[out])\n\t"
                     "movdqu %%xmm11, 176(%[out])\n\t"
                     "movdqu %%xmm12, 192(%[out])\n\t"
                     "movdqu %%xmm13, 208(%[out])\n\t"
                     "movdqu %%xmm14, 224(%[out])\n\t"
                     "movdqu %%xmm15, 240(%[out])\n\t"
                     "stmxcsr %[om]\n\t"
                     "fnstcw %[of]\n\t"
                     "ldmxcsr %[km]\n\t"
                     "fldcw %[kf]\n\t"
                     : [km] "+m"(keep_mxcsr), [kf] "+m"(keep_fcw), [om] "=m"(out->mxcsr), [of] "=m"(out->fcw),
                       [ready] "=m"(ready)
                     : [in] "r"(in), [out] "r"(out->xmm), [m] "m"(mxcsr), [f] "m"(fcw), [done] "m"(done)
                     : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                       "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

/* SIGALRM: before the code holds its values, try again shortly; then act by mode. */
static void handler(int sig, siginfo_t *si, void *ctx)
{
    uint32_t m;
    uint16_t f;
    __asm__ volatile("stmxcsr %0\n\tfnstcw %1\n\tmovdqu %%xmm15, %2" : "=m"(m), "=m"(f), "=m"(entry_xmm15));
    (void)sig;
    if (!ready) {
        struct itimerval it = {.it_value = {.tv_usec = 20000}};
        setitimer(ITIMER_REAL, &it, NULL);
        return;
    }
    entry_mxcsr = m;
    entry_fcw = f;
    ucontext_t *uc = ctx;
    struct _fpstate *fp = (struct _fpstate *)uc->uc_mcontext.fpregs;
    fp_aligned = fp && (uintptr_t)fp % 16 == 0;
    fp_above = fp && (uintptr_t)fp >= (uintptr_t)si + sizeof(*si);
    switch (mode) {
    case MODE_CLOBBER:
        /* Every xmm register all ones, rounding down, single precision: none of it may leak back. */
        __asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\t"
                         "pcmpeqd %%xmm1, %%xmm1\n\t"
                         "pcmpeqd %%xmm2, %%xmm2\n\t"
                         "pcmpeqd %%xmm3, %%xmm3\n\t"
                         "pcmpeqd %%xmm4, %%xmm4\n\t"
                         "pcmpeqd %%xmm5, %%xmm5\n\t"
                         "pcmpeqd %%xmm6, %%xmm6\n\t"
                         "pcmpeqd %%xmm7, %%xmm7\n\t"
                         "pcmpeqd %%xmm8, %%xmm8\n\t"
                         "pcmpeqd %%xmm9, %%xmm9\n\t"
                         "pcmpeqd %%xmm10, %%xmm10\n\t"
                         "pcmpeqd %%xmm11, %%xmm11\n\t"
                         "pcmpeqd %%xmm12, %%xmm12\n\t"
                         "pcmpeqd %%xmm13, %%xmm13\n\t"
                         "pcmpeqd %%xmm14, %%xmm14\n\t"
                         "pcmpeqd %%xmm15, %%xmm15\n\t"
                         "ldmxcsr %0\n\t"
                         "fldcw %1\n\t" ::"m"((uint32_t){0x3f80}),
                         "m"((uint16_t){0x007f})
                         : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                           "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
        break;
    case MODE_EDIT:
        for (int i = 0; i < 4; i++)
            fp->_xmm[0].element[i] = 0xcafe0000u + (uint32_t)i;
        fp->mxcsr = (fp->mxcsr & ~0x6000u) | 0x6000u; /* round toward zero */
        break;
    case MODE_NULL: uc->uc_mcontext.fpregs = NULL; break;
    default: fp->mxcsr = 0xffffffffu; break;
    }
    done = 1;
}

/* Runs hold under a SIGALRM in mode md, with the pattern, MXCSR and FCW given. */
static void run(int md, uint32_t mxcsr, uint16_t fcw, struct fpview *out)
{
    mode = md;
    ready = done = 0;
    struct itimerval it = {.it_value = {.tv_usec = 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    hold(pattern, mxcsr, fcw, out);
}

/* True if xmm register i of v holds the pattern's. */
static int same(const struct fpview *v, int i)
{
    return memcmp(v->xmm[i], pattern[i], 16) == 0;
}

static int all_zero(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
            pattern[i][j] = (uint8_t)(i * 16 + j + 1);
    struct fpview v;
    if (argc > 1 && strcmp(argv[1], "badmxcsr") == 0) {
        printf("a handler writes MXCSR 0xffffffff into its fpstate\n");
        fflush(stdout);
        run(MODE_BAD, 0x1f80, 0x37f, &v);
        printf("rt_sigreturn took it: wrong\n");
        return 1;
    }
    run(MODE_CLOBBER, 0x1f80 | 0x2000, 0x27f, &v);
    int intact = 0;
    for (int i = 0; i < 16; i++)
        intact += same(&v, i);
    printf("clobbering handler: %d of 16 xmm registers intact, MXCSR 0x%x, FCW 0x%x\n", intact, v.mxcsr,
           v.fcw);
    printf("the handler started with MXCSR 0x%x, FCW 0x%x, xmm15 zero %d\n", entry_mxcsr, entry_fcw,
           all_zero(entry_xmm15, 16));
    printf("fpstate 16-byte aligned %d, above the siginfo %d\n", fp_aligned, fp_above);

    run(MODE_EDIT, 0x1f80 | 0x2000, 0x37f, &v);
    uint32_t x0[4];
    memcpy(x0, v.xmm[0], 16);
    intact = 0;
    for (int i = 1; i < 16; i++)
        intact += same(&v, i);
    printf("editing handler: xmm0 %08x %08x %08x %08x, %d of xmm1-15 intact, MXCSR 0x%x\n", x0[0], x0[1],
           x0[2], x0[3], intact, v.mxcsr);

    run(MODE_NULL, 0x1f80 | 0x6000, 0x27f, &v);
    printf("fpstate NULL: xmm all zero %d, MXCSR 0x%x, FCW 0x%x\n", all_zero(v.xmm[0], sizeof(v.xmm)),
           v.mxcsr, v.fcw);
    return 0;
}
