/* tests: the in-OS test process: every system call's success and error paths, reported as TAP. */
#include "tests.h"

#include <warp/tar.h>

/*
 * Exit code of the suite process: a marker bit and its pass and fail counts (15 bits each), so that
 * any other end (an ASSERT's exit code, say) cannot pass for a count.
 */
#define TESTS_SUITE_MARK (1u << 30)
#define TESTS_SUITE_MASK 0x7fffu
#define TESTS_SUITE_CODE(passed, failed) \
    ((int)(TESTS_SUITE_MARK | ((failed)&TESTS_SUITE_MASK) << 15 | ((passed)&TESTS_SUITE_MASK)))

/* Runs every test group in the suite process, numbering from first; returns the packed counts. */
static int tests_suite(unsigned first)
{
    tap_set_next(first);
    test_syscall_numbers();
    test_entry();
    test_console();
    test_sysinfo();
    test_clock_yield();
    test_entropy();
    test_vm_map();
    test_vm_unmap();
    test_spawn_args();
    test_spawn_images();
    test_wait_kill();
    test_faults();
    test_preemption();
    test_limits();
    test_quota();
    test_malloc();
    test_handles();
    test_channels();
    test_calls();
    test_copies();
    test_peers();
    test_eventqs();
    test_timers();
    test_send_wait();
    test_supervise();
    test_supervise_vm();
    test_cow();
    test_share();
    test_ipc_leaks();
    test_shutdown();
    return TESTS_SUITE_CODE(tap_passed(), tap_failed());
}

/* Spawns the suite and adds its counts to ours; reports a suite that did not end normally. */
static void tests_run_suite(void)
{
    struct exit_info ei;
    long r = tests_run("suite", TESTS_SUITE, tap_next_number(), SPAWN_SHARE_INITFS, &ei);
    unsigned code = (unsigned)ei.code;
    unsigned known = TESTS_SUITE_MARK | TESTS_SUITE_MASK << 15 | TESTS_SUITE_MASK;
    if (r == 0 && ei.reason == EXIT_NORMAL && (code & TESTS_SUITE_MARK) && !(code & ~known)) {
        tap_add(code & TESTS_SUITE_MASK, code >> 15 & TESTS_SUITE_MASK);
        return;
    }
    /* Its own lines are not counted: we cannot tell how many it printed. */
    tap_exit(&ei, EXIT_NORMAL, (int)TESTS_SUITE_MARK,
             "the suite process ran to its end (exit code = marker | counts)");
}

/*
 * The supervisor: run the tests that need services (through init's channel, our handle 1), warm up,
 * measure, run the suite in a child, check nothing leaked, and print the verdict. The service test
 * comes first because it also waits for the system to settle: pong (started with us) allocates its
 * memory as it starts, and again when init restarts it; a round trip with it proves it is done.
 */
static int tests_supervise(void)
{
    printf("TAP version 13\n# warp in-OS tests\n");
    test_service();
    struct exit_info ei;
    /* Warm-up: the first spawn may set up kernel state that stays (caches); measure after it. */
    tests_run("warmup", TESTS_EXIT_42, 0, 0, &ei);
    struct sysinfo before, after;
    warp_sysinfo(&before);
    tests_run_suite();
    warp_sysinfo(&after);
    tap_eq((long)after.free_pages, (long)before.free_pages,
           "free pages after the suite and all its children ended and their handles closed equal the "
           "count before it (measured after a warm-up spawn)");
    tap_eq((long)after.nprocs, (long)before.nprocs, "process count back to its value before the suite");
    tap_plan();
    tap_summary("tests");
    return tap_failed() ? 1 : 0;
}

/* Finds bin/tests in the initfs; false (and a TAP failure) if we cannot spawn ourselves. */
static bool tests_find_self(void)
{
    struct tar_file f;
    int r = tests_env.initfs ? tar_find(tests_env.initfs, tests_env.initfs_size, TESTS_SELF_PATH, &f)
                             : ERR_NOT_FOUND;
    if (r == 0) {
        tests_env.self = f.data;
        tests_env.self_len = f.size;
    }
    return r == 0;
}

/* Entry: arg 0 supervises, TESTS_SUITE runs the groups, anything else is a child mode. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    tests_env.initfs = initfs;
    tests_env.initfs_size = initfs_size;
    bool have_self = tests_find_self();
    if (arg != 0 && (arg & 0xff) != TESTS_SUITE)
        return child_main(arg);
    if (!have_self) {
        tap_ok(false, "%s found in the initfs (start tests with initfs = yes)", TESTS_SELF_PATH);
        tap_plan();
        tap_summary("tests");
        return 1;
    }
    return arg == 0 ? tests_supervise() : tests_suite((unsigned)(arg >> 8));
}
