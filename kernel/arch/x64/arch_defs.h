/* arch_defs.h: x86-64 definitions the portable kernel sees through arch.h. */
#pragma once

#include <warp/types.h>

#define KERNEL_STACK_PAGES 4 /* 16 KiB per thread */

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
    uint64_t rsp;         /* kernel stack pointer saved by the context switch */
    uint64_t kstack_top;  /* highest address of the kernel stack */
    uint8_t fpu[512] __attribute__((aligned(16))); /* x87/SSE state (fxsave image), switched eagerly */
};

/* Per-address-space state of the port: the I/O permission bitmap (NULL: no ports at all). */
struct arch_vm {
    uint8_t *io_bitmap; /* IO_BITMAP_BYTES, bit set = port denied, as the TSS wants it */
};
#define IO_BITMAP_BYTES 8192

struct cpu;
/* The running CPU's struct cpu: GS points at it (its first member is struct arch_cpu). */
static inline struct cpu *arch_cpu_self(void) {
    struct cpu *c;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

/* Kernel pointer to a physical address: everything is mapped at the direct-map base. */
static inline void *arch_phys_to_virt(paddr_t pa) { return (void *)(0xffff800000000000ull + pa); }

/* Copy n bytes between kernel-visible buffers with the string instructions (the hot IPC copies). */
static inline void arch_copy(void *dst, const void *src, size_t n) {
    size_t words = n / 8, bytes = n % 8;
    __asm__ volatile("rep movsq\n\tmov %3, %%rcx\n\trep movsb"
                     : "+D"(dst), "+S"(src), "+c"(words)
                     : "r"(bytes)
                     : "memory");
}

/* Hint to the CPU that we are spinning. */
static inline void arch_cpu_relax(void) { __asm__ volatile("pause"); }
