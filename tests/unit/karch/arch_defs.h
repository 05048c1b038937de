/* arch_defs.h: the host port's types for arch.h: the portable kernel built as a host program. */
#pragma once

#include <ucontext.h>
#include <warp/abi.h>
#include <warp/types.h>

#define KERNEL_STACK_PAGES 4          /* as on x86-64; the host stack itself is larger (below) */
#define HOST_KSTACK_SIZE (256u << 10) /* a kernel thread's host stack: ASan needs room */

struct arch_cpu {
    int unused;
};

/* A kernel thread is a ucontext on a stack of its own (tests/unit/karch/host_thread.c). */
struct arch_thread {
    ucontext_t ctx;
    uint64_t kstack_top;  /* top of its host stack (arch_kstack_alloc), 0 for the test's own thread */
    void *fake_stack;     /* ASan's bookkeeping across stack switches */
    struct cpu_regs regs; /* the user registers a supervisor reads and sets; nothing runs them */
    uint8_t fpu[512];     /* its FPU image, likewise */
};

/* A simulated address space: a 4-level table in simulated RAM (host_vm.c). */
struct arch_vm {
    paddr_t root;
    uint64_t tables;    /* table pages under and including root (arch_vm_tables) */
    uint8_t *io_bitmap; /* port grants, kept but never enforced on the host */
};
#define IO_BITMAP_BYTES 8192
