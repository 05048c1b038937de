/* sched.h: threads, the round-robin run queue, and blocking waits with deadlines. */
#pragma once

#include <arch.h>
#include <ktimer.h>
#include <warp/types.h>

struct proc;
struct quota;
struct vm_space;

enum thread_state {
    THREAD_RUNNABLE = 1, /* on the run queue or running */
    THREAD_BLOCKED,      /* in sched_wait */
    THREAD_DEAD,         /* exited; its stack is freed after the next switch */
};

struct thread {
    struct arch_thread arch; /* saved registers and kernel stack */
    struct proc *proc;       /* owner; NULL for idle threads */
    struct vm_space *vm;     /* the address space it runs in; NULL for the kernel's own */
    struct quota *quota;     /* charged for its kernel stack (LIMIT_PAGES); referenced; NULL: nobody */
    enum thread_state state;
    struct thread *next;      /* run-queue link */
    struct waitq *waitq;      /* what it sleeps on in sched_wait, or NULL */
    struct thread *wait_next; /* link in that waitq */
    struct ktimer timeout;    /* sched_wait's deadline */
    bool timed_out;           /* the deadline woke it */
    bool interrupted;         /* its process is ending: every wait returns ERR_INTERRUPTED at once */
    uint64_t vruntime;        /* virtual runtime: the cycles it has used, over its weight (sched.c) */
    uint32_t weight;          /* its share of the CPU against others' (1..SPAWN_WEIGHT_MAX) */
    uint64_t run_start;       /* arch_cycles() when it last got the CPU */
    uint64_t sys_nr;          /* the system call it is in, 0 if none (timed by kstat.h) */
    uint64_t sys_since;       /* arch_cycles() when that call's current stretch on the CPU began */
};

/* Threads blocked until something happens (an event, a process exit). */
struct waitq {
    struct thread *head;
};

/* A thread of process p running in vm, with a fresh kernel stack charged to quota as
 * KERNEL_STACK_PAGES pages (NULL: to nobody), not yet runnable; NULL when memory is out or the
 * quota is over. The caller sets up its first entry (arch_thread_init_user). */
struct thread *thread_create(struct proc *p, struct vm_space *vm, struct quota *quota);
/* Free a thread that never ran (a failed spawn), and its stack's charge; the scheduler frees the
 * ones that exit. */
void thread_free(struct thread *t);

void sched_init(void);            /* make the boot context this CPU's idle thread */
void sched_add(struct thread *t); /* make a thread runnable */
void sched_preempt(void);
/* On the way back to user mode after wake-ups: ask for preemption if a woken thread should run first. */
void sched_check_wakeups(void); /* give up the CPU as the tick or a wake-up asked; returns when picked */
void sched_yield_cpu(void);     /* SYS_YIELD: let every runnable thread run first */
/* A long kernel operation's preemption point (between chunks of its work): lets pending interrupts
 * in, gives the CPU away if the tick or a wake-up asked, and returns ERR_INTERRUPTED if the caller's
 * process is being killed (the caller then undoes its work and returns that), else 0. Pre: kernel
 * lock held, interrupts off, and nothing half done that another thread could see. */
long sched_preempt_point(void);
void sched_wake(struct thread *t); /* a blocked thread becomes runnable */
/* t's process is ending: wake t if it waits, and make every later wait of it end at once. */
void sched_interrupt(struct thread *t);
_Noreturn void sched_exit(void);      /* current thread is dead; switch away for good */
void sched_thread_started(void);      /* a new thread's first run: finish the switch to it */
void sched_tick(void);                /* timer interrupt: expire deadlines, ask for preemption */
_Noreturn void sched_idle_loop(void); /* the idle thread's body */
/* Block the current thread on wq until woken or the clock reaches deadline (DEADLINE_FOREVER:
 * never): 0 woken, ERR_TIMED_OUT, or ERR_INTERRUPTED when its process is being killed. */
long sched_wait(struct waitq *wq, uint64_t deadline);
void waitq_wake_all(struct waitq *wq); /* make every thread on wq runnable */
