/* sched.h: the round-robin scheduler. */
#pragma once

struct thread;

void sched_init(void);                /* make the boot context this CPU's idle thread */
void sched_add(struct thread *t);     /* make a thread runnable */
void sched_yield(void);               /* give up the CPU; returns when scheduled again */
void sched_block(void);               /* current thread sleeps until sched_wake */
void sched_wake(struct thread *t);    /* a blocked thread becomes runnable */
_Noreturn void sched_exit(void);      /* current thread is dead; switch away for good */
void sched_tick(void);                /* timer interrupt: ask for preemption if others wait */
_Noreturn void sched_idle_loop(void); /* the idle thread's body */
