/* test_text.c: unit tests for the parsers' character helpers (libs/common/text.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <warp/text.h>

static void test_hex_digit(void **state)
{
    (void)state;
    assert_int_equal(text_hex_digit('0'), 0);
    assert_int_equal(text_hex_digit('9'), 9);
    assert_int_equal(text_hex_digit('a'), 10);
    assert_int_equal(text_hex_digit('F'), 15);
    assert_int_equal(text_hex_digit('g'), -1);
    assert_int_equal(text_hex_digit('/'), -1);
}

/* Digits only, no sign, no leading zero, within [min, max]; long strings do not overflow. */
static void test_decimal(void **state)
{
    (void)state;
    assert_int_equal(text_decimal("1", 1, 100), 1);
    assert_int_equal(text_decimal("100", 1, 100), 100);
    assert_int_equal(text_decimal("65535", 1, 65535), 65535);
    assert_int_equal(text_decimal("101", 1, 100), -1);
    assert_int_equal(text_decimal("31", 32, 1 << 20), -1);
    assert_int_equal(text_decimal("0", 1, 100), -1);
    assert_int_equal(text_decimal("07", 1, 100), -1);
    assert_int_equal(text_decimal("", 1, 100), -1);
    assert_int_equal(text_decimal("-1", 1, 100), -1);
    assert_int_equal(text_decimal("+1", 1, 100), -1);
    assert_int_equal(text_decimal("1x", 1, 100), -1);
    assert_int_equal(text_decimal(" 1", 1, 100), -1);
    assert_int_equal(text_decimal("99999999999999999999999999", 1, 65535), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_digit),
        cmocka_unit_test(test_decimal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
