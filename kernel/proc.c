/* proc.c: processes: creation from ELF images, exit and its bookkeeping, wait and kill. */
#include <cpu.h>
#include <log.h>
#include <mm.h>
#include <proc.h>
#include <sched.h>
#include <warp/elf.h>
#include <warp/error.h>
#include <warp/string.h>
#include <warp/tar.h>

static struct proc *procs[MAX_PROCS]; /* protected by the kernel lock */
static long next_pid = 1;
static paddr_t initfs_pa;
static uint64_t initfs_len;

const char *trap_name(uint32_t vector);

void proc_init(paddr_t initfs_base, uint64_t initfs_size) {
    initfs_pa = initfs_base;
    initfs_len = initfs_size;
}

struct proc *proc_current(void) { return current_thread()->proc; }

/* The process with this pid, or NULL. */
static struct proc *proc_find(long pid) {
    for (int i = 0; i < MAX_PROCS; i++)
        if (procs[i] && procs[i]->pid == pid)
            return procs[i];
    return NULL;
}

uint64_t proc_count(void) {
    uint64_t n = 0;
    for (int i = 0; i < MAX_PROCS; i++)
        n += procs[i] != NULL;
    return n;
}

/* Load the PT_LOAD segments of an ELF image (kernel memory) into p; sets *entry. */
static long load_elf(struct proc *p, const void *image, uint64_t len, uaddr_t *entry) {
    struct elf_image ei;
    if (elf_parse(image, len, USER_IMAGE_MIN, USER_IMAGE_MAX, &ei) < 0)
        return ERR_BAD_FORMAT;
    for (uint32_t i = 0; i < ei.nsegs; i++) {
        const struct elf_segment *s = &ei.segs[i];
        uaddr_t start = s->vaddr & ~(PAGE_SIZE - 1);
        uint64_t npages = (s->vaddr + s->memsz - start + PAGE_SIZE - 1) / PAGE_SIZE;
        long err = vm_map_anon(&p->vm, start, npages, s->prot, VM_IMAGE);
        if (err < 0)
            return err;
        if ((err = vm_copy_to(&p->vm, s->vaddr, (const char *)image + s->offset, s->filesz)) < 0)
            return err;
    }
    *entry = ei.entry;
    return 0;
}

/* A thread with a fresh kernel stack, set up to enter p at entry; NULL when memory is out. */
static struct thread *thread_create(struct proc *p, uaddr_t entry, uint64_t arg) {
    struct thread *t = kmalloc(sizeof(*t));
    if (!t)
        return NULL;
    if (pmm_alloc(KERNEL_STACK_PAGES, &t->kstack) < 0) {
        kfree(t);
        return NULL;
    }
    t->proc = p;
    uaddr_t initfs = p->has_initfs ? USER_INITFS_BASE : 0;
    arch_thread_init_user(t, entry, USER_STACK_TOP, arg, initfs, p->has_initfs ? initfs_len : 0);
    return t;
}

/* Build the address space and thread of p; on failure the caller destroys p->vm. */
static long proc_build(struct proc *p, const void *image, uint64_t len, uint64_t arg) {
    uaddr_t entry;
    long err = load_elf(p, image, len, &entry);
    if (err < 0)
        return err;
    err = vm_map_anon(&p->vm, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE / PAGE_SIZE,
                      PROT_READ | PROT_WRITE, VM_STACK);
    if (err < 0)
        return err;
    if (p->has_initfs) {
        uint64_t npages = (initfs_len + PAGE_SIZE - 1) / PAGE_SIZE;
        if ((err = vm_map_shared(&p->vm, USER_INITFS_BASE, initfs_pa, npages)) < 0)
            return err;
    }
    if (!(p->thread = thread_create(p, entry, arg)))
        return ERR_NO_MEMORY;
    return 0;
}

long proc_spawn(struct proc *parent, const char *name, const void *image, uint64_t len, uint64_t arg,
                bool share_initfs) {
    int slot = 0;
    while (slot < MAX_PROCS && procs[slot])
        slot++;
    if (slot == MAX_PROCS)
        return ERR_NO_RESOURCES;
    struct proc *p = kmalloc(sizeof(*p));
    if (!p)
        return ERR_NO_MEMORY;
    long err = vm_space_init(&p->vm);
    if (err < 0) {
        kfree(p);
        return err;
    }
    p->has_initfs = share_initfs && initfs_pa;
    if ((err = proc_build(p, image, len, arg)) < 0) {
        vm_space_destroy(&p->vm);
        kfree(p);
        return err;
    }
    /* Nothing fails from here on. */
    memcpy(p->name, name, strnlen(name, SPAWN_NAME_MAX));
    p->pid = next_pid++;
    p->state = PROC_LIVE;
    p->parent = parent;
    procs[slot] = p;
    sched_add(p->thread);
    return p->pid;
}

void proc_start_init(const char *path) {
    struct tar_file f;
    const void *archive = arch_phys_to_virt(initfs_pa);
    long err = initfs_pa ? tar_find(archive, initfs_len, path, &f) : ERR_NOT_FOUND;
    if (err < 0)
        PANIC("cannot find %s in the initfs: %s", path, err_str(err));
    long pid = proc_spawn(NULL, "init", f.data, f.size, 0, true);
    if (pid < 0)
        PANIC("cannot start %s: %s", path, err_str(pid));
    log_printf("proc: started init from %s (pid %ld)", path, pid);
}

/* Remove a process from the table and free it. */
static void proc_free(struct proc *p) {
    for (int i = 0; i < MAX_PROCS; i++)
        if (procs[i] == p)
            procs[i] = NULL;
    kfree(p);
}

/* Detach the children of p: zombies among them are freed, the rest run on without a parent. */
static void proc_orphan_children(struct proc *p) {
    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *c = procs[i];
        if (!c || c->parent != p)
            continue;
        c->parent = NULL;
        if (c->state == PROC_ZOMBIE)
            proc_free(c);
    }
}

_Noreturn void proc_exit(const struct exit_info *info) {
    struct proc *p = proc_current();
    if (p->pid == 1)
        PANIC("init ended (reason %d, code %d)", info->reason, info->code);
    p->exit = *info;
    p->state = PROC_ZOMBIE;
    arch_vm_activate(arch_vm_kernel_root());
    vm_space_destroy(&p->vm);
    proc_orphan_children(p);
    p->thread = NULL;
    struct proc *parent = p->parent;
    if (!parent)
        proc_free(p);
    else if (parent->waiting_for == p->pid)
        sched_wake(parent->thread);
    sched_exit();
}

_Noreturn void proc_fault(uint32_t vector, uint64_t error_code, uint64_t rip, uint64_t addr) {
    struct proc *p = proc_current();
    log_printf("proc: %s (pid %ld) killed: %s at rip %#lx, address %#lx, error code %#lx", p->name, p->pid,
               trap_name(vector), rip, addr, error_code);
    struct exit_info info = {
        .reason = EXIT_FAULT, .vector = vector, .rip = rip, .fault_addr = addr, .error_code = error_code};
    proc_exit(&info);
}

long proc_wait(long pid, struct exit_info *out) {
    struct proc *self = proc_current(), *c = proc_find(pid);
    if (!c || c->parent != self)
        return ERR_NOT_CHILD;
    while (c->state != PROC_ZOMBIE) {
        self->waiting_for = pid;
        sched_block();
        self->waiting_for = 0;
        if (self->killed)
            return ERR_WOULD_BLOCK; /* never seen: the kill takes effect on the way out */
    }
    *out = c->exit;
    proc_free(c);
    return 0;
}

long proc_kill(long pid) {
    struct proc *self = proc_current(), *c = proc_find(pid);
    if (!c || c->parent != self)
        return ERR_NOT_CHILD;
    if (c->state == PROC_ZOMBIE)
        return 0;
    c->killed = true;
    sched_wake(c->thread);
    return 0;
}

void proc_user_return(void) {
    for (;;) {
        struct proc *p = proc_current();
        if (p->killed) {
            struct exit_info info = {.reason = EXIT_KILLED};
            proc_exit(&info);
        }
        if (!cpu_self()->need_resched)
            return;
        sched_yield();
    }
}
