/* test_exitinfo.c: the one-line descriptions of a process's end, in portable fault kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <warp/exitinfo.h>

/* Describes info and compares with want. */
static void expect(const struct exit_info *info, const char *want)
{
    char buf[160];
    int n = exitinfo_describe(buf, sizeof(buf), info);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void test_describe(void **state)
{
    (void)state;
    expect(&(struct exit_info){.reason = EXIT_NORMAL, .code = -3}, "exited with code -3");
    expect(&(struct exit_info){.reason = EXIT_KILLED}, "was killed");
    expect(&(struct exit_info){.reason = 9}, "ended for an unknown reason 9");
    expect(&(struct exit_info){.reason = EXIT_FAULT,
                               .kind = FAULT_MEMORY,
                               .vector = 14,
                               .rip = 0x401000,
                               .fault_addr = 0,
                               .error_code = 6},
           "faulted: memory fault at rip 0x401000 addr 0x0 (vector 14, error 0x6)");
    expect(&(struct exit_info){.reason = EXIT_FAULT, .kind = FAULT_ILLEGAL, .vector = 6, .rip = 0x401234},
           "faulted: illegal instruction at rip 0x401234 (vector 6, error 0x0)");
    expect(&(struct exit_info){.reason = EXIT_FAULT, .kind = 77, .vector = 99, .rip = 1},
           "faulted: fault at rip 0x1 (vector 99, error 0x0)");
}

/* Every kind has its own name; unknown kinds (0, past the last) fall back. */
static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(exitinfo_kind_name(FAULT_PROTECTION), "protection fault");
    assert_string_equal(exitinfo_kind_name(FAULT_ARITHMETIC), "arithmetic fault");
    assert_string_equal(exitinfo_kind_name(FAULT_DEBUG), "debug trap");
    assert_string_equal(exitinfo_kind_name(0), "fault");
    assert_string_equal(exitinfo_kind_name(FAULT_OTHER + 1), "fault");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_kind_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
