/* test_kcore_proc.c: the kernel core on the host: processes, waits, kills, and what exit frees. */
#include "karch/kharness.h"

#include <eventq.h>
#include <lock.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static long observed; /* what a program saw, for the test to check */

/* A program that just ends. */
static void prog_nothing(uint64_t payload)
{
    (void)payload;
}

static void test_spawn_exit(void **state)
{
    (void)state;
    kh_setup();
    struct proc *p = kh_spawn("nothing", prog_nothing, 0);
    assert_non_null(p);
    kh_run();
    assert_int_equal(p->state, PROC_DEAD);
    assert_int_equal(p->exit.reason, EXIT_NORMAL);
    kh_release(p);
    kh_check_clean();
}

/* Blocks forever in the kernel's event-queue wait (called directly: its return value is what the
 * test checks, and a killed process never sees it in user mode). */
static void prog_wait_forever(uint64_t payload)
{
    (void)payload;
    long eq = kh_sys(SYS_EVENTQ_CREATE, 0, 0, 0, 0, 0, 0);
    struct eventq *q = NULL;
    kernel_lock();
    handle_object(proc_handles(), (handle_t)eq, OBJ_EVENTQ, RIGHT_READ, (void **)&q);
    struct warp_event ev;
    observed = eventq_wait(q, proc_handles(), &ev, DEADLINE_FOREVER);
    proc_user_return(); /* as the system-call path does on its way out: the kill takes effect */
    kernel_unlock();
}

/* A wait that can never time out, ended by a kill, must not say ERR_TIMED_OUT. */
static void test_kill_interrupts_forever_wait(void **state)
{
    (void)state;
    kh_setup();
    observed = 0;
    struct proc *p = kh_spawn("waiter", prog_wait_forever, 0);
    kh_run();
    assert_int_equal(p->state, PROC_LIVE); /* blocked */
    proc_kill(p);
    kh_run();
    assert_int_equal(observed, ERR_INTERRUPTED);
    assert_int_equal(p->state, PROC_DEAD);
    assert_int_equal(p->exit.reason, EXIT_KILLED);
    kh_release(p);
    kh_check_clean();
}

/* A process blocked in SYS_WAIT on a child that never ends, killed: its wait gives up with
 * ERR_INTERRUPTED (seen by the kernel function; the process then ends EXIT_KILLED). */
static struct proc *forever_child;

static void prog_wait_child(uint64_t payload)
{
    (void)payload;
    struct exit_info info;
    kernel_lock();
    observed = proc_wait(forever_child, &info);
    proc_user_return();
    kernel_unlock();
}

static void test_kill_interrupts_proc_wait(void **state)
{
    (void)state;
    kh_setup();
    observed = 0;
    forever_child = kh_spawn("child", prog_wait_forever, 0);
    struct proc *p = kh_spawn("parent", prog_wait_child, 0);
    kh_run();
    proc_kill(p);
    kh_run();
    assert_int_equal(observed, ERR_INTERRUPTED);
    assert_int_equal(p->exit.reason, EXIT_KILLED);
    proc_kill(forever_child);
    kh_run();
    assert_int_equal(forever_child->exit.reason, EXIT_KILLED);
    kh_release(p);
    kh_release(forever_child);
    kh_check_clean();
}

/* A user-mode exception, as the port reports it: the process ends with the portable record. */
static void prog_fault(uint64_t payload)
{
    (void)payload;
    struct fault_info f = {.kind = FAULT_MEMORY,
                           .code = 14,
                           .name = "page fault (#PF)",
                           .pc = 0x401000,
                           .addr = 0xdead000,
                           .detail = 6,
                           .write = true};
    kernel_lock();
    proc_fault(&f);
}

static void test_fault_record(void **state)
{
    (void)state;
    kh_setup();
    struct proc *p = kh_spawn("faulty", prog_fault, 0);
    kh_run();
    assert_int_equal(p->exit.reason, EXIT_FAULT);
    assert_int_equal(p->exit.kind, FAULT_MEMORY);
    assert_int_equal(p->exit.vector, 14);
    assert_int_equal(p->exit.rip, 0x401000);
    assert_int_equal(p->exit.fault_addr, 0xdead000);
    assert_true(karch_log_has("faulty (pid"));
    assert_true(karch_log_has("page fault (#PF) at pc 0x401000, writing address 0xdead000"));
    kh_release(p);
    kh_check_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spawn_exit),
        cmocka_unit_test(test_kill_interrupts_forever_wait),
        cmocka_unit_test(test_kill_interrupts_proc_wait),
        cmocka_unit_test(test_fault_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
