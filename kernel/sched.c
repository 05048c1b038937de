/* sched.c: fair scheduling by virtual runtime, preemption by the tick and by wake-ups, blocking waits, idle. */
#include <cpu.h>
#include <kstat.h>
#include <lock.h>
#include <log.h>
#include <mm/mm.h>
#include <quota.h>
#include <random.h>
#include <sched.h>
#include <vm.h>
#include <warp/error.h>
#include <warp/ipc.h>

/*
 * The kernel runs with interrupts off and the kernel lock held, so nothing preempts kernel code: a
 * thread leaves the CPU only in sched_wait, sched_yield_cpu, sched_exit or at a preemption point
 * (sched_preempt_point, which long operations call between chunks of work), and otherwise the
 * timer's preemption waits for the next return to user mode (proc_user_return). Only the idle
 * thread and preemption points let interrupts in, each with the lock released.
 */
/*
 * Fairness (docs/scheduling.md): every thread has a virtual runtime, the CPU cycles it has used
 * divided by its weight (its process's, from the manifest), and the runnable thread with the least
 * runs next: a thread of weight w gets w times the share of one of weight 1. A thread that sleeps does not bank its idle time:
 * when it wakes its virtual runtime is raised to SLEEPER_CREDIT_MS below the smallest one, so a
 * server that blocks on I/O runs ahead of CPU-bound processes, which take turns. A wake-up preempts
 * a thread more than WAKEUP_GRANULARITY_MS of virtual runtime ahead of the woken one (a spinner),
 * so a packet's interrupt reaches its driver at once instead of a tick later; servers, all close to
 * one another, are not preempted by each message they send. That check waits for the way back to user
 * mode (sched_check_wakeups): a thread that wakes another and then blocks, as every call and reply
 * on the IPC path does, pays nothing for it.
 */
#define SLEEPER_CREDIT_MS 5
#define WAKEUP_GRANULARITY_MS 1

static struct thread *runq_head, *runq_tail; /* runnable threads not running, by virtual runtime;
                                                protected by the kernel lock */
static struct thread boot_idle;
static uint64_t min_vruntime;  /* the virtual runtime of the last thread picked; never decreases */
static uint64_t credit_cycles; /* SLEEPER_CREDIT_MS in cycles */
static uint64_t gran_cycles;   /* WAKEUP_GRANULARITY_MS in cycles */

/* Insert t in virtual-runtime order, after those with as little (first come, first served among
 * equals). A walk: the queue holds a few threads at most on the IPC path (usually none), and a few
 * hundred under the heaviest load; the pick then takes the head. */
static void runq_push(struct thread *t)
{
    struct thread **pp = &runq_head;
    if (runq_tail && runq_tail->vruntime <= t->vruntime)
        pp = &runq_tail->next; /* the common case: it goes last */
    else
        while (*pp && (*pp)->vruntime <= t->vruntime)
            pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    if (!t->next)
        runq_tail = t;
}

/* Take the runnable thread with the least virtual runtime, or NULL. */
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
struct thread *thread_create(struct proc *p, struct vm_space *vm, struct quota *quota)
{
    if (quota_charge(quota, LIMIT_PAGES, KERNEL_STACK_PAGES) < 0)
        return NULL;
    struct thread *t = kzalloc(sizeof(*t));
    void *top = t ? arch_kstack_alloc() : NULL;
    if (!top) {
        kfree(t);
        quota_uncharge(quota, LIMIT_PAGES, KERNEL_STACK_PAGES);
        return NULL;
    }
    t->arch.kstack_top = (uint64_t)top;
    t->quota = quota_get(quota);
    t->proc = p;
    t->vm = vm;
    t->weight = 1;
    ktimer_init(&t->timeout, wait_timeout);
    return t;
}

/* Never for a thread that ran: that one is on its own stack until the switch away (sched_reap). */
void thread_free(struct thread *t)
{
    arch_kstack_free((void *)t->arch.kstack_top);
    quota_uncharge(t->quota, LIMIT_PAGES, KERNEL_STACK_PAGES);
    quota_put(t->quota);
    kfree(t);
}

/* The boot context becomes the idle thread: it keeps the boot stack and ends in sched_idle_loop. */
void sched_init(void)
{
    struct cpu *c = cpu_self();
    boot_idle.state = THREAD_RUNNABLE;
    boot_idle.arch.kstack_top = (uint64_t)arch_boot_stack_top();
    c->idle = c->current = &boot_idle;
    credit_cycles = SLEEPER_CREDIT_MS * arch_cycles_per_ms();
    gran_cycles = WAKEUP_GRANULARITY_MS * arch_cycles_per_ms();
    min_vruntime = 0;
}

/* A new thread starts level with the others: neither ahead of them nor owed anything. */
void sched_add(struct thread *t)
{
    t->vruntime = min_vruntime;
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

/* Add the cycles t has run since it got the CPU (or was last charged) to its virtual runtime;
 * returns the time of the charge. The idle thread is never charged. */
static uint64_t sched_charge(struct thread *t)
{
    uint64_t now = arch_cycles();
    if (t != cpu_self()->idle) {
        t->vruntime += (now - t->run_start) / t->weight;
        t->run_start = now;
    }
    return now;
}

/* Switch to the next runnable thread (or idle). Precondition: kernel lock held, interrupts off. */
static void sched_switch(void)
{
    struct cpu *c = cpu_self();
    struct thread *prev = c->current;
    uint64_t now = sched_charge(prev);
    struct thread *next = runq_pop();
    if (!next)
        next = c->idle;
    else if (next->vruntime > min_vruntime)
        min_vruntime = next->vruntime;
    next->run_start = now;
    c->need_resched = false;
    c->woke = false;
    if (next == prev)
        return;
    c->current = next;
    c->vm = next->vm;
    if (prev->sys_nr) /* a system call's stretch on the CPU ends here */
        kstat_syscall(prev->sys_nr, now - prev->sys_since);
    /* Returns only when prev is switched back to; other threads ran meanwhile and may have exited.
     * cpu_self() again below, not c: once more CPUs run, prev may resume on another one. */
    arch_thread_switch(&prev->arch, &next->arch, next->vm ? &next->vm->arch : NULL);
    prev->sys_since = arch_cycles();
    sched_reap(cpu_self());
}

/* First code a new thread runs after its first switch (from proc_thread_started): finish it. */
void sched_thread_started(void)
{
    sched_reap(cpu_self());
}

/* Preempted (by the tick or a wake-up): back in the queue with what it has used, which decides
 * when it runs again. The idle thread is never queued: it runs exactly when the queue is empty. */
void sched_preempt(void)
{
    struct thread *t = current_thread();
    if (t != cpu_self()->idle) {
        sched_charge(t); /* before it takes its place by virtual runtime */
        runq_push(t);
    }
    sched_switch();
}

/* SYS_YIELD: behind every thread runnable now, whatever the caller has used: they all run first. */
void sched_yield_cpu(void)
{
    struct thread *t = current_thread();
    uint64_t last = runq_tail ? runq_tail->vruntime : 0;
    if (t != cpu_self()->idle && t->vruntime <= last)
        t->vruntime = last + 1;
    sched_preempt();
}

/* The lock is let go for the window: an interrupt that arrives then takes it as it would from the
 * idle loop, and is handled before this thread goes on. */
long sched_preempt_point(void)
{
    struct thread *t = current_thread();
    if (t->sys_nr)
        kstat_syscall(t->sys_nr, arch_cycles() - t->sys_since);
    kernel_unlock();
    arch_irq_window();
    kernel_lock();
    t->sys_since = arch_cycles();
    struct cpu *c = cpu_self();
    if (c->woke)
        sched_check_wakeups();
    if (c->need_resched)
        sched_preempt();
    return current_thread()->interrupted ? ERR_INTERRUPTED : 0;
}

/* Note that t, now runnable, may have to preempt the current thread: at once if it is the idle
 * thread, else on its way back to user mode (sched_check_wakeups). */
static void sched_note_wakeup(struct thread *t)
{
    struct cpu *c = cpu_self();
    if (c->current == c->idle) {
        c->need_resched = true;
    } else if (!c->woke || t->vruntime < c->woke_vruntime) {
        c->woke = true;
        c->woke_vruntime = t->vruntime;
    }
}

/* A woken thread preempts one that is more than WAKEUP_GRANULARITY_MS of virtual runtime ahead of it. */
void sched_check_wakeups(void)
{
    struct cpu *c = cpu_self();
    struct thread *cur = c->current;
    c->woke = false;
    uint64_t ran = arch_cycles() - cur->run_start;
    if (c->woke_vruntime + gran_cycles < cur->vruntime + ran)
        c->need_resched = true;
}

/* Only a blocked thread moves: a runnable one woken twice would be queued twice. It comes back no
 * further than SLEEPER_CREDIT_MS behind the others: a long sleep is no claim on the CPU. */
void sched_wake(struct thread *t)
{
    if (t->state != THREAD_BLOCKED)
        return;
    uint64_t floor = min_vruntime > credit_cycles ? min_vruntime - credit_cycles : 0;
    if (t->vruntime < floor)
        t->vruntime = floor;
    t->state = THREAD_RUNNABLE;
    runq_push(t);
    sched_note_wakeup(t);
}

/* Sticky: every later sched_wait of t returns at once, so a dying process cannot block again on
 * its way out. A runnable t goes to the front (no virtual runtime at all) so that the kill takes
 * effect at once, not after every spinner has had its turn. */
void sched_interrupt(struct thread *t)
{
    t->interrupted = true;
    if (t->state == THREAD_RUNNABLE && t != current_thread()) {
        t->vruntime = 0;
        cpu_self()->need_resched = true;
    }
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
