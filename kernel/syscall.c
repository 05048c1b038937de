/* syscall.c: system-call decoding and the handlers (see docs/syscalls.md); each validates, then commits. */
#include <arch.h>
#include <cpu.h>
#include <lock.h>
#include <log.h>
#include <mm.h>
#include <proc.h>
#include <sched.h>
#include <syscall.h>
#include <warp/abi.h>
#include <warp/error.h>
#include <warp/string.h>

#define CONSOLE_WRITE_MAX 65536
#define VM_MAP_MAX (1ul << 30)

static long sys_console_write(uaddr_t buf, uint64_t len) {
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

static long sys_exit(uint64_t code) {
    struct exit_info info = {.reason = EXIT_NORMAL, .code = (int32_t)code};
    proc_exit(&info);
}

/* Copy the image named by args into kernel memory; the caller kfree()s *image_out. */
static long spawn_copy_in(const struct spawn_args *a, char name[SPAWN_NAME_MAX + 1], void **image_out) {
    if (a->name_len == 0 || a->name_len > SPAWN_NAME_MAX || a->image_len == 0 || (a->flags & ~SPAWN_FLAGS_ALL))
        return ERR_INVALID_ARG;
    if (a->image_len > SPAWN_IMAGE_MAX)
        return ERR_TOO_LARGE;
    if ((a->flags & SPAWN_SHARE_INITFS) && !proc_current()->has_initfs)
        return ERR_PERMISSION;
    long err = copy_from_user(name, a->name, a->name_len);
    if (err < 0)
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

static long sys_spawn(uaddr_t uargs) {
    struct spawn_args a;
    long err = copy_from_user(&a, uargs, sizeof(a));
    if (err < 0)
        return err;
    char name[SPAWN_NAME_MAX + 1];
    void *image;
    if ((err = spawn_copy_in(&a, name, &image)) < 0)
        return err;
    long pid = proc_spawn(proc_current(), name, image, a.image_len, a.arg, a.flags & SPAWN_SHARE_INITFS);
    kfree(image);
    return pid;
}

static long sys_wait(long pid, uaddr_t out) {
    long err = user_range_check(out, sizeof(struct exit_info), PROT_WRITE);
    if (err < 0)
        return err;
    struct exit_info info;
    if ((err = proc_wait(pid, &info)) < 0)
        return err;
    return copy_to_user(out, &info, sizeof(info));
}

static long sys_vm_map(uint64_t len, uint64_t prot) {
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

static long sys_vm_unmap(uaddr_t addr, uint64_t len) {
    if (addr & (PAGE_SIZE - 1))
        return ERR_INVALID_ARG;
    if (len == 0 || len > VM_MAP_MAX)
        return ERR_NOT_FOUND;
    return vm_unmap_region(&proc_current()->vm, addr, (len + PAGE_SIZE - 1) / PAGE_SIZE, VM_ANON);
}

static long sys_sysinfo(uaddr_t out) {
    struct sysinfo info = {
        .total_pages = pmm_total_pages(),
        .free_pages = pmm_free_pages(),
        .nprocs = proc_count(),
        .uptime_ns = arch_time_ns(),
    };
    return copy_to_user(out, &info, sizeof(info));
}

static long sys_yield(void) {
    sched_yield();
    return 0;
}

static long sys_shutdown(uint64_t code) {
    if (proc_current()->pid != 1)
        return ERR_PERMISSION;
    if (code > 255)
        return ERR_INVALID_ARG;
    log_printf("kernel: power off requested by init (code %lu)", code);
    arch_poweroff((int)code);
}

/* Decode a system call by number; unknown numbers are an error, never a crash. */
long syscall_dispatch(long nr, uint64_t a1, uint64_t a2, uint64_t a3) {
    switch (nr) {
    case SYS_CONSOLE_WRITE: return sys_console_write(a1, a2);
    case SYS_EXIT: return sys_exit(a1);
    case SYS_SPAWN: return sys_spawn(a1);
    case SYS_WAIT: return sys_wait((long)a1, a2);
    case SYS_KILL: return proc_kill((long)a1);
    case SYS_VM_MAP: return sys_vm_map(a1, a2);
    case SYS_VM_UNMAP: return sys_vm_unmap(a1, a2);
    case SYS_SYSINFO: return sys_sysinfo(a1);
    case SYS_YIELD: return sys_yield();
    case SYS_CLOCK: return (long)arch_time_ns();
    case SYS_SHUTDOWN: return sys_shutdown(a1);
    default: (void)a3; return ERR_BAD_SYSCALL;
    }
}
