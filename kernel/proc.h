/* proc.h: processes and threads. */
#pragma once

#include <arch.h>
#include <vm.h>
#include <warp/abi.h>

#define MAX_PROCS 128

enum thread_state {
    THREAD_RUNNABLE = 1, /* on the run queue or running */
    THREAD_BLOCKED,      /* waiting; see wait_pid */
    THREAD_DEAD,         /* exited; its stack is freed after the next switch */
};

struct thread {
    struct arch_thread arch;  /* saved registers and kernel stack */
    struct proc *proc;        /* owner; NULL for idle threads */
    enum thread_state state;
    paddr_t kstack;           /* physical base of the kernel stack (KERNEL_STACK_PAGES pages) */
    struct thread *next;      /* run-queue link */
};

enum proc_state {
    PROC_LIVE = 1, /* has a thread */
    PROC_ZOMBIE,   /* ended; exit info kept until the parent waits */
};

struct proc {
    long pid;
    char name[SPAWN_NAME_MAX + 1];
    enum proc_state state;
    struct proc *parent;      /* NULL once orphaned */
    struct thread *thread;    /* the one thread (more per process later) */
    struct vm_space vm;
    bool has_initfs;          /* the initfs is mapped in; it may pass it on */
    bool killed;              /* end at the next return to user mode */
    long waiting_for;         /* pid its thread blocks on in SYS_WAIT, 0 if none */
    struct exit_info exit;    /* valid when PROC_ZOMBIE */
};

void proc_init(paddr_t initfs_base, uint64_t initfs_size);
/* Create the first process from the initfs file at path. */
void proc_start_init(const char *path);
/* Create a process from an ELF image in kernel memory; pid or ERR_*. */
long proc_spawn(struct proc *parent, const char *name, const void *image, uint64_t len,
                uint64_t arg, bool share_initfs);
/* End the current process with the given exit record; never returns. */
_Noreturn void proc_exit(const struct exit_info *info);
/* The current process took a CPU exception in user mode. */
_Noreturn void proc_fault(uint32_t vector, uint64_t error_code, uint64_t rip, uint64_t addr);
/* Wait for child pid of the current process; copies its record to out. */
long proc_wait(long pid, struct exit_info *out);
/* Mark child pid of the current process killed. */
long proc_kill(long pid);
/* Called on every return to user mode: act on a pending kill or reschedule. */
void proc_user_return(void);
uint64_t proc_count(void);
/* The current process. */
struct proc *proc_current(void);
