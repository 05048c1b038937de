/* x64.h: x86-64 internals shared by the files of this port (never included by portable code). */
#pragma once

#include <arch_defs.h>
#include <warp/types.h>
#include "layout.h"

/* Registers saved on kernel entry, in the order trap.S and syscall.S push them. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss; /* as pushed by the CPU (or rebuilt by syscall entry) */
};

struct cpu_features {
    bool nx, x2apic, rdrand, rdseed, fsgsbase, pcid, tsc_deadline, invariant_tsc;
    char vendor[13];
};
extern struct cpu_features cpu_features;
/* The MXCSR bits the CPU implements (fxsave's mxcsr_mask), read at boot: fxrstor refuses others. */
extern uint32_t fpu_mxcsr_mask;

/* --- port and MSR access --- */
static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
static inline uint64_t read_cr3(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
static inline void write_cr3(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

#define MSR_APIC_BASE 0x1b
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

/* Page-table entry bits. */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_KEPT (1ull << 9) /* software: a not-present entry keeping its frame (PROT_NONE) */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/* Interrupt vectors. */
#define VEC_NMI 2            /* non-maskable interrupt: its own IST stack */
#define VEC_DOUBLE_FAULT 8   /* its own IST stack: it may follow a kernel stack overflow */
#define VEC_MACHINE_CHECK 18 /* its own IST stack */
#define VEC_PIC_BASE 0x20    /* the masked 8259s are parked here; anything they raise is spurious */
#define VEC_TIMER 0x30       /* local APIC timer */
#define VEC_COM1 0x31        /* the console UART's transmit interrupt (serial.c) */
#define VEC_SPURIOUS 0xff    /* local APIC spurious */

/* --- functions across files of the port --- */
void serial_init(void);
void serial_write(const char *s, size_t len);
void serial_irq(void);         /* VEC_COM1's handler */
void serial_tick(void);        /* per timer tick: restart a transmitter whose interrupt was lost */
void tsc_calibrate(void);      /* time.c, PIT-based */
void pit_wait_us(uint32_t us); /* busy-wait on PIT channel 2; false timing if absent */
uint64_t tsc_ticks_per_ms(void);
void cpu_detect_features(void);
void gdt_tss_init(struct arch_cpu *c);
void cpu_set_kernel_stack(uint64_t top);            /* rsp0 and the syscall stack of this CPU */
void cpu_load_io_bitmap(const struct arch_vm *avm); /* the port grants of the next process */
void idt_init(void);
void syscall_init(void);
void pic_disable(void);
void lapic_init(paddr_t base);
void lapic_eoi(void);
uint32_t lapic_id(void);
void lapic_timer_start(uint32_t hz);
void ioapic_add(uint32_t id, paddr_t base, uint32_t gsi_base);
/* Program the redirection entry of a GSI; ERR_NOT_FOUND if no I/O APIC has it. */
long ioapic_route(uint32_t gsi, uint32_t vector, bool level, bool active_low, uint32_t apic_id);
void ioapic_mask(uint32_t gsi, bool masked);
/* Route ISA line irq (MADT overrides applied; ISA's edge, active high otherwise) to vector, masked;
 * its GSI in *gsi_out. ERR_NOT_FOUND if no I/O APIC has it. */
long isa_irq_route(uint8_t irq, uint32_t vector, uint32_t *gsi_out);
void *mmio_map(paddr_t pa, size_t len);   /* uncached kernel mapping of device registers; NULL if none */
uint64_t kstack_guard_hit(uint64_t addr); /* bottom of the kernel stack whose guard page addr is in, or 0 */
bool kstack_mapped(uint64_t addr);        /* addr lies in a kernel stack in use, below its top */
uint64_t pte_nx(void);                    /* the NX bit if the CPU has it, else 0 */
void backtrace_from(uint64_t rbp, uint64_t rip); /* print frames starting at rip, then the rbp chain */
void trap_dump(const struct trap_frame *tf);

struct boot_info;
void multiboot_parse(uint32_t magic, paddr_t mbi, struct boot_info *bi);
void acpi_discover(const struct boot_info *bi); /* fills platform via MADT or the MP table */

/* What ACPI/MP tables told us. */
#define PLATFORM_MAX_IOAPICS 8
#define PLATFORM_MAX_OVERRIDES 16
struct platform {
    uint32_t ncpus;
    uint32_t cpu_apic_ids[32];
    paddr_t lapic_base;
    uint32_t nioapics;
    struct {
        uint32_t id;
        paddr_t base;
        uint32_t gsi_base;
    } ioapics[PLATFORM_MAX_IOAPICS];
    uint32_t noverrides;
    struct {
        uint8_t irq;
        uint32_t gsi;
        uint16_t flags;
    } overrides[PLATFORM_MAX_OVERRIDES];
    const char *source; /* "ACPI MADT", "MP table" or "defaults" */
    paddr_t ecam_base;  /* PCI Express config space (ACPI MCFG), 0 if none */
    uint8_t ecam_bus_start, ecam_bus_end;
};
extern struct platform platform;

/* Entry points in assembly. */
void syscall_entry(void);
void trap_return_user(void); /* pops a struct trap_frame and irets; used for a thread's first run */
void thread_switch_stack(uint64_t *save_rsp, uint64_t new_rsp);
extern uint64_t trap_vectors[256];
extern char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];
extern char __kernel_start[], __text_end[], __rodata_end[], __kernel_end[];
