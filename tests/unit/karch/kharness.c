/* kharness.c: the host test harness of the kernel core (see kharness.h). */
#include "kharness.h"

#include "../../inos/elfgen.h"

#include <channel.h>
#include <clockpage.h>
#include <conring.h>
#include <device.h>
#include <mm/mm.h>
#include <ktimer.h>
#include <lock.h>
#include <pci.h>
#include <random.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syscall.h>

#define KH_SLOTS 256
#define KH_RUN_GUARD 1000000
/* Programs do not use their user stack: its first page is the wrappers' scratch, the rest their heap. */
#define USCRATCH (USER_STACK_TOP - USER_STACK_SIZE)
#define UHEAP_BASE (USCRATCH + PAGE_SIZE)

unsigned long kh_switches;
static struct {
    kh_prog prog;
    uint64_t payload;
} slots[KH_SLOTS];
static uaddr_t uheap_next[MAX_PROCS * 4]; /* per pid (mod), the next free byte of its user heap */
static uint64_t ram_baseline;

void kh_setup(void)
{
    static bool booted;
    karch_fail_at = 0;
    karch_irq_window_hook = NULL;
    karch_irq_windows = 0;
    karch_now_ns = 1000000000;
    karch_console_stalled = false;
    karch_console_drain(); /* a test that stalled the console may have left bytes queued */
    karch_log_clear();
    karch_mm_reset();
    clock_page_init(); /* its page is the kernel's for good, as after a real boot */
    if (!kernel_lock_held())
        kernel_lock();
    sched_init();
    if (!booted) {
        pci_init();
        random_init();
        conring_start(); /* interrupt-driven from here on, as after a real boot */
        booted = true;
    }
    init_process = NULL;
    ram_baseline = pmm_free_pages();
}

void kh_check_clean(void)
{
    karch_fail_at = 0;
    /* The DMA memory the functions keep from their last grant goes first (kernel/device.c). */
    for (uint32_t i = 0;; i++) {
        struct device_match any = {
            .vendor = PCI_ANY_ID, .device = PCI_ANY_ID, .class_code = PCI_ANY_CLASS, .index = i};
        struct pci_dev *pci = pci_find(&any);
        if (!pci)
            break;
        device_release_stale(pci);
    }
    if (proc_count() != 0)
        fail_msg("%lu process(es) still live; log:\n%s", (unsigned long)proc_count(), karch_log());
    if (karch_live_blocks() != 0)
        fail_msg("%ld kernel block(s) not freed; log:\n%s", karch_live_blocks(), karch_log());
    if (pmm_free_pages() != ram_baseline)
        fail_msg("%ld page(s) not freed", (long)(ram_baseline - pmm_free_pages()));
    if (ktimer_next_deadline() != UINT64_MAX)
        fail_msg("a kernel timer is still armed");
}

uint64_t kh_pages_used(void)
{
    return ram_baseline - pmm_free_pages();
}

uint64_t kh_prog_arg(kh_prog prog, uint64_t payload)
{
    for (uint64_t i = 0; i < KH_SLOTS; i++)
        if (!slots[i].prog) {
            slots[i].prog = prog;
            slots[i].payload = payload;
            return i;
        }
    fail_msg("more than %d programs waiting to start", KH_SLOTS);
    return 0;
}

void kh_prog_arg_drop(uint64_t arg)
{
    if (arg < KH_SLOTS)
        slots[arg].prog = NULL;
}

struct proc *kh_spawn(const char *name, kh_prog prog, uint64_t payload)
{
    static uint8_t image[ELFGEN_BUF_SIZE] __attribute__((aligned(8)));
    size_t len = elfgen_build(image, ELFGEN_EXIT, 0);
    uint64_t arg = kh_prog_arg(prog, payload);
    struct proc *p = NULL;
    if (proc_spawn(name, image, len, arg, false, 1, NULL, 0, NULL, &p) < 0) {
        slots[arg].prog = NULL;
        return NULL;
    }
    return p;
}

void kh_release(struct proc *p)
{
    if (p)
        obj_unref(&p->obj);
}

void kh_run(void)
{
    for (unsigned guard = 0; guard < KH_RUN_GUARD; guard++) {
        unsigned long before = kh_switches;
        sched_yield_cpu();
        if (kh_switches != before)
            continue;
        uint64_t next = ktimer_next_deadline();
        if (next == UINT64_MAX)
            return;
        if (next > karch_now_ns)
            karch_now_ns = next;
        sched_tick();
    }
    fail_msg("processes still running after %d rounds", KH_RUN_GUARD);
}

_Noreturn void kh_user_main(uint64_t a0)
{
    kh_prog prog = slots[a0].prog;
    uint64_t payload = slots[a0].payload;
    slots[a0].prog = NULL;
    uheap_next[proc_current()->pid % (MAX_PROCS * 4)] = UHEAP_BASE;
    prog(payload);
    kh_sys(SYS_EXIT, 0, 0, 0, 0, 0, 0);
    abort(); /* SYS_EXIT returned */
}

unsigned long kh_syscalls_made[SYS_COUNT];
static bool sweeping; /* kh_fault_sweep is running: kh_sys counts the calls made */

long kh_sys(long nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
    if (sweeping && nr >= 0 && nr < SYS_COUNT)
        kh_syscalls_made[nr]++;
    kernel_lock();
    struct syscall_args a = {a1, a2, a3, a4, a5, a6};
    long r = syscall_dispatch((uint64_t)nr, &a);
    proc_user_return();
    kernel_unlock();
    return r;
}

uaddr_t kh_ualloc(size_t n)
{
    uaddr_t *next = &uheap_next[proc_current()->pid % (MAX_PROCS * 4)];
    uaddr_t u = (*next + 15) & ~15ul;
    if (u + n > USER_STACK_TOP)
        fail_msg("user heap of %s exhausted", proc_current()->name);
    *next = u + n;
    static const uint8_t zero[256];
    for (size_t done = 0; done < n; done += sizeof(zero))
        kh_uput(u + done, zero, n - done < sizeof(zero) ? n - done : sizeof(zero));
    return u;
}

void kh_uput(uaddr_t dst, const void *src, size_t n)
{
    if (!arch_copy_to_user(dst, src, n))
        fail_msg("kh_uput to %#lx failed", dst);
}

void kh_uget(void *dst, uaddr_t src, size_t n)
{
    if (!arch_copy_from_user(dst, src, n))
        fail_msg("kh_uget from %#lx failed", src);
}

/* A valid ELF image (elfgen) for SYS_SPAWN, copied into user memory; *len its size. */
static uaddr_t kh_uimage(size_t *len)
{
    uint8_t image[ELFGEN_BUF_SIZE] __attribute__((aligned(8)));
    *len = elfgen_build(image, ELFGEN_EXIT, 0);
    uaddr_t u = kh_ualloc(*len);
    kh_uput(u, image, *len);
    return u;
}

long kh_spawn_child(const char *name, kh_prog prog, uint64_t payload, const handle_t *handles, unsigned n)
{
    size_t len, name_len = strlen(name);
    uaddr_t image = kh_uimage(&len), uname = kh_ualloc(name_len),
            uargs = kh_ualloc(sizeof(struct spawn_args));
    uaddr_t uhandles = n ? kh_ualloc(n * sizeof(handle_t)) : 0;
    kh_uput(uname, name, name_len);
    if (n)
        kh_uput(uhandles, handles, n * sizeof(handle_t));
    struct spawn_args sa = {.name = uname,
                            .name_len = name_len,
                            .image = image,
                            .image_len = len,
                            .arg = kh_prog_arg(prog, payload),
                            .handles = uhandles,
                            .nhandles = n};
    kh_uput(uargs, &sa, sizeof(sa));
    return kh_sys(SYS_SPAWN, uargs, 0, 0, 0, 0, 0);
}

/* The spawn argument reaches the child's first argument register, which the host port runs. */
long kh_spawn_supervised(kh_prog prog, uint64_t payload, handle_t end)
{
    uaddr_t uname = kh_ualloc(4), uargs = kh_ualloc(sizeof(struct spawn_args)), uh = kh_ualloc(sizeof(end));
    kh_uput(uname, "supd", 4);
    kh_uput(uh, &end, sizeof(end));
    uint64_t arg = kh_prog_arg(prog, payload);
    struct spawn_args sa = {
        .name = uname, .name_len = 4, .arg = arg, .flags = SPAWN_SUPERVISED, .handles = uh, .nhandles = 1};
    kh_uput(uargs, &sa, sizeof(sa));
    long child = kh_sys(SYS_SPAWN, uargs, 0, 0, 0, 0, 0);
    if (child < 0)
        kh_prog_arg_drop(arg);
    return child;
}

long kh_supervised(kh_prog prog, uint64_t payload, handle_t *ch, long *eq)
{
    handle_t c[2];
    KH_CHECK_EQ(kh_channel_create(c), 0);
    if (ch)
        *ch = c[0];
    *eq = kh_sys(SYS_EVENTQ_CREATE, 0, 0, 0, 0, 0, 0);
    KH_CHECK_EQ(kh_sys(SYS_EVENTQ_ADD, (uint64_t)*eq, c[0], 0, 0, 0, 0), 0);
    long child = kh_spawn_supervised(prog, payload, c[1]);
    KH_CHECK(child > 0);
    return child;
}

struct proc *kh_child_proc(long h)
{
    struct proc *p = NULL;
    KH_CHECK_EQ(handle_object(proc_handles(), (handle_t)h, OBJ_PROCESS, RIGHT_MANAGE, (void **)&p), 0);
    return p;
}

uint64_t kh_child_charged(long h)
{
    return kh_child_proc(h)->quota->used[LIMIT_PAGES];
}

long kh_child_put(long child, uint64_t addr, const char *s)
{
    size_t n = strlen(s);
    KH_CHECK(n <= 16);
    uaddr_t buf = kh_ualloc(16);
    kh_uput(buf, s, n);
    return kh_sys(SYS_PROC_VM_WRITE, (uint64_t)child, addr, buf, n, 0, 0);
}

void kh_child_expect_n(long child, uint64_t addr, const char *s, size_t n)
{
    uaddr_t buf = kh_ualloc(16);
    char got[16] = "";
    KH_CHECK(n <= sizeof(got));
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_READ, (uint64_t)child, addr, buf, n, 0, 0), (long)n);
    kh_uget(got, buf, n);
    KH_CHECK(memcmp(got, s, n) == 0);
}

void kh_child_expect(long child, uint64_t addr, const char *s)
{
    kh_child_expect_n(child, addr, s, strlen(s));
}

long kh_channel_create(handle_t out[2])
{
    uaddr_t u = USCRATCH;
    long r = kh_sys(SYS_CHANNEL_CREATE, u, 0, 0, 0, 0, 0);
    if (r == 0)
        kh_uget(out, u, 2 * sizeof(handle_t));
    return r;
}

long kh_send(handle_t ch, const struct warp_msg *m)
{
    uaddr_t u = USCRATCH;
    kh_uput(u, m, sizeof(*m));
    return kh_sys(SYS_CHANNEL_SEND, (uint64_t)ch, u, 0, 0, 0, 0);
}

long kh_recv(handle_t ch, struct warp_msg *out)
{
    uaddr_t u = USCRATCH;
    long r = kh_sys(SYS_CHANNEL_RECV, (uint64_t)ch, u, 0, 0, 0, 0);
    kh_uget(out, u, sizeof(*out));
    return r;
}

long kh_wait(handle_t eq, struct warp_event *out, uint64_t deadline)
{
    uaddr_t u = USCRATCH;
    long r = kh_sys(SYS_EVENTQ_WAIT, (uint64_t)eq, u, deadline, 0, 0, 0);
    kh_uget(out, u, sizeof(*out));
    return r;
}

long kh_close(handle_t h)
{
    return kh_sys(SYS_HANDLE_CLOSE, (uint64_t)h, 0, 0, 0, 0, 0);
}

static long bad_error; /* the first error a program saw that the current run does not allow */

bool kh_ok(long r)
{
    if (r >= 0)
        return true;
    bool allowed = karch_fail_at && (r == ERR_NO_MEMORY || r == ERR_PEER_CLOSED);
    if (!allowed && !bad_error) {
        bad_error = r;
        if (getenv("KH_TRACE"))
            fprintf(stderr, "kh_ok: %s at kh_ok%+ld\n", err_str(r),
                    (long)((char *)__builtin_return_address(0) - (char *)&kh_ok));
    }
    return false;
}

long kh_fault_sweep(void (*scenario)(void))
{
    sweeping = true;
    kh_setup();
    long before = karch_alloc_count;
    scenario();
    long count = karch_alloc_count - before;
    kh_check_clean();
    if (bad_error)
        fail_msg("the scenario failed without an injected fault: %s", err_str(bad_error));
    for (long i = 1; i <= count; i++) {
        kh_setup();
        bad_error = 0;
        karch_fail_at = karch_alloc_count + i;
        scenario();
        if (bad_error)
            fail_msg("with allocation %ld of %ld failing, a program saw %s", i, count, err_str(bad_error));
        kh_check_clean();
    }
    sweeping = false;
    return count;
}

char kh_failed_check[256];

void kh_run_program(kh_prog prog, uint64_t payload)
{
    kh_setup();
    kh_failed_check[0] = 0;
    struct proc *p = kh_spawn("test", prog, payload);
    assert_non_null(p);
    kh_run();
    if (p->state != PROC_DEAD) {
        proc_kill(p);
        kh_run();
    }
    bool ended = p->exit.reason == EXIT_NORMAL;
    kh_release(p);
    if (kh_failed_check[0])
        fail_msg("%s", kh_failed_check);
    if (!ended)
        fail_msg("the program did not end by itself");
    kh_check_clean();
}
