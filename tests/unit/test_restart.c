/* test_restart.c: unit tests for init's restart policy and backoff (servers/init/restart.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "servers/init/restart.h"

#define MS 1000000ull

static const struct manifest_service never = {.restart = MANIFEST_RESTART_NEVER};
static const struct manifest_service on_failure = {.restart = MANIFEST_RESTART_ON_FAILURE};
static const struct manifest_service always = {.restart = MANIFEST_RESTART_ALWAYS};
static const struct manifest_service essential = {.restart = MANIFEST_RESTART_ON_FAILURE, .essential = true};

/* Only exit code 0 is a success; faults, kills and other codes are failures. */
static void test_is_failure(void **state)
{
    (void)state;
    struct exit_info ok = {.reason = EXIT_NORMAL, .code = 0};
    struct exit_info code1 = {.reason = EXIT_NORMAL, .code = 1};
    struct exit_info neg = {.reason = EXIT_NORMAL, .code = -4};
    struct exit_info fault = {.reason = EXIT_FAULT, .code = 0, .vector = 14};
    struct exit_info killed = {.reason = EXIT_KILLED};
    assert_false(restart_is_failure(&ok));
    assert_true(restart_is_failure(&code1));
    assert_true(restart_is_failure(&neg));
    assert_true(restart_is_failure(&fault));
    assert_true(restart_is_failure(&killed));
}

/* never never restarts; on-failure only after failures; always after anything. */
static void test_policies(void **state)
{
    (void)state;
    struct restart_state st = {0};
    uint64_t d = 99;
    assert_int_equal(restart_decide(&st, &never, true, 0, &d), RESTART_NO);
    assert_int_equal(d, 0);
    assert_int_equal(restart_decide(&st, &on_failure, false, 0, &d), RESTART_NO);
    assert_int_equal(st.streak, 0);
    assert_int_equal(restart_decide(&st, &on_failure, true, 0, &d), RESTART_YES);
    assert_int_equal(d, 0);
    st.streak = 0;
    assert_int_equal(restart_decide(&st, &always, false, 0, &d), RESTART_YES);
    assert_int_equal(restart_decide(&st, &always, true, 0, &d), RESTART_YES);
}

/* Quick failures back off 0, 50, 100, ... ms up to the cap, then give up after RESTART_LIMIT. */
static void test_backoff_and_limit(void **state)
{
    (void)state;
    static const uint64_t want[RESTART_LIMIT] = {0,        50 * MS,   100 * MS,  200 * MS,  400 * MS,
                                                 800 * MS, 1600 * MS, 2000 * MS, 2000 * MS, 2000 * MS};
    struct restart_state st = {0};
    uint64_t d;
    for (unsigned k = 0; k < RESTART_LIMIT; k++) {
        assert_int_equal(restart_decide(&st, &on_failure, true, 5 * MS, &d), RESTART_YES);
        assert_int_equal(d, want[k]);
    }
    assert_int_equal(restart_decide(&st, &on_failure, true, 5 * MS, &d), RESTART_GIVE_UP);
    assert_int_equal(restart_decide(&st, &on_failure, true, 5 * MS, &d), RESTART_GIVE_UP);
    /* A success under on-failure is simply not restarted, even at the limit. */
    assert_int_equal(restart_decide(&st, &on_failure, false, 5 * MS, &d), RESTART_NO);
}

/* A run of RESTART_STABLE_NS or more ends the streak: the next restart is immediate again. */
static void test_stable_run_resets(void **state)
{
    (void)state;
    struct restart_state st = {0};
    uint64_t d;
    for (unsigned k = 0; k < 5; k++)
        restart_decide(&st, &always, true, 1 * MS, &d);
    assert_int_equal(d, 400 * MS);
    assert_int_equal(restart_decide(&st, &always, true, RESTART_STABLE_NS - 1, &d), RESTART_YES);
    assert_int_equal(d, 800 * MS);
    assert_int_equal(restart_decide(&st, &always, true, RESTART_STABLE_NS, &d), RESTART_YES);
    assert_int_equal(d, 0);
    assert_int_equal(st.streak, 1);
    for (unsigned k = 0; k < RESTART_LIMIT; k++)
        restart_decide(&st, &always, true, 1 * MS, &d);
    assert_int_equal(restart_decide(&st, &always, true, 1 * MS, &d), RESTART_GIVE_UP);
    /* Even a given-up streak ends with a stable run. */
    assert_int_equal(restart_decide(&st, &always, true, UINT64_MAX, &d), RESTART_YES);
    assert_int_equal(d, 0);
}

/* An essential service is restarted forever, at most RESTART_DELAY_MAX_NS apart, never given up;
 * its policy still decides whether an end calls for a restart at all. */
static void test_essential_never_gives_up(void **state)
{
    (void)state;
    struct restart_state st = {0};
    uint64_t d;
    for (unsigned k = 0; k < 1000; k++) {
        assert_int_equal(restart_decide(&st, &essential, true, 1 * MS, &d), RESTART_YES);
        assert_true(d <= RESTART_DELAY_MAX_NS);
    }
    assert_int_equal(d, RESTART_DELAY_MAX_NS);
    assert_int_equal(restart_decide(&st, &essential, false, 1 * MS, &d), RESTART_NO);
    assert_int_equal(restart_decide(&st, &essential, true, RESTART_STABLE_NS, &d), RESTART_YES);
    assert_int_equal(d, 0);
}

/* Runs the tests in this file. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_failure),
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_backoff_and_limit),
        cmocka_unit_test(test_stable_run_resets),
        cmocka_unit_test(test_essential_never_gives_up),
    };
    return cmocka_run_group_tests_name("restart", tests, NULL, NULL);
}
