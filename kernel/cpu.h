/* cpu.h: per-CPU state. */
#pragma once

#include <arch.h>

struct thread;
struct vm_space;

struct cpu {
    struct arch_cpu arch;   /* must be first: the arch entry code addresses it through GS */
    struct thread *current; /* the thread running on this CPU */
    struct vm_space *vm;    /* its address space (NULL: the kernel's only), for user-memory checks */
    struct thread *idle;    /* runs when nothing else can */
    struct thread *reap;    /* a thread that exited; its stack is freed after the next switch */
    bool need_resched;      /* set by the timer; honoured before returning to user mode */
    bool woke;              /* a thread was woken since current got the CPU: on the way back to user
                               mode, check whether it should run first (sched_check_wakeups) */
    uint64_t woke_vruntime; /* the least virtual runtime among those woken */
    uint32_t id;            /* index in cpus[] */
};

#define MAX_CPUS 16
extern struct cpu cpus[MAX_CPUS];

/* The running CPU. */
static inline struct cpu *cpu_self(void)
{
    return arch_cpu_self();
}
/* The thread running on this CPU. */
static inline struct thread *current_thread(void)
{
    return cpu_self()->current;
}
