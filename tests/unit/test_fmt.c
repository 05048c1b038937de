/* test_fmt.c: unit tests for the printf engine, checked against the host C library's snprintf. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <warp/fmt.h>

#define BIG 4096
#define CANARY 0x5a

/* Formats with both engines at one buffer size; fails unless bytes, NUL and return value agree. */
static void check_size(const char *fmt, size_t size, va_list ap)
{
    static char ours[BIG + 8], libc[BIG + 8];
    va_list a1, a2;

    memset(ours, CANARY, sizeof(ours));
    memset(libc, CANARY, sizeof(libc));
    va_copy(a1, ap);
    va_copy(a2, ap);
    int n_ours = fmt_vsnprintf(size ? ours : NULL, size, fmt, a1);
    int n_libc = vsnprintf(size ? libc : NULL, size, fmt, a2);
    va_end(a1);
    va_end(a2);
    if (n_ours != n_libc || memcmp(ours, libc, sizeof(ours)) != 0) {
        print_error("# format \"%s\" size %zu: ours %d \"%.*s\", libc %d \"%.*s\"\n", fmt, size, n_ours,
                    (int)(size ? size : 1), ours, n_libc, (int)(size ? size : 1), libc);
        fail();
    }
}

/* Checks fmt with every buffer size from 0 to one past the full length (bounded for long outputs). */
__attribute__((format(printf, 1, 2))) static void same(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    va_list probe;
    va_copy(probe, ap);
    int full = vsnprintf(NULL, 0, fmt, probe);
    va_end(probe);
    assert_true(full >= 0 && full < BIG);
    size_t step = full > 300 ? 97 : 1;
    for (size_t size = 0; size <= (size_t)full + 1; size += step)
        check_size(fmt, size, ap);
    check_size(fmt, BIG, ap);
    va_end(ap);
}

/*
 * The following formats are valid C whose flags are redundant ("%+ d", "%08.3d",
 * "%+u", ...); gcc warns about those, but the engine must still match libc.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-zero-length"

/* Plain text and %%. */
static void test_literal(void **state)
{
    (void)state;
    same("");
    same("hello, world");
    same("100%%");
    same("%%%%%%");
    same("a%%b%dc", 7);
}

/* %d and %i with flags, width and precision. */
static void test_signed(void **state)
{
    static const int vals[] = {0, 1, -1, 7, -42, 123456, INT_MAX, INT_MIN};

    (void)state;
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        int v = vals[i];
        same("%d|%i", v, v);
        same("[%5d][%-5d][%05d][%+d][% d]", v, v, v, v, v);
        same("[%+05d][%-+6d][% 06d][%- 6d][%+ d]", v, v, v, v, v);
        same("[%.3d][%.0d][%5.0d][%08.3d][%-08d][%.12d]", v, v, v, v, v, v);
        same("[%+.0d][% .0d][%12.10d][%-12.10d|]", v, v, v, v);
        same("[%*d][%*d][%.*d][%.*d][%*.*d]", 6, v, -6, v, 4, v, -1, v, 9, 3, v);
    }
}

/* %u %x %X %o with flags, including '#'. */
static void test_unsigned(void **state)
{
    static const unsigned vals[] = {0, 1, 7, 8, 255, 4096, 0xdeadbeef, UINT_MAX};

    (void)state;
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        unsigned v = vals[i];
        same("%u %x %X %o", v, v, v, v);
        same("[%#x][%#X][%#o][%#.0o][%#.0x][%.0o]", v, v, v, v, v, v);
        same("[%#10x][%#-10x][%#010x][%#.6x][%#010.6x]", v, v, v, v, v);
        same("[%#5o][%#05o][%#.4o][%-#8o|][%08o]", v, v, v, v, v);
        same("[%+u][% u][%+x][% o]", v, v, v, v);
        same("[%12u][%-12u][%012u][%.10u][%.0u]", v, v, v, v, v);
    }
}

#pragma GCC diagnostic pop

/* Length modifiers: hh h l ll z j t. */
static void test_lengths(void **state)
{
    (void)state;
    same("%hhd %hhd %hhd %hhu %hhx", 300, -129, 127, 257, 0x1ff);
    same("%hd %hd %hu %hx %ho", 70000, -32769, 65537, 0x12345, 0x10001);
    same("%ld %ld %lu %lx %lo", LONG_MIN, LONG_MAX, ULONG_MAX, ULONG_MAX, ULONG_MAX);
    same("%lld %lld %llu %llX %#llo", LLONG_MIN, LLONG_MAX, ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
    same("%zu %zx %zd %zd", SIZE_MAX, (size_t)0x1234, (ssize_t)-5, (ssize_t)SSIZE_MAX);
    same("%jd %jd %ju %jx", INTMAX_MIN, INTMAX_MAX, UINTMAX_MAX, (uintmax_t)42);
    same("%td %td %tu %tx", PTRDIFF_MIN, PTRDIFF_MAX, (size_t)17, (size_t)0xabc);
    same("%-+22lld|%022lld|%+.25lld", LLONG_MIN, LLONG_MIN, LLONG_MAX);
}

/* %s and %c. */
static void test_strings_chars(void **state)
{
    static const char unterminated[3] = {'a', 'b', 'c'};
    const char *volatile null = NULL;

    (void)state;
    same("%s|%10s|%-10s|%.2s|%10.2s|%.0s|", "hello", "hello", "hello", "hello", "hello", "hello");
    same("%s|%.*s|%*s|%-*s|", "", 3, "abcdef", -4, "x", 4, "y");
    same("%.3s|%.*s", unterminated, 2, unterminated); /* must not read past the array */
    same("%s|%10s|%-8s|", null, null, null);
    same("%c%c%c|%5c|%-5c|", 'a', 'b', 'c', 'x', 'y');
    same("%c", 0);
    same("a%cb", 0);
    same("%s and %s", "one", "two");
}

/* %p prints 0x-prefixed hex like glibc for non-NULL pointers. */
static void test_pointers(void **state)
{
    int x;
    char buf[64];

    (void)state;
    same("%p", (void *)0x1234);
    same("%p %p", (void *)&x, (void *)buf);
    same("[%20p][%-20p]", (void *)0xdeadbeefull, (void *)0xdeadbeefull);
    same("%p", (void *)UINTPTR_MAX);
    /* glibc prints "(nil)" for NULL; we print hex like any other pointer. */
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%p", NULL), 3);
    assert_string_equal(buf, "0x0");
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), "[%5p]", NULL), 7);
    assert_string_equal(buf, "[  0x0]");
}

/* Mixed, long and wide outputs. */
static void test_mixed_and_long(void **state)
{
    (void)state;
    same("pid %d: %s at %#lx (%u pages, %5.1s)", 42, "fault", 0xffff800000001000ul, 3u, "xyz");
    same("%300d|%-300s|", 5, "left");
    same("%*d", 2000, -1);
    same("%.*u", 1500, 9u);
    same("%2000c", 'z');
}

/* Huge widths neither crash nor misreport the length. */
static void test_huge_width(void **state)
{
    char buf[16];

    (void)state;
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%100000d", 1), 100000);
    assert_string_equal(buf, "               ");
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%.*d", INT_MIN, 3), 1);
    assert_string_equal(buf, "3");
}

/* Truncation keeps the NUL and reports the full length; size 0 writes nothing. */
static void test_truncation(void **state)
{
    char buf[8];

    (void)state;
    memset(buf, 'X', sizeof(buf));
    assert_int_equal(fmt_snprintf(buf, 0, "%d", 12345), 5);
    assert_int_equal(buf[0], 'X');
    assert_int_equal(fmt_snprintf(NULL, 0, "%s-%d", "abc", 99), 6);
    assert_int_equal(fmt_snprintf(buf, 1, "%d", 12345), 5);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'X');
    assert_int_equal(fmt_snprintf(buf, 4, "%d", 12345), 5);
    assert_string_equal(buf, "123");
    assert_int_equal(buf[4], 'X');
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", "exactly"), 7);
    assert_string_equal(buf, "exactly");
}

/* Formats through fmt_snprintf with the format checker off (for deliberately bad formats). */
static int raw_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* Unknown or cut-off conversions are printed as written; %n writes nothing. */
static void test_unknown_conversions(void **state)
{
    char buf[64];
    int target = 1234;

    (void)state;
    assert_int_equal(raw_format(buf, sizeof(buf), "%q"), 2);
    assert_string_equal(buf, "%q");
    assert_int_equal(raw_format(buf, sizeof(buf), "a%-5.3yb"), 8);
    assert_string_equal(buf, "a%-5.3yb");
    assert_int_equal(raw_format(buf, sizeof(buf), "%q %d", 5), 4);
    assert_string_equal(buf, "%q 5");
    assert_int_equal(raw_format(buf, sizeof(buf), "abc%"), 4);
    assert_string_equal(buf, "abc%");
    assert_int_equal(raw_format(buf, sizeof(buf), "abc%-08l"), 8);
    assert_string_equal(buf, "abc%-08l");
    assert_int_equal(raw_format(buf, sizeof(buf), "x%ny", &target), 4);
    assert_string_equal(buf, "x%ny");
    assert_int_equal(target, 1234);
    assert_int_equal(raw_format(buf, sizeof(buf), "%f", 1.5), 2);
    assert_string_equal(buf, "%f");
}

/* Collects fmt_vformat output for the callback test. */
struct sink {
    char text[64];
    size_t n;
};

/* fmt_putc_fn that appends to a struct sink. */
static void sink_putc(void *ctx, char c)
{
    struct sink *s = ctx;

    if (s->n < sizeof(s->text) - 1)
        s->text[s->n] = c;
    s->n++;
}

/* Calls fmt_vformat with a variadic front end. */
__attribute__((format(printf, 2, 3))) static int sink_format(struct sink *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = fmt_vformat(sink_putc, s, fmt, ap);
    va_end(ap);
    return n;
}

/* fmt_vformat sends every character to the callback and counts them. */
static void test_vformat_callback(void **state)
{
    struct sink s = {.n = 0};

    (void)state;
    assert_int_equal(sink_format(&s, "%s=%04x%c", "reg", 0xbeef, '!'), 9);
    assert_int_equal(s.n, 9);
    s.text[s.n] = '\0';
    assert_string_equal(s.text, "reg=beef!");
}

/* Runs the tests in this file; cmocka reports them (TAP with CMOCKA_MESSAGE_OUTPUT=TAP). */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal),          cmocka_unit_test(test_signed),
        cmocka_unit_test(test_unsigned),         cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_strings_chars),    cmocka_unit_test(test_pointers),
        cmocka_unit_test(test_mixed_and_long),   cmocka_unit_test(test_huge_width),
        cmocka_unit_test(test_truncation),       cmocka_unit_test(test_unknown_conversions),
        cmocka_unit_test(test_vformat_callback),
    };
    return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
