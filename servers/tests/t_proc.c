/* t_proc.c: tests of SYS_WAIT and SYS_KILL: exit records, reaping, non-children, killing in every state. */
#include "tests.h"

#include <warp/string.h>

/* Pids that are never our children. */
static void proc_not_children(void)
{
    static const struct {
        long pid;
        const char *what;
    } pids[] = {
        { 1, "pid 1 (init)" }, { 999999, "pid 999999" }, { 0, "pid 0" }, { -1, "pid -1" },
        { (long)(1ul << 63), "pid INT64_MIN" },
    };
    struct exit_info ei;
    for (unsigned i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
        tap_eq(warp_wait(pids[i].pid, &ei), ERR_NOT_CHILD, "wait on %s gives ERR_NOT_CHILD", pids[i].what);
        tap_eq(warp_kill(pids[i].pid), ERR_NOT_CHILD, "kill of %s gives ERR_NOT_CHILD", pids[i].what);
    }
}

/* Our own pid, found by elimination: the pid after a just-reaped child is very likely ours. */
static void proc_own_pid(void)
{
    struct exit_info ei;
    long dummy = tests_spawn("dummy", TESTS_EXIT_42, 0, 0);
    if (dummy > 0)
        warp_wait(dummy, &ei);
    long pid = tests_spawn("self", TESTS_NOT_MY_PID, (uint64_t)dummy, 0);
    if (pid < 0 || warp_wait(pid, &ei) < 0)
        memset(&ei, 0, sizeof(ei));
    tap_exit(&ei, EXIT_NORMAL, 0,
             "wait and kill on the pids around a child's own refuse it with ERR_NOT_CHILD");
    if (pid == dummy || pid == dummy + 1)
        tap_ok(true, "... and one of those pids (%ld) was the child's own", pid);
    else
        tap_skip("pids are not handed out in sequence", "the child's own pid was among those tried");
}

/* wait: the exit record, reaping, and a bad out pointer checked before waiting. */
static void proc_wait(void)
{
    struct exit_info ei;
    long pid = tests_spawn("exit42", TESTS_EXIT_42, 0, 0);
    tap_ok(pid > 1, "spawn returns a pid > 1 (%ld)", pid);
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(warp_wait(pid, (struct exit_info *)tests_bad_ptrs[i].addr), ERR_BAD_ADDRESS,
               "wait with the record at %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    tap_eq(warp_wait(pid, (struct exit_info *)(uintptr_t)main), ERR_BAD_ADDRESS,
           "wait with the record in the text segment gives ERR_BAD_ADDRESS");
    long r = warp_wait(pid, tests_stack_top_borrow());
    tests_stack_top_restore();
    tap_eq(r, ERR_BAD_ADDRESS, "wait with the record running off the stack top gives ERR_BAD_ADDRESS");
    memset(&ei, 0xff, sizeof(ei));
    tap_eq(warp_wait(pid, &ei), 0, "wait returns 0 (the refused waits did not reap the child)");
    tap_exit(&ei, EXIT_NORMAL, 42, "exit(42) is reported as EXIT_NORMAL with code 42");
    tap_eq(warp_wait(pid, &ei), ERR_NOT_CHILD, "a second wait on a reaped child gives ERR_NOT_CHILD");
    tap_eq(warp_kill(pid), ERR_NOT_CHILD, "kill of a reaped child gives ERR_NOT_CHILD");
    uint64_t t0 = warp_clock();
    tests_run("sleeper", TESTS_SLEEP, 100, 0, &ei);
    uint64_t took = warp_clock() - t0;
    tap_exit(&ei, EXIT_NORMAL, 0, "a child that sleeps 100 ms exits 0");
    tap_ok(took >= 100000000, "wait blocks until that child ends (%lu ms)", (unsigned long)(took / 1000000));
}

/* kill: a running child, a child that already ended, and a child blocked in wait. */
static void proc_kill(void)
{
    struct exit_info ei;
    long pid = tests_spawn("spinner", TESTS_SPIN, 0, 0);
    tests_sleep_ms(20);
    tap_eq(warp_kill(pid), 0, "kill of a spinning child returns 0");
    tap_eq(warp_kill(pid), 0, "a second kill of the same child (before it is reaped) returns 0");
    tap_eq(warp_wait(pid, &ei), 0, "wait on the killed child returns 0");
    tap_exit(&ei, EXIT_KILLED, 0, "the killed child is reported as EXIT_KILLED");

    pid = tests_spawn("exit42", TESTS_EXIT_42, 0, 0);
    tests_sleep_ms(100); /* it exits at once; give it the CPU */
    tap_eq(warp_kill(pid), 0, "kill of a child that already exited returns 0");
    tap_eq(warp_wait(pid, &ei), 0, "wait on it returns 0");
    tap_exit(&ei, EXIT_NORMAL, 42, "its record still says EXIT_NORMAL code 42");

    uint64_t nprocs = tests_nprocs();
    pid = tests_spawn("waiter", TESTS_WAIT_BLOCKED, 0, SPAWN_SHARE_INITFS);
    tests_sleep_ms(50); /* let it start its grandchild and block in wait */
    tap_eq(warp_kill(pid), 0, "kill of a child blocked in wait returns 0");
    tap_eq(warp_wait(pid, &ei), 0, "wait on it returns 0");
    tap_exit(&ei, EXIT_KILLED, 0, "the child killed in wait is reported as EXIT_KILLED");
    uint64_t deadline = warp_clock() + 2000000000ull;
    while (tests_nprocs() != nprocs && warp_clock() < deadline)
        warp_yield();
    tap_eq((long)tests_nprocs(), (long)nprocs, "its orphaned grandchild is gone once it exits (within 2 s)");
}

/* wait and kill, success and failure. */
void test_wait_kill(void)
{
    proc_not_children();
    proc_own_pid();
    proc_wait();
    proc_kill();
}
