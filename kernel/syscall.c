/* syscall.c: system-call decoding and the handlers (see docs/syscalls.md); each validates, then commits. */
#include <arch.h>
#include <cpu.h>
#include <lock.h>
#include <log.h>
#include <mm.h>
#include <proc.h>
#include <random.h>
#include <sched.h>
#include <device.h>
#include <syscall.h>
#include <warp/ipc.h>
#include <warp/abi.h>
#include <warp/error.h>
#include <warp/string.h>

#define CONSOLE_WRITE_MAX 65536
#define VM_MAP_MAX (1ul << 30)

static long sys_console_write(const struct syscall_args *a) {
    uaddr_t buf = a->a1;
    uint64_t len = a->a2;
    if (len > CONSOLE_WRITE_MAX)
        return ERR_TOO_LARGE;
    long err = user_range_check(buf, len, PROT_READ);
    if (err < 0)
        return err;
    char chunk[256];
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
        if ((err = copy_from_user(chunk, buf + done, n)) < 0)
            return err;
        arch_console_write(chunk, n);
        done += n;
    }
    return (long)len;
}

static long sys_exit(const struct syscall_args *a) {
    uint64_t code = a->a1;
    struct exit_info info = {.reason = EXIT_NORMAL, .code = (int32_t)code};
    proc_exit(&info);
}

/* Check the handles a spawn moves: transferable, distinct, and room for the new process handle. */
static long spawn_check_handles(const handle_t *hs, uint64_t n) {
    struct proc *self = proc_current();
    for (uint64_t i = 0; i < n; i++) {
        struct handle_entry *e;
        long err = handle_get(self, hs[i], 0, RIGHT_TRANSFER, &e);
        if (err < 0)
            return err;
        for (uint64_t j = 0; j < i; j++)
            if (hs[j] == hs[i])
                return ERR_INVALID_ARG;
    }
    /* The handles leave before the process handle arrives, so a full table with n > 0 still fits. */
    return handle_free_slots(self) + n >= 1 ? 0 : ERR_NO_RESOURCES;
}

/* Copy the image named by args into kernel memory; the caller kfree()s *image_out. */
static long spawn_copy_in(const struct spawn_args *a, char name[SPAWN_NAME_MAX + 1], handle_t *hs,
                          void **image_out) {
    if (a->name_len == 0 || a->name_len > SPAWN_NAME_MAX || a->image_len == 0 ||
        (a->flags & ~SPAWN_FLAGS_ALL) || a->nhandles > SPAWN_HANDLES_MAX)
        return ERR_INVALID_ARG;
    if (a->image_len > SPAWN_IMAGE_MAX)
        return ERR_TOO_LARGE;
    if ((a->flags & SPAWN_SHARE_INITFS) && !proc_current()->has_initfs)
        return ERR_PERMISSION;
    long err = copy_from_user(name, a->name, a->name_len);
    if (err < 0 || (err = copy_from_user(hs, a->handles, a->nhandles * sizeof(handle_t))) < 0 ||
        (err = spawn_check_handles(hs, a->nhandles)) < 0)
        return err;
    name[a->name_len] = 0;
    if ((err = user_range_check(a->image, a->image_len, PROT_READ)) < 0)
        return err;
    void *image = kmalloc(a->image_len);
    if (!image)
        return ERR_NO_MEMORY;
    if ((err = copy_from_user(image, a->image, a->image_len)) < 0) {
        kfree(image);
        return err;
    }
    *image_out = image;
    return 0;
}

static long sys_spawn(const struct syscall_args *a) {
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
    err = proc_spawn(name, image, sa.image_len, sa.arg, sa.flags & SPAWN_SHARE_INITFS, hs,
                     (uint32_t)sa.nhandles, &child);
    kfree(image);
    if (err < 0)
        return err;
    err = handle_install(proc_current(), &child->obj, RIGHTS_ALL);
    ASSERT(err > 0); /* room was checked before the spawn */
    return err;
}

static long sys_wait(const struct syscall_args *a) {
    handle_t h = handle_from_reg(a->a1);
    uaddr_t out = a->a2;
    struct proc *p = NULL;
    long err = handle_object(h, OBJ_PROCESS, RIGHT_READ, (void **)&p);
    if (err < 0 || (err = user_range_check(out, sizeof(struct exit_info), PROT_WRITE)) < 0)
        return err;
    struct exit_info info;
    if ((err = proc_wait(p, &info)) < 0)
        return err;
    return copy_to_user(out, &info, sizeof(info));
}

static long sys_kill(const struct syscall_args *a) {
    handle_t h = handle_from_reg(a->a1);
    struct proc *p = NULL;
    long err = handle_object(h, OBJ_PROCESS, RIGHT_WRITE, (void **)&p);
    if (err == 0)
        proc_kill(p);
    return err;
}

static long sys_vm_map(const struct syscall_args *a) {
    uint64_t len = a->a1;
    uint64_t prot = a->a2;
    if (len == 0 || prot == 0 || (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC)) ||
        ((prot & PROT_WRITE) && (prot & PROT_EXEC)))
        return ERR_INVALID_ARG;
    if (len > VM_MAP_MAX)
        return ERR_TOO_LARGE;
    struct vm_space *vs = &proc_current()->vm;
    uint64_t npages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
    uaddr_t addr = vm_find_free(vs, npages);
    if (vm_count(vs, VM_ANON) >= VM_MAX_ANON || !addr)
        return ERR_NO_RESOURCES;
    long err = vm_map_anon(vs, addr, npages, (unsigned)(prot | PROT_READ), VM_ANON);
    return err < 0 ? err : (long)addr;
}

static long sys_vm_unmap(const struct syscall_args *a) {
    uaddr_t addr = a->a1;
    uint64_t len = a->a2;
    if (addr & (PAGE_SIZE - 1))
        return ERR_INVALID_ARG;
    if (len == 0 || len > VM_MAP_MAX)
        return ERR_NOT_FOUND;
    return vm_unmap_region(&proc_current()->vm, addr, (len + PAGE_SIZE - 1) / PAGE_SIZE, VM_ANON);
}

static long sys_sysinfo(const struct syscall_args *a) {
    uaddr_t out = a->a1;
    struct sysinfo info = {
        .total_pages = pmm_total_pages(),
        .free_pages = pmm_free_pages(),
        .nprocs = proc_count(),
        .uptime_ns = arch_time_ns(),
    };
    return copy_to_user(out, &info, sizeof(info));
}

static long sys_yield(const struct syscall_args *a) {
    (void)a;
    sched_yield();
    return 0;
}

static long sys_shutdown(const struct syscall_args *a) {
    uint64_t code = a->a1;
    if (proc_current()->pid != 1)
        return ERR_PERMISSION;
    if (code > 255)
        return ERR_INVALID_ARG;
    log_printf("kernel: power off requested by init (code %lu)", code);
    arch_poweroff((int)code);
}

static long sys_clock(const struct syscall_args *a) {
    (void)a;
    return (long)arch_time_ns();
}

static long sys_entropy(const struct syscall_args *a) {
    uaddr_t buf = a->a1;
    uint64_t len = a->a2;
    if (len > ENTROPY_MAX)
        return ERR_TOO_LARGE;
    long err = user_range_check(buf, len, PROT_WRITE);
    if (err < 0)
        return err;
    uint8_t bytes[ENTROPY_MAX];
    random_fill(bytes, len);
    err = copy_to_user(buf, bytes, len);
    memset(bytes, 0, len); /* nothing of it stays on the kernel stack */
    return err < 0 ? err : (long)len;
}

/* Every system call by number; a gap is ERR_BAD_SYSCALL. */
static const syscall_fn syscall_table[SYS_COUNT] = {
    [SYS_CONSOLE_WRITE] = sys_console_write,
    [SYS_EXIT] = sys_exit,
    [SYS_SPAWN] = sys_spawn,
    [SYS_WAIT] = sys_wait,
    [SYS_KILL] = sys_kill,
    [SYS_VM_MAP] = sys_vm_map,
    [SYS_VM_UNMAP] = sys_vm_unmap,
    [SYS_SYSINFO] = sys_sysinfo,
    [SYS_YIELD] = sys_yield,
    [SYS_CLOCK] = sys_clock,
    [SYS_SHUTDOWN] = sys_shutdown,
    [SYS_HANDLE_CLOSE] = sys_handle_close,
    [SYS_HANDLE_INFO] = sys_handle_info,
    [SYS_HANDLE_REDUCE] = sys_handle_reduce,
    [SYS_CHANNEL_CREATE] = sys_channel_create,
    [SYS_CHANNEL_SEND] = sys_channel_send,
    [SYS_CHANNEL_RECV] = sys_channel_recv,
    [SYS_CALL_READ] = sys_call_read,
    [SYS_CALL_WRITE] = sys_call_write,
    [SYS_EVENTQ_CREATE] = sys_eventq_create,
    [SYS_EVENTQ_ADD] = sys_eventq_add,
    [SYS_EVENTQ_REMOVE] = sys_eventq_remove,
    [SYS_EVENTQ_WAIT] = sys_eventq_wait,
    [SYS_TIMER_CREATE] = sys_timer_create,
    [SYS_TIMER_SET] = sys_timer_set,
    [SYS_DEVICE_OPEN] = sys_device_open,
    [SYS_DEVICE_CONFIG_READ] = sys_config_read,
    [SYS_DEVICE_CONFIG_WRITE] = sys_config_write,
    [SYS_DEVICE_MAP_BAR] = sys_map_bar,
    [SYS_IRQ_CREATE] = sys_irq_create,
    [SYS_IRQ_ACK] = sys_irq_ack,
    [SYS_DMA_ALLOC] = sys_dma_alloc,
    [SYS_DEVICE_INFO] = sys_device_info,
    [SYS_SEND_WAIT] = sys_send_wait,
    [SYS_ENTROPY] = sys_entropy,
};

long syscall_dispatch(uint64_t nr, const struct syscall_args *a) {
    syscall_fn fn = nr < SYS_COUNT ? syscall_table[nr] : NULL;
    return fn ? fn(a) : ERR_BAD_SYSCALL;
}
