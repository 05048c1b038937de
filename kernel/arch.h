/* arch.h: the contract between the portable kernel and its architecture port (kernel/arch/<arch>/). */
#pragma once

#include <warp/types.h>
#include <arch_defs.h> /* the port's types and constants: struct arch_cpu, arch_thread, arch_vm */

/*
 * Everything the portable kernel may ask of the hardware is declared here; the port implements it
 * (kernel/arch/x64/ for x86-64; tests/unit/karch/ is a host port for unit tests). The port in turn
 * calls into the portable kernel only through these entry points: kernel_main (boot.h) once the
 * console and clock work; syscall_dispatch (syscall.h) per system call; sched_tick (sched.h) per
 * timer interrupt; irq_dispatch (irq.h) per device interrupt; vm_fault (vm.h) first for a page
 * fault on user memory, from user mode or a user copy, and proc_fault (proc.h) for a user-mode
 * exception it did not resolve; proc_user_return (proc.h) before every return to user mode; proc_thread_started
 * (proc.h) when a new thread first runs; kernel_lock/kernel_unlock (lock.h) around each entry;
 * conring_peek/conring_consume (conring.h) to drain the console ring, and conring_sync before a
 * fatal report of its own.
 */

struct boot_info;
struct cpu;
struct cpu_regs;
struct cpu_fpu;
struct clock_page;

/* --- console, time and randomness --- */
/* Write bytes to the console, polled: returns once the device has taken them (boot, panics). */
void arch_console_write(const char *s, size_t len);
/* Route and enable the console's transmit interrupt, which drains the console ring (conring.h); false
 * if there is none (no device, no route): the console then stays polled. */
bool arch_console_irq_start(void);
/* The console ring just went from empty to holding bytes: start the transmitter if it is idle. */
void arch_console_kick(void);
uint64_t arch_time_ns(void);              /* monotonic nanoseconds since boot */
static inline uint64_t arch_cycles(void); /* raw cycle counter (scheduling, jitter) */
uint64_t arch_cycles_per_ms(void);        /* the cycle counter's rate */
/* How user mode can read arch_time_ns itself (warp/abi.h, struct clock_page); source
 * CLOCK_SOURCE_NONE if it cannot. */
void arch_clock_describe(struct clock_page *out);
/* One 64-bit value from the CPU's hardware random source; false if it has none (or it keeps failing). */
bool arch_random_hw(uint64_t *out);

/* --- boot-time setup, in this order, called by kernel_main --- */
void arch_mm_init(const struct boot_info *bi);  /* kernel page tables (needs the page allocator) */
void arch_cpu_init(void);                       /* descriptor tables, per-CPU data, syscall entry */
void arch_irq_init(const struct boot_info *bi); /* firmware tables, interrupt controllers, timer */

/* --- the CPU --- */
static inline struct cpu *arch_cpu_self(void); /* the running CPU's struct cpu */
static inline void arch_cpu_relax(void);       /* hint that we are spinning */
void arch_idle(void);                          /* enable interrupts, wait for one, disable them again */
void arch_irq_window(void);                    /* enable interrupts for an instant: pending ones run */
_Noreturn void arch_halt(void);                /* stop this CPU for good */
_Noreturn void arch_poweroff(int code);        /* power off, reporting code to a hypervisor if it listens */

/* --- kernel memory --- */
static inline void *arch_phys_to_virt(paddr_t pa); /* kernel pointer to RAM (the direct map) */
paddr_t arch_virt_to_phys(const void *va);         /* inverse of arch_phys_to_virt */
/* Copy n bytes between kernel buffers (the hot IPC copies). */
static inline void arch_copy(void *dst, const void *src, size_t n);
/* Top of a new kernel stack of KERNEL_STACK_PAGES pages with an unmapped guard page below it, so
 * an overflow faults instead of corrupting memory; NULL when memory or stack slots are out. */
void *arch_kstack_alloc(void);
void arch_kstack_free(void *top);
/* Uncached kernel mapping of device registers, never unmapped; NULL when the MMIO window is full
 * or memory is out. */
void *arch_mmio_map(paddr_t pa, size_t len);

/* --- user address spaces --- */
#define ARCH_PROT_DEVICE 0x100u /* arch_vm_map: uncached device registers; arch_vm_lookup: accept them */
long arch_vm_create(struct arch_vm *avm);  /* empty user half sharing the kernel half; ERR_NO_MEMORY */
void arch_vm_destroy(struct arch_vm *avm); /* free the page tables and port grants (not the mapped pages) */
/* Map one user page; ERR_NO_MEMORY (page tables). A prot without PROT_READ (PROT_NONE) makes an
 * entry that allows no access at all, from user mode or through a user copy, but keeps the frame
 * (arch_vm_frame, arch_vm_unmap see it). */
long arch_vm_map(struct arch_vm *avm, uaddr_t va, paddr_t pa, unsigned prot);
/* Page-table pages avm holds, its root included: they only grow, until arch_vm_destroy frees them all
 * (vm.c charges them to the space's owner). */
uint64_t arch_vm_tables(const struct arch_vm *avm);
/* Page-table pages that mapping every page of [va, va + npages pages) would add to avm now: exact,
 * so that vm.c can charge them before it maps. */
uint64_t arch_vm_tables_needed(const struct arch_vm *avm, uaddr_t va, uint64_t npages);
paddr_t arch_vm_unmap(struct arch_vm *avm, uaddr_t va); /* unmap one page; its frame, or 0 */
/* The frame va's entry holds, whatever access it allows (PROT_NONE included), else 0. */
paddr_t arch_vm_frame(const struct arch_vm *avm, uaddr_t va);
/* The frame behind a user page mapped with all of `prot`, else 0. Device mappings count only when
 * prot has ARCH_PROT_DEVICE: the kernel never copies through them (they may not be RAM). */
paddr_t arch_vm_lookup(const struct arch_vm *avm, uaddr_t va, unsigned prot);
void arch_vm_activate(const struct arch_vm *avm); /* switch this CPU to it (NULL: kernel only) */
/* Copy n bytes from or to the active address space's user half: false if a page there is missing
 * or refuses the access (bytes before it may have moved). The caller checks the range is user. */
bool arch_copy_from_user(void *dst, uaddr_t src, size_t n);
bool arch_copy_to_user(uaddr_t dst, const void *src, size_t n);

/* --- devices --- */
/* PCI configuration space of bus:slot.fn; width 1, 2 or 4 at an offset aligned to it. */
uint32_t arch_pci_read(uint8_t bus, uint8_t slot, uint8_t fn, uint16_t off, uint8_t width);
void arch_pci_write(uint8_t bus, uint8_t slot, uint8_t fn, uint16_t off, uint8_t width, uint32_t v);
/* The address/data pair an MSI or MSI-X entry needs to raise `vector` on the boot CPU. */
void arch_msi_message(uint32_t vector, uint64_t *address, uint32_t *data);
/* Route a legacy ISA/PCI interrupt line to vector through the I/O APIC, masked; ERR_NOT_FOUND. */
long arch_intx_route(uint8_t line, uint32_t vector, uint32_t *gsi_out);
void arch_intx_mask(uint32_t gsi, bool masked);
void arch_irq_eoi(void); /* acknowledge the interrupt being handled */
/* Let the address space's process use ports [port, port+count); ERR_INVALID_ARG, ERR_NO_MEMORY. */
long arch_io_grant(struct arch_vm *avm, uint32_t port, uint32_t count);

/* --- threads --- */
/* Prepare a thread (its kstack_top set) so that its first switch enters user mode at entry with
 * the stack pointer at stack and a0..a2 in the first argument registers. */
void arch_thread_init_user(struct arch_thread *t, uaddr_t entry, uaddr_t stack, uint64_t a0, uint64_t a1,
                           uint64_t a2);
/* The user registers of a thread that entered the kernel from user mode (a system call or an
 * exception) and waits there, or of one that has not run yet; the thread must not be running. */
void arch_thread_get_regs(const struct arch_thread *t, struct cpu_regs *out);
/* Set them (same condition), for its return to user mode; ERR_INVALID_ARG for a pc, sp or TLS
 * base outside the user half. Flags the user may not set keep their fixed values. */
long arch_thread_set_regs(struct arch_thread *t, const struct cpu_regs *in);
/* The FPU state of a thread that is not running (same condition as the registers). */
void arch_thread_get_fpu(const struct arch_thread *t, struct cpu_fpu *out);
/* Set it, for its next run; ERR_INVALID_ARG for a state the CPU would refuse to load (on x86-64 an
 * MXCSR with bits outside its mask), leaving t's unchanged. */
long arch_thread_set_fpu(struct arch_thread *t, const struct cpu_fpu *in);
/* Switch from prev to next (registers, kernel stack, FPU, address space next_vm; NULL: kernel
 * only); returns when prev runs again. Kernel lock held, interrupts off. */
void arch_thread_switch(struct arch_thread *prev, struct arch_thread *next, const struct arch_vm *next_vm);

/* --- faults --- */
/* A CPU exception in user mode, as the port decodes it for proc_fault. */
struct fault_info {
    uint32_t kind;    /* enum fault_kind (warp/abi.h) */
    uint32_t code;    /* the port's number for it (x86-64: the exception vector) */
    const char *name; /* e.g. "page fault (#PF)" */
    uint64_t pc;      /* the faulting instruction */
    uint64_t addr;    /* the address a memory fault was about, else 0 */
    uint64_t detail;  /* the port's extra word (x86-64: the error code) */
    bool write;       /* a memory fault on a write (else a read or an instruction fetch) */
};

/* --- diagnostics --- */
void arch_backtrace_here(void);  /* print a symbolized backtrace of the caller */
void *arch_boot_stack_top(void); /* top of the stack kernel_main runs on (the idle thread keeps it) */

#include <arch_inline.h> /* the port's definitions of the static inline functions above */
