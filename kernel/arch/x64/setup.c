/* setup.c: the x86-64 side of boot: from boot.S's 64-bit jump to the portable kernel_main. */
#include <boot.h>
#include <cpu.h>
#include <log.h>
#include "x64.h"

static struct boot_info boot_info;

/* Called by boot.S on the boot stack with paging on; rdi = multiboot2 magic, rsi = its info. */
_Noreturn void x64_boot(uint32_t magic, paddr_t mbi)
{
    serial_init();
    tsc_calibrate();
    cpu_detect_features();
    multiboot_parse(magic, mbi, &boot_info);
    struct boot_info *bi = &boot_info;
    /* Never hand out: the first MiB (firmware data, future AP trampoline) and the kernel image. */
    bi->reserved[bi->nreserved++] = (struct boot_range){0, 1u << 20, false};
    bi->reserved[bi->nreserved++] =
        (struct boot_range){KERNEL_LOAD_PHYS, (uint64_t)__kernel_end - KERNEL_BASE - KERNEL_LOAD_PHYS, false};
    kernel_main(bi);
}

/* Interrupt controllers from the firmware tables, then the periodic scheduler tick. */
void arch_irq_init(const struct boot_info *bi)
{
    pic_disable();
    acpi_discover(bi);
    lapic_init(platform.lapic_base);
    for (uint32_t i = 0; i < platform.nioapics; i++)
        ioapic_add(platform.ioapics[i].id, platform.ioapics[i].base, platform.ioapics[i].gsi_base);
    cpus[0].arch.apic_id = lapic_id();
    lapic_timer_start(100);
}

/* The idle thread keeps the stack boot.S set up (sched_init). */
void *arch_boot_stack_top(void)
{
    return boot_stack_top;
}
