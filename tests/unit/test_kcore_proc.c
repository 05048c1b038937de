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
static void prog_nothing(uint64_t payload) { (void)payload; }

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spawn_exit),
        cmocka_unit_test(test_kill_interrupts_forever_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
