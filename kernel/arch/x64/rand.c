/* rand.c: the CPU's random-number instructions (Intel SDM vol. 1, 7.3.17: RDRAND and RDSEED). */
#include <arch.h>
#include "x64.h"

#define HW_RANDOM_TRIES 10 /* both may transiently report "no data" (CF = 0); Intel suggests retrying */

/* One 64-bit value from RDSEED (a conditioned entropy source), false if it has none right now. */
static bool rdseed64(uint64_t *out) {
    for (int i = 0; i < HW_RANDOM_TRIES; i++) {
        uint8_t ok;
        __asm__ volatile("rdseed %0; setc %1" : "=r"(*out), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

/* One 64-bit value from RDRAND (a DRBG the CPU reseeds from that source). */
static bool rdrand64(uint64_t *out) {
    for (int i = 0; i < HW_RANDOM_TRIES; i++) {
        uint8_t ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

/* RDSEED first: it reads the entropy source itself, RDRAND a generator seeded from it. */
bool arch_random_hw(uint64_t *out) {
    if (cpu_features.rdseed && rdseed64(out))
        return true;
    return cpu_features.rdrand && rdrand64(out);
}
