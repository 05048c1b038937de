/* random.c: a ChaCha20 generator with fast key erasure, keyed from the CPU's hardware source and jitter. */
#include <arch.h>
#include <log.h>
#include <random.h>
#include <warp/string.h>

/*
 * Design (docs/syscalls.md, "Entropy"): the output is the ChaCha20 keystream (RFC 8439 block function)
 * under a 256-bit key. Every fill first folds new seed material into the key (hardware words when the
 * CPU has RDSEED/RDRAND, the interrupt-timing pool always), then takes the first 32 bytes of the next
 * block as the following key, so a key read out of memory later reveals nothing of earlier output.
 */
static struct {
    uint32_t key[8];
    uint64_t counter;
    uint64_t pool; /* random_mix's accumulator, folded in at the next fill */
} rng;

/* n is 7, 8, 12 or 16 here, never 0 (a shift by 32 would be undefined). */
static inline uint32_t rotl32(uint32_t v, int n)
{
    return v << n | v >> (32 - n);
}

/* The ChaCha quarter round on words a, b, c, d of the state. */
static inline void quarter(uint32_t x[16], int a, int b, int c, int d)
{
    x[a] += x[b], x[d] = rotl32(x[d] ^ x[a], 16);
    x[c] += x[d], x[b] = rotl32(x[b] ^ x[c], 12);
    x[a] += x[b], x[d] = rotl32(x[d] ^ x[a], 8);
    x[c] += x[d], x[b] = rotl32(x[b] ^ x[c], 7);
}

/* One 64-byte ChaCha20 block of key at counter (nonce zero: each key is used for one fill only). */
static void chacha20_block(const uint32_t key[8], uint64_t counter, uint32_t out[16])
{
    uint32_t in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
    memcpy(&in[4], key, 32);
    in[12] = (uint32_t)counter;
    in[13] = (uint32_t)(counter >> 32);
    uint32_t x[16];
    memcpy(x, in, sizeof(x));
    for (int i = 0; i < 10; i++) {
        quarter(x, 0, 4, 8, 12); /* columns */
        quarter(x, 1, 5, 9, 13);
        quarter(x, 2, 6, 10, 14);
        quarter(x, 3, 7, 11, 15);
        quarter(x, 0, 5, 10, 15); /* diagonals */
        quarter(x, 1, 6, 11, 12);
        quarter(x, 2, 7, 8, 13);
        quarter(x, 3, 4, 9, 14);
    }
    for (int i = 0; i < 16; i++)
        out[i] = x[i] + in[i];
}

/* Replace the key by the first half of a fresh block: the old key cannot be recomputed from it. */
static void rng_rekey(void)
{
    uint32_t block[16];
    chacha20_block(rng.key, rng.counter++, block);
    memcpy(rng.key, block, sizeof(rng.key));
    random_wipe(block, sizeof(block));
}

/* Fold seed material into the key: XOR into it, then rekey (the block function does the mixing). */
static void rng_absorb(const uint64_t *words, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rng.key[(2 * i) % 8] ^= (uint32_t)words[i];
        rng.key[(2 * i + 1) % 8] ^= (uint32_t)(words[i] >> 32);
        if (i % 4 == 3)
            rng_rekey();
    }
    rng_rekey();
}

/* Four words from the hardware source; false if the CPU has none (or it kept failing). */
static bool rng_hw_words(uint64_t w[4])
{
    for (int i = 0; i < 4; i++)
        if (!arch_random_hw(&w[i]))
            return false;
    return true;
}

/*
 * Clock jitter: the cycle counter's low bits around work whose length varies with caches, the
 * memory system and (under emulation) the host. Weak on its own: under QEMU's TCG with -icount it
 * is fully deterministic. It is the only source on a CPU without RDRAND/RDSEED (docs).
 */
static void rng_gather_jitter(unsigned samples)
{
    uint64_t words[4];
    for (unsigned i = 0; i < samples; i++) {
        uint64_t t0 = arch_cycles();
        /* The spin's length itself depends on the clock, so successive samples time different work. */
        for (volatile unsigned spin = 0; spin < 64 + (t0 & 63); spin++)
            ;
        words[i % 4] = (arch_cycles() - t0) << 32 ^ arch_time_ns() ^ t0;
        if (i % 4 == 3)
            rng_absorb(words, 4);
    }
}

/* Hardware words when the CPU has them, jitter always: neither source is trusted alone. */
void random_init(void)
{
    uint64_t hw[4];
    bool hw_seeded = rng_hw_words(hw);
    if (hw_seeded)
        rng_absorb(hw, 4);
    rng_gather_jitter(256);
    log_printf("random: keyed from %s", hw_seeded ? "the CPU's hardware source and clock jitter"
                                                  : "clock jitter only (no RDSEED/RDRAND): not for keys");
}

/* Runs on every interrupt, so only a rotate and an XOR; the pool is folded in at the next fill. */
void random_mix(uint64_t v)
{
    rng.pool = (rng.pool << 7 | rng.pool >> 57) ^ v;
}

/* Reseed, output, rekey: a key read out of memory later reveals nothing of this output. */
void random_fill(void *buf, size_t n)
{
    uint64_t seed[6];
    size_t k = rng_hw_words(seed) ? 4 : 0;
    seed[k++] = arch_cycles();
    seed[k++] = rng.pool;
    rng.pool = 0;
    rng_absorb(seed, k);
    for (size_t done = 0; done < n; done += 64) {
        uint32_t block[16];
        chacha20_block(rng.key, rng.counter++, block);
        memcpy((char *)buf + done, block, n - done < 64 ? n - done : 64);
        random_wipe(block, sizeof(block));
    }
    rng_rekey();
}

/* The memset is an ordinary store the optimizer may delete; the empty asm that "reads" p through
 * memory keeps it. */
void random_wipe(void *p, size_t n)
{
    memset(p, 0, n);
    __asm__ volatile("" : : "r"(p) : "memory");
}
