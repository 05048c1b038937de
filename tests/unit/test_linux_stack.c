/* test_linux_stack.c: the x86-64 Linux initial stack the linux server builds (servers/linux/lxstack.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <warp/error.h>

#include "servers/linux/lxstack.h"

#define TOP 0x7ffffffff000ull
#define CAP 4096u

static uint8_t buf[CAP];

/* The 8-byte word at stack address a (inside buf). */
static uint64_t word(uint64_t a)
{
    uint64_t w;
    assert_true(a >= TOP - CAP && a + 8 <= TOP);
    memcpy(&w, buf + (a - (TOP - CAP)), 8);
    return w;
}

/* The string at stack address a. */
static const char *str(uint64_t a)
{
    assert_true(a >= TOP - CAP && a < TOP);
    return (const char *)buf + (a - (TOP - CAP));
}

/* The value of auxv type t in the vector starting at a, or UINT64_MAX; the vector ends with AT_NULL. */
static uint64_t aux(uint64_t a, uint64_t t)
{
    for (;; a += 16) {
        if (word(a) == t)
            return word(a + 8);
        if (word(a) == LX_AT_NULL)
            return UINT64_MAX;
    }
}

static void test_layout(void **state)
{
    (void)state;
    const char *argv[] = {"linux/args", "first", ""};
    const char *envp[] = {"HOME=/", "LANG=C"};
    const uint8_t random[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    const uint64_t auxv[] = {LX_AT_PAGESZ, 4096, LX_AT_ENTRY, 0x401000};
    struct lxstack_args a = {argv, 3, envp, 2, "linux/args", random, auxv, 2};
    uint64_t sp = 0;
    memset(buf, 0xaa, sizeof(buf));
    long n = lxstack_build(&a, TOP, buf, CAP, &sp);
    assert_true(n > 0 && n <= (long)CAP);
    assert_int_equal(sp, TOP - (uint64_t)n);
    assert_int_equal(sp % 16, 0); /* the psABI's alignment at entry */
    assert_int_equal(word(sp), 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(str(word(sp + 8 + 8 * i)), argv[i]);
    assert_int_equal(word(sp + 32), 0);
    assert_string_equal(str(word(sp + 40)), "HOME=/");
    assert_string_equal(str(word(sp + 48)), "LANG=C");
    assert_int_equal(word(sp + 56), 0);
    uint64_t av = sp + 64;
    assert_int_equal(aux(av, LX_AT_PAGESZ), 4096);
    assert_int_equal(aux(av, LX_AT_ENTRY), 0x401000);
    assert_string_equal(str(aux(av, LX_AT_EXECFN)), "linux/args");
    uint64_t r = aux(av, LX_AT_RANDOM);
    assert_int_equal(r % 16, 0);
    assert_memory_equal(buf + (r - (TOP - CAP)), random, 16);
    assert_int_equal(word(TOP - 8), 0); /* the end marker */
    assert_int_equal(aux(av, LX_AT_PHDR), UINT64_MAX);
}

/* No arguments or environment at all. */
static void test_empty(void **state)
{
    (void)state;
    const uint8_t random[16] = {0};
    struct lxstack_args a = {NULL, 0, NULL, 0, "x", random, NULL, 0};
    uint64_t sp;
    long n = lxstack_build(&a, TOP, buf, CAP, &sp);
    assert_true(n > 0);
    assert_int_equal(word(sp), 0);
    assert_int_equal(word(sp + 8), 0);
    assert_int_equal(word(sp + 16), 0);
    assert_int_equal(sp % 16, 0);
}

/* Too much for the buffer, too many strings or pairs, a bad top: refused, never past buf. */
static void test_refusals(void **state)
{
    (void)state;
    static char big[CAP];
    memset(big, 'x', sizeof(big) - 1);
    const char *argv[LXSTACK_STRINGS_MAX + 1];
    for (int i = 0; i <= LXSTACK_STRINGS_MAX; i++)
        argv[i] = "a";
    const uint8_t random[16] = {0};
    uint64_t auxv[2 * (LXSTACK_AUX_MAX + 1)] = {0};
    uint64_t sp;
    const char *one[] = {big};
    struct lxstack_args a = {one, 1, NULL, 0, "x", random, NULL, 0};
    assert_int_equal(lxstack_build(&a, TOP, buf, CAP, &sp), ERR_TOO_LARGE);
    struct lxstack_args b = {argv, LXSTACK_STRINGS_MAX + 1, NULL, 0, "x", random, NULL, 0};
    assert_int_equal(lxstack_build(&b, TOP, buf, CAP, &sp), ERR_TOO_LARGE);
    struct lxstack_args c = {argv, 1, NULL, 0, "x", random, auxv, LXSTACK_AUX_MAX + 1};
    assert_int_equal(lxstack_build(&c, TOP, buf, CAP, &sp), ERR_TOO_LARGE);
    assert_int_equal(lxstack_build(&c, TOP + 8, buf, CAP, &sp), ERR_INVALID_ARG);
    assert_int_equal(lxstack_build(&c, 16, buf, CAP, &sp), ERR_INVALID_ARG);
    /* Every buffer size from nothing up: an error or a stack that fits. */
    struct lxstack_args d = {argv, 10, argv, 10, "linux/x", random, auxv, 4};
    for (uint64_t cap = 0; cap <= 512; cap++) {
        long n = lxstack_build(&d, TOP, buf + CAP - cap, cap, &sp);
        assert_true(n == ERR_TOO_LARGE || (n > 0 && (uint64_t)n <= cap && sp % 16 == 0));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests_name("linux_stack", tests, NULL, NULL);
}
