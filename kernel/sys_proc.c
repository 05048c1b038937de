/* sys_proc.c: the process system calls: exit, spawn, wait, kill, yield, and starting a supervised
 * process and its registers and FPU state (docs/syscalls.md). */
#include <log.h>
#include <mm/mm.h>
#include <proc.h>
#include <quota.h>
#include <sched.h>
#include <supervise.h>
#include <syscall.h>
#include <warp/error.h>
#include <warp/ipc.h>

/* Never returns: proc_exit ends in sched_exit. The record keeps the low 32 bits of the code. */
long sys_exit(const struct syscall_args *a)
{
    uint64_t code = a->a1;
    struct exit_info info = {.reason = EXIT_NORMAL, .code = (int32_t)code};
    proc_exit(&info);
}

/* Check the handles a spawn moves: transferable, distinct, and room for the new process handle. */
static long spawn_check_handles(const handle_t *hs, uint64_t n)
{
    struct proc *self = proc_current();
    for (uint64_t i = 0; i < n; i++) {
        struct handle_entry *e;
        long err = handle_get(&self->handles, hs[i], 0, RIGHT_TRANSFER, &e);
        if (err < 0)
            return err;
        for (uint64_t j = 0; j < i; j++)
            if (hs[j] == hs[i])
                return ERR_INVALID_ARG;
    }
    /* The handles leave before the process handle arrives, so a full table with n > 0 still fits. */
    return n >= 1 ? 0 : handle_reserve(&self->handles, 1);
}

/* A supervision channel's end: a channel end that only this handle names, so that nobody else can
 * take the replies meant for the kernel. */
static long spawn_check_channel(handle_t h)
{
    struct handle_entry *e;
    long err = handle_get(proc_handles(), h, OBJ_CHANNEL, RIGHT_TRANSFER, &e);
    if (err == 0 && e->obj->hrefs != 1)
        err = ERR_INVALID_ARG;
    return err;
}

/* The quotas asked for: none above the spawner's, the reserve only from a holder, and room in the
 * child's handle table for the handles it is given. */
static long spawn_check_limits(const struct spawn_args *a)
{
    struct quota *mine = proc_current()->quota;
    if ((a->flags & SPAWN_RESERVE) && !mine->reserve)
        return ERR_PERMISSION;
    long err = quota_check_limits(mine, a->limits);
    if (err < 0)
        return err;
    uint64_t handles = a->limits[LIMIT_HANDLES] ? a->limits[LIMIT_HANDLES] : mine->limit[LIMIT_HANDLES];
    return a->nhandles > handles ? ERR_INVALID_ARG : 0;
}

/* The child's account, below the caller's; NULL when memory is out. Pre: spawn_check_limits passed. */
static struct quota *spawn_quota(const struct spawn_args *a)
{
    struct quota *mine = proc_current()->quota;
    uint64_t limits[LIMIT_COUNT];
    quota_child_limits(mine, a->limits, limits);
    return quota_new(mine, limits, a->flags & SPAWN_RESERVE);
}

/* Bytes of an image copied in between two preemption points. */
#define SPAWN_COPY_CHUNK (64u << 10)

/* Copy len bytes of the image at src into kernel memory, a chunk at a time with a preemption point
 * between chunks; ERR_BAD_ADDRESS, or ERR_INTERRUPTED if the caller is killed meanwhile. */
static long spawn_copy_image(void *dst, uaddr_t src, uint64_t len)
{
    for (uint64_t done = 0; done < len; done += SPAWN_COPY_CHUNK) {
        uint64_t n = len - done < SPAWN_COPY_CHUNK ? len - done : SPAWN_COPY_CHUNK;
        long err = done ? sched_preempt_point() : 0;
        if (err < 0 || (err = copy_from_user((char *)dst + done, src + done, n)) < 0)
            return err;
    }
    return 0;
}

/* Copy the image named by args into kernel memory; the caller kfree()s *image_out. The handles are
 * checked before the copy and stay valid through its preemption points (and proc_spawn's): only the
 * caller's own thread, which is here, changes its handle table. */
static long spawn_copy_in(const struct spawn_args *a, char name[SPAWN_NAME_MAX + 1], handle_t *hs,
                          void **image_out)
{
    bool supervised = a->flags & SPAWN_SUPERVISED;
    if (a->name_len == 0 || a->name_len > SPAWN_NAME_MAX || (a->flags & ~SPAWN_FLAGS_ALL) ||
        a->nhandles > SPAWN_HANDLES_MAX || (!supervised && a->image_len == 0) ||
        (supervised && (a->image_len || a->nhandles != 1 || (a->flags & SPAWN_SHARE_INITFS))))
        return ERR_INVALID_ARG;
    if (a->image_len > SPAWN_IMAGE_MAX)
        return ERR_TOO_LARGE;
    if ((a->flags & SPAWN_SHARE_INITFS) && !proc_current()->has_initfs)
        return ERR_PERMISSION;
    if (a->weight > proc_current()->weight)
        return ERR_PERMISSION; /* no process makes one that outweighs it */
    long err = spawn_check_limits(a);
    if (err < 0)
        return err;
    err = copy_from_user(name, a->name, a->name_len);
    if (err < 0 || (err = copy_from_user(hs, a->handles, a->nhandles * sizeof(handle_t))) < 0 ||
        (err = spawn_check_handles(hs, a->nhandles)) < 0 ||
        (supervised && (err = spawn_check_channel(hs[0])) < 0))
        return err;
    name[a->name_len] = 0;
    *image_out = NULL;
    if (supervised)
        return 0; /* no image: spawn_supervised makes the process */
    if ((err = user_range_check(a->image, a->image_len, PROT_READ)) < 0)
        return err;
    void *image = kmalloc(a->image_len);
    if (!image)
        return ERR_NO_MEMORY;
    if ((err = spawn_copy_image(image, a->image, a->image_len)) < 0) {
        kfree(image);
        return err;
    }
    *image_out = image;
    return 0;
}

/* An empty process supervised through channel end `end` (checked): the supervision is made
 * before it and attached before it can run. Only such a process can be managed (RIGHT_MANAGE):
 * nobody reaches into the memory of a process that runs its own image. */
static long spawn_supervised(const struct spawn_args *sa, const char *name, handle_t end, uint32_t weight)
{
    struct supervision *sv = supervise_new();
    struct quota *q = sv ? spawn_quota(sa) : NULL;
    struct proc *child;
    long err = q ? proc_spawn(name, NULL, 0, sa->arg, false, weight, NULL, 0, q, &child) : ERR_NO_MEMORY;
    if (err < 0) {
        if (sv)
            supervise_free(sv);
        return err;
    }
    supervise_attach(child, sv, handle_take(proc_handles(), end).obj);
    err = handle_install(proc_handles(), &child->obj, RIGHTS_KNOWN);
    ASSERT(err > 0); /* the end's slot is free */
    return err;
}

/* Image, name and handles are copied in and checked before proc_spawn runs, and room for the
 * process handle was counted, so installing it after the spawn cannot fail. */
long sys_spawn(const struct syscall_args *a)
{
    struct spawn_args sa;
    long err = copy_from_user(&sa, a->a1, sizeof(sa));
    if (err < 0)
        return err;
    char name[SPAWN_NAME_MAX + 1];
    handle_t hs[SPAWN_HANDLES_MAX];
    void *image;
    if ((err = spawn_copy_in(&sa, name, hs, &image)) < 0)
        return err;
    struct proc *child;
    uint32_t weight = sa.weight ? (uint32_t)sa.weight : proc_current()->weight;
    if (sa.flags & SPAWN_SUPERVISED)
        return spawn_supervised(&sa, name, hs[0], weight);
    struct quota *q = spawn_quota(&sa);
    err = q ? proc_spawn(name, image, sa.image_len, sa.arg, sa.flags & SPAWN_SHARE_INITFS, weight, hs,
                         (uint32_t)sa.nhandles, q, &child)
            : ERR_NO_MEMORY;
    kfree(image);
    if (err < 0)
        return err;
    err = handle_install(proc_handles(), &child->obj, RIGHTS_ALL);
    ASSERT(err > 0); /* room was checked before the spawn */
    return err;
}

/* The output is checked before the wait, so an exit record waited for is not lost to a bad
 * pointer. The caller's handle keeps p's record alive while it sleeps. */
long sys_wait(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    uaddr_t out = a->a2;
    struct proc *p = NULL;
    long err = handle_object(proc_handles(), h, OBJ_PROCESS, RIGHT_READ, (void **)&p);
    if (err < 0 || (err = user_range_check(out, sizeof(struct exit_info), PROT_WRITE)) < 0)
        return err;
    struct exit_info info;
    if ((err = proc_wait(p, &info)) < 0)
        return err;
    return copy_to_user(out, &info, sizeof(info));
}

/* Returns at once: p ends at its next return to user mode (SYS_WAIT or EV_PROC_EXIT tell when). */
long sys_kill(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    struct proc *p = NULL;
    long err = handle_object(proc_handles(), h, OBJ_PROCESS, RIGHT_WRITE, (void **)&p);
    if (err == 0)
        proc_kill(p);
    return err;
}

/* Returns at once when no other thread is runnable. */
long sys_yield(const struct syscall_args *a)
{
    (void)a;
    sched_yield_cpu();
    return 0;
}

/* The supervised process behind a register, through a handle with RIGHT_MANAGE, still live. */
static long managed_proc(uint64_t reg, struct proc **out)
{
    struct proc *p;
    long err = handle_object(proc_handles(), handle_from_reg(reg), OBJ_PROCESS, RIGHT_MANAGE, (void **)&p);
    if (err < 0)
        return err;
    if (!p->sup || p->state != PROC_LIVE)
        return ERR_BAD_STATE;
    *out = p;
    return 0;
}

/* Once only: its thread leaves the start wait and enters user mode with the registers set. */
long sys_proc_start(const struct syscall_args *a)
{
    struct proc *p;
    long err = managed_proc(a->a1, &p);
    return err < 0 ? err : supervise_start(p);
}

/* Takes effect before the process next runs user code (supervise_interrupt). */
long sys_proc_interrupt(const struct syscall_args *a)
{
    struct proc *p;
    long err = managed_proc(a->a1, &p);
    return err < 0 ? err : supervise_interrupt(p);
}

/* managed_proc, for a process that is stopped (not started, or in a trap): else ERR_BAD_STATE. */
static long stopped_proc(uint64_t h, struct proc **out)
{
    long err = managed_proc(h, out);
    if (err < 0)
        return err;
    return supervise_stopped(*out) ? 0 : ERR_BAD_STATE;
}

/* Registers are read only while the process is stopped: a running one's are changing. */
long sys_proc_get_regs(const struct syscall_args *a)
{
    struct proc *p;
    long err = stopped_proc(a->a1, &p);
    if (err < 0)
        return err;
    struct cpu_regs r;
    arch_thread_get_regs(&p->thread->arch, &r);
    return copy_to_user(a->a2, &r, sizeof(r));
}

/* They take effect when it next returns to user mode (start, or the trap's reply). */
long sys_proc_set_regs(const struct syscall_args *a)
{
    struct cpu_regs r;
    long err = copy_from_user(&r, a->a2, sizeof(r));
    struct proc *p;
    if (err < 0 || (err = stopped_proc(a->a1, &p)) < 0)
        return err;
    return arch_thread_set_regs(&p->thread->arch, &r);
}

/* The x87/SSE state is read only while the process is stopped, as its registers are. */
long sys_proc_get_fpu(const struct syscall_args *a)
{
    struct proc *p;
    long err = stopped_proc(a->a1, &p);
    if (err < 0)
        return err;
    struct cpu_fpu f;
    arch_thread_get_fpu(&p->thread->arch, &f);
    return copy_to_user(a->a2, &f, sizeof(f));
}

/* It is loaded when the process next runs. The image is copied in and checked before anything
 * changes; a state the CPU would refuse to load (arch_thread_set_fpu) is ERR_INVALID_ARG. */
long sys_proc_set_fpu(const struct syscall_args *a)
{
    struct proc *p;
    long err = stopped_proc(a->a1, &p);
    if (err < 0)
        return err;
    struct cpu_fpu f;
    if ((err = copy_from_user(&f, a->a2, sizeof(f))) < 0)
        return err;
    return arch_thread_set_fpu(&p->thread->arch, &f);
}
