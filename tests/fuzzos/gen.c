/* gen.c: random arguments by type (gen.h). */
#include "gen.h"

#include "pool.h"

#include <warp/abi.h>

static uint64_t state;
static uint8_t scratch[GEN_SCRATCH_SIZE] __attribute__((aligned(4096)));
static const void *ro_base;
static handle_t gen_link;
static size_t ro_size;

void gen_seed(uint64_t seed)
{
    state = seed;
}

/* splitmix64 (Steele, Lea, Flood 2014): every state a different output, cheap and well mixed. */
uint64_t gen_next(void)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t gen_below(uint64_t n)
{
    return gen_next() % n;
}

bool gen_one_in(uint64_t n)
{
    return gen_below(n) == 0;
}

uint64_t gen_edge(void)
{
    static const uint64_t edges[] = {0,
                                     1,
                                     2,
                                     7,
                                     0xff,
                                     0x100,
                                     0xfff,
                                     0x1000,
                                     0x1001,
                                     0xffff,
                                     0x10000,
                                     0x7fffffff,
                                     0x80000000,
                                     0xffffffff,
                                     0x100000000ull,
                                     0x7fffffffffffffffull,
                                     0x8000000000000000ull,
                                     ~0ull,
                                     ~0ull - 1,
                                     ~0ull - 0xfff};
    uint64_t v = edges[gen_below(sizeof(edges) / sizeof(edges[0]))];
    return gen_one_in(4) ? v << gen_below(48) : v;
}

void gen_set_readonly(const void *base, size_t size)
{
    ro_base = base;
    ro_size = size;
}

void gen_set_link(handle_t link)
{
    gen_link = link;
}

uint8_t *gen_scratch(void)
{
    return scratch;
}

/* A handle value that names nothing of ours. */
static handle_t bad_handle(void)
{
    if (pool.nstale && gen_below(3))
        return pool.stale[gen_below(pool.nstale)];
    /* Slot bits 0, or negative: no table has them (any slot 1..HANDLES_MAX at generation 0 may be live). */
    static const handle_t made_up[] = {0, -1, INT64_MIN, 0x1000, 0x2000, 1ll << 40, -0x1000};
    if (gen_one_in(2))
        return made_up[gen_below(sizeof(made_up) / sizeof(made_up[0]))];
    /* A slot's number with a generation we never saw: slot bits 1..512, generation far ahead. */
    return (handle_t)((gen_below(1u << 20) + (1u << 30)) << 12 | (gen_below(512) + 1));
}

handle_t gen_handle(uint32_t type, uint32_t rights, enum gen_kind *kind)
{
    /* The channel to the sibling worker, while we hold it, is where calls cross processes: favour it. */
    const struct pool_handle *link = gen_link ? pool_find(gen_link) : NULL;
    if (link && (type == OBJ_CHANNEL || !type) && (link->rights & rights) == rights && gen_one_in(4)) {
        *kind = GEN_VALID;
        return link->h;
    }
    unsigned roll = (unsigned)gen_below(16), start = pool.nh ? (unsigned)gen_below(pool.nh) : 0;
    for (unsigned n = 0; roll < 13 && n < pool.nh; n++) {
        const struct pool_handle *e = &pool.h[(start + n) % pool.nh];
        bool fits = (!type || e->type == type) && (e->rights & rights) == rights;
        if (fits || roll >= 11) { /* 11, 12: any of ours, whatever its type */
            *kind = fits ? GEN_VALID : GEN_BAD;
            return e->h;
        }
    }
    *kind = GEN_BAD;
    return bad_handle();
}

/* A pointer into one of our mappings (len from a random offset; off its end if too long). */
static uint64_t map_ptr(uint64_t len, enum gen_kind *kind)
{
    const struct pool_map *m = &pool.maps[gen_below(pool.nmaps)];
    uint64_t off = len >= m->len ? 0 : gen_below(m->len - len + 1);
    if (gen_one_in(8))
        off = m->len - (len ? gen_below(len) + 1 : 0); /* straddles the end */
    *kind = off + len <= m->len ? GEN_VALID : GEN_UNSURE;
    return m->addr + off;
}

/* An address the caller does not own or the kernel may not use for it. */
static uint64_t bad_ptr(bool write, enum gen_kind *kind)
{
    *kind = GEN_BAD;
    switch (gen_below(9)) {
    case 0: return 0;
    case 1: return USER_BASE - 1 - gen_below(USER_BASE - 1);
    case 2: return 0xffff800000000000ull + gen_below(1ull << 30) * 8; /* the kernel's direct map */
    case 3: return 0xffffffff80000000ull + gen_below(1u << 24);       /* the kernel image */
    case 4: return USER_TOP + gen_below(1ull << 40);                  /* non-canonical */
    case 5: return ~0ull - gen_below(64);                             /* wraps */
    case 6: return USER_TOP - gen_below(PAGE_SIZE);                   /* the top of the user half */
    case 7:
        if (pool.nunmapped) { /* the address may have been handed out again since */
            *kind = GEN_UNSURE;
            return pool.unmapped[gen_below(pool.nunmapped < POOL_UNMAPPED ? pool.nunmapped : POOL_UNMAPPED)];
        }
        return USER_VM_TOP - PAGE_SIZE;
    default:
        if (ro_base && write) /* read-only: only writing through it is refused */
            return (uint64_t)ro_base + gen_below(ro_size);
        return USER_VM_TOP - PAGE_SIZE;
    }
}

uint64_t gen_ptr(uint64_t len, bool write, enum gen_kind *kind)
{
    unsigned roll = (unsigned)gen_below(16);
    if (roll < 9 && len <= GEN_SCRATCH_SIZE) {
        *kind = GEN_VALID;
        return (uint64_t)scratch + gen_below(GEN_SCRATCH_SIZE - len + 1);
    }
    if (roll < 12 && pool.nmaps)
        return map_ptr(len, kind);
    if (roll == 12 && ro_base && !write && len <= ro_size) {
        *kind = GEN_VALID;
        return (uint64_t)ro_base + gen_below(ro_size - len + 1);
    }
    return bad_ptr(write, kind);
}

uint64_t gen_len(uint64_t max)
{
    switch (gen_below(8)) {
    case 0: return 0;
    case 1: return max + 1;
    case 2: return gen_edge();
    case 3: return max;
    default: return gen_below(max + 1);
    }
}
