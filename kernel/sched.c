/* sched.c: a round-robin run queue, preemption by the timer tick, blocking waits, an idle thread per CPU. */
#include <cpu.h>
#include <lock.h>
#include <log.h>
#include <mm/mm.h>
#include <random.h>
#include <sched.h>
#include <vm.h>
#include <warp/error.h>
#include <warp/ipc.h>

/*
 * The kernel runs with interrupts off and the kernel lock held, so nothing preempts kernel code: a
 * thread leaves the CPU only in sched_wait, sched_yield or sched_exit, and the timer's preemption
 * waits for the next return to user mode (proc_user_return). Only the idle thread halts with
 * interrupts on.
 */
static struct thread *runq_head, *runq_tail; /* runnable threads not running; protected by the kernel lock */
static struct thread boot_idle;

/* Append to the run queue. */
static void runq_push(struct thread *t)
{
    t->next = NULL;
    if (runq_tail)
        runq_tail->next = t;
    else
        runq_head = t;
    runq_tail = t;
}

/* Take the first runnable thread, or NULL. */
static struct thread *runq_pop(void)
{
    struct thread *t = runq_head;
    if (t && !(runq_head = t->next))
        runq_tail = NULL;
    return t;
}

/* A sleeper's deadline passed (ktimer callback). */
static void wait_timeout(struct ktimer *kt)
{
    struct thread *t = container_of(kt, struct thread, timeout);
    t->timed_out = true;
    sched_wake(t);
}

/* Zeroed: on no wait queue, no flags set; its deadline timer is ready but unarmed. */
struct thread *thread_create(struct proc *p, struct vm_space *vm)
{
    struct thread *t = kzalloc(sizeof(*t));
    if (!t)
        return NULL;
    void *top = arch_kstack_alloc();
    if (!top) {
        kfree(t);
        return NULL;
    }
    t->arch.kstack_top = (uint64_t)top;
    t->proc = p;
    t->vm = vm;
    ktimer_init(&t->timeout, wait_timeout);
    return t;
}

/* Never for a thread that ran: that one is on its own stack until the switch away (sched_reap). */
void thread_free(struct thread *t)
{
    arch_kstack_free((void *)t->arch.kstack_top);
    kfree(t);
}

/* The boot context becomes the idle thread: it keeps the boot stack and ends in sched_idle_loop. */
void sched_init(void)
{
    struct cpu *c = cpu_self();
    boot_idle.state = THREAD_RUNNABLE;
    boot_idle.arch.kstack_top = (uint64_t)arch_boot_stack_top();
    c->idle = c->current = &boot_idle;
}

/* Appended: a thread made runnable runs after those already waiting (round-robin). */
void sched_add(struct thread *t)
{
    t->state = THREAD_RUNNABLE;
    runq_push(t);
}

/* Free the stack of a thread that exited; runs on the next thread's stack, right after the switch. */
static void sched_reap(struct cpu *c)
{
    struct thread *dead = c->reap;
    if (!dead)
        return;
    c->reap = NULL;
    thread_free(dead);
}

/* Switch to the next runnable thread (or idle). Precondition: kernel lock held, interrupts off. */
static void sched_switch(void)
{
    struct cpu *c = cpu_self();
    struct thread *prev = c->current, *next = runq_pop();
    if (!next)
        next = c->idle;
    c->need_resched = false;
    if (next == prev)
        return;
    c->current = next;
    c->vm = next->vm;
    /* Returns only when prev is switched back to; other threads ran meanwhile and may have exited.
     * cpu_self() again below, not c: once more CPUs run, prev may resume on another one. */
    arch_thread_switch(&prev->arch, &next->arch, next->vm ? &next->vm->arch : NULL);
    sched_reap(cpu_self());
}

/* First code a new thread runs after its first switch; it then leaves for user mode, so unlock. */
void sched_thread_started(void)
{
    sched_reap(cpu_self());
    kernel_unlock();
}

/* The idle thread is never queued: it runs exactly when the queue is empty. */
void sched_yield(void)
{
    struct thread *t = current_thread();
    if (t != cpu_self()->idle)
        runq_push(t);
    sched_switch();
}

/* Only a blocked thread moves: a runnable one woken twice would be queued twice. */
void sched_wake(struct thread *t)
{
    if (t->state == THREAD_BLOCKED)
        sched_add(t);
}

/* Sticky: every later sched_wait of t returns at once, so a dying process cannot block again on
 * its way out. */
void sched_interrupt(struct thread *t)
{
    t->interrupted = true;
    sched_wake(t);
}

/* The stack we run on cannot be freed yet: c->reap hands it to the next thread (sched_reap). */
_Noreturn void sched_exit(void)
{
    struct cpu *c = cpu_self();
    c->current->state = THREAD_DEAD;
    c->reap = c->current;
    sched_switch();
    PANIC("a dead thread was scheduled");
}

/* Take t off wq's list if it is still there. */
static void waitq_remove(struct waitq *wq, struct thread *t)
{
    for (struct thread **pp = &wq->head; *pp; pp = &(*pp)->wait_next)
        if (*pp == t) {
            *pp = t->wait_next;
            return;
        }
}

/*
 * Three ways out, any of which may happen before this thread runs again, in any combination:
 *   waitq_wake_all     unlinks t from wq and clears t->waitq
 *   the deadline       wait_timeout sets timed_out; t is still on wq
 *   sched_interrupt    sets interrupted; t is still on wq, its timer maybe still armed
 * So after the switch t leaves whatever still holds it, and the result ranks interrupted over
 * timed out over woken. Callers loop on their own condition, as a wake-up promises nothing. A kill
 * that came while t was running is caught by the check before it sleeps.
 */
long sched_wait(struct waitq *wq, uint64_t deadline)
{
    struct thread *t = current_thread();
    if (t->interrupted)
        return ERR_INTERRUPTED;
    t->waitq = wq;
    t->wait_next = wq->head;
    wq->head = t;
    t->timed_out = false;
    if (deadline != DEADLINE_FOREVER)
        ktimer_arm(&t->timeout, deadline);
    /* Blocked only now, after queueing: sched_wake ignores a runnable thread, so a wake-up in between
     * would be lost. None can come: interrupts are off and the lock is held until the switch. */
    t->state = THREAD_BLOCKED;
    sched_switch();
    /* Woken by waitq_wake_all, the deadline, or an interrupt: leave whatever still holds us. */
    if (t->waitq)
        waitq_remove(t->waitq, t);
    t->waitq = NULL;
    if (deadline != DEADLINE_FOREVER)
        ktimer_cancel(&t->timeout);
    if (t->interrupted)
        return ERR_INTERRUPTED;
    return t->timed_out ? ERR_TIMED_OUT : 0;
}

/* Clearing t->waitq tells sched_wait's cleanup that t is already off the list. */
void waitq_wake_all(struct waitq *wq)
{
    while (wq->head) {
        struct thread *t = wq->head;
        wq->head = t->wait_next;
        t->waitq = NULL;
        sched_wake(t);
    }
}

/* Preemption is only requested, and only when another thread waits: the switch happens on the
 * way back to user mode. */
void sched_tick(void)
{
    ktimer_poll();
    random_mix(arch_cycles());
    if (runq_head)
        cpu_self()->need_resched = true;
}

/* Holds the kernel lock except while halted, so the interrupt that wakes it can take the lock. */
_Noreturn void sched_idle_loop(void)
{
    for (;;) {
        if (runq_head) {
            sched_switch();
            continue;
        }
        /* The check above cannot miss a wake-up: interrupts stay off until arch_idle's sti, and sti
         * holds them off one more instruction, so they arrive only once hlt is waiting. */
        kernel_unlock();
        arch_idle();
        kernel_lock();
    }
}
