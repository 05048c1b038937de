/* proc.h: processes and threads. */
#pragma once

#include <arch.h>
#include <cpu.h>
#include <handle.h>
#include <object.h>
#include <sched.h>
#include <vm.h>
#include <warp/abi.h>

#define MAX_PROCS 128

enum thread_state {
    THREAD_RUNNABLE = 1, /* on the run queue or running */
    THREAD_BLOCKED,      /* in sched_wait */
    THREAD_DEAD,         /* exited; its stack is freed after the next switch */
};

struct thread {
    struct arch_thread arch;   /* saved registers and kernel stack */
    struct proc *proc;         /* owner; NULL for idle threads */
    enum thread_state state;
    paddr_t kstack;            /* physical base of the kernel stack (KERNEL_STACK_PAGES pages) */
    struct thread *next;       /* run-queue link */
    struct waitq *waitq;       /* what it sleeps on in sched_wait, or NULL */
    struct thread *wait_next;  /* link in that waitq */
    uint64_t deadline;         /* when sched_wait gives up (DEADLINE_FOREVER: never) */
    struct thread *sleep_next; /* link in the list of sleepers with a deadline */
    bool timed_out;
};

enum proc_state {
    PROC_LIVE = 1, /* running */
    PROC_DEAD,     /* ended; the record stays while handles name it */
};

struct proc {
    struct kobj obj;           /* OBJ_PROCESS; a live process holds a reference to itself */
    long pid;
    char name[SPAWN_NAME_MAX + 1];
    enum proc_state state;
    struct thread *thread;     /* the one thread (more per process later) */
    struct vm_space vm;
    struct handle_table handles;
    bool has_initfs;           /* the initfs is mapped in; it may pass it on */
    bool killed;               /* end at the next return to user mode */
    struct exit_info exit;     /* valid when PROC_DEAD */
    bool exit_reported;        /* EV_PROC_EXIT delivered */
    struct waitq exit_waiters; /* threads in SYS_WAIT on it */
    struct eq_link link;       /* as an event source */
};

void proc_init(paddr_t initfs_base, uint64_t initfs_size);
/* Create the first process from the initfs file at path. */
void proc_start_init(const char *path);
/* Create a process from an ELF image in kernel memory, moving handles[0..n) of the current process
 * into it (validated by the caller); the new process with one reference for the caller, or ERR_*. */
long proc_spawn(const char *name, const void *image, uint64_t len, uint64_t arg, bool share_initfs,
                const handle_t *handles, uint32_t nhandles, struct proc **out);
void proc_destroy(struct proc *p);  /* last reference gone */
/* End the current process with the given exit record; never returns. */
_Noreturn void proc_exit(const struct exit_info *info);
/* The current process took a CPU exception in user mode. */
_Noreturn void proc_fault(uint32_t vector, uint64_t error_code, uint64_t rip, uint64_t addr);
/* Block until p has ended, then copy its record. */
long proc_wait(struct proc *p, struct exit_info *out);
void proc_kill(struct proc *p);
/* Event-queue side: report the exit once; 1 produced, 0 none. */
long proc_take_event(struct proc *p, struct warp_event *ev, bool *more);
uint64_t proc_count(void);
/* The current process. */
static inline struct proc *proc_current(void) { return current_thread()->proc; }
/* Called on every return to user mode: act on a pending kill or reschedule. */
void proc_user_return_slow(void);
static inline void proc_user_return(void) {
    if (proc_current()->killed || cpu_self()->need_resched)
        proc_user_return_slow();
}
