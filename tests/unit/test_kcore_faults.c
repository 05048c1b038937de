/* test_kcore_faults.c: every system-call path with each of its kernel allocations failing in turn:
 * the call fails cleanly (ERR_NO_MEMORY), nothing leaks, nothing is used after it is freed (ASan). */
#include "karch/kharness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <warp/device.h>

#define MAX_SPAWNED 8

static struct proc *spawned[MAX_SPAWNED];
static unsigned nspawned;

/* Spawn from the test (the kernel's idle thread); a refusal under injection is allowed. */
static void spawn(const char *name, kh_prog prog, uint64_t payload)
{
    struct proc *p = kh_spawn(name, prog, payload);
    if (p)
        spawned[nspawned++] = p;
}

/* Run everything, then end whatever still waits (a reply lost to an injected failure is the
 * caller's to time out) and release the spawned processes. */
static void finish(void)
{
    kh_run();
    for (unsigned i = 0; i < nspawned; i++)
        proc_kill(spawned[i]);
    kh_run();
    for (unsigned i = 0; i < nspawned; i++)
        kh_release(spawned[i]);
    nspawned = 0;
}

/* --- IPC: channels, messages carrying handles, calls with buffers, event queues, timers --- */

/* SYS_SPAWN's child: serve one call on handle 1 (read the buffer, write it back doubled, reply). */
static void prog_server(uint64_t payload)
{
    (void)payload;
    long eq = kh_sys(SYS_EVENTQ_CREATE, 0, 0, 0, 0, 0, 0);
    if (!kh_ok(eq) || !kh_ok(kh_sys(SYS_EVENTQ_ADD, (uint64_t)eq, 1, 7, 0, 0, 0)))
        return;
    struct warp_event ev;
    if (!kh_ok(kh_wait((handle_t)eq, &ev, DEADLINE_FOREVER)) || ev.type != EV_MESSAGE)
        return;
    uaddr_t buf = kh_ualloc(64);
    long n = kh_sys(SYS_CALL_READ, 1, ev.u.msg.call_id, 0, 0, buf, 64);
    if (!kh_ok(n) || !kh_ok(kh_sys(SYS_CALL_WRITE, 1, ev.u.msg.call_id, 1, 0, buf, (uint64_t)n)))
        return;
    struct warp_msg r = {.type = ev.u.msg.type, .flags = MSG_REPLY, .call_id = ev.u.msg.call_id, .status = n};
    kh_ok(kh_send(1, &r));
}

/* The rest of prog_ipc, once its server child exists: the call, then a cycle for the collector. */
static bool ipc_with_server(long eq, handle_t b0);

/* A client of everything IPC: see the steps. Its server child is killed whatever happens: a
 * process outlives its parent, and nothing would end it otherwise. */
static void prog_ipc(uint64_t payload)
{
    (void)payload;
    handle_t a[2], b[2];
    long eq = kh_sys(SYS_EVENTQ_CREATE, 0, 0, 0, 0, 0, 0);
    long timer = kh_sys(SYS_TIMER_CREATE, 0, 0, 0, 0, 0, 0);
    if (!kh_ok(eq) || !kh_ok(timer) || !kh_ok(kh_channel_create(a)) || !kh_ok(kh_channel_create(b)))
        return;
    /* A one-way message moving the timer, taken through the event queue. */
    struct warp_msg m = {.type = MSG_USER, .data_len = 3, .nhandles = 1, .handles = {(handle_t)timer}};
    if (!kh_ok(kh_send(a[0], &m)) || !kh_ok(kh_sys(SYS_EVENTQ_ADD, (uint64_t)eq, (uint64_t)a[1], 1, 0, 0, 0)))
        return;
    struct warp_event ev;
    if (!kh_ok(kh_wait((handle_t)eq, &ev, DEADLINE_NONE)))
        return;
    handle_t t = ev.u.msg.handles[0];
    if (!kh_ok(kh_sys(SYS_TIMER_SET, (uint64_t)t, karch_now_ns + 1000, 0, 0, 0, 0)) ||
        !kh_ok(kh_sys(SYS_EVENTQ_ADD, (uint64_t)eq, (uint64_t)t, 2, 0, 0, 0)) ||
        !kh_ok(kh_wait((handle_t)eq, &ev, DEADLINE_FOREVER)))
        return;
    /* A call with two buffers to a child spawned with one end of channel b. */
    long child = kh_spawn_child("server", prog_server, 0, &b[1], 1);
    if (!kh_ok(child))
        return;
    if (ipc_with_server(eq, b[0]))
        kh_ok(kh_sys(SYS_WAIT, (uint64_t)child, kh_ualloc(sizeof(struct exit_info)), 0, 0, 0, 0));
    kh_sys(SYS_KILL, (uint64_t)child, 0, 0, 0, 0, 0);
}

static bool ipc_with_server(long eq, handle_t b0)
{
    struct warp_event ev;
    uaddr_t in = kh_ualloc(64), out = kh_ualloc(64);
    kh_uput(in, "sixty-four bytes of call data, to be read and written back ....", 64);
    struct warp_msg call = {.type = MSG_READ, .flags = MSG_CALL, .call_id = 9, .nbufs = 2};
    call.bufs[0] = (struct msg_buf){.addr = in, .len = 64, .access = BUF_READ};
    call.bufs[1] = (struct msg_buf){.addr = out, .len = 64, .access = BUF_WRITE};
    if (!kh_ok(kh_sys(SYS_EVENTQ_ADD, (uint64_t)eq, (uint64_t)b0, 3, 0, 0, 0)))
        return false;
    uaddr_t umsg = kh_ualloc(sizeof(call)), uev = kh_ualloc(sizeof(ev));
    kh_uput(umsg, &call, sizeof(call));
    if (!kh_ok(kh_sys(SYS_SEND_WAIT, (uint64_t)b0, umsg, (uint64_t)eq, uev, karch_now_ns + 1000000000, 0)))
        return false;
    /* A cycle only the collector can free: each channel's far end queued in the other channel. */
    handle_t c[2], d[2];
    if (!kh_ok(kh_channel_create(c)) || !kh_ok(kh_channel_create(d)))
        return false;
    struct warp_msg x = {.type = MSG_USER, .nhandles = 1, .handles = {c[1]}};
    struct warp_msg y = {.type = MSG_USER, .nhandles = 1, .handles = {d[1]}};
    return kh_ok(kh_send(d[0], &x)) && kh_ok(kh_send(c[0], &y)) && kh_ok(kh_close(c[0])) &&
           kh_ok(kh_close(d[0]));
}

static void scenario_ipc(void)
{
    spawn("ipc", prog_ipc, 0);
    finish();
}

static void test_faults_ipc(void **state)
{
    (void)state;
    long n = kh_fault_sweep(scenario_ipc);
    assert_true(n > 20); /* the scenario really allocates: spawns, channels, calls, queues */
}

/* --- processes: spawn, wait through an event queue and SYS_WAIT, kill --- */

/* SYS_SPAWN's child: block until killed. */
static void prog_block(uint64_t payload)
{
    (void)payload;
    long eq = kh_sys(SYS_EVENTQ_CREATE, 0, 0, 0, 0, 0, 0);
    struct warp_event ev;
    if (kh_ok(eq))
        kh_wait((handle_t)eq, &ev, DEADLINE_FOREVER);
}

/* Spawn a child that blocks, watch it through an event queue, kill it, collect its exit twice. */
static void prog_procs(uint64_t payload)
{
    (void)payload;
    long child = kh_spawn_child("blocker", prog_block, 0, NULL, 0);
    if (!kh_ok(child))
        return;
    long eq = kh_sys(SYS_EVENTQ_CREATE, 0, 0, 0, 0, 0, 0);
    struct warp_event ev;
    bool watched = kh_ok(eq) && kh_ok(kh_sys(SYS_EVENTQ_ADD, (uint64_t)eq, (uint64_t)child, 1, 0, 0, 0)) &&
                   kh_ok(kh_sys(SYS_YIELD, 0, 0, 0, 0, 0, 0));
    kh_ok(kh_sys(SYS_KILL, (uint64_t)child, 0, 0, 0, 0, 0)); /* whatever failed: it must not outlive us */
    if (watched && kh_ok(kh_wait((handle_t)eq, &ev, DEADLINE_FOREVER)))
        kh_ok(kh_sys(SYS_WAIT, (uint64_t)child, kh_ualloc(sizeof(struct exit_info)), 0, 0, 0, 0));
}

static void scenario_procs(void)
{
    spawn("procs", prog_procs, 0);
    finish();
}

static void test_faults_procs(void **state)
{
    (void)state;
    assert_true(kh_fault_sweep(scenario_procs) > 5);
}

/* --- memory, handles, and the system-wide calls --- */
static void prog_misc(uint64_t payload)
{
    (void)payload;
    long addr = kh_sys(SYS_VM_MAP, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE, 0, 0, 0, 0);
    if (!kh_ok(addr))
        return;
    kh_uput((uaddr_t)addr + PAGE_SIZE, "mapped", 6);
    if (!kh_ok(kh_sys(SYS_CONSOLE_WRITE, (uint64_t)addr + PAGE_SIZE, 6, 0, 0, 0, 0)) ||
        !kh_ok(kh_sys(SYS_ENTROPY, (uint64_t)addr, 64, 0, 0, 0, 0)) ||
        !kh_ok(kh_sys(SYS_SYSINFO, (uint64_t)addr + 2 * PAGE_SIZE, 0, 0, 0, 0, 0)) ||
        !kh_ok(kh_sys(SYS_VM_UNMAP, (uint64_t)addr, 3 * PAGE_SIZE, 0, 0, 0, 0)))
        return;
    long t = kh_sys(SYS_TIMER_CREATE, 0, 0, 0, 0, 0, 0);
    if (!kh_ok(t))
        return;
    long r = kh_sys(SYS_HANDLE_REDUCE, (uint64_t)t, RIGHT_READ, 0, 0, 0, 0);
    if (kh_ok(r))
        kh_ok(kh_sys(SYS_HANDLE_INFO, (uint64_t)r, kh_ualloc(sizeof(struct handle_info)), 0, 0, 0, 0));
}

static void scenario_misc(void)
{
    spawn("misc", prog_misc, 0);
    finish();
}

static void test_faults_misc(void **state)
{
    (void)state;
    assert_true(kh_fault_sweep(scenario_misc) > 3);
}

/* --- what the scenarios above leave out: receiving, leaving an event queue, the clock, power-off --- */

/* r must be the error want (a refusal that no allocation failure may change); kh_ok records it if not. */
static bool expect_error(long r, long want)
{
    return kh_ok(r == want ? 0 : (r < 0 ? r : ERR_INVALID_ARG));
}

/* A message received with SYS_CHANNEL_RECV, a source added to an event queue and removed again, the
 * clock read, and a power-off that a process other than init is refused (so the sweep lives on). */
static void prog_rest(uint64_t payload)
{
    (void)payload;
    handle_t a[2];
    struct warp_msg m = {.type = MSG_USER, .data_len = 5}, got;
    if (!kh_ok(kh_channel_create(a)) || !kh_ok(kh_send(a[0], &m)) || !kh_ok(kh_recv(a[1], &got)))
        return;
    long eq = kh_sys(SYS_EVENTQ_CREATE, 0, 0, 0, 0, 0, 0);
    if (!kh_ok(eq) || !kh_ok(kh_sys(SYS_EVENTQ_ADD, (uint64_t)eq, a[1], 1, 0, 0, 0)) ||
        !kh_ok(kh_sys(SYS_EVENTQ_REMOVE, (uint64_t)eq, a[1], 0, 0, 0, 0)) ||
        !kh_ok(kh_sys(SYS_CLOCK, 0, 0, 0, 0, 0, 0)))
        return;
    expect_error(kh_sys(SYS_SHUTDOWN, 0, 0, 0, 0, 0, 0), ERR_PERMISSION);
}

static void scenario_rest(void)
{
    spawn("rest", prog_rest, 0);
    finish();
}

static void test_faults_rest(void **state)
{
    (void)state;
    assert_true(kh_fault_sweep(scenario_rest) > 3);
}

/* --- devices, as init: grant, BAR, interrupt, DMA memory --- */
static void device_steps(void)
{
    struct device_match match = {.vendor = 0x1af4, .device = 0x1000, .class_code = PCI_ANY_CLASS};
    uaddr_t um = kh_ualloc(sizeof(match)), ui = kh_ualloc(sizeof(struct device_info)),
            uphys = kh_ualloc(sizeof(paddr_t));
    kh_uput(um, &match, sizeof(match));
    long dev = kh_sys(SYS_DEVICE_OPEN, um, ui, 0, 0, 0, 0), irq, dma, cmd;
    if (!kh_ok(dev) || !kh_ok(kh_sys(SYS_DEVICE_INFO, (uint64_t)dev, ui, 0, 0, 0, 0)) ||
        !kh_ok(cmd = kh_sys(SYS_DEVICE_CONFIG_READ, (uint64_t)dev, 4, 2, 0, 0, 0)) ||
        !kh_ok(kh_sys(SYS_DEVICE_CONFIG_WRITE, (uint64_t)dev, 4, 2, (uint64_t)cmd, 0, 0)) ||
        !kh_ok(kh_sys(SYS_DEVICE_MAP_BAR, (uint64_t)dev, 0, 0, 0, 0, 0)) ||
        !kh_ok(irq = kh_sys(SYS_IRQ_CREATE, (uint64_t)dev, 1, 0, 0, 0, 0)) ||
        !kh_ok(dma = kh_sys(SYS_DMA_ALLOC, (uint64_t)dev, 2 * PAGE_SIZE, uphys, 0, 0, 0)) ||
        !kh_ok(kh_sys(SYS_IRQ_ACK, (uint64_t)irq, 0, 0, 0, 0, 0)))
        return;
    kh_ok(kh_sys(SYS_VM_UNMAP, (uint64_t)dma, 2 * PAGE_SIZE, 0, 0, 0, 0));
}

/* Plays init (only init opens devices) for the steps, then stops: init may not end, this one will. */
static void prog_device(uint64_t payload)
{
    (void)payload;
    init_process = proc_current();
    device_steps();
    init_process = NULL;
}

static void scenario_device(void)
{
    spawn("device", prog_device, 0);
    finish();
}

static void test_faults_device(void **state)
{
    (void)state;
    assert_true(kh_fault_sweep(scenario_device) > 3);
}

/* --- a supervised process: made empty, its memory and registers set, started, a trap answered --- */

/* The supervised child: one system call, which its supervisor answers with 42; the next (SYS_EXIT,
 * from kh_user_main) is where the supervisor kills it. A failed trap kills it: no return then. */
static void prog_supervised(uint64_t payload)
{
    (void)payload;
    long r = kh_sys(SYS_CLOCK, 1, 2, 3, 4, 5, 6);
    kh_ok(r == 42 ? 0 : ERR_INVALID_ARG);
}

/* Every call on the child's memory (the clock page too), registers and FPU state, then its start. */
static bool supervise_setup(long child)
{
    uaddr_t regs = kh_ualloc(sizeof(struct cpu_regs)), buf = kh_ualloc(16),
            fpu = kh_ualloc(sizeof(struct cpu_fpu));
    long addr = kh_sys(SYS_PROC_VM_MAP, (uint64_t)child, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, 0, 0);
    return kh_ok(addr) && kh_ok(kh_sys(SYS_PROC_VM_WRITE, (uint64_t)child, (uint64_t)addr, buf, 16, 0, 0)) &&
           kh_ok(kh_sys(SYS_PROC_VM_READ, (uint64_t)child, (uint64_t)addr, buf, 16, 0, 0)) &&
           kh_ok(kh_sys(SYS_PROC_VM_PROTECT, (uint64_t)child, (uint64_t)addr, 2 * PAGE_SIZE, PROT_READ, 0,
                        0)) &&
           kh_ok(kh_sys(SYS_PROC_VM_UNMAP, (uint64_t)child, (uint64_t)addr, 2 * PAGE_SIZE, 0, 0, 0)) &&
           kh_ok(kh_sys(SYS_PROC_GET_REGS, (uint64_t)child, regs, 0, 0, 0, 0)) &&
           kh_ok(kh_sys(SYS_PROC_SET_REGS, (uint64_t)child, regs, 0, 0, 0, 0)) &&
           kh_ok(kh_sys(SYS_PROC_GET_FPU, (uint64_t)child, fpu, 0, 0, 0, 0)) &&
           kh_ok(kh_sys(SYS_PROC_SET_FPU, (uint64_t)child, fpu, 0, 0, 0, 0)) &&
           kh_ok(kh_sys(SYS_CLOCK_MAP, (uint64_t)child, 0, 0, 0, 0, 0)) &&
           expect_error(kh_sys(SYS_PROC_INTERRUPT, (uint64_t)child, 0, 0, 0, 0, 0), ERR_BAD_STATE) &&
           kh_ok(kh_sys(SYS_PROC_START, (uint64_t)child, 0, 0, 0, 0, 0));
}

/* The next event on eq must be a trap; false (recorded) if the child went instead. */
static bool next_trap(long eq, struct warp_event *ev)
{
    if (!kh_ok(kh_wait((handle_t)eq, ev, DEADLINE_FOREVER)))
        return false;
    return ev->type == EV_MESSAGE && ev->u.msg.type == MSG_TRAP ? true : kh_ok(ERR_PEER_CLOSED);
}

/* Supervise one child: answer its first trap, kill it at its second. */
static void prog_supervisor(uint64_t payload)
{
    (void)payload;
    handle_t c[2];
    long eq = kh_sys(SYS_EVENTQ_CREATE, 0, 0, 0, 0, 0, 0), child;
    if (!kh_ok(eq) || !kh_ok(kh_channel_create(c)) ||
        !kh_ok(kh_sys(SYS_EVENTQ_ADD, (uint64_t)eq, c[0], 1, 0, 0, 0)) ||
        !kh_ok(child = kh_spawn_supervised(prog_supervised, 0, c[1])))
        return;
    struct warp_event ev;
    if (supervise_setup(child) && next_trap(eq, &ev)) {
        struct warp_msg r = {.type = MSG_TRAP, .flags = MSG_REPLY, .call_id = ev.u.msg.call_id, .status = 42};
        if (kh_ok(kh_send(c[0], &r)))
            next_trap(eq, &ev);
    }
    kh_ok(kh_sys(SYS_KILL, (uint64_t)child, 0, 0, 0, 0, 0));
}

static void scenario_supervise(void)
{
    spawn("supervisor", prog_supervisor, 0);
    finish();
}

static void test_faults_supervise(void **state)
{
    (void)state;
    assert_true(kh_fault_sweep(scenario_supervise) > 3);
}

/* --- a copy-on-write clone of partly lazy memory, and the first touches on both sides --- */

/* Write 4 bytes of buf at addr of the child; true if done (recorded if not). */
static bool child_write(long child, long addr, uaddr_t buf)
{
    return kh_ok(kh_sys(SYS_PROC_VM_WRITE, (uint64_t)child, (uint64_t)addr, buf, 4, 0, 0));
}

/* Supervised children: memory of the first (eager and lazy, partly touched, partly PROT_NONE)
 * cloned into the second, then pages written on both sides (copies, first touches), protected and
 * unmapped; a third shares the second's space and writes through it; killing all gives
 * everything back. */
static void prog_cloner(uint64_t payload)
{
    (void)payload;
    handle_t c[2], d[2], e[2];
    long a, b, t, eager, lazy;
    uaddr_t buf = kh_ualloc(16);
    if (!kh_ok(kh_channel_create(c)) || !kh_ok(kh_channel_create(d)) || !kh_ok(kh_channel_create(e)) ||
        !kh_ok(a = kh_spawn_supervised(prog_supervised, 0, c[1])) ||
        !kh_ok(b = kh_spawn_supervised(prog_supervised, 0, d[1])) ||
        !kh_ok(t = kh_spawn_supervised(prog_supervised, 0, e[1])))
        return;
    if (kh_ok(eager = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, 0, 0)) &&
        kh_ok(lazy = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, 64 * PAGE_SIZE,
                            PROT_READ | PROT_WRITE | PROT_LAZY, 0, 0)) &&
        child_write(a, eager, buf) && child_write(a, lazy + PAGE_SIZE, buf) &&
        child_write(a, lazy + 40 * PAGE_SIZE, buf) &&
        kh_ok(
            kh_sys(SYS_PROC_VM_PROTECT, (uint64_t)a, (uint64_t)lazy + 40 * PAGE_SIZE, PAGE_SIZE, 0, 0, 0)) &&
        kh_ok(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)b, 0, 0, 0, 0)) &&
        child_write(b, eager, buf) && child_write(a, eager + PAGE_SIZE, buf) &&
        child_write(b, lazy + PAGE_SIZE, buf) && child_write(b, lazy + 2 * PAGE_SIZE, buf) &&
        kh_ok(kh_sys(SYS_PROC_VM_READ, (uint64_t)a, (uint64_t)lazy + 30 * PAGE_SIZE, buf, 4, 0, 0)) &&
        kh_ok(kh_sys(SYS_PROC_VM_PROTECT, (uint64_t)b, (uint64_t)lazy + 40 * PAGE_SIZE, PAGE_SIZE,
                     PROT_READ | PROT_WRITE, 0, 0)) &&
        child_write(b, lazy + 40 * PAGE_SIZE, buf) &&
        kh_ok(kh_sys(SYS_PROC_VM_UNMAP, (uint64_t)a, (uint64_t)lazy, 8 * PAGE_SIZE, 0, 0, 0)) &&
        kh_ok(kh_sys(SYS_PROC_VM_SHARE, (uint64_t)b, (uint64_t)t, 0, 0, 0, 0)))
        child_write(t, lazy + 50 * PAGE_SIZE, buf);
    kh_ok(kh_sys(SYS_KILL, (uint64_t)a, 0, 0, 0, 0, 0));
    kh_ok(kh_sys(SYS_KILL, (uint64_t)b, 0, 0, 0, 0, 0));
    kh_ok(kh_sys(SYS_KILL, (uint64_t)t, 0, 0, 0, 0, 0));
}

static void scenario_clone(void)
{
    spawn("cloner", prog_cloner, 0);
    finish();
}

static void test_faults_clone(void **state)
{
    (void)state;
    assert_true(kh_fault_sweep(scenario_clone) > 10);
}

/* Runs last: every number of the ABI was made during some sweep above (SYS_EXIT by every program
 * that returns). A new system call fails this until a scenario makes it. */
static void test_every_syscall_swept(void **state)
{
    (void)state;
    char missing[256] = "";
    for (long nr = 1; nr < SYS_COUNT; nr++)
        if (!kh_syscalls_made[nr])
            snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), " %ld", nr);
    if (missing[0])
        fail_msg("system call number(s) never made during a fault sweep:%s", missing);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_faults_procs),  cmocka_unit_test(test_faults_ipc),
        cmocka_unit_test(test_faults_misc),   cmocka_unit_test(test_faults_rest),
        cmocka_unit_test(test_faults_device), cmocka_unit_test(test_faults_supervise),
        cmocka_unit_test(test_faults_clone),  cmocka_unit_test(test_every_syscall_swept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
