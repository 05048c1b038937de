/* test_wordcopy.c: unit tests for the loops under memcpy and memmove (warp/wordcopy.h, libs/common/string.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <warp/wordcopy.h>

#define SPAN 1600 /* more than a frame */
#define GUARD 16  /* bytes either side that must stay untouched */

/* Every source and destination offset within a word, every length up to a frame and past it, in
 * both directions: the bytes arrive in order and nothing around the destination changes. */
static void test_copy_all_alignments(void **state)
{
    (void)state;
    static uint8_t src[SPAN + 8], dst[GUARD + SPAN + 8 + GUARD], want[sizeof(dst)];
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)(i * 7 + 3);
    static const size_t lens[] = {0, 1, 7, 8, 9, 15, 16, 17, 54, 1460, 1514, SPAN};
    for (int backward = 0; backward < 2; backward++)
        for (size_t so = 0; so < 8; so++)
            for (size_t d_o = 0; d_o < 8; d_o++)
                for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
                    memset(dst, 0xa5, sizeof(dst));
                    memset(want, 0xa5, sizeof(want));
                    memcpy(want + GUARD + d_o, src + so, lens[k]);
                    if (backward)
                        wordcopy_backward(dst + GUARD + d_o, src + so, lens[k]);
                    else
                        wordcopy_forward(dst + GUARD + d_o, src + so, lens[k]);
                    assert_memory_equal(dst, want, sizeof(dst));
                }
}

/* Overlapping ranges as memmove picks the direction: forward to a lower address, backward to a
 * higher one, at every distance up to two words either way. */
static void test_overlapping(void **state)
{
    (void)state;
    static uint8_t buf[GUARD + SPAN + 32 + GUARD], want[sizeof(buf)];
    for (size_t len = 0; len <= 64; len += 1)
        for (int shift = -17; shift <= 17; shift++) {
            for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (uint8_t)(i * 13 + 1);
            memcpy(want, buf, sizeof(buf));
            uint8_t *s = buf + GUARD + 16, *d = s + shift;
            memmove(want + GUARD + 16 + shift, want + GUARD + 16, len);
            if (shift <= 0)
                wordcopy_forward(d, s, len);
            else
                wordcopy_backward(d, s, len);
            assert_memory_equal(buf, want, sizeof(buf));
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_all_alignments),
        cmocka_unit_test(test_overlapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
