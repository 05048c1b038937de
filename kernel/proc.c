/* proc.c: processes: creation from ELF images, exit and its bookkeeping, wait and kill. */
#include <cpu.h>
#include <eventq.h>
#include <lock.h>
#include <log.h>
#include <mm/mm.h>
#include <proc.h>
#include <sched.h>
#include <warp/elf.h>
#include <warp/error.h>
#include <warp/ipc.h>
#include <warp/string.h>
#include <warp/tar.h>

static struct proc *procs[MAX_PROCS]; /* live processes; protected by the kernel lock */
static long next_pid = 1;
struct proc *init_process;
static paddr_t initfs_pa;
static uint64_t initfs_len;

/* The last reference went: only the record of a dead process is left to free. */
static void proc_destroy(struct kobj *o)
{
    struct proc *p = container_of(o, struct proc, obj);
    ASSERT(p->state == PROC_DEAD);
    eventq_unlink(&p->link);
    /* The record counted as its parent's child until now: a parent cannot pile up dead children. */
    if (p->quota->parent)
        quota_uncharge(p->quota->parent, LIMIT_CHILDREN, 1);
    quota_uncharge(p->quota, LIMIT_PAGES, PROC_RECORD_PAGES);
    quota_put(p->quota);
    kfree(p);
}

/* Event-queue side: report the exit once; 1 produced, 0 none. */
static long proc_take_event(struct kobj *o, struct handle_table *receiver, struct warp_event *ev, bool *more)
{
    struct proc *p = container_of(o, struct proc, obj);
    (void)receiver;
    *more = false;
    if (p->state != PROC_DEAD || p->exit_reported)
        return 0;
    p->exit_reported = true;
    ev->type = EV_PROC_EXIT;
    ev->u.exit = p->exit;
    return 1;
}

static const struct obj_ops proc_ops = {
    .type = OBJ_PROCESS,
    .name = "process",
    .destroy = proc_destroy,
    .link_offset = __builtin_offsetof(struct proc, link),
    .take_event = proc_take_event,
};

/* Only remembered: proc_build maps the archive read-only into each process allowed to share it. */
void proc_init(paddr_t initfs_base, uint64_t initfs_size)
{
    initfs_pa = initfs_base;
    initfs_len = initfs_size;
}

/* A scan: SYS_SYSINFO is rare and the table small. */
uint64_t proc_count(void)
{
    uint64_t n = 0;
    for (int i = 0; i < MAX_PROCS; i++)
        n += procs[i] != NULL;
    return n;
}

/* Bytes of a segment copied into a process being built between two preemption points. */
#define LOAD_COPY_CHUNK (64u << 10)

/* Copy a segment's file bytes into p, a chunk at a time; ERR_INTERRUPTED if the spawner is killed. */
static long load_copy(struct proc *p, uaddr_t dst, const char *src, uint64_t len)
{
    for (uint64_t done = 0; done < len; done += LOAD_COPY_CHUNK) {
        uint64_t n = len - done < LOAD_COPY_CHUNK ? len - done : LOAD_COPY_CHUNK;
        long err = done ? sched_preempt_point() : 0;
        if (err < 0 || (err = vm_copy_to(&p->vm, dst + done, src + done, n)) < 0)
            return err;
    }
    return 0;
}

/* Load the PT_LOAD segments of an ELF image (kernel memory) into p; sets *entry. */
static long load_elf(struct proc *p, const void *image, uint64_t len, uaddr_t *entry)
{
    struct elf_image ei;
    if (elf_parse(image, len, USER_IMAGE_MIN, USER_IMAGE_MAX, &ei) < 0)
        return ERR_BAD_FORMAT;
    for (uint32_t i = 0; i < ei.nsegs; i++) {
        const struct elf_segment *s = &ei.segs[i];
        uaddr_t start = s->vaddr & ~(PAGE_SIZE - 1);
        uint64_t npages = (s->vaddr + s->memsz - start + PAGE_SIZE - 1) / PAGE_SIZE;
        /* Each segment gets pages of its own: two segments sharing a page would overlap and be refused,
         * which is why user.ld starts every segment on a page boundary. */
        long err = vm_map_anon(&p->vm, start, npages, s->prot, VM_IMAGE, sched_preempt_point);
        if (err < 0 || (err = load_copy(p, s->vaddr, (const char *)image + s->offset, s->filesz)) < 0)
            return err;
    }
    *entry = ei.entry;
    return 0;
}

/* p's thread, set up to enter it at entry with the stack pointer at stack and arg; NULL when
 * memory is out. */
static struct thread *proc_thread_create(struct proc *p, uaddr_t entry, uaddr_t stack, uint64_t arg)
{
    struct thread *t = thread_create(p, &p->vm, p->vm.quota);
    if (!t)
        return NULL;
    uaddr_t initfs = p->has_initfs ? USER_INITFS_BASE : 0;
    arch_thread_init_user(&t->arch, entry, stack, arg, initfs, p->has_initfs ? initfs_len : 0);
    return t;
}

/* Build the address space and thread of p; on failure the caller destroys p->vm. An empty process
 * (no image, to be supervised) gets no memory and only arg (in the first argument register) of its
 * registers: its supervisor gives the rest. */
static long proc_build(struct proc *p, const void *image, uint64_t len, uint64_t arg)
{
    if (!image)
        return (p->thread = proc_thread_create(p, 0, 0, arg)) ? 0 : ERR_NO_MEMORY;
    uaddr_t entry;
    long err = load_elf(p, image, len, &entry);
    if (err < 0)
        return err;
    err = vm_map_anon(&p->vm, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE / PAGE_SIZE,
                      PROT_READ | PROT_WRITE, VM_STACK, sched_preempt_point);
    if (err < 0)
        return err;
    if (p->has_initfs) {
        uint64_t npages = (initfs_len + PAGE_SIZE - 1) / PAGE_SIZE;
        if ((err = vm_map_phys(&p->vm, USER_INITFS_BASE, initfs_pa, npages, PROT_READ, VM_SHARED, NULL)) < 0)
            return err;
    }
    if (!(p->thread = proc_thread_create(p, entry, USER_STACK_TOP, arg)))
        return ERR_NO_MEMORY;
    return 0;
}

/* Move handles[0..n) of the current process into p as its handles 1..n. Pre: validated. */
static void proc_move_handles(struct proc *p, const handle_t *handles, uint32_t n)
{
    struct proc *self = proc_current();
    for (uint32_t i = 0; i < n; i++) {
        struct handle_entry e = handle_take(&self->handles, handles[i]);
        handle_install_at(&p->handles, i, e.obj, e.rights);
    }
}

/* A free process-table slot for a process with account q, or ERR_NO_RESOURCES: the last
 * PROC_RESERVE_SLOTS are kept for reserve holders, so a squatter cannot stop init restarting one. */
static long proc_slot(const struct quota *q)
{
    uint64_t cap = q->reserve ? MAX_PROCS : MAX_PROCS - PROC_RESERVE_SLOTS;
    if (proc_count() >= cap)
        return ERR_NO_RESOURCES;
    int slot = 0;
    while (slot < MAX_PROCS && procs[slot])
        slot++;
    return slot < MAX_PROCS ? slot : ERR_NO_RESOURCES;
}

/* Undoes proc_alloc: a process that was built but never became visible. */
static void proc_unbuild(struct proc *p)
{
    struct quota *q = p->vm.quota;
    if (p->thread)
        thread_free(p->thread);
    handle_close_all(&p->handles, NULL); /* empty: frees what the reservation took */
    vm_space_destroy(&p->vm, sched_preempt_point);
    kfree(p);
    quota_uncharge(q, LIMIT_PAGES, PROC_RECORD_PAGES);
}

/* The record, room for its first nhandles handles, its address space and image, charged to q (the
 * record, page tables, image, stack and kernel stack as pages); on failure nothing is left and q
 * is kept. The image's large segments are mapped in chunks with
 * preemption points between them (vm_map_anon); a kill of the spawner midway ends the build with
 * ERR_INTERRUPTED. */
static long proc_alloc(const void *image, uint64_t len, uint64_t arg, bool share_initfs, struct quota *q,
                       uint32_t nhandles, struct proc **out)
{
    long err = quota_charge(q, LIMIT_PAGES, PROC_RECORD_PAGES);
    if (err < 0)
        return err;
    struct proc *p = kzalloc(sizeof(*p));
    if (!p || (err = vm_space_init(&p->vm, q)) < 0) {
        kfree(p);
        quota_uncharge(q, LIMIT_PAGES, PROC_RECORD_PAGES);
        return p ? err : ERR_NO_MEMORY;
    }
    p->space = &p->vm;
    p->has_initfs = share_initfs && initfs_pa;
    p->handles.limit = (uint32_t)q->limit[LIMIT_HANDLES];
    if ((err = handle_reserve(&p->handles, nhandles)) < 0 || (err = proc_build(p, image, len, arg)) < 0) {
        proc_unbuild(p);
        return err;
    }
    *out = p;
    return 0;
}

/* The account of a new process: the one given, or a new root. NULL when memory is out. */
static struct quota *proc_quota(struct quota *given)
{
    return given ? given : quota_new(NULL, NULL, true);
}

/* Everything that can fail (slot, quota, record, address space, image, stack, thread) comes before
 * the process is visible, so a failure undoes only memory: no handle has moved, no pid is used.
 * The build has preemption points, so other spawns may run meanwhile: the slot is looked for again
 * once the process is built. */
long proc_spawn(const char *name, const void *image, uint64_t len, uint64_t arg, bool share_initfs,
                uint32_t weight, const handle_t *handles, uint32_t nhandles, struct quota *quota,
                struct proc **out)
{
    struct quota *q = proc_quota(quota);
    if (!q)
        return ERR_NO_MEMORY;
    long slot = proc_slot(q), err = slot; /* fail early, before building anything */
    if (slot < 0 || (err = quota_charge(q->parent, LIMIT_CHILDREN, 1)) < 0) {
        quota_put(q);
        return err;
    }
    struct proc *p = NULL;
    if ((err = proc_alloc(image, len, arg, share_initfs, q, nhandles, &p)) < 0 ||
        (err = slot = proc_slot(q)) < 0) {
        if (p)
            proc_unbuild(p);
        quota_uncharge(q->parent, LIMIT_CHILDREN, 1);
        quota_put(q);
        return err;
    }
    /* Nothing fails from here on. */
    p->quota = q;
    p->ppid = quota ? proc_current()->pid : 0; /* an account is given only by SYS_SPAWN */
    obj_init(&p->obj, &proc_ops);              /* the running process's own reference */
    obj_ref(&p->obj);                          /* the caller's */
    p->link.obj = &p->obj;
    memcpy(p->name, name, strnlen(name, SPAWN_NAME_MAX));
    p->pid = next_pid++;
    p->state = PROC_LIVE;
    p->weight = weight;
    p->thread->weight = weight;
    console_bucket_init(&p->console);
    proc_move_handles(p, handles, nhandles);
    procs[slot] = p;
    sched_add(p->thread);
    *out = p;
    return 0;
}

/* Boot cannot go on without init, so every failure here is a panic. */
void proc_start_init(const char *path)
{
    struct tar_file f;
    const void *archive = arch_phys_to_virt(initfs_pa);
    long err = initfs_pa ? tar_find(archive, initfs_len, path, &f) : ERR_NOT_FOUND;
    if (err < 0)
        PANIC("cannot find %s in the initfs: %s", path, err_str(err));
    struct proc *p;
    if ((err = proc_spawn("init", f.data, f.size, 0, true, SPAWN_WEIGHT_MAX, NULL, 0, NULL, &p)) < 0)
        PANIC("cannot start %s: %s", path, err_str(err));
    obj_unref(&p->obj); /* nobody holds a handle to init */
    init_process = p;
    log_printf("proc: started init from %s (pid %ld)", path, p->pid);
}

/* True when a live process has this pid. */
static bool proc_pid_live(long pid)
{
    for (int i = 0; i < MAX_PROCS; i++)
        if (procs[i] && procs[i]->pid == pid)
            return true;
    return false;
}

/* Children nobody holds a handle to any more, whose parent is gone (dying ends up here: it is off
 * the table), are killed, so no one can fill the process table with processes no one will reap.
 * A child whose handle was passed on lives while its holder keeps it. Pre: dying's handles closed. */
static void proc_kill_orphans(const struct proc *dying)
{
    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *c = procs[i];
        if (c && c->ppid && c->obj.hrefs == 0 && (c->ppid == dying->pid || !proc_pid_live(c->ppid)))
            proc_kill(c);
    }
}

/* p is ending: the processes sharing its space (if it owns one that is shared) end too. Only those
 * still in the table: one that left it is ending already, and leaves the space on its way out.
 * Pre: p is no longer live, so no process joins its space from here on. */
static void proc_kill_sharers(struct proc *p)
{
    if (p->space != &p->vm || !p->vm.sharers)
        return;
    for (int i = 0; i < MAX_PROCS; i++)
        if (procs[i] && procs[i] != p && procs[i]->space == &p->vm)
            proc_kill(procs[i]);
}

/* Runs on the dying thread's kernel stack, which sched_exit hands to the next thread to free. */
_Noreturn void proc_exit(const struct exit_info *info)
{
    struct proc *p = proc_current();
    if (proc_is_init(p))
        PANIC("init ended (reason %d, code %d)", info->reason, info->code);
    for (int i = 0; i < MAX_PROCS; i++)
        if (procs[i] == p)
            procs[i] = NULL;
    p->exit = *info;
    struct console_writer w = proc_console(p);
    console_writer_exit(&w);
    /* Exiting before anything is torn down: from here a callee's channel_copy refuses this process's
     * buffers, whose pages are about to go. Dead (for waits and exit events) only once all is freed. */
    p->state = PROC_EXITING;
    proc_kill_sharers(p);
    handle_close_all(&p->handles, sched_preempt_point);
    if (p->sup_ops)
        p->sup_ops->release(p);
    obj_sweep();
    obj_reap(sched_preempt_point);
    proc_kill_orphans(p);
    /* Off our page tables before they are freed, for good: the preemption points of the teardown
     * may switch away and back, and this stack lives in the shared kernel half. A supervisor's
     * call may be working on our memory between its preemption points, and other processes may
     * share it: they go first (proc_space_release), and no new one starts (we are no longer live). */
    arch_vm_activate(NULL);
    cpu_self()->vm = NULL;
    p->thread->vm = NULL;
    proc_space_release(p);
    p->thread = NULL;
    p->state = PROC_DEAD;
    waitq_wake_all(&p->exit_waiters);
    eventq_notify(&p->link);
    obj_unref(&p->obj); /* the process's reference to itself; handles may keep the record */
    /* No preemption point once the record may be gone: the scheduler reads a thread's process.
     * Freeing the record drops little (its account and exit waiters); the big teardown is above. */
    obj_reap(NULL);
    sched_exit();
}

/* The log line is for the operator; the exit record carries the same facts to the supervisor. A
 * supervised process's supervisor hears of the fault first and may resume it. */
void proc_fault(const struct fault_info *f)
{
    struct proc *p = proc_current();
    if (p->sup_ops && p->sup_ops->fault(p, f))
        return;
    if (f->kind == FAULT_MEMORY)
        log_printf("proc: %s (pid %ld) killed: %s at pc %#lx, %s address %#lx, code %#lx", p->name, p->pid,
                   f->name, f->pc, f->write ? "writing" : "reading", f->addr, f->detail);
    else
        log_printf("proc: %s (pid %ld) killed: %s at pc %#lx, code %#lx", p->name, p->pid, f->name, f->pc,
                   f->detail);
    struct exit_info info = {.reason = EXIT_FAULT,
                             .vector = f->code,
                             .kind = f->kind,
                             .rip = f->pc,
                             .fault_addr = f->addr,
                             .error_code = f->detail};
    proc_exit(&info);
}

/* A loop: exit_waiters are woken together, and only p->state says whether p has ended. */
long proc_wait(struct proc *p, struct exit_info *out)
{
    while (p->state != PROC_DEAD)
        if (sched_wait(&p->exit_waiters, DEADLINE_FOREVER) == ERR_INTERRUPTED)
            return ERR_INTERRUPTED;
    *out = p->exit;
    return 0;
}

/* Only marks p: it ends itself at its next return to user mode, where no kernel path of its is
 * half done. A sleeping p is woken so that it gets there. */
void proc_kill(struct proc *p)
{
    if (p->state != PROC_LIVE)
        return;
    p->killed = true;
    sched_interrupt(p->thread); /* out of a wait, if it is in one, and into no other */
}

/* A process killed before its thread first ran ends here, without running a user instruction;
 * a supervised one waits here to be started (supervise_user_return). */
void proc_thread_started(void)
{
    sched_thread_started();
    proc_user_return();
    kernel_unlock();
}

/* A loop: the thread may come back from sched_preempt killed, or due to yield again. */
void proc_user_return_slow(void)
{
    for (;;) {
        struct proc *p = proc_current();
        obj_reap(sched_preempt_point); /* what this call freed, before user mode can look */
        if (p->sup_ops)
            p->sup_ops->user_return(p);
        if (p->killed) {
            struct exit_info info = {.reason = EXIT_KILLED};
            proc_exit(&info);
        }
        if (cpu_self()->woke)
            sched_check_wakeups();
        if (!cpu_self()->need_resched)
            return;
        sched_preempt();
    }
}
