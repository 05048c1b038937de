/* test_tcpip_copy.c: unit tests for tcpip_memcpy, the copy lwIP's MEMCPY uses (servers/tcpip/copy.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "servers/tcpip/copy.h"

#define SPAN 1600 /* more than a frame */
#define GUARD 16  /* bytes either side that must stay untouched */

/* Every source and destination offset within a word, every length up to a frame and past it: the
 * bytes arrive in order, nothing around the destination changes, and dst comes back. */
static void test_copy_all_alignments(void **state)
{
    (void)state;
    static uint8_t src[SPAN + 8], dst[GUARD + SPAN + 8 + GUARD], want[sizeof(dst)];
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)(i * 7 + 3);
    static const size_t lens[] = {0, 1, 7, 8, 9, 15, 16, 17, 54, 1460, 1514, SPAN};
    for (size_t so = 0; so < 8; so++)
        for (size_t d_o = 0; d_o < 8; d_o++)
            for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
                memset(dst, 0xa5, sizeof(dst));
                memset(want, 0xa5, sizeof(want));
                memcpy(want + GUARD + d_o, src + so, lens[k]);
                void *r = tcpip_memcpy(dst + GUARD + d_o, src + so, lens[k]);
                assert_ptr_equal(r, dst + GUARD + d_o);
                assert_memory_equal(dst, want, sizeof(dst));
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_all_alignments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
