/* trap.c: exceptions and interrupts: user faults end the process, kernel faults panic with a report. */
#include <cpu.h>
#include <irq.h>
#include <lock.h>
#include <log.h>
#include <proc.h>
#include <sched.h>
#include "x64.h"

static const char *const exception_names[32] = {
    "divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)", "overflow (#OF)",
    "bound range (#BR)", "invalid opcode (#UD)", "device not available (#NM)", "double fault (#DF)",
    "coprocessor segment overrun", "invalid TSS (#TS)", "segment not present (#NP)",
    "stack fault (#SS)", "general protection (#GP)", "page fault (#PF)", "reserved 15",
    "x87 floating point (#MF)", "alignment check (#AC)", "machine check (#MC)", "SIMD floating point (#XM)",
    "virtualization (#VE)", "control protection (#CP)", "reserved 22", "reserved 23", "reserved 24",
    "reserved 25", "reserved 26", "reserved 27", "hypervisor injection (#HV)", "VMM communication (#VC)",
    "security (#SX)", "reserved 31",
};

/* Name of an exception vector. */
const char *trap_name(uint32_t vector) {
    return vector < 32 ? exception_names[vector] : "interrupt";
}

/* Print every saved register of a frame. */
void trap_dump(const struct trap_frame *tf) {
    log_raw("  rip %016lx  cs %04lx  rflags %08lx  rsp %016lx  ss %04lx\n", tf->rip, tf->cs, tf->rflags,
            tf->rsp, tf->ss);
    log_raw("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
    log_raw("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
    log_raw("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
    log_raw("  r13 %016lx  r14 %016lx  r15 %016lx  cr2 %016lx\n", tf->r13, tf->r14, tf->r15, read_cr2());
}

/* A CPU exception in kernel mode is a kernel bug: report everything and stop. */
static _Noreturn void trap_kernel_fault(const struct trap_frame *tf) {
    log_raw("\nKERNEL PANIC: %s in kernel mode, error code %#lx\n", trap_name(tf->vector), tf->error_code);
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

/* Resume a kernel page fault at its fixup if the faulting instruction is a user copy; false if not. */
static bool trap_fixup(struct trap_frame *tf) {
    for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
        if (e->insn == tf->rip) {
            tf->rip = e->fixup;
            return true;
        }
    return false;
}

/* Device interrupts; called with the kernel lock held. */
static void trap_interrupt(const struct trap_frame *tf) {
    if (tf->vector == VEC_TIMER) {
        lapic_eoi();
        sched_tick();
    } else if (tf->vector >= IRQ_VECTOR_FIRST && tf->vector < IRQ_VECTOR_END) {
        irq_dispatch((uint32_t)tf->vector);
    } else if (tf->vector >= VEC_PIC_BASE && tf->vector < VEC_PIC_BASE + 16) {
        /* Spurious IRQ from the masked 8259s: nothing to acknowledge. */
    } else if (tf->vector != VEC_SPURIOUS) {
        log_printf("trap: unexpected interrupt vector %lu", tf->vector);
        lapic_eoi();
    }
}

/* C side of every interrupt and exception (trap.S); interrupts are disabled. */
void trap_handle(struct trap_frame *tf) {
    bool from_user = tf->cs & 3;
    if (tf->vector < 32 && !from_user) {
        if (tf->vector == 14 && trap_fixup(tf))
            return;
        trap_kernel_fault(tf);
    }
    kernel_lock();
    if (tf->vector < 32) {
        uint64_t addr = tf->vector == 14 ? read_cr2() : 0;
        proc_fault((uint32_t)tf->vector, tf->error_code, tf->rip, addr);
    }
    trap_interrupt(tf);
    if (from_user)
        proc_user_return();
    kernel_unlock();
}
