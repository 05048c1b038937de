/* karch.h: what the host port of the kernel offers the tests: simulated RAM and time, fault injection, the log. */
#pragma once

#include <warp/types.h>

#define HOST_RAM_PAGES 4096 /* 16 MiB of simulated physical memory */

/* --- allocation and fault injection (host_mm.c) --- */
/* Every kernel allocation (kmalloc, kzalloc, pmm_alloc, pmm_alloc_raw, a kernel stack, an MMIO
 * mapping) counts one; the one whose number equals karch_fail_at fails (0: none does). */
extern long karch_alloc_count;
extern long karch_fail_at;
/* True when the allocation being made is the one to fail (counts it). */
bool karch_alloc_fails(void);
/* kmalloc blocks not yet freed. */
long karch_live_blocks(void);
/* Give the page allocator all of simulated RAM again (page 0 stays reserved: 0 means "no frame"). */
void karch_mm_reset(void);

/* --- time (host_misc.c) --- */
extern uint64_t karch_now_ns; /* arch_time_ns(); tests move it forward */

/* --- preemption points (host_misc.c) --- */
/* arch_irq_window calls so far, and a hook each calls (with that count) where the hardware would
 * take pending interrupts: a test may kill a process there, as another CPU or an interrupt could. */
extern long karch_irq_windows;
extern void (*karch_irq_window_hook)(long n);

/* --- the console UART (host_misc.c): it sends what the console ring (conring.h) holds at once,
 * when kicked and at every preemption point, unless stalled: then the ring fills up. --- */
extern bool karch_console_stalled;
void karch_console_drain(void); /* send what the ring holds now (nothing while stalled) */

/* --- the kernel log (host_misc.c) --- */
/* True when the log (since karch_log_clear) holds text. */
bool karch_log_has(const char *text);
void karch_log_clear(void);
/* The log so far, for a failing test to print. */
const char *karch_log(void);

/* --- the one simulated PCI function (host_pci.c) --- */
#define KARCH_PCI_SLOT 3       /* 00:03.0, a virtio-net-like function with MSI-X */
#define KARCH_BAR0 0xfe000000u /* its memory BAR, 16 KiB, the MSI-X table at offset 0 */
#define KARCH_MSIX_ENTRIES 4
