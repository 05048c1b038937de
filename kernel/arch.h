/* arch.h: the contract between the portable kernel and its architecture port (kernel/arch/<arch>/). */
#pragma once

#include <warp/types.h>
#include <arch_defs.h> /* from the selected arch directory: struct arch_cpu, struct arch_thread, constants */

struct boot_info;
struct thread;
struct exit_info;

/* --- console and time --- */
void arch_console_write(const char *s, size_t len); /* write bytes to the boot console */
uint64_t arch_time_ns(void);                        /* monotonic nanoseconds since boot */
uint64_t arch_cycles(void);                         /* raw cycle counter, for benchmarks */
/* One 64-bit value from the CPU's hardware random source; false if it has none (or it keeps failing). */
bool arch_random_hw(uint64_t *out);

/* --- boot-time setup, in this order, called by kernel_main --- */
void arch_mm_init(const struct boot_info *bi); /* kernel page tables (needs the page allocator) */
void arch_cpu_init(void);                      /* descriptor tables, per-CPU data, syscall entry */
void arch_irq_init(const struct boot_info *bi); /* firmware tables, interrupt controllers, timer */

/* --- per-CPU data and interrupts --- */
/* arch_cpu_self(): the running CPU's struct cpu; inline in arch_defs.h. */
void arch_idle(void);            /* enable interrupts, wait for one, disable them again */
_Noreturn void arch_halt(void);  /* stop this CPU for good */
_Noreturn void arch_poweroff(int code); /* power the machine off, reporting code to a hypervisor if it listens */

/* --- physical memory --- */
/* arch_phys_to_virt(pa): kernel pointer to a physical address (direct map); inline in arch_defs.h. */
paddr_t arch_virt_to_phys(const void *va); /* inverse of arch_phys_to_virt, for direct-map pointers */

/* --- user address spaces (page-table roots are physical addresses) --- */
long arch_vm_create(paddr_t *root_out);  /* new root sharing the kernel half; ERR_NO_MEMORY */
void arch_vm_destroy(paddr_t root);      /* free the page tables (not the mapped pages) */
long arch_vm_map(paddr_t root, uaddr_t va, paddr_t pa, unsigned prot); /* map one user page; ERR_NO_MEMORY */
paddr_t arch_vm_unmap(paddr_t root, uaddr_t va); /* unmap one page, returns its frame or 0 */
/* Frame behind a user page if mapped user-accessible with all of `prot`, else 0. */
paddr_t arch_vm_lookup(paddr_t root, uaddr_t va, unsigned prot);
/* Copy n bytes where one side lies in the active address space's user half: false if a page there
 * is missing or refuses the access (bytes before it may have moved). The caller checks the range. */
bool arch_user_copy(void *dst, const void *src, size_t n);
void arch_vm_activate(paddr_t root);     /* switch this CPU to the address space */
paddr_t arch_vm_kernel_root(void);       /* the kernel-only address space */

/* --- devices --- */
/* PCI configuration space of bus:slot.fn; width 1, 2 or 4 at an offset aligned to it. */
uint32_t arch_pci_read(uint8_t bus, uint8_t slot, uint8_t fn, uint16_t off, uint8_t width);
void arch_pci_write(uint8_t bus, uint8_t slot, uint8_t fn, uint16_t off, uint8_t width, uint32_t v);
void *arch_mmio_map(paddr_t pa, size_t len);      /* uncached kernel mapping of device registers */
#define ARCH_PROT_DEVICE 0x100u                    /* arch_vm_map: uncached (device registers) */
/* The address/data pair an MSI or MSI-X entry needs to raise `vector` on the boot CPU. */
void arch_msi_message(uint32_t vector, uint64_t *address, uint32_t *data);
/* Route a legacy ISA/PCI interrupt line to vector through the I/O APIC, masked; ERR_NOT_FOUND. */
long arch_intx_route(uint8_t line, uint32_t vector, uint32_t *gsi_out);
void arch_intx_mask(uint32_t gsi, bool masked);
void arch_irq_eoi(void);                          /* acknowledge the interrupt being handled */
/* Let the address space's process use ports [port, port+count); ERR_NO_MEMORY. */
long arch_io_grant(struct arch_vm *avm, uint32_t port, uint32_t count);
void arch_io_release(struct arch_vm *avm);        /* forget every port grant (process exit) */

/* --- threads --- */
/* Prepare a new thread so that its first switch enters user mode at entry with rsp = stack. */
void arch_thread_init_user(struct thread *t, uaddr_t entry, uaddr_t stack, uint64_t a0, uint64_t a1,
                           uint64_t a2);
/* Switch from prev to next (kernel stacks and address space); returns when prev runs again. */
void arch_thread_switch(struct thread *prev, struct thread *next);

/* --- diagnostics --- */
void arch_backtrace_here(void); /* print a symbolized backtrace of the caller */
void *arch_boot_stack_top(void);  /* top of the stack kernel_main runs on (the idle thread keeps it) */
