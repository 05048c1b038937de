/* cpu.c: CPU feature detection, GDT and TSS, per-CPU data through GS, syscall MSRs. */
#include <cpu.h>
#include <log.h>
#include <warp/abi.h>
#include <warp/string.h>
#include "x64.h"

struct cpu_features cpu_features;
struct cpu cpus[MAX_CPUS];

/* 64-bit TSS (Intel SDM vol. 3, 8.7); the I/O bitmap offset points past the end: no port access. */
struct tss {
    uint32_t reserved0;
    uint64_t rsp0, rsp1, rsp2;
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
    uint8_t iomap[IO_BITMAP_BYTES + 1]; /* the running process's port grants; the extra byte ends it */
} __attribute__((packed));

static struct tss boot_tss;
static uint64_t gdt[7]; /* null, kernel code/data, user data/code, TSS (two slots) */

/* Read the CPUID bits Warp cares about; nothing here is required except long mode. */
void cpu_detect_features(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    uint32_t max_leaf = r[0];
    memcpy(cpu_features.vendor, &r[1], 4);
    memcpy(cpu_features.vendor + 4, &r[3], 4);
    memcpy(cpu_features.vendor + 8, &r[2], 4);
    cpuid(1, 0, r);
    cpu_features.x2apic = r[2] & (1u << 21);
    cpu_features.tsc_deadline = r[2] & (1u << 24);
    cpu_features.rdrand = r[2] & (1u << 30);
    cpu_features.pcid = r[2] & (1u << 17);
    if (max_leaf >= 7) {
        cpuid(7, 0, r);
        cpu_features.fsgsbase = r[1] & 1u;
        cpu_features.rdseed = r[1] & (1u << 18);
    }
    cpuid(0x80000000, 0, r);
    uint32_t max_ext = r[0];
    cpuid(0x80000001, 0, r);
    cpu_features.nx = r[3] & (1u << 20);
    if (max_ext >= 0x80000007) {
        cpuid(0x80000007, 0, r);
        cpu_features.invariant_tsc = r[3] & (1u << 8);
    }
}

/* Descriptor for a flat code or data segment with the given access byte and flags. */
static uint64_t seg_desc(uint8_t access, uint8_t flags)
{
    /* Base 0, limit 0xfffff: flat. In 64-bit mode the CPU ignores both for code and data anyway. */
    return 0xffffull | ((uint64_t)access << 40) | ((uint64_t)(flags | 0xf) << 48);
}

/* Load a GDT with kernel/user segments and this CPU's TSS, then reload the segment registers. */
void gdt_tss_init(struct arch_cpu *c)
{
    gdt[0] = 0;
    gdt[GDT_KERNEL_CS / 8] = seg_desc(0x9a, 0xa0); /* present, ring 0, code; L */
    gdt[GDT_KERNEL_DS / 8] = seg_desc(0x92, 0xc0); /* present, ring 0, data */
    gdt[GDT_USER_DS / 8] = seg_desc(0xf2, 0xc0);   /* present, ring 3, data */
    gdt[GDT_USER_CS / 8] = seg_desc(0xfa, 0xa0);   /* present, ring 3, code; L */
    c->tss = &boot_tss;
    boot_tss.iomap_base = sizeof(boot_tss); /* beyond the limit: no port is allowed */
    boot_tss.iomap[IO_BITMAP_BYTES] = 0xff;
    /* An IST stack is switched to whatever rsp was, so a double fault caused by a kernel stack
     * overflow still has a stack to report it on. */
    for (int i = 0; i < 3; i++) { /* double fault, NMI, machine check: stacks with guard pages */
        void *top = arch_kstack_alloc();
        if (!top)
            PANIC("no memory for the exception stacks");
        boot_tss.ist[i] = (uint64_t)top;
    }
    uint64_t base = (uint64_t)&boot_tss, limit = sizeof(boot_tss) - 1;
    gdt[GDT_TSS / 8] =
        (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((base >> 24) & 0xff) << 56);
    gdt[GDT_TSS / 8 + 1] = base >> 32;

    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) ptr = {sizeof(gdt) - 1, (uint64_t)gdt};
    /* A far return reloads CS (a mov cannot); then the data segments and the task register. */
    __asm__ volatile("lgdt %0\n"
                     "pushq %1\n"
                     "leaq 1f(%%rip), %%rax\n"
                     "pushq %%rax\n"
                     "lretq\n"
                     "1: mov %2, %%ds\n"
                     "mov %2, %%es\n"
                     "mov %2, %%ss\n"
                     "ltr %w3\n"
                     :
                     : "m"(ptr), "i"(GDT_KERNEL_CS), "r"(GDT_KERNEL_DS), "r"(GDT_TSS)
                     : "rax", "memory");
}

/* Load the port grants of the address space about to run (NULL bitmap: none). */
void cpu_load_io_bitmap(const struct arch_vm *avm)
{
    struct arch_cpu *c = &cpu_self()->arch;
    c->io_granted = avm && avm->io_bitmap;
    /* An I/O map base past the TSS limit denies every port without touching the 8 KiB bitmap. */
    if (!c->io_granted) {
        c->tss->iomap_base = sizeof(*c->tss);
        return;
    }
    memcpy(c->tss->iomap, avm->io_bitmap, IO_BITMAP_BYTES);
    c->tss->iomap_base = __builtin_offsetof(struct tss, iomap);
}

/* Set the kernel stack used when this CPU enters the kernel from user mode. */
void cpu_set_kernel_stack(uint64_t top)
{
    struct arch_cpu *c = &cpu_self()->arch;
    c->kernel_rsp = top;
    c->tss->rsp0 = top;
}

uint32_t fpu_mxcsr_mask;

/* The MXCSR bits this CPU implements, from an fxsave image (0 there: an early CPU's 0xffbf, all
 * but DAZ). fxrstor of an MXCSR with others set raises #GP, so SYS_PROC_SET_FPU checks with it. */
static void fpu_read_mxcsr_mask(void)
{
    static uint8_t image[512] __attribute__((aligned(16)));
    __asm__ volatile("fxsave %0" : "=m"(image));
    uint32_t mask;
    memcpy(&mask, &image[28], sizeof(mask));
    fpu_mxcsr_mask = mask ? mask : CPU_FPU_MXCSR_MASK_DEF;
}

/* Let user code use x87 and SSE (saved with fxsave on every switch); AVX stays off (no XSAVE yet). */
static void fpu_enable(void)
{
    uint64_t cr0, cr4;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~((1ull << 2) | (1ull << 3))) | (1ull << 1) | (1ull << 5); /* EM, TS off; MP, NE on */
    __asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= (1ull << 9) | (1ull << 10); /* OSFXSR, OSXMMEXCPT */
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
    __asm__ volatile("fninit");
    fpu_read_mxcsr_mask();
}

/* Per-CPU data for the boot CPU: GS points at cpus[0] while in the kernel. */
void arch_cpu_init(void)
{
    struct cpu *c = &cpus[0];
    c->arch.self = &c->arch;
    c->id = 0;
    gdt_tss_init(&c->arch);
    wrmsr(MSR_GS_BASE, (uint64_t)c);
    /* swapgs exchanges the two bases: user mode runs with GS base 0, the kernel with cpus[0]. */
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    idt_init();
    syscall_init();
    fpu_enable();
    log_printf("cpu: %s, features:%s%s%s%s%s%s", cpu_features.vendor, cpu_features.nx ? " nx" : "",
               cpu_features.x2apic ? " x2apic" : "", cpu_features.fsgsbase ? " fsgsbase" : "",
               cpu_features.pcid ? " pcid" : "", cpu_features.rdrand ? " rdrand" : "",
               cpu_features.invariant_tsc ? " invariant-tsc" : "");
}

/* sti holds interrupts off for one more instruction, so one arriving now wakes the hlt instead of
 * slipping in before it and leaving the CPU asleep. */
void arch_idle(void)
{
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* sti takes effect after the next instruction, so the nop is the window in which pending
 * interrupts are taken (each on this stack, with the kernel lock free: trap_handle takes it). */
void arch_irq_window(void)
{
    __asm__ volatile("sti; nop; cli" ::: "memory");
}

/* A loop: an NMI ends a hlt even with interrupts off. */
_Noreturn void arch_halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* ACPI S5 needs the DSDT's AML; until then, QEMU's isa-debug-exit or a halted CPU. */
_Noreturn void arch_poweroff(int code)
{
    outb(QEMU_EXIT_PORT, (uint8_t)code); /* QEMU exits here when the device is present */
    log_printf("cpu: no power-off device answered; halted");
    arch_halt();
}
