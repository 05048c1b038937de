/* trap.c: exceptions and interrupts: user faults end the process, kernel faults panic with a report. */
#include <conring.h>
#include <cpu.h>
#include <irq.h>
#include <lock.h>
#include <log.h>
#include <proc.h>
#include <sched.h>
#include <vm.h>
#include <warp/abi.h>
#include "x64.h"

/* Name and portable kind of each exception vector (Intel SDM vol. 3, table 6-1). */
static const struct {
    const char *name;
    uint8_t kind;
} exceptions[32] = {
    {"divide error (#DE)", FAULT_ARITHMETIC},
    {"debug (#DB)", FAULT_DEBUG},
    {"NMI", FAULT_OTHER},
    {"breakpoint (#BP)", FAULT_DEBUG},
    {"overflow (#OF)", FAULT_ARITHMETIC},
    {"bound range (#BR)", FAULT_PROTECTION},
    {"invalid opcode (#UD)", FAULT_ILLEGAL},
    {"device not available (#NM)", FAULT_ILLEGAL},
    {"double fault (#DF)", FAULT_OTHER},
    {"coprocessor segment overrun", FAULT_OTHER},
    {"invalid TSS (#TS)", FAULT_PROTECTION},
    {"segment not present (#NP)", FAULT_PROTECTION},
    {"stack fault (#SS)", FAULT_PROTECTION},
    {"general protection (#GP)", FAULT_PROTECTION},
    {"page fault (#PF)", FAULT_MEMORY},
    {"reserved 15", FAULT_OTHER},
    {"x87 floating point (#MF)", FAULT_ARITHMETIC},
    {"alignment check (#AC)", FAULT_MEMORY},
    {"machine check (#MC)", FAULT_OTHER},
    {"SIMD floating point (#XM)", FAULT_ARITHMETIC},
    {"virtualization (#VE)", FAULT_OTHER},
    {"control protection (#CP)", FAULT_PROTECTION},
    {"reserved 22", FAULT_OTHER},
    {"reserved 23", FAULT_OTHER},
    {"reserved 24", FAULT_OTHER},
    {"reserved 25", FAULT_OTHER},
    {"reserved 26", FAULT_OTHER},
    {"reserved 27", FAULT_OTHER},
    {"hypervisor injection (#HV)", FAULT_OTHER},
    {"VMM communication (#VC)", FAULT_OTHER},
    {"security (#SX)", FAULT_OTHER},
    {"reserved 31", FAULT_OTHER},
};

#define PF_WRITE (1u << 1) /* page-fault error code: the access was a write */

/* The portable record of a user-mode exception (vector < 32). */
static struct fault_info trap_decode(const struct trap_frame *tf)
{
    struct fault_info f = {
        .kind = exceptions[tf->vector].kind,
        .code = (uint32_t)tf->vector,
        .name = exceptions[tf->vector].name,
        .pc = tf->rip,
        .detail = tf->error_code,
    };
    if (tf->vector == 14) {
        f.addr = read_cr2();
        f.write = tf->error_code & PF_WRITE;
    }
    return f;
}

/* Print every saved register of a frame. */
void trap_dump(const struct trap_frame *tf)
{
    log_raw("  rip %016lx  cs %04lx  rflags %08lx  rsp %016lx  ss %04lx\n", tf->rip, tf->cs, tf->rflags,
            tf->rsp, tf->ss);
    log_raw("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
    log_raw("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
    log_raw("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
    log_raw("  r13 %016lx  r14 %016lx  r15 %016lx  cr2 %016lx\n", tf->r13, tf->r14, tf->r15, read_cr2());
}

/* Name a kernel stack overflow: a page fault, or the double fault it becomes when the CPU cannot
 * push the page fault's frame, whose address (CR2) or stack pointer lies in a stack's guard page. */
static void trap_report_overflow(const struct trap_frame *tf)
{
    uint64_t bottom = kstack_guard_hit(read_cr2());
    if (!bottom)
        bottom = kstack_guard_hit(tf->rsp);
    if (!bottom)
        return;
    const char *which = bottom == (uint64_t)boot_stack_bottom ? "the boot (idle) stack" : "a kernel stack";
    log_raw("  kernel stack overflow: %s, bottom %#lx, ran into its guard page\n", which, bottom);
}

/* A CPU exception in kernel mode is a kernel bug: report everything, polled, after what the
 * console ring holds, and stop. */
static _Noreturn void trap_kernel_fault(const struct trap_frame *tf)
{
    conring_sync();
    log_raw("\nKERNEL PANIC: %s in kernel mode, error code %#lx\n", exceptions[tf->vector].name,
            tf->error_code);
    if (tf->vector == 8 || tf->vector == 14)
        trap_report_overflow(tf);
    if (tf->vector == 14)
        log_raw("  faulting address %#lx (%s, %s)\n", read_cr2(), tf->error_code & 2 ? "write" : "read",
                tf->error_code & 1 ? "protection violation" : "not present");
    trap_dump(tf);
    backtrace_from(tf->rbp, tf->rip);
    log_raw("system halted\n");
    arch_halt();
}

/* A fault table entry of usercopy.S: the instruction and where it resumes. */
struct extable_entry {
    uint64_t insn, fixup;
};
extern const struct extable_entry __extable_start[], __extable_end[];

/* A kernel page fault at a user copy's instruction: the page is resolved (vm_fault: a lazy or
 * copy-on-write page) and the instruction runs again, or the copy resumes at its fixup and fails.
 * The copying path holds the kernel lock (every system call does), which vm_fault needs. */
static bool trap_user_copy_fault(struct trap_frame *tf)
{
    const struct extable_entry *e = __extable_start;
    while (e < __extable_end && e->insn != tf->rip)
        e++;
    if (e == __extable_end)
        return false;
    if (vm_fault(cpu_self()->vm, read_cr2(), tf->error_code & PF_WRITE) < 0)
        tf->rip = e->fixup;
    return true;
}

/* A user-mode exception; kernel lock held. A page fault vm_fault resolves (a lazy or copy-on-write
 * page) just runs the instruction again; anything else goes to proc_fault, which returns only if a
 * supervisor resumes the process. */
static void trap_user_exception(const struct trap_frame *tf)
{
    if (tf->vector == 14 && vm_fault(cpu_self()->vm, read_cr2(), tf->error_code & PF_WRITE) == 0)
        return;
    struct fault_info f = trap_decode(tf);
    proc_fault(&f);
}

/* Device interrupts; called with the kernel lock held. */
static void trap_interrupt(const struct trap_frame *tf)
{
    if (tf->vector == VEC_TIMER) {
        lapic_eoi();
        serial_tick();
        sched_tick();
    } else if (tf->vector == VEC_COM1) {
        serial_irq();
    } else if (tf->vector >= IRQ_VECTOR_FIRST && tf->vector < IRQ_VECTOR_END) {
        irq_dispatch((uint32_t)tf->vector);
    } else if (tf->vector >= VEC_PIC_BASE && tf->vector < VEC_PIC_BASE + 16) {
        /* Spurious IRQ from the masked 8259s: nothing to acknowledge. */
        /* The APIC's spurious vector gets no EOI: it was never in service. */
    } else if (tf->vector != VEC_SPURIOUS) {
        log_printf("trap: unexpected interrupt vector %lu", tf->vector);
        lapic_eoi();
    }
}

/* C side of every interrupt and exception (trap.S); interrupts are disabled. */
void trap_handle(struct trap_frame *tf)
{
    bool from_user = tf->cs & 3;
    /* An NMI is no fault of whoever runs: note it and go on. It can arrive anywhere, even with the
     * kernel lock held, so it takes no lock (its line may interleave with another). */
    if (tf->vector == VEC_NMI) {
        log_printf("trap: NMI at rip %#lx (%s mode), ignored", tf->rip, from_user ? "user" : "kernel");
        return;
    }
    if (tf->vector == VEC_MACHINE_CHECK)
        trap_kernel_fault(tf); /* the hardware reports itself broken: nothing to recover */
    /* An exception in kernel mode is expected only from usercopy.S's page faults; anything else is a
     * bug, reported without the lock (the faulting path may hold it). */
    if (tf->vector < 32 && !from_user) {
        if (tf->vector == 14 && trap_user_copy_fault(tf))
            return;
        trap_kernel_fault(tf);
    }
    /* An interrupt from kernel mode can only have hit the idle loop's hlt or a preemption point's
     * window (sched_preempt_point), and both released the lock. */
    kernel_lock();
    if (tf->vector < 32)
        trap_user_exception(tf);
    else
        trap_interrupt(tf);
    if (from_user)
        proc_user_return();
    kernel_unlock();
}
