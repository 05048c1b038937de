/* sched.c: a round-robin run queue per kernel, preemption by the timer tick, an idle thread per CPU. */
#include <cpu.h>
#include <lock.h>
#include <log.h>
#include <mm.h>
#include <proc.h>
#include <random.h>
#include <sched.h>
#include <timer.h>
#include <warp/error.h>
#include <warp/ipc.h>

static struct thread *runq_head, *runq_tail; /* runnable threads not running; protected by the kernel lock */
static struct thread boot_idle;
static struct thread *sleepers; /* threads in sched_wait with a finite deadline */

/* Append to the run queue. */
static void runq_push(struct thread *t) {
    t->next = NULL;
    if (runq_tail)
        runq_tail->next = t;
    else
        runq_head = t;
    runq_tail = t;
}

/* Take the first runnable thread, or NULL. */
static struct thread *runq_pop(void) {
    struct thread *t = runq_head;
    if (t && !(runq_head = t->next))
        runq_tail = NULL;
    return t;
}

void sched_init(void) {
    struct cpu *c = cpu_self();
    boot_idle.state = THREAD_RUNNABLE;
    boot_idle.arch.kstack_top = (uint64_t)arch_boot_stack_top();
    c->idle = c->current = &boot_idle;
}

void sched_add(struct thread *t) {
    t->state = THREAD_RUNNABLE;
    runq_push(t);
}

/* Free the stack of a thread that exited; runs on the next thread's stack, right after the switch. */
static void sched_reap(struct cpu *c) {
    struct thread *dead = c->reap;
    if (!dead)
        return;
    c->reap = NULL;
    pmm_free(dead->kstack, KERNEL_STACK_PAGES);
    kfree(dead);
}

/* Switch to the next runnable thread (or idle). Precondition: kernel lock held, interrupts off. */
static void sched_switch(void) {
    struct cpu *c = cpu_self();
    struct thread *prev = c->current, *next = runq_pop();
    if (!next)
        next = c->idle;
    c->need_resched = false;
    if (next == prev)
        return;
    c->current = next;
    arch_thread_switch(prev, next);
    sched_reap(cpu_self());
}

/* First code a new thread runs after its first switch; it then leaves for user mode, so unlock. */
void sched_thread_started(void) {
    sched_reap(cpu_self());
    kernel_unlock();
}

void sched_yield(void) {
    struct thread *t = current_thread();
    if (t != cpu_self()->idle)
        runq_push(t);
    sched_switch();
}

void sched_block(void) {
    current_thread()->state = THREAD_BLOCKED;
    sched_switch();
}

void sched_wake(struct thread *t) {
    if (t->state == THREAD_BLOCKED)
        sched_add(t);
}

_Noreturn void sched_exit(void) {
    struct cpu *c = cpu_self();
    c->current->state = THREAD_DEAD;
    c->reap = c->current;
    sched_switch();
    PANIC("a dead thread was scheduled");
}

/* Remove t from a waitq list (wait_next links) or the sleeper list (sleep_next links). */
static void list_remove(struct thread **head, struct thread *t, bool sleep_list) {
    for (struct thread **pp = head; *pp; pp = sleep_list ? &(*pp)->sleep_next : &(*pp)->wait_next)
        if (*pp == t) {
            *pp = sleep_list ? t->sleep_next : t->wait_next;
            return;
        }
}

long sched_wait(struct waitq *wq, uint64_t deadline) {
    struct thread *t = current_thread();
    t->waitq = wq;
    t->wait_next = wq->head;
    wq->head = t;
    t->deadline = deadline;
    t->timed_out = false;
    if (deadline != DEADLINE_FOREVER) {
        t->sleep_next = sleepers;
        sleepers = t;
    }
    sched_block();
    /* Woken by waitq_wake_all, a deadline, or a kill: leave whichever lists still hold us. */
    if (t->waitq)
        list_remove(&t->waitq->head, t, false);
    t->waitq = NULL;
    if (t->deadline != DEADLINE_FOREVER)
        list_remove(&sleepers, t, true);
    return t->timed_out ? ERR_TIMED_OUT : 0;
}

void waitq_wake_all(struct waitq *wq) {
    while (wq->head) {
        struct thread *t = wq->head;
        wq->head = t->wait_next;
        t->waitq = NULL;
        sched_wake(t);
    }
}

/* Wake sleepers whose deadline has passed. */
static void sched_wake_expired(void) {
    uint64_t now = arch_time_ns();
    for (struct thread **pp = &sleepers; *pp;) {
        struct thread *t = *pp;
        if (t->deadline <= now) {
            *pp = t->sleep_next;
            t->deadline = DEADLINE_FOREVER; /* sched_wait must not look for it again */
            t->timed_out = true;
            sched_wake(t);
        } else {
            pp = &t->sleep_next;
        }
    }
}

void sched_tick(void) {
    random_mix(arch_cycles());
    timer_poll();
    sched_wake_expired();
    if (runq_head)
        cpu_self()->need_resched = true;
}

_Noreturn void sched_idle_loop(void) {
    for (;;) {
        if (runq_head) {
            sched_switch();
            continue;
        }
        kernel_unlock();
        arch_idle();
        kernel_lock();
    }
}
