/* test_kcore_bounded.c: long system calls in chunks: preemption points in SYS_VM_MAP, SYS_SPAWN and
 * console writes; kills and allocation failures midway; the console's tags and rate limit. */
#include "karch/kharness.h"

#include "tests/inos/elfgen.h"

#include <mm/mm.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#define RW (PROT_READ | PROT_WRITE)
#define BIG_PAGES 2048        /* 8 MiB: half the simulated RAM, 32 chunks */
#define KILL_AT 5             /* the preemption point at which a test kills the caller */
#define TEARDOWN_HANDLES 1000 /* handles a child exits with: 15 chunks and some */

/* karch_irq_window_hook: the process in the system call is killed at preemption point KILL_AT, as
 * another CPU or an interrupt's wake-up could do. */
static void kill_current_at(long n)
{
    if (n == KILL_AT)
        proc_kill(proc_current());
}

/* Map BIG_PAGES, check the ends are zero and writable, unmap: every chunk boundary was a pause. */
static void prog_map_big(uint64_t payload)
{
    (void)payload;
    long before = karch_irq_windows;
    long a = kh_sys(SYS_VM_MAP, BIG_PAGES * PAGE_SIZE, RW, 0, 0, 0, 0);
    KH_CHECK(a > 0);
    KH_CHECK_EQ(karch_irq_windows - before, BIG_PAGES / VM_CHUNK_PAGES - 1);
    uint8_t page[PAGE_SIZE], zero[PAGE_SIZE] = {0};
    kh_uget(page, (uaddr_t)a + (BIG_PAGES - 1) * PAGE_SIZE, PAGE_SIZE);
    KH_CHECK(memcmp(page, zero, PAGE_SIZE) == 0);
    kh_uput((uaddr_t)a, "x", 1);
    before = karch_irq_windows;
    KH_CHECK_EQ(kh_sys(SYS_VM_UNMAP, (uint64_t)a, BIG_PAGES * PAGE_SIZE, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(karch_irq_windows - before, BIG_PAGES / VM_CHUNK_PAGES - 1);
}

static void test_map_in_chunks(void **state)
{
    (void)state;
    kh_run_program(prog_map_big, 0);
}

/* More than all of RAM: the map runs out midway, after many chunks, and gives back what it took. */
static void prog_map_too_much(uint64_t payload)
{
    (void)payload;
    uint64_t free_before = pmm_free_pages();
    KH_CHECK_EQ(kh_sys(SYS_VM_MAP, 2 * HOST_RAM_PAGES * PAGE_SIZE, RW, 0, 0, 0, 0), ERR_NO_MEMORY);
    KH_CHECK(karch_irq_windows > 8);
    /* Every frame came back; only the page tables stay, until the space goes. */
    KH_CHECK(free_before - pmm_free_pages() <= HOST_RAM_PAGES / 512 + 4);
    long a = kh_sys(SYS_VM_MAP, PAGE_SIZE, RW, 0, 0, 0, 0); /* and the space is usable after */
    KH_CHECK(a > 0);
}

static void test_map_out_of_memory_midway(void **state)
{
    (void)state;
    kh_run_program(prog_map_too_much, 0);
}

/* The map never returns to its program: the kill at a preemption point undoes it and ends it. */
static void prog_map_until_killed(uint64_t payload)
{
    (void)payload;
    kh_sys(SYS_VM_MAP, BIG_PAGES * PAGE_SIZE, RW, 0, 0, 0, 0);
    KH_CHECK(!"the killed program went on after its map");
}

static void test_map_killed_midway(void **state)
{
    (void)state;
    kh_setup();
    kh_failed_check[0] = 0;
    karch_irq_window_hook = kill_current_at;
    struct proc *p = kh_spawn("mapper", prog_map_until_killed, 0);
    assert_non_null(p);
    kh_run();
    assert_int_equal(p->state, PROC_DEAD);
    assert_int_equal(p->exit.reason, EXIT_KILLED);
    /* Killed at KILL_AT, it unmapped what it had mapped (pausing on the way), never mapping more. */
    assert_true(karch_irq_windows >= KILL_AT && karch_irq_windows < 2 * KILL_AT);
    kh_release(p);
    if (kh_failed_check[0])
        fail_msg("%s", kh_failed_check);
    kh_check_clean(); /* every page it had mapped is back */
}

/* SYS_SPAWN of an image whose bss is `pages` long, with arg naming the child's program. */
static long spawn_big_bss(uint64_t pages, kh_prog child, uint64_t payload)
{
    static uint8_t image[ELFGEN_BUF_SIZE] __attribute__((aligned(8)));
    size_t len = elfgen_build(image, ELFGEN_BSS_RW, 0);
    elfgen_phdr(image, 1)->memsz = pages * PAGE_SIZE;
    uaddr_t uimage = kh_ualloc(len), uname = kh_ualloc(3), uargs = kh_ualloc(sizeof(struct spawn_args));
    kh_uput(uimage, image, len);
    kh_uput(uname, "big", 3);
    struct spawn_args sa = {
        .name = uname, .name_len = 3, .image = uimage, .image_len = len, .arg = kh_prog_arg(child, payload)};
    kh_uput(uargs, &sa, sizeof(sa));
    long r = kh_sys(SYS_SPAWN, uargs, 0, 0, 0, 0, 0);
    if (r < 0)
        kh_prog_arg_drop(sa.arg);
    return r;
}

/* The child: the last page of its bss of `pages` is there, zeroed. */
static void prog_big_child(uint64_t pages)
{
    uint8_t page[PAGE_SIZE], zero[PAGE_SIZE] = {0};
    kh_uget(page, ELFGEN_BSS + (pages - 1) * PAGE_SIZE, PAGE_SIZE);
    KH_CHECK(memcmp(page, zero, PAGE_SIZE) == 0);
}

/* Spawn the big child (pausing between chunks of its bss) and wait for it. */
static void prog_spawn_big(uint64_t payload)
{
    (void)payload;
    long before = karch_irq_windows;
    long child = spawn_big_bss(BIG_PAGES, prog_big_child, BIG_PAGES);
    if (!kh_ok(child))
        return;
    KH_CHECK(karch_irq_windows - before >= BIG_PAGES / VM_CHUNK_PAGES - 1);
    uaddr_t info = kh_ualloc(sizeof(struct exit_info));
    KH_CHECK_EQ(kh_sys(SYS_WAIT, (uint64_t)child, info, 0, 0, 0, 0), 0);
    struct exit_info ei;
    kh_uget(&ei, info, sizeof(ei));
    KH_CHECK_EQ(ei.reason, EXIT_NORMAL);
}

static void test_spawn_huge_segment(void **state)
{
    (void)state;
    kh_run_program(prog_spawn_big, 0);
}

/* A child that makes n timers (n handles) and ends with them all open. */
static void prog_timers_child(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        KH_CHECK(kh_sys(SYS_TIMER_CREATE, 0, 0, 0, 0, 0, 0) > 0);
}

/* Preemption points while a child with n handles is spawned, runs and its exit is waited for. */
static long windows_of_child_with_timers(uint64_t n)
{
    long before = karch_irq_windows;
    long child = spawn_big_bss(1, prog_timers_child, n);
    if (!kh_ok(child))
        return -1;
    uaddr_t info = kh_ualloc(sizeof(struct exit_info));
    KH_CHECK_EQ(kh_sys(SYS_WAIT, (uint64_t)child, info, 0, 0, 0, 0), 0);
    struct exit_info ei;
    kh_uget(&ei, info, sizeof(ei));
    KH_CHECK_EQ(ei.reason, EXIT_NORMAL);
    return karch_irq_windows - before;
}

/* Exit closes a big handle table in chunks: a pause after every HANDLE_CHUNK slots, beyond what a
 * child without handles costs. */
static void prog_exit_many_handles(uint64_t payload)
{
    (void)payload;
    long none = windows_of_child_with_timers(0), many = windows_of_child_with_timers(TEARDOWN_HANDLES);
    KH_CHECK(none >= 0 && many >= 0);
    KH_CHECK(many - none >= TEARDOWN_HANDLES / HANDLE_CHUNK - 1);
}

static void test_exit_closes_handles_in_chunks(void **state)
{
    (void)state;
    kh_run_program(prog_exit_many_handles, 0);
}

#define LOADED_MSGS (MSG_QUEUE_MAX - 1) /* room for one more: the cycle's */

/*
 * A channel end whose queue carries LOADED_MSGS messages of MSG_HANDLES_MAX channel ends each:
 * dropping it destroys them all, in batches with a pause between, and before the call returns
 * (the other end sees its peer gone, and nothing is left for kh_check_clean). Payload 0
 * closes the loaded end; 1 leaves it in a cycle with a second channel, for the collector.
 */
static void prog_drop_full_queue(uint64_t payload)
{
    handle_t ch[2], loop[2];
    KH_CHECK_EQ(kh_channel_create(ch), 0);
    KH_CHECK_EQ(kh_channel_create(loop), 0);
    for (int i = 0; i < LOADED_MSGS; i++) {
        struct warp_msg m = {.type = MSG_USER, .nhandles = MSG_HANDLES_MAX};
        for (uint32_t j = 0; j < MSG_HANDLES_MAX; j += 2)
            KH_CHECK_EQ(kh_channel_create(&m.handles[j]), 0);
        KH_CHECK_EQ(kh_send(ch[0], &m), 0);
    }
    long before = karch_irq_windows;
    if (payload) {
        struct warp_msg m = {.type = MSG_USER, .nhandles = 1, .handles = {ch[1]}};
        KH_CHECK_EQ(kh_send(loop[0], &m), 0); /* the loaded end waits at loop[1], */
        m.handles[0] = loop[1];
        KH_CHECK_EQ(kh_send(ch[0], &m), 0); /* and loop[1] at the loaded end */
        KH_CHECK_EQ(kh_close(loop[0]), 0);
        KH_CHECK_EQ(kh_close(ch[0]), 0); /* now only the collector can free them */
    } else {
        KH_CHECK_EQ(kh_close(ch[1]), 0);
        struct warp_msg m = {.type = MSG_USER};
        KH_CHECK_EQ(kh_send(ch[0], &m), ERR_PEER_CLOSED);
    }
    KH_CHECK(karch_irq_windows - before >= LOADED_MSGS * MSG_HANDLES_MAX / OBJ_DESTROY_BATCH - 1);
}

static void test_close_full_queue_in_batches(void **state)
{
    (void)state;
    kh_run_program(prog_drop_full_queue, 0);
}

static void test_collect_full_queue_in_batches(void **state)
{
    (void)state;
    kh_run_program(prog_drop_full_queue, 1);
}

/* The spawner is killed while the child's bss is being mapped: no child, nothing kept. */
static void prog_spawn_until_killed(uint64_t payload)
{
    (void)payload;
    spawn_big_bss(BIG_PAGES, prog_big_child, BIG_PAGES);
    KH_CHECK(!"the killed spawner went on after its spawn");
}

static void test_spawn_killed_midway(void **state)
{
    (void)state;
    kh_setup();
    kh_failed_check[0] = 0;
    karch_irq_window_hook = kill_current_at;
    struct proc *p = kh_spawn("spawner", prog_spawn_until_killed, 0);
    assert_non_null(p);
    kh_run();
    assert_int_equal(p->exit.reason, EXIT_KILLED);
    assert_int_equal(proc_count(), 0); /* the child was never made visible */
    kh_release(p);
    if (kh_failed_check[0])
        fail_msg("%s", kh_failed_check);
    kh_check_clean();
}

#define SWEEP_PAGES (4 * VM_CHUNK_PAGES)

/* Map four chunks and spawn a child with a bss of four chunks: every allocation fails in turn. */
static void prog_sweep(uint64_t payload)
{
    (void)payload;
    long a = kh_sys(SYS_VM_MAP, SWEEP_PAGES * PAGE_SIZE, RW, 0, 0, 0, 0);
    if (kh_ok(a))
        kh_ok(kh_sys(SYS_VM_UNMAP, (uint64_t)a, SWEEP_PAGES * PAGE_SIZE, 0, 0, 0, 0));
    long child = spawn_big_bss(SWEEP_PAGES, prog_big_child, SWEEP_PAGES);
    if (kh_ok(child))
        kh_ok(kh_sys(SYS_WAIT, (uint64_t)child, kh_ualloc(sizeof(struct exit_info)), 0, 0, 0, 0));
}

static struct proc *sweep_proc;

static void scenario_sweep(void)
{
    sweep_proc = kh_spawn("sweep", prog_sweep, 0);
    kh_run();
    if (sweep_proc)
        kh_release(sweep_proc);
}

static void test_faults_chunked(void **state)
{
    (void)state;
    kh_setup();
    assert_true(kh_fault_sweep(scenario_sweep) > 2 * SWEEP_PAGES);
}

/* Console output: tagged lines; a forged kernel line stays tagged; control characters shown as '?'. */
static void prog_console(uint64_t payload)
{
    (void)payload;
    static const char text[] = "hello\n[    0.000001] kernel: forged\nbell\a.\n";
    uaddr_t u = kh_ualloc(sizeof(text));
    kh_uput(u, text, sizeof(text));
    KH_CHECK_EQ(kh_sys(SYS_CONSOLE_WRITE, u, sizeof(text) - 1, 0, 0, 0, 0), (long)sizeof(text) - 1);
    KH_CHECK(karch_log_has("[writer.1] hello\n") == false);
    KH_CHECK(
        karch_log_has("[writer_1] hello\n[writer_1] [    0.000001] kernel: forged\n[writer_1] bell?.\n"));
}

static void test_console_tags(void **state)
{
    (void)state;
    kh_setup();
    kh_failed_check[0] = 0;
    struct proc *p = kh_spawn("writer.1", prog_console, 0);
    assert_non_null(p);
    kh_run();
    bool ok = p->exit.reason == EXIT_NORMAL;
    kh_release(p);
    if (kh_failed_check[0])
        fail_msg("%s", kh_failed_check);
    assert_true(ok);
    kh_check_clean();
}

/* The clock stands still on the host, so the bucket never refills: the first 64 KiB go out, the
 * rest is dropped, counted and reported; every write still returns its length. */
static void prog_flood(uint64_t payload)
{
    (void)payload;
    long buf = kh_sys(SYS_VM_MAP, CONSOLE_BURST, RW, 0, 0, 0, 0);
    uaddr_t info = kh_ualloc(sizeof(struct sysinfo));
    KH_CHECK(buf > 0);
    struct sysinfo before, after;
    KH_CHECK_EQ(kh_sys(SYS_SYSINFO, info, 0, 0, 0, 0, 0), 0);
    kh_uget(&before, info, sizeof(before));
    for (int i = 0; i < 4; i++)
        KH_CHECK_EQ(kh_sys(SYS_CONSOLE_WRITE, (uint64_t)buf, CONSOLE_BURST, 0, 0, 0, 0), CONSOLE_BURST);
    KH_CHECK_EQ(kh_sys(SYS_SYSINFO, info, 0, 0, 0, 0, 0), 0);
    kh_uget(&after, info, sizeof(after));
    KH_CHECK_EQ(after.console_dropped - before.console_dropped, 3 * CONSOLE_BURST);
    KH_CHECK(karch_log_has("console: flooder (pid "));
    KH_CHECK(karch_log_has("65536 bytes dropped over its rate limit"));
}

static void test_console_rate_limit(void **state)
{
    (void)state;
    kh_setup();
    kh_failed_check[0] = 0;
    struct proc *p = kh_spawn("flooder", prog_flood, 0);
    assert_non_null(p);
    kh_run();
    kh_release(p);
    if (kh_failed_check[0])
        fail_msg("%s", kh_failed_check);
    /* At its exit the kernel reports the drops not yet reported (the last two writes). */
    assert_true(karch_log_has("131072 bytes dropped over its rate limit"));
    kh_check_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_in_chunks),
        cmocka_unit_test(test_map_out_of_memory_midway),
        cmocka_unit_test(test_map_killed_midway),
        cmocka_unit_test(test_spawn_huge_segment),
        cmocka_unit_test(test_spawn_killed_midway),
        cmocka_unit_test(test_faults_chunked),
        cmocka_unit_test(test_console_tags),
        cmocka_unit_test(test_console_rate_limit),
        cmocka_unit_test(test_exit_closes_handles_in_chunks),
        cmocka_unit_test(test_close_full_queue_in_batches),
        cmocka_unit_test(test_collect_full_queue_in_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
