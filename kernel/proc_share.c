/* proc_share.c: processes sharing one address space (SYS_PROC_VM_SHARE): joining it and leaving it. */
#include <log.h>
#include <proc.h>
#include <sched.h>
#include <vm.h>

/*
 * The space stays its owner's, charged to the owner's account; dst's own space, empty, is freed
 * with the charge for its root table, so a sharer costs its account only its record and kernel
 * stack. dst is not running (not started: its thread waits to be started, or never ran), so its
 * next switch in loads the owner's page tables. Chains end at the owner: a sharer's space is its
 * owner's.
 */
void proc_share(struct proc *dst, struct proc *src)
{
    struct vm_space *vs = src->space;
    ASSERT(dst->space == &dst->vm && dst->vm.sharers == 0 && vs != &dst->vm);
    vm_space_destroy(&dst->vm, NULL);
    dst->space = vs;
    dst->thread->vm = vs;
    vs->sharers++;
}

/*
 * The lifetime rule (docs/syscalls.md): a space lives as long as its owner, and its owner's end
 * ends every sharer (proc_kill_sharers) and waits for them to leave before the space is freed, so
 * no CPU ever runs on freed page tables. A sharer leaving frees nothing. A call working on the
 * space between preemption points (busy) finishes first, whichever handle it came through.
 * Pre: p is ending and its thread is off the space's page tables.
 */
void proc_space_release(struct proc *p)
{
    struct vm_space *vs = p->space;
    p->space = NULL;
    if (vs != &p->vm) {
        vs->sharers--;
        return;
    }
    while (vs->busy || vs->sharers)
        sched_yield_cpu();
    vm_space_destroy(vs, sched_preempt_point);
}
