/* t_basic.c: tests of system-call numbers, register preservation, the entry state, clock, yield, shutdown. */
#include "tests.h"

/* Numbers that are not system calls: all must give ERR_BAD_SYSCALL. */
static const struct {
    const char *what;
    long nr;
} basic_bad_numbers[] = {
    {"0", 0},
    {"SYS_COUNT", SYS_COUNT},
    {"1000", 1000},
    {"-1", -1},
    {"INT64_MIN", (long)(1ul << 63)},
    {"2^32 + SYS_YIELD (upper half set)", (long)((1ul << 32) | SYS_YIELD)},
};

/* Unknown numbers fail cleanly and every call keeps the callee-saved registers. */
void test_syscall_numbers(void)
{
    for (unsigned i = 0; i < sizeof(basic_bad_numbers) / sizeof(basic_bad_numbers[0]); i++)
        tap_eq(warp_syscall6(basic_bad_numbers[i].nr, 0, 0, 0, 0, 0, 0), ERR_BAD_SYSCALL,
               "system call number %s gives ERR_BAD_SYSCALL", basic_bad_numbers[i].what);
    static const long nrs[] = {SYS_YIELD, SYS_CLOCK, SYS_SYSINFO, 1000};
    static const char *const names[] = {"SYS_YIELD", "SYS_CLOCK", "SYS_SYSINFO (bad pointer)",
                                        "an unknown number"};
    for (unsigned i = 0; i < 4; i++)
        tap_eq((long)asm_syscall_regs(nrs[i]), 0, "%s keeps rbx, rbp, r12-r15 (bitmask of changed registers)",
               names[i]);
}

/* Reports each bit of a TESTS_ENTRY child's result as its own test. */
static void basic_entry_child(void)
{
    struct exit_info ei;
    tests_run("entry", TESTS_ENTRY, TESTS_ENTRY_MAGIC, SPAWN_SHARE_INITFS, &ei);
    bool ran = ei.reason == EXIT_NORMAL;
    if (!ran)
        tap_exit(&ei, EXIT_NORMAL, 0, "entry-state child ran to its end");
    tap_ok(ran && !(ei.code & TESTS_ENTRY_BAD_ARG), "child gets its 64-bit spawn argument in rdi");
    tap_ok(ran && !(ei.code & TESTS_ENTRY_BAD_INITFS_BASE),
           "child with SPAWN_SHARE_INITFS gets rsi = USER_INITFS_BASE");
    tap_ok(ran && !(ei.code & TESTS_ENTRY_BAD_INITFS_SIZE), "child gets rdx = initfs size > 0");
    tap_ok(ran && !(ei.code & TESTS_ENTRY_BAD_RSP),
           "child starts with rsp 16-byte aligned, at most USER_STACK_TOP and within its page");
    tap_ok(ran && !(ei.code & TESTS_ENTRY_NO_SELF), "child can read %s from its initfs", TESTS_SELF_PATH);
}

/* The entry registers of this process and of a child. */
void test_entry(void)
{
    tap_eq((long)tests_env.initfs, (long)USER_INITFS_BASE, "the initfs is at USER_INITFS_BASE");
    tap_ok(tests_env.self_len > 0, "%s is in the initfs (%zu bytes)", TESTS_SELF_PATH, tests_env.self_len);
    tap_eq((long)(user_entry_rsp % 16), 0, "entry rsp 0x%lx is 16-byte aligned",
           (unsigned long)user_entry_rsp);
    tap_ok(user_entry_rsp <= USER_STACK_TOP && user_entry_rsp > USER_STACK_TOP - PAGE_SIZE,
           "entry rsp is at most USER_STACK_TOP and within its page");
    basic_entry_child();
    struct exit_info ei;
    tests_run("data", TESTS_DATA_INIT, 0, 0, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0, "a new process sees .data as in its image and .bss zeroed");
}

/* Clock: positive, monotonic, advancing; yield returns 0. */
void test_clock_yield(void)
{
    tap_eq(warp_yield(), 0, "yield returns 0");
    uint64_t first = warp_clock(), prev = first;
    bool monotonic = true;
    for (int i = 0; i < 1000; i++) {
        uint64_t now = warp_clock();
        monotonic = monotonic && now >= prev;
        prev = now;
    }
    tap_ok(first > 0, "clock is positive (%lu ns since boot)", (unsigned long)first);
    tap_ok(monotonic, "1000 clock readings never go backwards");
    uint64_t start = warp_clock(), now = start;
    for (long i = 0; i < 10000000 && now == start; i++) {
        warp_yield();
        now = warp_clock();
    }
    tap_ok(now > start, "clock advances across yields");
    uint64_t before = warp_clock();
    tests_sleep_ms(20);
    uint64_t slept = warp_clock() - before;
    tap_ok(slept >= 20000000 && slept < 5000000000ull, "a 20 ms yield loop takes 20 ms to 5 s (%lu ns)",
           (unsigned long)slept);
}

/* Only init may power the machine off. */
void test_shutdown(void)
{
    /* If the kernel wrongly obeyed, QEMU would exit with 77*2+1: a failed run, never a false pass. */
    tap_eq(warp_shutdown(77), ERR_PERMISSION, "shutdown by a process other than init gives ERR_PERMISSION");
}
