/* sys_system.c: the system-wide calls: console, counters, clock, entropy, power-off (docs/syscalls.md). */
#include <arch.h>
#include <conring.h>
#include <console.h>
#include <kstat.h>
#include <log.h>
#include <mm/mm.h>
#include <proc.h>
#include <random.h>
#include <syscall.h>
#include <vm.h>
#include <warp/error.h>
#include <warp/string.h>

/* Per call: the largest write a program may ask for in one go. */
#define CONSOLE_WRITE_MAX 65536

/* The whole buffer is checked first; the output goes out in chunks, tagged and within the
 * process's rate limit (console.c). */
long sys_console_write(const struct syscall_args *a)
{
    uaddr_t buf = a->a1;
    uint64_t len = a->a2;
    if (len > CONSOLE_WRITE_MAX)
        return ERR_TOO_LARGE;
    long err = user_range_check(buf, len, PROT_READ);
    if (err < 0)
        return err;
    struct console_writer w = proc_console(proc_current());
    return console_write_user(&w, buf, len);
}

/* A snapshot for tools and tests; free pages count the heap's reclaimable spares. */
long sys_sysinfo(const struct syscall_args *a)
{
    uaddr_t out = a->a1;
    struct kstat ks;
    kstat_read(&ks);
    struct sysinfo info = {
        .total_pages = pmm_total_pages(),
        .free_pages = pmm_free_pages(),
        .nprocs = proc_count(),
        .uptime_ns = arch_time_ns(),
        .irqoff_max_ns = ks.irqoff_max_ns,
        .syscall_max_ns = ks.syscall_max_ns,
        .syscall_max_nr = ks.syscall_max_nr,
        .console_dropped = console_dropped_total(),
    };
    return copy_to_user(out, &info, sizeof(info));
}

/* Nanoseconds since boot; as a long it stays positive for 292 years. */
long sys_clock(const struct syscall_args *a)
{
    (void)a;
    return (long)arch_time_ns();
}

/* Checked writable first, so no generator output is drawn for a copy that cannot land. */
long sys_entropy(const struct syscall_args *a)
{
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
    random_wipe(bytes, len); /* nothing of it stays on the kernel stack */
    return err < 0 ? err : (long)len;
}

/* init only; the code goes to the hypervisor's exit device when one listens. */
long sys_shutdown(const struct syscall_args *a)
{
    uint64_t code = a->a1;
    if (!proc_is_init(proc_current()))
        return ERR_PERMISSION;
    if (code > 255)
        return ERR_INVALID_ARG;
    kstat_log();
    log_printf("kernel: power off requested by init (code %lu)", code);
    conring_sync(); /* every line out before the machine goes */
    arch_poweroff((int)code);
}
