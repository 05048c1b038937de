/* proc.h: processes: an address space, a handle table and (for now) one thread. */
#pragma once

#include <arch.h>
#include <console.h>
#include <cpu.h>
#include <handle.h>
#include <mm/mm.h>
#include <object.h>
#include <quota.h>
#include <sched.h>
#include <vm.h>
#include <warp/abi.h>

#define MAX_PROCS 128

enum proc_state {
    PROC_LIVE = 1, /* running */
    PROC_EXITING,  /* ending: its memory is being freed (with preemption points) */
    PROC_DEAD,     /* ended; the record stays while handles name it */
};

struct proc;
struct supervision; /* supervise.h */

/* What supervision does at the points this module owns (supervise.c sets them): proc.c calls
 * through these and knows nothing else of it. */
struct supervision_ops {
    /* Every return to user mode: hold a process not started yet, kill one whose supervisor went. */
    void (*user_return)(struct proc *p);
    /* A CPU exception in user mode: true when the supervisor resumes the process. */
    bool (*fault)(struct proc *p, const struct fault_info *f);
    /* The process is ending: the supervision goes, and a pending trap with it. */
    void (*release)(struct proc *p);
};

struct proc {
    struct kobj obj; /* OBJ_PROCESS; a live process holds a reference to itself */
    long pid;
    long ppid; /* the spawner's pid; 0 for the processes the kernel starts */
    char name[SPAWN_NAME_MAX + 1];
    enum proc_state state;
    struct thread *thread; /* the one thread (more per process later) */
    struct vm_space vm;
    struct handle_table handles;
    struct quota *quota;                   /* its account (quota.h); referenced */
    uint32_t weight;                       /* CPU weight 1..SPAWN_WEIGHT_MAX; its thread's share (sched.c) */
    bool has_initfs;                       /* the initfs is mapped in; it may pass it on */
    bool killed;                           /* end at the next return to user mode */
    struct exit_info exit;                 /* valid when PROC_DEAD */
    bool exit_reported;                    /* EV_PROC_EXIT delivered */
    struct waitq exit_waiters;             /* threads in SYS_WAIT on it */
    struct eq_link link;                   /* as an event source */
    struct console_bucket console;         /* its console budget (console.h) */
    struct supervision *sup;               /* SPAWN_SUPERVISED only: supervise.h; NULL otherwise */
    const struct supervision_ops *sup_ops; /* set with sup */
    /* The address space it runs in: vm, or its owner's when it shares one (proc_share.c); NULL
     * once it has left it, at exit. */
    struct vm_space *space;
};

/* Pages a process record is charged as: struct proc (its region table above all) is over the
 * heap's largest small block, so it takes whole pages of its own, with the heap's header. */
_Static_assert(sizeof(struct proc) > KMALLOC_SMALL_MAX, "a process record takes whole pages");
#define PROC_RECORD_PAGES ((sizeof(struct proc) + KMALLOC_HEADER + PAGE_SIZE - 1) / PAGE_SIZE)

/* The first process: it grants devices, may power the machine off, and must never end. NULL
 * before it starts (the host unit tests set it to the process that plays init). */
extern struct proc *init_process;
static inline bool proc_is_init(const struct proc *p)
{
    return p == init_process;
}

/* Where the initfs (a boot module) lies, for the processes that get it mapped. */
void proc_init(paddr_t initfs_base, uint64_t initfs_size);
/* Create the first process from the initfs file at path; panics if it cannot. */
void proc_start_init(const char *path);
/* Create a process from an ELF image in kernel memory, moving handles[0..n) of the current process
 * into it (validated by the caller); the new process with one reference for the caller, or ERR_*.
 * With no image (NULL) the process is empty: no memory, its thread's registers 0 but for arg; the
 * caller makes it supervised (supervise_attach) before it can run.
 * quota is its account, whose reference proc_spawn takes over (even on failure); NULL makes it a
 * root: unlimited, holding the reserve, with no parent (init, and the host tests' processes). */
long proc_spawn(const char *name, const void *image, uint64_t len, uint64_t arg, bool share_initfs,
                uint32_t weight, const handle_t *handles, uint32_t nhandles, struct quota *quota,
                struct proc **out);
/* End the current process with the given exit record; never returns. */
_Noreturn void proc_exit(const struct exit_info *info);
/* The current process took a CPU exception in user mode (decoded by the port). Returns only when
 * the process is supervised and its supervisor resumes it. */
void proc_fault(const struct fault_info *f);
/* Block until p has ended, then copy its record; ERR_INTERRUPTED if the caller is killed meanwhile. */
long proc_wait(struct proc *p, struct exit_info *out);
/* End p at its next return to user mode, waking it from any wait. */
void proc_kill(struct proc *p);
uint64_t proc_count(void); /* live processes */
/* The process whose address space p runs in: p itself, or the owner of the space it shares. */
static inline struct proc *proc_space_owner(const struct proc *p)
{
    return container_of(p->space, struct proc, vm);
}
/* Make dst run in src's address space (its owner's) from now on, releasing dst's own empty one;
 * nothing fails. Pre: both live and supervised, dst not started, mapping nothing, sharing no one's
 * space and shared by none, and src's space owner live and not dst (proc_share.c). */
void proc_share(struct proc *dst, struct proc *src);
/* p is ending and off its page tables: leave the space (a sharer), or, its owner, wait until every
 * sharer and busy call has left it and free it (with preemption points). */
void proc_space_release(struct proc *p);
/* p as a console writer (console.h). */
static inline struct console_writer proc_console(struct proc *p)
{
    return (struct console_writer){p->name, p->pid, &p->console};
}
/* The current process. */
static inline struct proc *proc_current(void)
{
    return current_thread()->proc;
}
/* The current process's handle table. */
static inline struct handle_table *proc_handles(void)
{
    return &proc_current()->handles;
}
/* A new thread's first run (the port's start-up frame calls it, kernel lock held): finish the
 * switch, take the way to user mode every return takes, and unlock. */
void proc_thread_started(void);
/* Called on every return to user mode: act on a pending kill or reschedule. */
void proc_user_return_slow(void);
static inline void proc_user_return(void)
{
    struct cpu *c = cpu_self();
    struct proc *p = proc_current();
    if (c->need_resched || c->woke || p->killed || obj_dead_list || p->sup)
        proc_user_return_slow();
}
