/* backtrace.c: frame-pointer backtraces, symbolized with the kernel's embedded symbol table. */
#include <arch.h>
#include <ksyms.h>
#include <log.h>
#include "x64.h"

#define MAX_FRAMES 32

/* True when a frame pointer can be read without faulting: aligned, inside the boot stack or a
 * mapped page of the kernel stack window (thread and exception stacks live there). */
static bool frame_ok(uint64_t rbp)
{
    if (rbp & 7)
        return false;
    bool in_boot = rbp >= (uint64_t)boot_stack_bottom && rbp + 16 <= (uint64_t)boot_stack_top;
    return in_boot || (kstack_mapped(rbp) && kstack_mapped(rbp + 15));
}

/* Print one frame as "#n 0xaddr symbol+0xoff". */
static void print_frame(int n, uint64_t addr)
{
    uint64_t off;
    const char *name = ksym_lookup(addr, &off);
    if (name)
        log_raw("  #%-2d %016lx %s+%#lx\n", n, addr, name, off);
    else
        log_raw("  #%-2d %016lx ?\n", n, addr);
}

/* The kernel keeps frame pointers, so saved rbp links chain the frames; each is checked readable
 * first, as a panic may come from a corrupted stack. */
void backtrace_from(uint64_t rbp, uint64_t rip)
{
    log_raw("backtrace:\n");
    print_frame(0, rip);
    for (int n = 1; n < MAX_FRAMES && rbp && frame_ok(rbp); n++) {
        const uint64_t *frame = (const uint64_t *)rbp;
        if (!frame[1])
            break;
        /* Return addresses point after the call; step back one byte to name the caller's line. */
        print_frame(n, frame[1] - 1);
        rbp = frame[0];
    }
}

/* Starts at our own frame: the first line names this function, the next its caller. */
void arch_backtrace_here(void)
{
    backtrace_from((uint64_t)__builtin_frame_address(0), (uint64_t)arch_backtrace_here);
}
