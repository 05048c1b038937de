/* test_linux_sigframe.c: the x86-64 Linux rt signal frame the linux server builds and reads back
 * (servers/linux/lxsigframe.c): Linux's offsets, placement and alignment (the FPU state's too), the
 * handler's entry and FPU state, and rt_sigreturn's checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "servers/linux/lxsigframe.h"

/* Offsets a Linux program (and musl's ucontext_t) relies on. */
static void test_offsets(void **state)
{
    (void)state;
    assert_int_equal(offsetof(struct lxsf_frame, uc), 8);
    assert_int_equal(offsetof(struct lxsf_frame, info), 8 + 304);
    assert_int_equal(offsetof(struct lxsf_ucontext, uc_stack), 16);
    assert_int_equal(offsetof(struct lxsf_ucontext, uc_mcontext), 40);
    assert_int_equal(offsetof(struct lxsf_ucontext, uc_sigmask), 296);
    /* gregs[] order in the sigcontext: REG_R8 0 ... REG_RIP 16, REG_EFL 17, REG_CSGSFS 18, REG_ERR 19,
     * REG_TRAPNO 20, REG_OLDMASK 21, REG_CR2 22, then the fpstate pointer. */
    assert_int_equal(offsetof(struct lxsf_sigcontext, r8), 0);
    assert_int_equal(offsetof(struct lxsf_sigcontext, rdi), 8 * 8);
    assert_int_equal(offsetof(struct lxsf_sigcontext, rax), 13 * 8);
    assert_int_equal(offsetof(struct lxsf_sigcontext, rsp), 15 * 8);
    assert_int_equal(offsetof(struct lxsf_sigcontext, rip), 16 * 8);
    assert_int_equal(offsetof(struct lxsf_sigcontext, eflags), 17 * 8);
    assert_int_equal(offsetof(struct lxsf_sigcontext, cs), 18 * 8);
    assert_int_equal(offsetof(struct lxsf_sigcontext, err), 19 * 8);
    assert_int_equal(offsetof(struct lxsf_sigcontext, trapno), 20 * 8);
    assert_int_equal(offsetof(struct lxsf_sigcontext, oldmask), 21 * 8);
    assert_int_equal(offsetof(struct lxsf_sigcontext, cr2), 22 * 8);
    assert_int_equal(offsetof(struct lxsf_sigcontext, fpstate), 23 * 8);
    assert_int_equal(offsetof(struct lxsf_siginfo, si_code), 8);
    assert_int_equal(offsetof(struct lxsf_siginfo, u), 16);
    assert_int_equal(offsetof(struct lxsf_stack, ss_size), 16);
}

/* struct _fpstate: the fxsave image at Linux's offsets (struct _fpstate_64, struct _libc_fpstate). */
static void test_fpstate_offsets(void **state)
{
    (void)state;
    assert_int_equal(sizeof(struct cpu_fpu), 512);
    assert_int_equal(offsetof(struct cpu_fpu, fcw), 0);  /* cwd */
    assert_int_equal(offsetof(struct cpu_fpu, fsw), 2);  /* swd */
    assert_int_equal(offsetof(struct cpu_fpu, ftw), 4);  /* twd */
    assert_int_equal(offsetof(struct cpu_fpu, fop), 6);  /* fop */
    assert_int_equal(offsetof(struct cpu_fpu, fip), 8);  /* rip */
    assert_int_equal(offsetof(struct cpu_fpu, fdp), 16); /* rdp */
    assert_int_equal(offsetof(struct cpu_fpu, mxcsr), 24);
    assert_int_equal(offsetof(struct cpu_fpu, mxcsr_mask), 28);
    assert_int_equal(offsetof(struct cpu_fpu, st), 32);   /* st_space */
    assert_int_equal(offsetof(struct cpu_fpu, xmm), 160); /* xmm_space */
    assert_int_equal(offsetof(struct cpu_fpu, reserved), 416);
    /* sw_reserved (struct _fpx_sw_bytes) is the last 48 bytes: magic1 at 464 */
    assert_int_equal(offsetof(struct cpu_fpu, reserved) + 48, 464);
}

/* The FPU state goes first, 64-byte aligned, entirely below the red zone; the frame below it,
 * aligned so that rsp % 16 == 8 at entry, for every starting sp; nothing overlaps. */
static void test_place(void **state)
{
    (void)state;
    struct lxsf_stack none = {0};
    uint64_t fp;
    for (uint64_t sp = 0x7fff0000; sp < 0x7fff0000 + 128; sp++) {
        uint64_t at = lxsf_place(sp, false, &none, &fp);
        assert_int_equal(at % 16, 8);
        assert_int_equal(fp % 64, 0);
        assert_true(fp + 512 <= sp - 128);
        assert_true(fp + 512 + 64 > sp - 128); /* no more than alignment lost */
        assert_true(at + sizeof(struct lxsf_frame) <= fp);
        assert_true(at + sizeof(struct lxsf_frame) + 24 > fp);
    }
    struct lxsf_stack alt = {.ss_sp = 0x500000, .ss_size = 0x10000};
    uint64_t at = lxsf_place(0x7fff0000, true, &alt, &fp);
    assert_int_equal(at % 16, 8);
    assert_true(at >= alt.ss_sp && fp + 512 <= alt.ss_sp + alt.ss_size);
    /* No room: near 0, past the user half, a wrapping alternate stack. */
    assert_int_equal(lxsf_place(100, false, &none, &fp), 0);
    assert_int_equal(lxsf_place(USER_BASE + 200, false, &none, &fp), 0);
    assert_int_equal(lxsf_place(USER_BASE + 1000, false, &none, &fp),
                     0); /* the frame fits, not the FPU too */
    assert_int_equal(lxsf_place(UINT64_MAX, false, &none, &fp), 0);
    struct lxsf_stack wrap = {.ss_sp = UINT64_MAX - 100, .ss_size = 0x1000};
    assert_int_equal(lxsf_place(0x7fff0000, true, &wrap, &fp), 0);
    struct lxsf_stack high = {.ss_sp = USER_TOP, .ss_size = 0x1000};
    assert_int_equal(lxsf_place(0x7fff0000, true, &high, &fp), 0);
}

/* The saved image keeps the state and clears sw_reserved (no FP_XSTATE_MAGIC1); the handler's is
 * Linux's init state; rt_sigreturn's address rule. */
static void test_fp(void **state)
{
    (void)state;
    struct cpu_fpu cur, out;
    memset(&cur, 0xab, sizeof(cur));
    cur.mxcsr = 0x1f80 | 0x6000;
    lxsf_fp_save(&out, &cur);
    assert_memory_equal(&out, &cur, 416);
    for (size_t i = 0; i < sizeof(out.reserved); i++)
        assert_int_equal(out.reserved[i], 0);
    lxsf_fp_init(&out);
    assert_int_equal(out.fcw, 0x37f);
    assert_int_equal(out.mxcsr, 0x1f80);
    assert_int_equal(out.fsw, 0);
    assert_int_equal(out.ftw, 0);
    const uint8_t *b = (const uint8_t *)&out;
    for (size_t i = 32; i < sizeof(out); i++)
        assert_int_equal(b[i], 0);
    assert_true(lxsf_fp_addr_ok(0));
    assert_true(lxsf_fp_addr_ok(0x7fff0000));
    assert_true(lxsf_fp_addr_ok(0x7fff0010));
    assert_true(lxsf_fp_addr_ok(USER_TOP - 512));
    assert_false(lxsf_fp_addr_ok(0x7fff0008));
    assert_false(lxsf_fp_addr_ok(0x7fff0001));
    assert_false(lxsf_fp_addr_ok(16));
    assert_false(lxsf_fp_addr_ok(USER_TOP - 496));
    assert_false(lxsf_fp_addr_ok(USER_TOP));
    assert_false(lxsf_fp_addr_ok(0xffff800000000000ull));
    assert_false(lxsf_fp_addr_ok(~0ull & ~15ull));
}

static void test_on_stack(void **state)
{
    (void)state;
    struct lxsf_stack st = {.ss_sp = 0x1000, .ss_size = 0x1000}, none = {0};
    assert_false(lxsf_on_stack(&st, 0x1000));
    assert_true(lxsf_on_stack(&st, 0x1001));
    assert_true(lxsf_on_stack(&st, 0x2000));
    assert_false(lxsf_on_stack(&st, 0x2001));
    assert_false(lxsf_on_stack(&none, 0));
}

/* A frame built then read back gives the registers and mask; the entry is the handler's. */
static void test_round_trip(void **state)
{
    (void)state;
    struct lxsf_context c;
    memset(&c, 0, sizeof(c));
    uint64_t *w = (uint64_t *)&c.regs;
    for (unsigned i = 0; i < 15; i++)
        w[i] = 0x1000 + i;
    c.regs.pc = 0x401234;
    c.regs.sp = 0x7ffff000;
    c.regs.flags = 0x8d5 | 0x100; /* TF is never carried */
    c.regs.tls = 0x5000;
    c.oldmask = 0x8000000000000201ull;
    c.trapno = 14, c.err = 6, c.cr2 = 0x10;
    c.info.si_signo = 11;
    c.info.si_code = LXSF_SEGV_MAPERR;
    c.info.u.addr = 0x10;
    c.stack.ss_flags = LXSF_SS_DISABLE;
    c.fpstate = 0x7fffec00;
    struct lxsf_frame f;
    lxsf_build(&f, &c, 0x401000);
    assert_int_equal(f.pretcode, 0x401000);
    assert_int_equal(f.uc.uc_flags, LXSF_UC_SIGCONTEXT_SS | LXSF_UC_STRICT_RESTORE_SS);
    assert_int_equal(f.uc.uc_mcontext.rip, 0x401234);
    assert_int_equal(f.uc.uc_mcontext.rsp, 0x7ffff000);
    assert_int_equal(f.uc.uc_mcontext.rax, 0x1000);
    assert_int_equal(f.uc.uc_mcontext.r15, 0x100e);
    assert_int_equal(f.uc.uc_mcontext.eflags, 0x8d5 | 0x202);
    assert_int_equal(f.uc.uc_mcontext.cs, LXSF_USER_CS);
    assert_int_equal(f.uc.uc_mcontext.ss, LXSF_USER_SS);
    assert_int_equal(f.uc.uc_mcontext.fpstate, 0x7fffec00);
    assert_int_equal(f.uc.uc_mcontext.cr2, 0x10);
    assert_int_equal(f.uc.uc_mcontext.trapno, 14);
    assert_int_equal(f.uc.uc_mcontext.oldmask, c.oldmask);
    assert_int_equal(f.uc.uc_sigmask, c.oldmask);
    assert_int_equal(f.uc.uc_stack.ss_flags, LXSF_SS_DISABLE);
    assert_int_equal(f.info.si_signo, 11);
    assert_int_equal(f.info.u.addr, 0x10);

    struct cpu_regs in, cur = {.tls = 0x6000, .flags = 0x400}, out;
    uint64_t fp;
    uint64_t at = lxsf_place(c.regs.sp, false, &c.stack, &fp);
    lxsf_enter(&in, &cur, at, 0x402000, 11);
    assert_int_equal(in.pc, 0x402000);
    assert_int_equal(in.sp, at);
    assert_int_equal(in.rdi, 11);
    assert_int_equal(in.rsi, at + offsetof(struct lxsf_frame, info));
    assert_int_equal(in.rdx, at + offsetof(struct lxsf_frame, uc));
    assert_int_equal(in.rax, 0);
    assert_int_equal(in.flags & 0x400, 0); /* DF clear for the handler */
    assert_int_equal(in.tls, 0x6000);

    uint64_t mask;
    struct lxsf_stack st;
    assert_true(lxsf_parse(&f, &cur, &out, &mask, &st));
    for (unsigned i = 0; i < 15; i++)
        assert_int_equal(((uint64_t *)&out)[i], 0x1000 + i);
    assert_int_equal(out.pc, 0x401234);
    assert_int_equal(out.sp, 0x7ffff000);
    assert_int_equal(out.flags, 0x8d5);
    assert_int_equal(out.tls, 0x6000); /* the current one, never the frame's */
    assert_int_equal(mask, c.oldmask);
    assert_int_equal(st.ss_flags, LXSF_SS_DISABLE);
}

/* rt_sigreturn refuses kernel, non-canonical and null-page addresses, and keeps only user flags. */
static void test_parse_refusals(void **state)
{
    (void)state;
    struct lxsf_frame f;
    struct cpu_regs cur = {0}, out;
    uint64_t mask;
    struct lxsf_stack st;
    memset(&f, 0, sizeof(f));
    f.uc.uc_mcontext.rip = 0x401000;
    f.uc.uc_mcontext.rsp = 0x7ffff000;
    f.uc.uc_mcontext.eflags = ~0ull;
    assert_true(lxsf_parse(&f, &cur, &out, &mask, &st));
    assert_int_equal(out.flags, CPU_FLAGS_USER);
    static const uint64_t bad_rip[] = {0, USER_BASE - 1, USER_TOP, 0xffff800000000000ull, ~0ull};
    for (unsigned i = 0; i < sizeof(bad_rip) / sizeof(bad_rip[0]); i++) {
        f.uc.uc_mcontext.rip = bad_rip[i];
        assert_false(lxsf_parse(&f, &cur, &out, &mask, &st));
    }
    f.uc.uc_mcontext.rip = 0x401000;
    f.uc.uc_mcontext.rsp = USER_TOP + 8;
    assert_false(lxsf_parse(&f, &cur, &out, &mask, &st));
    f.uc.uc_mcontext.rsp = ~0ull;
    assert_false(lxsf_parse(&f, &cur, &out, &mask, &st));
}

/* Random frames: parse accepts only user rip and rsp, and never gives other flags. */
static void test_random_frames(void **state)
{
    (void)state;
    uint64_t seed = 0x243f6a8885a308d3ull;
    struct lxsf_frame f;
    struct cpu_regs cur = {.tls = 7}, out;
    uint64_t mask;
    struct lxsf_stack st;
    for (int n = 0; n < 20000; n++) {
        uint8_t *b = (uint8_t *)&f;
        for (size_t i = 0; i < sizeof(f); i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            b[i] = (uint8_t)(seed >> 56);
        }
        if (n % 2)
            f.uc.uc_mcontext.rip &= 0x7fffffffffffull, f.uc.uc_mcontext.rsp &= 0x7fffffffffffull;
        if (lxsf_parse(&f, &cur, &out, &mask, &st)) {
            assert_true(out.pc >= USER_BASE && out.pc < USER_TOP && out.sp <= USER_TOP);
            assert_int_equal(out.flags & ~CPU_FLAGS_USER, 0);
            assert_int_equal(out.tls, 7);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets),         cmocka_unit_test(test_place),
        cmocka_unit_test(test_on_stack),        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_parse_refusals),  cmocka_unit_test(test_random_frames),
        cmocka_unit_test(test_fpstate_offsets), cmocka_unit_test(test_fp),
    };
    return cmocka_run_group_tests_name("linux_sigframe", tests, NULL, NULL);
}
