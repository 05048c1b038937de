/* t_supervise.c: tests of supervised processes: machine code written into an empty child, its system
 * calls and faults answered as MSG_TRAP calls, its registers and FPU state, and what ends it. */
#include "tests.h"

#include <warp/string.h>

#define SUP_VALUE 0x123456789abcdef0ull /* a result no 32-bit path could carry */

/* mov eax,39; mov edi..r9d,0x11..0x66; syscall; mov rdi,rax; mov eax,60; syscall; ud2 */
static const uint8_t prog_getpid_exit[] = {
    0xb8, 0x27, 0,    0,    0,    0xbf, 0x11, 0,    0,    0,    0xbe, 0x22, 0,   0, 0,    0xba, 0x33, 0,
    0,    0,    0x41, 0xba, 0x44, 0,    0,    0,    0x41, 0xb8, 0x55, 0,    0,   0, 0x41, 0xb9, 0x66, 0,
    0,    0,    0xf,  5,    0x48, 0x89, 0xc7, 0xb8, 0x3c, 0,    0,    0,    0xf, 5, 0xf,  0xb};
#define GETPID_AFTER_1 40 /* offset after the first syscall */
#define GETPID_AFTER_2 50 /* ... after the second */
#define GETPID_UD2 50     /* the ud2 */

/* Two system calls with their arguments and results checked, then a fault the supervisor ends it for. */
static void sup_traps(void)
{
    struct sup s;
    struct trap_info ti;
    uint64_t id;
    if (sup_spawn(&s, NULL) < 0 || sup_load(&s, prog_getpid_exit, sizeof(prog_getpid_exit), 0) < 0) {
        tap_ok(false, "a supervised child with code loaded");
        sup_close(&s);
        return;
    }
    tap_eq(warp_proc_start((handle_t)s.proc), 0, "proc_start of a loaded supervised child returns 0");
    if (!sup_trap(&s, &ti, &id, "its first syscall"))
        return sup_close(&s);
    tap_ok(ti.kind == TRAP_SYSCALL && ti.nr == 39 && ti.args[0] == 0x11 && ti.args[1] == 0x22 &&
               ti.args[2] == 0x33 && ti.args[3] == 0x44 && ti.args[4] == 0x55 && ti.args[5] == 0x66,
           "... which carries the number (rax) and rdi, rsi, rdx, r10, r8, r9");
    tap_ok(ti.pc == SUP_CODE + GETPID_AFTER_1 && ti.sp == SUP_STACK + PAGE_SIZE,
           "... and pc after the syscall instruction, sp as set (pc 0x%lx)", (unsigned long)ti.pc);
    tap_eq(sup_reply(&s, id, (int64_t)SUP_VALUE), 0, "the reply to it is accepted");
    if (!sup_trap(&s, &ti, &id, "its second syscall"))
        return sup_close(&s);
    tap_ok(ti.nr == 60 && ti.args[0] == SUP_VALUE,
           "the reply's 64-bit status arrived in rax (the program passed it on: 0x%lx)",
           (unsigned long)ti.args[0]);
    struct cpu_regs r;
    tap_eq(warp_proc_get_regs((handle_t)s.proc, &r), 0, "proc_get_regs of a trapped child returns 0");
    tap_ok(r.rax == 60 && r.rdi == SUP_VALUE && r.pc == SUP_CODE + GETPID_AFTER_2 && r.rcx == r.pc,
           "... with rax, rdi, pc and rcx (the return address, as syscall leaves it)");
    sup_reply(&s, id, 0);
    if (sup_trap(&s, &ti, &id, "its ud2")) {
        tap_ok(ti.kind == TRAP_FAULT && ti.fault_kind == FAULT_ILLEGAL && ti.fault_vector == 6 &&
                   ti.pc == SUP_CODE + GETPID_UD2,
               "... reported as TRAP_FAULT, FAULT_ILLEGAL, vector 6, at the ud2");
        sup_reply(&s, id, ERR_INVALID_ARG);
    }
    struct exit_info ei;
    tap_ok(sup_exit(&s, false, &ei) && ei.reason == EXIT_FAULT && ei.vector == 6,
           "a fault answered with a negative status ends the child with EXIT_FAULT");
    sup_close(&s);
}

/* syscall; then at +2: mov rdi,rcx; mov rsi,r11; mov rdx,rax; mov eax,2; syscall; jmp $ */
static const uint8_t prog_regs[] = {0x0f, 0x05, 0x48, 0x89, 0xcf, 0x4c, 0x89, 0xde, 0x48, 0x89,
                                    0xc2, 0xb8, 2,    0,    0,    0,    0x0f, 0x05, 0xeb, 0xfe};

/* Registers set while trapped take effect on the reply, rcx and r11 too; rax is the reply's status. */
static void sup_set_regs_resume(void)
{
    struct sup s;
    struct trap_info ti;
    uint64_t id;
    struct cpu_regs r;
    if (sup_spawn(&s, NULL) < 0 || sup_load(&s, prog_regs, sizeof(prog_regs), 1) < 0 ||
        warp_proc_start((handle_t)s.proc) < 0 || !sup_trap(&s, &ti, &id, "a syscall with rax preset to 1") ||
        warp_proc_get_regs((handle_t)s.proc, &r) < 0) {
        tap_ok(false, "a trapped supervised child for the register tests");
        return sup_close(&s);
    }
    tap_eq(ti.nr, 1, "the trap's number is the rax set before the start");
    r.pc = SUP_CODE + 2;
    r.rcx = 0xc0ffee;
    r.r11 = 0xbeef;
    r.flags = ~0ul;
    tap_eq(warp_proc_set_regs((handle_t)s.proc, &r), 0, "proc_set_regs of a trapped child returns 0");
    struct cpu_regs back;
    warp_proc_get_regs((handle_t)s.proc, &back);
    tap_ok(back.flags == CPU_FLAGS_USER && back.rcx == 0xc0ffee,
           "... flags keep only the user's bits (set ~0, read 0x%lx)", (unsigned long)back.flags);
    sup_reply(&s, id, 7);
    if (sup_trap(&s, &ti, &id, "the syscall at the new pc"))
        tap_ok(ti.nr == 2 && ti.args[0] == 0xc0ffee && ti.args[1] == 0xbeef && ti.args[2] == 7,
               "the child resumed at the pc set, with rcx and r11 as set and rax = the status");
    struct exit_info ei;
    tap_ok(sup_exit(&s, true, &ei) && ei.reason == EXIT_KILLED, "a trapped child is killed by proc_kill");
    sup_close(&s);
}

/* mov rax,fs:[0]; mov rdi,rax; mov eax,3; syscall; mov rax,fs:[8]; mov rdi,rax; mov eax,4; syscall; jmp $ */
static const uint8_t prog_tls[] = {
    0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0,    0x48, 0x89, 0xc7, 0xb8, 3, 0, 0, 0,    0x0f, 0x05, 0x64,
    0x48, 0x8b, 0x04, 0x25, 8,    0, 0, 0, 0x48, 0x89, 0xc7, 0xb8, 4,    0, 0, 0, 0x0f, 0x05, 0xeb, 0xfe};

/* The FS base (TLS) set by the supervisor holds in the child, across other threads running between. */
static void sup_tls(void)
{
    struct sup s;
    struct trap_info ti;
    uint64_t id;
    struct cpu_regs r;
    uint64_t words[2] = {SUP_VALUE, 0x99};
    long tls = 0;
    if (sup_spawn(&s, NULL) < 0 || sup_load(&s, prog_tls, sizeof(prog_tls), 0) < 0 ||
        (tls = warp_proc_vm_map((handle_t)s.proc, 0, PAGE_SIZE, PROT_READ | PROT_WRITE)) < 0 ||
        warp_proc_vm_write((handle_t)s.proc, (uaddr_t)tls, words, sizeof(words)) < 0 ||
        warp_proc_get_regs((handle_t)s.proc, &r) < 0) {
        tap_ok(false, "a supervised child with a TLS page");
        return sup_close(&s);
    }
    r.tls = (uint64_t)tls;
    tap_eq(warp_proc_set_regs((handle_t)s.proc, &r), 0, "proc_set_regs with a TLS base returns 0");
    warp_proc_start((handle_t)s.proc);
    if (sup_trap(&s, &ti, &id, "a syscall after reading fs:[0]"))
        tap_ok(ti.nr == 3 && ti.args[0] == SUP_VALUE, "the child read its TLS word through fs");
    tests_sleep_ms(30); /* other threads run (and switch the FS base) before the next read */
    struct exit_info ei;
    tests_run("readfs", TESTS_READ_FS, 0, 0, &ei);
    tap_ok(ei.reason == EXIT_FAULT && ei.vector == 14 && ei.fault_addr == 0,
           "another process's FS base is still 0 (its fs:0 read faults at 0, fault address 0x%lx)",
           (unsigned long)ei.fault_addr);
    warp_proc_get_regs((handle_t)s.proc, &r);
    tap_eq(r.tls, (uint64_t)tls, "proc_get_regs reports the TLS base");
    sup_reply(&s, id, 0);
    if (sup_trap(&s, &ti, &id, "a syscall after reading fs:[8]"))
        tap_ok(ti.nr == 4 && ti.args[0] == 0x99, "the FS base survived the switches in between");
    sup_close(&s);
}

/* mov rax,[0x1000]; mov eax,5; syscall; jmp $ */
static const uint8_t prog_fault[] = {0x48, 0x8b, 0x04, 0x25, 0x00, 0x10, 0,    0,   0xb8,
                                     5,    0,    0,    0,    0x0f, 0x05, 0xeb, 0xfe};

/* A page fault comes to the supervisor, which moves pc past the instruction and resumes. */
static void sup_fault_resume(void)
{
    struct sup s;
    struct trap_info ti;
    uint64_t id;
    struct cpu_regs r;
    if (sup_spawn(&s, NULL) < 0 || sup_load(&s, prog_fault, sizeof(prog_fault), 0) < 0 ||
        warp_proc_start((handle_t)s.proc) < 0 || !sup_trap(&s, &ti, &id, "a read of address 0x1000")) {
        tap_ok(false, "a faulting supervised child");
        return sup_close(&s);
    }
    tap_ok(ti.kind == TRAP_FAULT && ti.fault_kind == FAULT_MEMORY && ti.fault_vector == 14 &&
               ti.fault_addr == 0x1000 && ti.pc == SUP_CODE && (ti.error_code & 4),
           "... reported as a user page fault at 0x1000, pc at the instruction");
    warp_proc_get_regs((handle_t)s.proc, &r);
    r.pc += 8;
    warp_proc_set_regs((handle_t)s.proc, &r);
    tap_eq(sup_reply(&s, id, 0), 0, "the supervisor resumes it past the instruction");
    if (sup_trap(&s, &ti, &id, "the syscall after the fault"))
        tap_eq(ti.nr, 5, "the child went on after the fault");
    sup_close(&s);
}

/* syscall with rax 9; jmp $ */
static const uint8_t prog_one_call[] = {0x0f, 0x05, 0xeb, 0xfe};

/* jmp $; then at +2: mov eax,10; syscall; jmp $ */
static const uint8_t prog_spin_then_call[] = {0xeb, 0xfe, 0xb8, 10, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xfe};

/* A spinning child is interrupted: it traps where it was, resumes where its supervisor sets it, and
 * a negative answer to the next interrupt kills it. */
static void sup_interrupt(void)
{
    struct sup s;
    struct trap_info ti;
    uint64_t id;
    struct cpu_regs r;
    if (sup_spawn(&s, NULL) < 0 || sup_load(&s, prog_spin_then_call, sizeof(prog_spin_then_call), 0) < 0) {
        tap_ok(false, "a supervised child to interrupt");
        return sup_close(&s);
    }
    handle_t p = (handle_t)s.proc;
    tap_eq(warp_proc_interrupt(p), ERR_BAD_STATE,
           "proc_interrupt of a child not started gives ERR_BAD_STATE");
    warp_proc_start(p);
    tests_sleep_ms(20);
    tap_eq(warp_proc_interrupt(p), 0, "proc_interrupt of a spinning child returns 0");
    if (!sup_trap(&s, &ti, &id, "the interrupted child"))
        return sup_close(&s);
    tap_ok(ti.kind == TRAP_INTERRUPT && ti.pc == SUP_CODE && ti.sp == SUP_STACK + PAGE_SIZE,
           "... reported as TRAP_INTERRUPT with pc and sp where it spun");
    tap_eq(warp_proc_interrupt(p), ERR_BAD_STATE, "proc_interrupt of a trapped child gives ERR_BAD_STATE");
    warp_proc_get_regs(p, &r);
    r.pc = SUP_CODE + 2;
    warp_proc_set_regs(p, &r);
    sup_reply(&s, id, 0);
    if (sup_trap(&s, &ti, &id, "the syscall after the interrupt"))
        tap_eq(ti.nr, 10, "the child resumed at the pc its supervisor set");
    sup_reply(&s, id, 0);
    tests_sleep_ms(20);
    warp_proc_interrupt(p);
    if (sup_trap(&s, &ti, &id, "a second interrupt"))
        sup_reply(&s, id, ERR_INVALID_ARG);
    struct exit_info ei;
    tap_ok(sup_exit(&s, false, &ei) && ei.reason == EXIT_KILLED,
           "an interrupt answered negatively kills the child");
    sup_close(&s);
}

/* The states a call needs: started once, registers only while stopped, nothing once ended. */
static void sup_states(void)
{
    struct sup s;
    if (sup_spawn(&s, NULL) < 0 || sup_load(&s, sup_prog_spin, sizeof(sup_prog_spin), 0) < 0) {
        tap_ok(false, "a supervised child for the state tests");
        return sup_close(&s);
    }
    handle_t p = (handle_t)s.proc;
    struct cpu_regs r;
    tap_eq(warp_proc_start(p), 0, "proc_start returns 0");
    tap_eq(warp_proc_start(p), ERR_BAD_STATE, "a second proc_start gives ERR_BAD_STATE");
    tap_eq(warp_proc_get_regs(p, &r), ERR_BAD_STATE, "proc_get_regs of a running child gives ERR_BAD_STATE");
    tap_eq(warp_proc_set_regs(p, &r), ERR_BAD_STATE, "proc_set_regs of a running child gives ERR_BAD_STATE");
    struct exit_info ei;
    tap_ok(sup_exit(&s, true, &ei) && ei.reason == EXIT_KILLED, "a spinning supervised child is killed");
    uint64_t word = 0;
    tap_eq(warp_proc_start(p), ERR_BAD_STATE, "proc_start of an ended child gives ERR_BAD_STATE");
    tap_eq(warp_proc_get_regs(p, &r), ERR_BAD_STATE, "proc_get_regs of an ended child gives ERR_BAD_STATE");
    tap_eq(warp_proc_vm_map(p, 0, PAGE_SIZE, PROT_READ), ERR_BAD_STATE,
           "proc_vm_map into an ended child gives ERR_BAD_STATE");
    tap_eq(warp_proc_vm_read(p, SUP_STACK, &word, 8), ERR_BAD_STATE,
           "proc_vm_read of an ended child gives ERR_BAD_STATE");
    sup_close(&s);
}

/* Bad register values and pointers. */
static void sup_regs_refused(void)
{
    struct sup s;
    struct cpu_regs r;
    if (sup_spawn(&s, NULL) < 0 || warp_proc_get_regs((handle_t)s.proc, &r) < 0) {
        tap_ok(false, "a supervised child for the register refusals");
        return sup_close(&s);
    }
    handle_t p = (handle_t)s.proc;
    tap_ok(r.pc == 0 && r.sp == 0 && r.tls == 0, "a new supervised child has pc, sp and TLS base 0");
    const struct {
        const char *what;
        uint64_t *field;
        uint64_t value;
    } bad[] = {
        {"pc at USER_TOP", &r.pc, USER_TOP},
        {"a non-canonical pc", &r.pc, 0x8000000000000000ul},
        {"a kernel-half pc", &r.pc, 0xffffffff80000000ul},
        {"sp above USER_TOP", &r.sp, USER_TOP + PAGE_SIZE},
        {"a non-canonical sp", &r.sp, 0x8000000000000000ul},
        {"a kernel-half TLS base", &r.tls, 0xffff800000000000ul},
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cpu_regs keep = r;
        *bad[i].field = bad[i].value;
        tap_eq(warp_proc_set_regs(p, &r), ERR_INVALID_ARG, "proc_set_regs with %s gives ERR_INVALID_ARG",
               bad[i].what);
        r = keep;
    }
    r.sp = USER_TOP;
    tap_eq(warp_proc_set_regs(p, &r), 0,
           "proc_set_regs with sp = USER_TOP (an empty stack at the top) returns 0");
    for (unsigned i = 0; i < tests_bad_ptr_count; i++) {
        tap_eq(warp_proc_get_regs(p, (struct cpu_regs *)tests_bad_ptrs[i].addr), ERR_BAD_ADDRESS,
               "proc_get_regs into %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
        tap_eq(warp_proc_set_regs(p, (const struct cpu_regs *)tests_bad_ptrs[i].addr), ERR_BAD_ADDRESS,
               "proc_set_regs from %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    }
    tap_eq(warp_proc_get_regs(p, (struct cpu_regs *)(uintptr_t)sup_regs_refused), ERR_BAD_ADDRESS,
           "proc_get_regs into our read-only code gives ERR_BAD_ADDRESS");
    sup_close(&s);
}

/* syscall; movdqu [SUP_STACK],xmm0; stmxcsr [SUP_STACK+16]; pcmpeqd xmm1,xmm1; mov eax,2; syscall;
 * jmp $ */
static const uint8_t prog_fpu[] = {0x0f, 0x05, 0xf3, 0x0f, 0x7f, 0x04, 0x25, 0,    0,    0x80, 0,
                                   0x0f, 0xae, 0x1c, 0x25, 0x10, 0,    0x80, 0,    0x66, 0x0f, 0x76,
                                   0xc9, 0xb8, 2,    0,    0,    0,    0x0f, 0x05, 0xeb, 0xfe};

/* True if every byte of b[0..n) is v. */
static bool sup_all(const uint8_t *b, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != v)
            return false;
    return true;
}

/* The FPU state of a new child is the initial one; set before the start or while trapped, it is what
 * the child's SSE code sees, and what it does shows in the next read. */
static void sup_fpu(void)
{
    struct sup s;
    struct trap_info ti;
    uint64_t id;
    struct cpu_fpu f, back;
    if (sup_spawn(&s, NULL) < 0 || sup_load(&s, prog_fpu, sizeof(prog_fpu), 1) < 0) {
        tap_ok(false, "a supervised child for the FPU tests");
        return sup_close(&s);
    }
    handle_t p = (handle_t)s.proc;
    tap_eq(warp_proc_get_fpu(p, &f), 0, "proc_get_fpu of a new child returns 0");
    tap_ok(f.fcw == CPU_FPU_FCW_INIT && f.mxcsr == CPU_FPU_MXCSR_INIT && f.fsw == 0 && f.ftw == 0 &&
               sup_all(f.xmm[0], sizeof(f.xmm), 0) && sup_all(f.st[0], sizeof(f.st), 0) &&
               (f.mxcsr_mask & 0xffbf) == 0xffbf,
           "... the initial state: FCW 0x37f, MXCSR 0x1f80, registers 0 (FCW 0x%x, MXCSR 0x%x, mask 0x%x)",
           f.fcw, f.mxcsr, f.mxcsr_mask);
    memset(f.xmm[0], 0x5a, 16);
    tap_eq(warp_proc_set_fpu(p, &f), 0, "proc_set_fpu of a new child returns 0");
    warp_proc_start(p);
    if (!sup_trap(&s, &ti, &id, "the FPU child's first syscall"))
        return sup_close(&s);
    tap_ok(warp_proc_get_fpu(p, &back) == 0 && sup_all(back.xmm[0], 16, 0x5a),
           "proc_get_fpu of the trapped child: xmm0 as set before the start");
    for (int i = 0; i < 16; i++)
        f.xmm[0][i] = (uint8_t)(0x10 + i);
    f.mxcsr = CPU_FPU_MXCSR_INIT | 0x6000; /* round toward zero */
    memset(f.reserved, 0xa5, sizeof(f.reserved));
    f.mxcsr_mask = 0;
    tap_eq(warp_proc_set_fpu(p, &f), 0, "proc_set_fpu of a trapped child returns 0");
    tap_ok(warp_proc_get_fpu(p, &back) == 0 && memcmp(back.xmm[0], f.xmm[0], 16) == 0 &&
               back.mxcsr == f.mxcsr && sup_all(back.reserved, sizeof(back.reserved), 0) &&
               back.mxcsr_mask != 0,
           "... read back: xmm0 and MXCSR as set, the reserved bytes 0, mxcsr_mask the CPU's");
    struct cpu_fpu bad = f;
    bad.mxcsr |= 1u << 16;
    tap_eq(warp_proc_set_fpu(p, &bad), ERR_INVALID_ARG,
           "proc_set_fpu with MXCSR bit 16 set gives ERR_INVALID_ARG");
    bad.mxcsr = 0xffffffffu;
    tap_eq(warp_proc_set_fpu(p, &bad), ERR_INVALID_ARG, "proc_set_fpu with MXCSR ~0 gives ERR_INVALID_ARG");
    if ((~back.mxcsr_mask & 0xffff) != 0) {
        bad.mxcsr = CPU_FPU_MXCSR_INIT | (~back.mxcsr_mask & 0xffff);
        tap_eq(warp_proc_set_fpu(p, &bad), ERR_INVALID_ARG,
               "proc_set_fpu with an MXCSR bit outside the CPU's mask gives ERR_INVALID_ARG");
    }
    tap_ok(warp_proc_get_fpu(p, &back) == 0 && back.mxcsr == f.mxcsr, "... and the state stays as it was");
    sup_reply(&s, id, 0);
    uint8_t mem[20];
    if (sup_trap(&s, &ti, &id, "the FPU child's second syscall")) {
        uint32_t mxcsr;
        tap_ok(warp_proc_vm_read(p, SUP_STACK, mem, sizeof(mem)) == sizeof(mem) &&
                   memcmp(mem, f.xmm[0], 16) == 0 && (memcpy(&mxcsr, mem + 16, 4), mxcsr == f.mxcsr),
               "the child stored the xmm0 and MXCSR its supervisor set");
        tap_ok(warp_proc_get_fpu(p, &back) == 0 && sup_all(back.xmm[1], 16, 0xff),
               "... and proc_get_fpu shows the xmm1 it set (pcmpeqd)");
        sup_reply(&s, id, 0);
    }
    tests_sleep_ms(20);
    tap_eq(warp_proc_get_fpu(p, &back), ERR_BAD_STATE, "proc_get_fpu of a running child gives ERR_BAD_STATE");
    tap_eq(warp_proc_set_fpu(p, &f), ERR_BAD_STATE, "proc_set_fpu of a running child gives ERR_BAD_STATE");
    tap_eq(warp_proc_set_fpu(p, &bad), ERR_BAD_STATE,
           "... even with a bad MXCSR: the state is checked before the image");
    struct exit_info ei;
    tap_ok(sup_exit(&s, true, &ei) && ei.reason == EXIT_KILLED, "the spinning FPU child is killed");
    tap_eq(warp_proc_get_fpu(p, &back), ERR_BAD_STATE, "proc_get_fpu of an ended child gives ERR_BAD_STATE");
    tap_eq(warp_proc_set_fpu(p, &f), ERR_BAD_STATE, "proc_set_fpu of an ended child gives ERR_BAD_STATE");
    sup_close(&s);
}

/* syscall; fwait; jmp $ */
static const uint8_t prog_fwait[] = {0x0f, 0x05, 0x9b, 0xeb, 0xfe};

/* An image the kernel takes but whose x87 exception is pending and unmasked: it fires in the child,
 * at its next waiting x87 instruction, as its own fault (#MF), never in the kernel's fxrstor. */
static void sup_fpu_pending(void)
{
    struct sup s;
    struct trap_info ti;
    uint64_t id;
    struct cpu_fpu f;
    if (sup_spawn(&s, NULL) < 0 || sup_load(&s, prog_fwait, sizeof(prog_fwait), 1) < 0 ||
        warp_proc_start((handle_t)s.proc) < 0 || !sup_trap(&s, &ti, &id, "the fwait child's syscall") ||
        warp_proc_get_fpu((handle_t)s.proc, &f) < 0) {
        tap_ok(false, "a trapped supervised child for a pending x87 exception");
        return sup_close(&s);
    }
    f.fcw = CPU_FPU_FCW_INIT & ~1u; /* invalid-operation exception unmasked */
    f.fsw = 0x81;                   /* ... and pending: IE and the summary bit ES */
    tap_eq(warp_proc_set_fpu((handle_t)s.proc, &f), 0,
           "proc_set_fpu with an unmasked x87 exception pending returns 0");
    sup_reply(&s, id, 0);
    if (sup_trap(&s, &ti, &id, "the child's fwait"))
        tap_ok(ti.kind == TRAP_FAULT && ti.fault_kind == FAULT_ARITHMETIC && ti.fault_vector == 16 &&
                   ti.pc == SUP_CODE + 2,
               "... the child's fwait takes it: TRAP_FAULT, FAULT_ARITHMETIC, vector 16 (#MF), at the fwait");
    struct exit_info ei;
    tap_ok(sup_exit(&s, true, &ei) && ei.reason == EXIT_KILLED, "the child is killed");
    sup_close(&s);
}

/* Bad pointers for the FPU calls: nothing read or written, the state unchanged. */
static void sup_fpu_refused(void)
{
    struct sup s;
    struct cpu_fpu f;
    if (sup_spawn(&s, NULL) < 0 || warp_proc_get_fpu((handle_t)s.proc, &f) < 0) {
        tap_ok(false, "a supervised child for the FPU refusals");
        return sup_close(&s);
    }
    handle_t p = (handle_t)s.proc;
    for (unsigned i = 0; i < tests_bad_ptr_count; i++) {
        tap_eq(warp_proc_get_fpu(p, (struct cpu_fpu *)tests_bad_ptrs[i].addr), ERR_BAD_ADDRESS,
               "proc_get_fpu into %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
        tap_eq(warp_proc_set_fpu(p, (const struct cpu_fpu *)tests_bad_ptrs[i].addr), ERR_BAD_ADDRESS,
               "proc_set_fpu from %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    }
    tap_eq(warp_proc_get_fpu(p, (struct cpu_fpu *)(uintptr_t)sup_fpu_refused), ERR_BAD_ADDRESS,
           "proc_get_fpu into our read-only code gives ERR_BAD_ADDRESS");
    /* The image's second half on the unmapped page after a one-page mapping (as t_channel relies on):
     * all or nothing, the child's state unchanged. */
    long page = warp_vm_map(PAGE_SIZE, PROT_READ | PROT_WRITE);
    if (page > 0) {
        struct cpu_fpu *edge = (struct cpu_fpu *)(page + PAGE_SIZE - 256);
        memcpy(edge, &f, 256);
        edge->xmm[0][0] = 0x77;
        tap_eq(warp_proc_set_fpu(p, edge), ERR_BAD_ADDRESS,
               "proc_set_fpu from an image running into an unmapped page gives ERR_BAD_ADDRESS");
        tap_eq(warp_proc_get_fpu(p, edge), ERR_BAD_ADDRESS,
               "proc_get_fpu into an image running into an unmapped page gives ERR_BAD_ADDRESS");
        struct cpu_fpu back;
        tap_ok(warp_proc_get_fpu(p, &back) == 0 && memcmp(&back, &f, sizeof(f)) == 0,
               "... and the child's state is unchanged");
        warp_vm_unmap((void *)page, PAGE_SIZE);
    }
    sup_close(&s);
}

/* SYS_SPAWN's refusals of SPAWN_SUPERVISED, and the handle it gives. */
static void sup_spawn_refused(void)
{
    handle_t c[2], d[2];
    long timer = warp_timer_create();
    if (tests_channel(c) < 0 || tests_channel(d) < 0 || timer < 0)
        return;
    handle_t two[2] = {c[1], d[1]}, t = (handle_t)timer;
    struct spawn_args a = {.name = (uaddr_t) "sup",
                           .name_len = 3,
                           .flags = SPAWN_SUPERVISED,
                           .handles = (uaddr_t)&c[1],
                           .nhandles = 1};
    struct spawn_args b = a;
    b.image = (uaddr_t)tests_env.self;
    b.image_len = tests_env.self_len;
    tap_eq(warp_spawn(&b), ERR_INVALID_ARG, "a supervised spawn with an image gives ERR_INVALID_ARG");
    b = a;
    b.nhandles = 0;
    tap_eq(warp_spawn(&b), ERR_INVALID_ARG, "a supervised spawn with no handle gives ERR_INVALID_ARG");
    b.handles = (uaddr_t)two;
    b.nhandles = 2;
    tap_eq(warp_spawn(&b), ERR_INVALID_ARG, "a supervised spawn with two handles gives ERR_INVALID_ARG");
    b = a;
    b.flags |= SPAWN_SHARE_INITFS;
    tap_eq(warp_spawn(&b), ERR_INVALID_ARG, "a supervised spawn sharing the initfs gives ERR_INVALID_ARG");
    b = a;
    b.handles = (uaddr_t)&t;
    tap_eq(warp_spawn(&b), ERR_WRONG_TYPE,
           "a supervised spawn with a timer for its channel gives ERR_WRONG_TYPE");
    long dup = warp_handle_reduce(c[1], RIGHTS_ALL);
    tap_eq(warp_spawn(&a), ERR_INVALID_ARG,
           "a supervised spawn with an end another handle names gives ERR_INVALID_ARG");
    warp_handle_close((handle_t)dup);
    long proc = warp_spawn(&a);
    tap_ok(proc > 0 && tests_handle_is((handle_t)proc, OBJ_PROCESS, RIGHTS_KNOWN),
           "a supervised spawn gives a process handle with RIGHT_MANAGE too");
    tap_eq(warp_handle_info(c[1], &(struct handle_info){0, 0}), ERR_BAD_HANDLE,
           "... and its channel end is gone");
    if (proc > 0) {
        warp_kill((handle_t)proc);
        warp_handle_close((handle_t)proc);
    }
    long plain = tests_spawn("plain", TESTS_EXIT_42, 0, 0);
    tap_eq(warp_proc_start((handle_t)plain), ERR_NO_RIGHTS,
           "proc_start through an ordinary child's handle (no RIGHT_MANAGE) gives ERR_NO_RIGHTS");
    struct exit_info ei;
    tests_wait_close(plain, &ei);
    warp_handle_close(c[0]);
    warp_handle_close(d[0]);
    warp_handle_close(d[1]);
    warp_handle_close(t);
}

/* Each call with a handle argument, for the handle drivers of ipcutil.c. */
static long h_start(long h, void *ctx)
{
    (void)ctx;
    return warp_syscall6(SYS_PROC_START, h, 0, 0, 0, 0, 0);
}
static long h_interrupt(long h, void *ctx)
{
    (void)ctx;
    return warp_syscall6(SYS_PROC_INTERRUPT, h, 0, 0, 0, 0, 0);
}
static long h_get_regs(long h, void *ctx)
{
    return warp_syscall6(SYS_PROC_GET_REGS, h, (long)ctx, 0, 0, 0, 0);
}
static long h_set_regs(long h, void *ctx)
{
    return warp_syscall6(SYS_PROC_SET_REGS, h, (long)ctx, 0, 0, 0, 0);
}
static long h_get_fpu(long h, void *ctx)
{
    (void)ctx;
    static struct cpu_fpu f;
    return warp_syscall6(SYS_PROC_GET_FPU, h, (long)&f, 0, 0, 0, 0);
}
static long h_set_fpu(long h, void *ctx)
{
    (void)ctx;
    static struct cpu_fpu f = {.fcw = CPU_FPU_FCW_INIT, .mxcsr = CPU_FPU_MXCSR_INIT};
    return warp_syscall6(SYS_PROC_SET_FPU, h, (long)&f, 0, 0, 0, 0);
}
static long h_map(long h, void *ctx)
{
    (void)ctx;
    return warp_syscall6(SYS_PROC_VM_MAP, h, 0, PAGE_SIZE, PROT_READ, 0, 0);
}
static long h_unmap(long h, void *ctx)
{
    (void)ctx;
    return warp_syscall6(SYS_PROC_VM_UNMAP, h, SUP_STACK, PAGE_SIZE, 0, 0, 0);
}
static long h_protect(long h, void *ctx)
{
    (void)ctx;
    return warp_syscall6(SYS_PROC_VM_PROTECT, h, SUP_STACK, PAGE_SIZE, PROT_READ, 0, 0);
}
static long h_read(long h, void *ctx)
{
    return warp_syscall6(SYS_PROC_VM_READ, h, SUP_STACK, (long)ctx, 8, 0, 0);
}
static long h_write(long h, void *ctx)
{
    return warp_syscall6(SYS_PROC_VM_WRITE, h, SUP_STACK, (long)ctx, 8, 0, 0);
}
static long h_clock_map(long h, void *ctx)
{
    (void)ctx;
    return warp_syscall6(SYS_CLOCK_MAP, h, 0, 0, 0, 0, 0);
}

/* Bad handles, wrong types and a missing RIGHT_MANAGE, for every call on a supervised process. */
static void sup_handles_refused(void)
{
    static const struct {
        const char *name;
        tests_handle_fn fn;
    } calls[] = {
        {"proc_start", h_start},        {"proc_interrupt", h_interrupt}, {"proc_get_regs", h_get_regs},
        {"proc_set_regs", h_set_regs},  {"proc_vm_map", h_map},          {"proc_vm_unmap", h_unmap},
        {"proc_vm_protect", h_protect}, {"proc_vm_read", h_read},        {"proc_vm_write", h_write},
        {"proc_get_fpu", h_get_fpu},    {"proc_set_fpu", h_set_fpu},     {"clock_map", h_clock_map},
    };
    struct sup s;
    struct tests_objs o;
    struct cpu_regs r = {0};
    if (sup_spawn(&s, NULL) < 0 || !tests_objs_make(&o))
        return sup_close(&s);
    for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        tests_bad_handles(calls[i].name, calls[i].fn, &r, (handle_t)s.proc);
        tests_wrong_types(calls[i].name, calls[i].fn, &r, &o, OBJ_PROCESS);
        tests_no_rights(calls[i].name, calls[i].fn, &r, (handle_t)s.proc, RIGHT_MANAGE);
    }
    tests_objs_close(&o);
    sup_close(&s);
}

/* What ends a supervised child besides its supervisor's answer: a kill while trapped (its reply
 * then finds no caller), and its supervisor's end closing while it is trapped, running or new. */
static void sup_supervisor_gone(void)
{
    struct sup s;
    struct trap_info ti;
    uint64_t id;
    struct exit_info ei;
    struct warp_event ev;
    if (sup_spawn(&s, NULL) == 0 && sup_load(&s, prog_one_call, sizeof(prog_one_call), 9) == 0 &&
        warp_proc_start((handle_t)s.proc) == 0 && sup_trap(&s, &ti, &id, "a child to kill while trapped")) {
        tap_ok(sup_exit(&s, true, &ei) && ei.reason == EXIT_KILLED,
               "a child killed while trapped ends (EXIT_KILLED)");
        tap_eq(sup_reply(&s, id, 0), ERR_PEER_CLOSED, "... and the reply to its trap gives ERR_PEER_CLOSED");
        tap_ok(tests_wait_event((handle_t)s.eq, &ev, 1000) == 0 && ev.type == EV_PEER_CLOSED,
               "... and the supervisor's end reports EV_PEER_CLOSED");
    }
    sup_close(&s);
    if (sup_spawn(&s, NULL) == 0 && sup_load(&s, prog_one_call, sizeof(prog_one_call), 9) == 0 &&
        warp_proc_start((handle_t)s.proc) == 0 && sup_trap(&s, &ti, &id, "a child whose supervisor closes")) {
        warp_handle_close(s.ch);
        s.ch = 0;
        tap_ok(sup_exit(&s, false, &ei) && ei.reason == EXIT_KILLED,
               "closing the supervision channel kills a trapped child");
    }
    sup_close(&s);
    if (sup_spawn(&s, NULL) == 0 && sup_load(&s, sup_prog_spin, sizeof(sup_prog_spin), 0) == 0 &&
        warp_proc_start((handle_t)s.proc) == 0) {
        tests_sleep_ms(20);
        warp_handle_close(s.ch);
        s.ch = 0;
        tap_ok(sup_exit(&s, false, &ei) && ei.reason == EXIT_KILLED,
               "closing the supervision channel kills a spinning child");
    }
    sup_close(&s);
    if (sup_spawn(&s, NULL) == 0) {
        warp_handle_close(s.ch);
        s.ch = 0;
        tap_ok(sup_exit(&s, false, &ei) && ei.reason == EXIT_KILLED,
               "closing the supervision channel kills a child never started");
    }
    sup_close(&s);
    /* The child waits for its start before we close; a message sent first must not hide the close. */
    if (sup_spawn(&s, NULL) == 0) {
        tests_sleep_ms(20);
        tests_send_text(s.ch, "early");
        tests_sleep_ms(20);
        warp_handle_close(s.ch);
        s.ch = 0;
        tap_ok(sup_exit(&s, false, &ei) && ei.reason == EXIT_KILLED,
               "closing the supervision channel kills a child waiting for its start, after a message");
    }
    sup_close(&s);
}

/* A message or call the supervisor sends on its own is not a reply: a call gets ERR_NOT_SUPPORTED
 * and the trapped child goes on waiting for its answer. */
static void sup_stray_messages(void)
{
    struct sup s;
    struct trap_info ti;
    uint64_t id;
    if (sup_spawn(&s, NULL) < 0 || sup_load(&s, prog_regs, sizeof(prog_regs), 1) < 0 ||
        warp_proc_start((handle_t)s.proc) < 0 || !sup_trap(&s, &ti, &id, "a child for stray messages"))
        return sup_close(&s);
    tap_eq(tests_send_text(s.ch, "hello"), 0, "a one-way message to the trapped child's channel is taken");
    tap_eq(tests_send_call(s.ch, MSG_GETATTR, 77), 0, "... and so is a call");
    struct warp_event ev;
    tap_ok(tests_wait_event((handle_t)s.eq, &ev, 1000) == 0 && ev.type == EV_REPLY &&
               ev.u.msg.call_id == 77 && ev.u.msg.type == MSG_ERROR && ev.u.msg.status == ERR_NOT_SUPPORTED,
           "... which the kernel answers with ERR_NOT_SUPPORTED");
    sup_reply(&s, id, 5);
    if (sup_trap(&s, &ti, &id, "the trap after the stray messages"))
        tap_ok(ti.nr == 2 && ti.args[2] == 5, "the child still got its own reply");
    sup_close(&s);
}

/* Supervised processes are processes: a pages quota given at spawn bounds what is mapped into one. */
static void sup_quota(void)
{
    uint64_t limits[LIMIT_COUNT] = {[LIMIT_PAGES] = 64};
    struct sup s;
    if (sup_spawn(&s, limits) < 0) {
        tap_ok(false, "a supervised child with a 64-page quota");
        return;
    }
    handle_t p = (handle_t)s.proc;
    tap_eq(warp_proc_vm_map(p, 0, 128 * PAGE_SIZE, PROT_READ | PROT_WRITE), ERR_NO_MEMORY,
           "proc_vm_map of 128 pages into a child with a 64-page quota gives ERR_NO_MEMORY");
    long a = warp_proc_vm_map(p, 0, 16 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    tap_ok(a > 0, "... while 16 pages fit");
    sup_close(&s);
}

void test_supervise(void)
{
    sup_traps();
    sup_set_regs_resume();
    sup_tls();
    sup_fault_resume();
    sup_interrupt();
    sup_states();
    sup_regs_refused();
    sup_fpu();
    sup_fpu_pending();
    sup_fpu_refused();
    sup_spawn_refused();
    sup_handles_refused();
    sup_supervisor_gone();
    sup_stray_messages();
    sup_quota();
}
