/* test_error.c: unit tests for err_str() and the WARP_ERRORS table. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <warp/error.h>

/* Every code in the X-macro list, in order. */
static const long all_codes[] = {
#define CODE(name, value, text) name,
    WARP_ERRORS(CODE)
#undef CODE
};
#define NCODES (sizeof(all_codes) / sizeof(all_codes[0]))

/* Zero is success. */
static void test_zero_is_success(void **state)
{
    (void)state;
    assert_string_equal(err_str(0), "success");
}

/* Each code maps to its own non-empty text. */
static void test_codes_have_distinct_text(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODES; i++) {
        const char *s = err_str(all_codes[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        assert_string_not_equal(s, "unknown error");
        assert_string_not_equal(s, "success");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(s, err_str(all_codes[j]));
    }
}

/* The table text is what the X-macro says. */
static void test_text_matches_table(void **state)
{
    (void)state;
    assert_string_equal(err_str(ERR_INVALID_ARG), "invalid argument");
    assert_string_equal(err_str(ERR_NO_MEMORY), "out of memory");
    assert_string_equal(err_str(ERR_DOUBLE_FREE), "freed twice");
}

/* Codes are negative, distinct, and fill -1..ERR_MIN without gaps. */
static void test_codes_fill_range(void **state)
{
    (void)state;
    assert_int_equal(NCODES, -ERR_MIN);
    for (long code = -1; code >= ERR_MIN; code--) {
        size_t hits = 0;
        for (size_t i = 0; i < NCODES; i++)
            hits += all_codes[i] == code;
        assert_int_equal(hits, 1);
        assert_true(IS_ERR(code));
    }
}

/* Anything outside the table is "unknown error". */
static void test_unknown(void **state)
{
    static const long unknown[] = {1, 2, 12345, ERR_MIN - 1, -1000, LONG_MIN, LONG_MAX};

    (void)state;
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        assert_string_equal(err_str(unknown[i]), "unknown error");
}

/* Runs the tests in this file; cmocka reports them (TAP with CMOCKA_MESSAGE_OUTPUT=TAP). */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_is_success),
        cmocka_unit_test(test_codes_have_distinct_text),
        cmocka_unit_test(test_text_matches_table),
        cmocka_unit_test(test_codes_fill_range),
        cmocka_unit_test(test_unknown),
    };
    return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
