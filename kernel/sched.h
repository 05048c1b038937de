/* sched.h: the round-robin scheduler. */
#pragma once

#include <warp/types.h>

struct thread;

/* Threads blocked until something happens (an event, a process exit). */
struct waitq {
    struct thread *head;
};

void sched_init(void);                /* make the boot context this CPU's idle thread */
void sched_add(struct thread *t);     /* make a thread runnable */
void sched_yield(void);               /* give up the CPU; returns when scheduled again */
void sched_block(void);               /* current thread sleeps until sched_wake */
void sched_wake(struct thread *t);    /* a blocked thread becomes runnable */
_Noreturn void sched_exit(void);      /* current thread is dead; switch away for good */
void sched_tick(void);                /* timer interrupt: ask for preemption if others wait */
_Noreturn void sched_idle_loop(void); /* the idle thread's body */
/* Block the current thread on wq until woken or the clock reaches deadline; 0 or ERR_TIMED_OUT. */
long sched_wait(struct waitq *wq, uint64_t deadline);
void waitq_wake_all(struct waitq *wq); /* make every thread on wq runnable */
