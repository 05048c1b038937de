/* test_kcore_ktimer.c: the kernel's deadline timers (a pairing heap) against a plain list, at random. */
#include "karch/kharness.h"

#include <ktimer.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define N 300

static struct ktimer timers[N];
static int fired[N];
static uint64_t fire_order_last;
static bool out_of_order;

/* Counts a firing and checks the deadlines come in order within one poll. */
static void on_fire(struct ktimer *kt)
{
    fired[kt - timers]++;
    if (kt->deadline < fire_order_last)
        out_of_order = true;
    fire_order_last = kt->deadline;
}

/* Random arms, re-arms, cancels and polls; after each poll exactly the due timers fired once. */
static void test_ktimer_random(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < N; i++)
        ktimer_init(&timers[i], on_fire);
    karch_now_ns = 0;
    for (long round = 0; round < 200000; round++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int i = (int)(x % N), op = (int)(x >> 32) % 8;
        if (op < 4) {
            ktimer_arm(&timers[i], karch_now_ns + (x >> 20) % 1000);
        } else if (op < 6) {
            ktimer_cancel(&timers[i]);
        } else {
            karch_now_ns += (x >> 40) % 60;
            bool due[N];
            uint64_t earliest = UINT64_MAX;
            for (int j = 0; j < N; j++) {
                due[j] = timers[j].armed && timers[j].deadline <= karch_now_ns;
                fired[j] = 0;
            }
            fire_order_last = 0;
            ktimer_poll();
            for (int j = 0; j < N; j++) {
                assert_int_equal(fired[j], due[j]);
                assert_false(timers[j].armed && timers[j].deadline <= karch_now_ns);
                if (timers[j].armed && timers[j].deadline < earliest)
                    earliest = timers[j].deadline;
            }
            assert_false(out_of_order);
            assert_int_equal(ktimer_next_deadline(), earliest);
        }
    }
    for (int i = 0; i < N; i++)
        ktimer_cancel(&timers[i]);
    assert_int_equal(ktimer_next_deadline(), UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ktimer_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
