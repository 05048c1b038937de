/* t_fault.c: tests that a CPU exception kills only the faulting child, with the right record; preemption. */
#include "tests.h"

#define PF_PRESENT 1u /* page-fault error code bits (Intel SDM vol. 3, 4.7) */
#define PF_WRITE 2u
#define PF_USER 4u
#define PF_FETCH 16u

/* One faulting child mode: what it does and the exception it must end with. */
struct fault_case {
    unsigned mode;
    const char *what;
    uint32_t vector;
};

static const struct fault_case fault_cases[] = {
    {TESTS_NULL_WRITE, "a write to address 0", 14},
    {TESTS_WRITE_CODE, "a write to its own code", 14},
    {TESTS_WRITE_RODATA, "a write to read-only data", 14},
    {TESTS_WRITE_INITFS, "a write to the shared initfs", 14},
    {TESTS_READ_KERNEL, "a read of kernel address 0xffff800000000000", 14},
    {TESTS_USE_AFTER_UNMAP, "a write to a page after vm_unmap", 14},
    {TESTS_WRITE_READONLY, "a write to a PROT_READ mapping", 14},
    {TESTS_EXEC_DATA, "a call into a read-write mapping (NX)", 14},
    {TESTS_EXEC_STACK, "a call into the stack (NX)", 14},
    {TESTS_STACK_OVERFLOW, "a stack overflow", 14},
    {TESTS_PRIVILEGED, "hlt in user mode", 13},
    {TESTS_NONCANONICAL, "a read of non-canonical 0x8000000000000000", 13},
    {TESTS_INT_GATE, "int $0x20 (no user gate)", 13},
    {TESTS_IO_PORT, "out to I/O port 0xf4 without permission", 13},
    {TESTS_UD2, "ud2", 6},
    {TESTS_BAD_RSP_SYSCALL, "ud2 after a system call made with a kernel-half rsp", 6},
    {TESTS_DIVIDE, "a division by zero", 0},
};

/* True if addr lies in [lo, hi). */
static bool fault_in(uint64_t addr, uint64_t lo, uint64_t hi)
{
    return addr >= lo && addr < hi;
}

/* Checks the address, error code and rip the kernel reported for a mode. */
static bool fault_details_ok(unsigned mode, const struct exit_info *ei)
{
    uint64_t a = ei->fault_addr, e = ei->error_code, rip = ei->rip;
    uint64_t text_hi = (uint64_t)__data_start, stack_lo = USER_STACK_TOP - USER_STACK_SIZE;
    bool rip_in_text = fault_in(rip, (uint64_t)__image_start, text_hi);
    switch (mode) {
    case TESTS_NULL_WRITE: return a == 0 && (e & (PF_WRITE | PF_USER)) == (PF_WRITE | PF_USER) && rip_in_text;
    case TESTS_WRITE_CODE: return a == (uint64_t)main && e == (PF_PRESENT | PF_WRITE | PF_USER);
    case TESTS_WRITE_RODATA: return fault_in(a, (uint64_t)__image_start, text_hi) && e == 7 && rip_in_text;
    case TESTS_WRITE_INITFS: return a == USER_INITFS_BASE && e == (PF_PRESENT | PF_WRITE | PF_USER);
    case TESTS_READ_KERNEL: return a == 0xffff800000000000 && (e & (PF_WRITE | PF_USER)) == PF_USER;
    case TESTS_USE_AFTER_UNMAP: return fault_in(a, USER_VM_BASE, USER_VM_TOP) && !(e & PF_PRESENT);
    case TESTS_WRITE_READONLY: return fault_in(a, USER_VM_BASE, USER_VM_TOP) && e == 7;
    case TESTS_EXEC_DATA: return fault_in(a, USER_VM_BASE, USER_VM_TOP) && a == rip && (e & PF_FETCH);
    case TESTS_EXEC_STACK: return fault_in(a, stack_lo, USER_STACK_TOP) && a == rip && (e & PF_FETCH);
    case TESTS_STACK_OVERFLOW: return fault_in(a, stack_lo - PAGE_SIZE, stack_lo);
    /* Error code: the IDT bit, no EXT bit; the index field is 0x20 on hardware but QEMU's TCG
     * reports the gate's byte offset in 16-byte units there, so it is not checked. */
    case TESTS_INT_GATE: return (e & 3) == 2 && rip_in_text;
    case TESTS_BAD_RSP_SYSCALL: return rip == (uint64_t)asm_syscall_bad_rsp_ud2;
    default: return rip_in_text;
    }
}

/* Runs one faulting child and checks how it ended. */
static void fault_run(const struct fault_case *c)
{
    struct exit_info ei;
    uint64_t flags = c->mode == TESTS_WRITE_INITFS ? SPAWN_SHARE_INITFS : 0;
    tests_run("faulter", c->mode, 0, flags, &ei);
    tap_exit(&ei, EXIT_FAULT, (int)c->vector, "a child doing %s is killed with vector %u", c->what,
             c->vector);
    bool ok = ei.reason == EXIT_FAULT && fault_details_ok(c->mode, &ei);
    tap_ok(ok, "... and its record has the expected rip/address/error code");
    if (!ok)
        tap_diag("rip 0x%lx addr 0x%lx error 0x%lx", (unsigned long)ei.rip, (unsigned long)ei.fault_addr,
                 (unsigned long)ei.error_code);
}

/* Every faulting mode; the suite goes on, and no process is left behind. */
void test_faults(void)
{
    uint64_t nprocs = tests_nprocs();
    for (unsigned i = 0; i < sizeof(fault_cases) / sizeof(fault_cases[0]); i++)
        fault_run(&fault_cases[i]);
    tap_eq((long)tests_nprocs(), (long)nprocs, "no process is left over from the faulting children");
}

/* Loop count of asm_spin_regs that takes about ms milliseconds with the CPU to ourselves. */
static uint64_t fault_calibrate(uint64_t ms)
{
    const uint64_t probe = 1u << 20;
    uint64_t t0 = warp_clock();
    asm_spin_regs(probe);
    uint64_t ns = warp_clock() - t0;
    if (ns == 0)
        ns = 1;
    uint64_t loops = probe * (ms * 1000000) / ns;
    return loops < probe ? probe : loops > (1ull << 34) ? 1ull << 34 : loops;
}

/* Children that check their SSE and general registers while sharing the CPU with a spinner. */
static void fault_state_children(uint64_t loops)
{
    struct exit_info ei;
    long sse1 = tests_spawn("sse1", TESTS_SSE, 0x0123456789abcdull, 0);
    long sse2 = tests_spawn("sse2", TESTS_SSE, 0x00fedcba987654ull, 0);
    long regs = tests_spawn("regs", TESTS_REGS_SPIN, loops, 0);
    uint64_t t0 = warp_clock();
    uint64_t mine = asm_spin_regs(loops);
    tap_eq((long)mine, 0, "all registers survive timer interrupts in a busy loop (bitmask of changed ones)");
    tap_ok(warp_clock() > t0, "the clock advanced during a loop without system calls");
    tests_wait_close(sse1, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0, "SSE registers of one child survive preemption by others");
    tests_wait_close(sse2, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0, "... and those of a second child with another pattern");
    tests_wait_close(regs, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0, "a busy child's general registers survive preemption (code = bitmask)");
}

/* A child that never makes a system call cannot stop us: the timer preempts it; kill ends it. */
void test_preemption(void)
{
    uint64_t loops = fault_calibrate(200);
    uint64_t nprocs = tests_nprocs();
    long spinner = tests_spawn("spinner", TESTS_SPIN, 0, 0);
    tap_ok(spinner > 0, "spawn of a child that spins without system calls");
    tests_sleep_ms(10);
    /* A yield hands the CPU to the spinner, which makes no system call: only the timer gets it back
     * to us, about a tick (10 ms) later each time. Without the spinner running the yields would be
     * instant; without preemption they would never return. */
    uint64_t t0 = warp_clock();
    for (int i = 0; i < 3; i++)
        warp_yield();
    uint64_t ms = (warp_clock() - t0) / TESTS_MS;
    tap_ok(ms >= 5 && ms < 5000,
           "three yields while that child spins take %lu ms (5 or more: it ran until the timer preempted it)",
           (unsigned long)ms);
    tap_eq((long)tests_nprocs(), (long)nprocs + 1, "sysinfo.nprocs counts the spinning child");
    fault_state_children(loops);
    struct exit_info ei;
    tap_eq(warp_kill(spinner), 0, "kill of the spinner returns 0");
    tests_wait_close(spinner, &ei);
    tap_exit(&ei, EXIT_KILLED, 0, "the spinner ends with EXIT_KILLED");
    tap_eq((long)tests_nprocs(), (long)nprocs,
           "sysinfo.nprocs is back once the spinner has ended and its handle is closed");
}
