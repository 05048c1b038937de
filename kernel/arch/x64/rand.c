/* rand.c: the CPU's random-number instructions (Intel SDM vol. 1, 7.3.17: RDRAND and RDSEED). */
#include <arch.h>
#include "x64.h"

#define HW_RANDOM_TRIES 10 /* both may transiently report "no data" (CF = 0); Intel suggests retrying */

/* One 64-bit value from RDSEED (seed: a conditioned entropy source) or RDRAND (a DRBG the CPU
 * reseeds from that source); false if the instruction has no data after HW_RANDOM_TRIES tries. */
static bool hw_read(bool seed, uint64_t *out)
{
    for (int i = 0; i < HW_RANDOM_TRIES; i++) {
        uint8_t ok;
        if (seed)
            __asm__ volatile("rdseed %0; setc %1" : "=r"(*out), "=qm"(ok));
        else
            __asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

/* RDSEED first: it draws on the entropy source directly; RDRAND when RDSEED is absent or dry. */
bool arch_random_hw(uint64_t *out)
{
    if (cpu_features.rdseed && hw_read(true, out))
        return true;
    return cpu_features.rdrand && hw_read(false, out);
}
