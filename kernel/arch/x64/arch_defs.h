/* arch_defs.h: the x86-64 types and constants the portable kernel sees through arch.h. */
#pragma once

#include <warp/types.h>

#define KERNEL_STACK_PAGES 4 /* 16 KiB per thread, plus an unmapped guard page */

/* Per-CPU state used by the entry code; must stay the first member of struct cpu (GS points at it). */
struct arch_cpu {
    struct arch_cpu *self; /* %gs:0, so C can find its struct cpu with one load */
    uint64_t user_rsp;     /* %gs:8, scratch for the syscall entry */
    uint64_t kernel_rsp;   /* %gs:16, top of the running thread's kernel stack */
    struct tss *tss;       /* this CPU's task-state segment */
    uint32_t apic_id;      /* local APIC id */
    bool io_granted;       /* the TSS holds a process's port grants (not the deny-all default) */
};

/* Saved state of a thread that is not running. */
struct arch_thread {
    uint64_t rsp;                                  /* kernel stack pointer saved by the context switch */
    uint64_t kstack_top;                           /* highest address of the kernel stack */
    uint64_t fs_base;                              /* the user's FS base (TLS), loaded by the switch */
    uint8_t fpu[512] __attribute__((aligned(16))); /* x87/SSE state (fxsave image), switched eagerly */
};

/* A user address space as the port sees it. */
struct arch_vm {
    paddr_t root;       /* the PML4 */
    uint64_t tables;    /* page-table pages under and including root (arch_vm_tables) */
    uint8_t *io_bitmap; /* IO_BITMAP_BYTES, bit set = port denied, as the TSS wants it; NULL: no ports */
};
#define IO_BITMAP_BYTES 8192
