/* t_entropy.c: tests of SYS_ENTROPY: random bytes in, every bad length and buffer refused. */
#include "tests.h"

#include <warp/string.h>

/* Bits that differ between two buffers. */
static unsigned entropy_bits_differ(const uint8_t *a, const uint8_t *b, size_t n)
{
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++)
        for (uint8_t x = a[i] ^ b[i]; x; x &= (uint8_t)(x - 1))
            bits++;
    return bits;
}

/* Buffers the kernel must refuse, leaving them as they were. */
static void entropy_bad_buffers(void)
{
    static const uint8_t ro[32];
    tap_eq(warp_entropy((void *)(uintptr_t)ro, sizeof(ro)), ERR_BAD_ADDRESS,
           "entropy into read-only data gives ERR_BAD_ADDRESS");
    tap_ok(tests_all_zero(ro, sizeof(ro)), "... and the read-only data stays zero");
    tap_eq(warp_entropy((void *)(uintptr_t)main, 16), ERR_BAD_ADDRESS,
           "entropy into the text segment gives ERR_BAD_ADDRESS");
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(warp_entropy((void *)tests_bad_ptrs[i].addr, 16), ERR_BAD_ADDRESS,
               "entropy into %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    long r = warp_entropy(tests_stack_top_poison(), 32);
    bool untouched = tests_stack_top_untouched();
    tap_eq(r, ERR_BAD_ADDRESS, "entropy running off the stack top into the guard page gives ERR_BAD_ADDRESS");
    tap_ok(untouched, "... and writes none of the 16 bytes below the guard page");
}

/* Lengths: 0 and the maximum work, one more is too large. */
static void entropy_lengths(void)
{
    uint8_t big[ENTROPY_MAX + 1];
    memset(big, 0, sizeof(big));
    tap_eq(warp_entropy(big, 0), 0, "entropy of 0 bytes returns 0");
    tap_eq(warp_entropy(big, ENTROPY_MAX + 1), ERR_TOO_LARGE,
           "entropy of ENTROPY_MAX + 1 bytes gives ERR_TOO_LARGE");
    tap_ok(tests_all_zero(big, sizeof(big)), "... and writes nothing");
    tap_eq(warp_entropy(big, ENTROPY_MAX), ENTROPY_MAX, "entropy of ENTROPY_MAX bytes returns ENTROPY_MAX");
    tap_eq(big[ENTROPY_MAX], 0, "... and writes no byte beyond them");
    tap_eq(warp_syscall6(SYS_ENTROPY, (long)big, -1, 0, 0, 0, 0), ERR_TOO_LARGE,
           "entropy of 2^64 - 1 bytes gives ERR_TOO_LARGE");
}

/* Two draws look random: about half their bits differ, and neither is constant. */
void test_entropy(void)
{
    uint8_t a[64], b[64];
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    tap_eq(warp_entropy(a, sizeof(a)), sizeof(a), "entropy fills 64 bytes");
    tap_eq(warp_entropy(b, sizeof(b)), sizeof(b), "a second draw fills 64 more");
    unsigned d = entropy_bits_differ(a, b, sizeof(a));
    tap_ok(d > 160 && d < 352, "two draws differ in %u of 512 bits (expected about 256)", d);
    uint8_t odd[7 + 3];
    memset(odd, 0, sizeof(odd));
    tap_eq(warp_entropy(odd + 3, 7), 7, "entropy into an unaligned 7-byte buffer works");
    tap_ok(odd[0] == 0 && odd[1] == 0 && odd[2] == 0, "... and writes nothing before it");
    entropy_lengths();
    entropy_bad_buffers();
}
