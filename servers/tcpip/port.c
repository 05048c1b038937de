/* port.c: what lwIP needs from the platform: time, randomness, TCP ISNs, atoi, assertions. */
#include "siphash.h"
#include "tcpip.h"

#include <cpuid.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lwip/arch.h"
#include "lwip/ip_addr.h"
#include "lwip/sys.h"

/* lwIP's clock: milliseconds (it compares them modulo 2^32, so the wrap after 49 days is fine). */
u32_t sys_now(void)
{
    return (u32_t)(warp_clock() / 1000000u);
}

/* Where randomness comes from, chosen once by tcpip_random_init. */
static struct {
    bool rdseed, rdrand;
    uint8_t key[16];     /* secret for the TSC-jitter generator and the ISN hash */
    uint8_t isn_key[16];
    uint64_t counter;    /* makes every TSC-jitter draw distinct */
} port_rand;

static inline uint64_t port_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* One 64-bit value from RDSEED (preferred: a true entropy source) or RDRAND; false if the CPU has
 * neither or it failed ten times in a row (the instructions may transiently report no data). */
static bool port_hw_random(uint64_t *out)
{
    for (int i = 0; i < 10; i++) {
        uint64_t v;
        uint8_t ok = 0;
        if (port_rand.rdseed)
            __asm__ volatile("rdseed %0; setc %1" : "=r"(v), "=qm"(ok));
        else if (port_rand.rdrand)
            __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
        else
            return false;
        if (ok) {
            *out = v;
            return true;
        }
    }
    return false;
}

/*
 * Jitter of the TSC around system calls: each round trip into the kernel and back takes a slightly
 * different number of cycles (caches, the timer interrupt, other processes), and the low bits of the
 * differences are hard to predict. Folds n samples into *pool with SipHash.
 */
static void port_gather_jitter(uint8_t pool[16], unsigned n)
{
    uint64_t words[4];
    for (unsigned i = 0; i < n; i++) {
        uint64_t t0 = port_rdtsc();
        uint64_t clock = warp_clock();
        if (i % 8 == 0)
            warp_yield();
        words[0] = port_rdtsc() - t0;
        words[1] = clock;
        words[2] = t0;
        words[3] = i;
        uint64_t a = siphash24(pool, words, sizeof(words));
        uint64_t b = siphash24(pool, &a, sizeof(a));
        memcpy(pool, &a, 8);
        memcpy(pool + 8, &b, 8);
    }
}

void tcpip_random_init(void)
{
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d))
        port_rand.rdrand = (c & bit_RDRND) != 0;
    if (__get_cpuid_max(0, NULL) >= 7 && __get_cpuid_count(7, 0, &a, &b, &c, &d))
        port_rand.rdseed = (b & bit_RDSEED) != 0;
    /* Jitter always goes in; hardware randomness on top where the CPU has it. */
    port_gather_jitter(port_rand.key, 256);
    for (unsigned i = 0; i < 4; i++) {
        uint64_t v;
        if (port_hw_random(&v)) {
            uint64_t k;
            memcpy(&k, port_rand.key + 8 * (i % 2), 8);
            k ^= v;
            memcpy(port_rand.key + 8 * (i % 2), &k, 8);
        }
    }
    uint64_t k0 = siphash24(port_rand.key, "isn-key-0", 9), k1 = siphash24(port_rand.key, "isn-key-1", 9);
    memcpy(port_rand.isn_key, &k0, 8);
    memcpy(port_rand.isn_key + 8, &k1, 8);
    printf("tcpip: random numbers from %s\n",
           port_rand.rdseed ? "RDSEED" : port_rand.rdrand ? "RDRAND" : "TSC jitter (no RDRAND)");
}

/* LWIP_RAND: hardware randomness, else SipHash of a counter and the TSC under the jitter key. */
uint32_t tcpip_rand(void)
{
    uint64_t v;
    if (port_hw_random(&v))
        return (uint32_t)(v ^ v >> 32);
    uint64_t in[2] = {port_rand.counter++, port_rdtsc()};
    v = siphash24(port_rand.key, in, sizeof(in));
    return (uint32_t)(v ^ v >> 32);
}

/* LWIP_HOOK_TCP_ISN: RFC 6528, ISN = M + F(four-tuple, secret), M a 4-microsecond clock. */
u32_t tcpip_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                    u16_t remote_port)
{
    uint32_t tuple[3] = {ip4_addr_get_u32(ip_2_ip4(local_ip)), ip4_addr_get_u32(ip_2_ip4(remote_ip)),
                         (uint32_t)local_port << 16 | remote_port};
    uint64_t f = siphash24(port_rand.isn_key, tuple, sizeof(tuple));
    return (u32_t)(warp_clock() / 4000u + f);
}

/* C's atoi, for netif_find (lwIP's only user). */
int atoi(const char *s)
{
    int sign = 1, v = 0;
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    if (*s == '-' || *s == '+')
        sign = *s++ == '-' ? -1 : 1;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return sign * v;
}

/* LWIP_PLATFORM_ASSERT: lwIP's state is broken; say where and let init restart us. */
_Noreturn void tcpip_assert_failed(const char *msg, const char *file, int line)
{
    printf("tcpip: lwIP assertion failed: %s (%s:%d)\n", msg, file, line);
    warp_exit(134);
}
