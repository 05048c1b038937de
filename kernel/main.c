/* main.c: the portable boot sequence, from a working console to the first user process. */
#include <arch.h>
#include <boot.h>
#include <clockpage.h>
#include <conring.h>
#include <kstat.h>
#include <cpu.h>
#include <lock.h>
#include <log.h>
#include <mm/mm.h>
#include <pci.h>
#include <proc.h>
#include <random.h>
#include <sched.h>
#include <warp/string.h>

/* Whole words only: "warp.crashtest" does not match "warp.crashtest.stack". */
bool boot_has_option(const struct boot_info *bi, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = bi->cmdline; *p;) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        if ((size_t)(end - p) == n && !memcmp(p, opt, n))
            return true;
        p = end;
    }
    return false;
}

/* warp.crashtest: fault on purpose so the panic report (registers, symbolized backtrace) can be checked. */
__attribute__((noinline)) static void crashtest_fault(void)
{
    log_printf("kernel: warp.crashtest given, writing through a bad pointer on purpose");
    *(volatile uint64_t *)0xdead0000 = 1;
}

/* One frame of warp.crashtest.stack's recursion, which ends only past any stack's size (not a tail
 * call: the sum needs the frame). */
__attribute__((noinline)) static uint64_t crashtest_recurse(uint64_t depth)
{
    volatile uint8_t frame[512];
    frame[depth % sizeof(frame)] = (uint8_t)depth;
    if (depth > (1u << 20))
        return depth;
    return crashtest_recurse(depth + 1) + frame[depth % sizeof(frame)];
}

/* warp.crashtest.stack: overflow the boot stack on purpose: the guard page below it must turn that
 * into a panic that names the stack, not into silent corruption of whatever lies below. */
static void crashtest_stack(void)
{
    log_printf("kernel: warp.crashtest.stack given, recursing until the stack overflows");
    crashtest_recurse(0);
}

/* Each step needs the ones before: page tables come from the page allocator, the CPU's exception
 * stacks need the kernel's page tables, PCI may need ACPI's MCFG (read with the interrupt
 * controllers). The boot context holds the kernel lock until it becomes the idle loop. The boot's
 * log goes out polled; from conring_start on, the console is interrupt-driven. */
_Noreturn void kernel_main(struct boot_info *bi)
{
    log_printf("warp: booting; cmdline \"%s\", initfs %lu KiB", bi->cmdline, bi->initfs_size >> 10);
    kernel_lock();
    pmm_init(bi);
    clock_page_init();
    arch_mm_init(bi);
    arch_cpu_init();
    arch_irq_init(bi);
    pci_init();
    random_init();
    if (boot_has_option(bi, "warp.crashtest"))
        crashtest_fault();
    if (boot_has_option(bi, "warp.crashtest.stack"))
        crashtest_stack();
    proc_init(bi->initfs_base, bi->initfs_size);
    sched_init();
    proc_start_init("bin/init");
    if (conring_start())
        log_printf("console: interrupt-driven, through a %u KiB ring", CONRING_SIZE / 1024);
    else
        log_printf("console: polled (no transmit interrupt)");
    log_printf("warp: kernel up, %lu pages free; running user space", pmm_free_pages());
    kstat_start();
    sched_idle_loop();
}
