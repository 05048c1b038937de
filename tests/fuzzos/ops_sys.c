/* ops_sys.c: the fuzzer's generators for processes, memory, the system-wide and device calls, and
 * numbers that are no system call (ops.h). */
#include "../inos/elfgen.h"
#include "ops.h"
#include "pool.h"
#include "report.h"

#include <warp/device.h>
#include <warp/string.h>
#include <warp/syscall.h>

#define IMAGES 4
#define MAP_MAX (4ul << 20) /* valid mappings stay small: the fuzzer must not starve the machine */
#define VM_MAP_LIMIT (1ul << 30)

static struct {
    uint8_t buf[IMAGES][ELFGEN_BUF_SIZE] __attribute__((aligned(8)));
    size_t len[IMAGES];
    uint8_t mutant[ELFGEN_BUF_SIZE] __attribute__((aligned(8)));
    struct spawn_args args;
    handle_t handles[SPAWN_HANDLES_MAX + 1];
    uint64_t last_clock;
    bool mortal;
} sys;

/* What each prebuilt image does: all end by themselves but the last, which blocks until killed. */
static const enum elfgen_kind image_kinds[IMAGES] = {ELFGEN_EXIT, ELFGEN_BSS_RW, ELFGEN_EIGHT, ELFGEN_BLOCK};

void fz_ops_init(bool mortal)
{
    sys.mortal = mortal;
    for (unsigned i = 0; i < IMAGES; i++)
        sys.len[i] = elfgen_build(sys.buf[i], image_kinds[i], 3);
}

/* A copy of image i with bytes of its headers changed; a segment's size grows by 64 KiB at most, so
 * a mutant never asks for more memory than the machine can spare. */
static const uint8_t *mutant(unsigned i)
{
    memcpy(sys.mutant, sys.buf[i], sizeof(sys.mutant));
    for (unsigned n = 1 + (unsigned)gen_below(4); n > 0; n--) {
        uint64_t off = gen_below(ELFGEN_CODE_OFF);
        uint64_t in_phdr = (off - sizeof(struct elfgen_ehdr)) % sizeof(struct elfgen_phdr);
        if (off >= sizeof(struct elfgen_ehdr) && in_phdr >= 42 && in_phdr < 48) /* memsz, upper bytes */
            continue;
        sys.mutant[off] = (uint8_t)gen_next();
    }
    return sys.mutant;
}

/* Fills sys.args; true if the kernel must refuse it. *flags: PH_ENDS if the child ends by itself. */
static bool spawn_args(uint32_t *flags)
{
    static const char name[] = "fuzz-child-with-a-name-too-long-to-take";
    enum gen_kind kind;
    unsigned img = (unsigned)gen_below(sys.mortal ? IMAGES - 1 : IMAGES);
    bool mutated = !sys.mortal && gen_one_in(3), refused = false;
    *flags = !mutated && image_kinds[img] != ELFGEN_BLOCK ? PH_ENDS : 0;
    struct spawn_args *a = &sys.args;
    a->name_len = gen_below(8) ? 1 + gen_below(12) : gen_len(SPAWN_NAME_MAX);
    a->name = gen_below(8) ? (uint64_t)name : gen_ptr(a->name_len, false, &kind);
    refused |=
        a->name_len == 0 || a->name_len > SPAWN_NAME_MAX || (a->name != (uint64_t)name && kind == GEN_BAD);
    a->image = (uint64_t)(mutated ? mutant(img) : sys.buf[img]);
    a->image_len = gen_below(8) ? sys.len[img] : gen_len(sys.len[img]);
    refused |= a->image_len == 0;
    if (gen_one_in(16)) {
        a->image = gen_ptr(a->image_len, false, &kind);
        refused |= kind == GEN_BAD || a->image_len > SPAWN_IMAGE_MAX;
    }
    a->arg = gen_next();
    a->flags = gen_below(4) ? 0 : gen_below(2) ? SPAWN_SHARE_INITFS : gen_edge();
    refused |= (a->flags & ~SPAWN_FLAGS_ALL) != 0;
    a->nhandles = gen_below(2) ? 0 : gen_len(SPAWN_HANDLES_MAX);
    refused |= a->nhandles > SPAWN_HANDLES_MAX;
    for (unsigned i = 0; i < a->nhandles && i <= SPAWN_HANDLES_MAX; i++) {
        sys.handles[i] = gen_handle(0, RIGHT_TRANSFER, &kind);
        refused |= kind == GEN_BAD;
    }
    a->handles = (uint64_t)sys.handles;
    a->weight = gen_below(4) ? 0 : gen_below(SPAWN_WEIGHT_MAX + 2);
    return refused;
}

static void op_spawn(void)
{
    uint32_t flags;
    enum gen_kind kind;
    pool_make_room_for_child();
    bool refused = spawn_args(&flags);
    uint64_t args = gen_below(16) ? (uint64_t)&sys.args : gen_ptr(sizeof(sys.args), false, &kind);
    unsigned n = sys.args.nhandles <= SPAWN_HANDLES_MAX ? (unsigned)sys.args.nhandles : SPAWN_HANDLES_MAX + 1;
    unsigned live = pool_live(sys.handles, n);
    long r = fz_sys(SYS_SPAWN, args, 0, 0, 0, 0, 0);
    if (args != (uint64_t)&sys.args) { /* whatever was there: it may even have started something */
        fz_check(r < 0 || kind != GEN_BAD, "SYS_SPAWN refuses a bad args pointer");
        if (r > 0) {
            pool_resync_all();
            pool_add_child((handle_t)r, 0);
        }
        return;
    }
    fz_check(r < 0 || !refused, "SYS_SPAWN refuses what breaks its rules");
    for (unsigned i = 0; i < n; i++)
        if (pool_resync(sys.handles[i]) && (live & 1u << i) && r < 0)
            fz_check(false, "a refused spawn moved none of the handles it listed");
    if (r > 0) {
        fz_stats.spawned++;
        pool_add_child((handle_t)r, flags);
    }
}

/* SYS_WAIT only where it cannot block for ever: a process that ends by itself or that we killed, or
 * a handle that is not a process of ours at all. */
static void op_wait(void)
{
    enum gen_kind kind, okind;
    handle_t h = gen_handle(OBJ_PROCESS, RIGHT_READ, &kind);
    const struct pool_handle *e = pool_find(h);
    if (e && e->type == OBJ_PROCESS && !(e->flags & (PH_ENDS | PH_KILLED)))
        return;
    uint64_t out = gen_ptr(sizeof(struct exit_info), true, &okind);
    long r = fz_sys(SYS_WAIT, (uint64_t)h, out, 0, 0, 0, 0);
    fz_check(r < 0 || (kind != GEN_BAD && okind != GEN_BAD), "SYS_WAIT refuses bad arguments");
    if (r == 0 && e && (e->flags & PH_KILLED)) {
        const struct exit_info *ei = (const void *)out;
        fz_check(ei->reason >= EXIT_NORMAL && ei->reason <= EXIT_KILLED, "an exit record says why");
    }
}

static void op_kill(void)
{
    enum gen_kind kind;
    handle_t h = gen_handle(OBJ_PROCESS, RIGHT_WRITE, &kind);
    long r = fz_sys(SYS_KILL, (uint64_t)h, 0, 0, 0, 0, 0);
    fz_check(r < 0 || kind != GEN_BAD, "SYS_KILL refuses what is not one of our processes");
    struct pool_handle *e = pool_find(h);
    if (r == 0 && e)
        e->flags |= PH_KILLED;
}

static void op_vm_map(void)
{
    uint64_t len = gen_below(4) ? 1 + gen_below(8 * PAGE_SIZE) : gen_len(MAP_MAX);
    if (len > MAP_MAX && len <= VM_MAP_LIMIT)
        len = VM_MAP_LIMIT + 1 + gen_below(PAGE_SIZE);
    /* A quarter lazy (PROT_LAZY): their pages come when a later call's copy touches them. */
    uint64_t prot = gen_below(8) ? (1 + gen_below(7)) | (gen_one_in(4) ? PROT_LAZY : 0) : gen_edge();
    bool refused = len == 0 || len > VM_MAP_LIMIT || !(prot & 7) || (prot & ~(7ull | PROT_LAZY)) ||
                   (prot & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC);
    long r = fz_sys(SYS_VM_MAP, len, prot, 0, 0, 0, 0);
    fz_check(r < 0 || !refused, "SYS_VM_MAP refuses bad lengths and protections");
    if (r > 0) {
        fz_check((r & (PAGE_SIZE - 1)) == 0 && (uint64_t)r >= USER_VM_BASE &&
                     (uint64_t)r + len <= USER_VM_TOP,
                 "a mapping is page-aligned, in the mapping area");
        pool_add_map((uint64_t)r, len);
    }
}

/* Takes memory in MAP_MAX pieces until the kernel says no (or the pool is full): on a small machine
 * every allocation the kernel then tries, for our calls or our sibling's, fails for real. */
static void op_hog(void)
{
    while (pool.nmaps < POOL_MAPS) {
        long r = fz_sys(SYS_VM_MAP, MAP_MAX, PROT_READ, 0, 0, 0, 0);
        if (r < 0)
            break;
        pool_add_map((uint64_t)r, MAP_MAX);
    }
}

static void op_vm_unmap(void)
{
    uint64_t addr = gen_edge() & ~(PAGE_SIZE - 1), len = gen_len(MAP_MAX);
    unsigned i = pool.nmaps ? (unsigned)gen_below(pool.nmaps) : 0;
    bool exact = false, partial = false;
    if (pool.nmaps && gen_below(4)) {
        addr = pool.maps[i].addr, len = pool.maps[i].len;
        unsigned how = (unsigned)gen_below(8);
        exact = how < 5;
        partial = how >= 5 && len > PAGE_SIZE;
        /* One page less, at either end, or the second page alone: never one whole mapping. */
        if (partial && how != 7)
            len -= PAGE_SIZE;
        else if (partial)
            len = PAGE_SIZE;
        if (partial && how != 5)
            addr += PAGE_SIZE;
    } else if (gen_one_in(4)) {
        addr |= 1 + gen_below(PAGE_SIZE - 1);
    }
    long r = fz_sys(SYS_VM_UNMAP, addr, len, 0, 0, 0, 0);
    fz_check(r < 0 || ((addr & (PAGE_SIZE - 1)) == 0 && !partial), "SYS_VM_UNMAP takes whole mappings only");
    if (r == 0 && exact)
        pool_drop_map(i);
    for (unsigned j = 0; r == 0 && !exact && j < pool.nmaps; j++)
        if (pool.maps[j].addr == addr) /* a made-up range that was one of ours after all */
            pool_drop_map(j);
}

static void op_sysinfo(void)
{
    enum gen_kind kind;
    uint64_t out = gen_ptr(sizeof(struct sysinfo), true, &kind);
    long r = fz_sys(SYS_SYSINFO, out, 0, 0, 0, 0, 0);
    fz_check(r < 0 || kind != GEN_BAD, "SYS_SYSINFO refuses a bad pointer");
    const struct sysinfo *si = (const void *)out;
    if (r == 0)
        fz_check(si->free_pages <= si->total_pages && si->nprocs > 0, "sysinfo's counts are consistent");
}

static void op_clock(void)
{
    long r = fz_sys(gen_below(2) ? SYS_CLOCK : SYS_YIELD, gen_edge(), gen_edge(), 0, 0, 0, 0);
    if (fz_stats.calls && r > 0) {
        fz_check((uint64_t)r >= sys.last_clock, "the clock never goes back");
        sys.last_clock = (uint64_t)r;
    }
}

static void op_entropy(void)
{
    enum gen_kind kind;
    uint64_t len = gen_len(ENTROPY_MAX), buf = gen_ptr(len, true, &kind);
    long r = fz_sys(SYS_ENTROPY, buf, len, 0, 0, 0, 0);
    fz_check(r < 0 || ((uint64_t)r == len && len <= ENTROPY_MAX && (kind != GEN_BAD || len == 0)),
             "SYS_ENTROPY fills exactly len bytes of our memory");
}

/* Console output stays readable: valid writes print "fz" lines; the rest must be refused. */
static void op_console(void)
{
    static const char text[] = "fz\n";
    enum gen_kind kind = GEN_VALID;
    uint64_t len = gen_below(2) ? 0 : 1 + gen_len(70000), buf = (uint64_t)text;
    if (len < sizeof(text))
        len = gen_below(2) ? sizeof(text) - 1 : 0;
    else
        do
            buf = gen_ptr(len, false, &kind);
        while (kind != GEN_BAD && len <= 65536);
    long r = fz_sys(SYS_CONSOLE_WRITE, buf, len, 0, 0, 0, 0);
    fz_check(r < 0 || ((uint64_t)r == len && kind != GEN_BAD), "SYS_CONSOLE_WRITE writes all or refuses");
}

/* Only init may power off or open devices, and we hold no device or interrupt handles. */
static void op_privileged(void)
{
    static const long nrs[] = {
        SYS_SHUTDOWN,   SYS_DEVICE_OPEN, SYS_DEVICE_CONFIG_READ, SYS_DEVICE_CONFIG_WRITE, SYS_DEVICE_MAP_BAR,
        SYS_IRQ_CREATE, SYS_IRQ_ACK,     SYS_DMA_ALLOC,          SYS_DEVICE_INFO};
    enum gen_kind kind;
    long nr = nrs[gen_below(sizeof(nrs) / sizeof(nrs[0]))];
    uint64_t a1 = nr == SYS_SHUTDOWN      ? gen_below(300)
                  : nr == SYS_DEVICE_OPEN ? gen_ptr(16, false, &kind)
                                          : (uint64_t)gen_handle(0, 0, &kind);
    long r = fz_sys(nr, a1, gen_ptr(64, true, &kind), gen_edge(), gen_edge(), 0, 0);
    fz_check(r < 0, "no power-off and no device access for a process that was granted none");
}

/* Numbers that are no system call, and real numbers with made-up arguments (SYS_EXIT aside). */
static void op_raw(void)
{
    static const long bad[] = {0, -1, SYS_COUNT, SYS_COUNT + 1, 255, 4096, INT64_MIN, INT64_MAX};
    long nr =
        gen_below(3) ? bad[gen_below(sizeof(bad) / sizeof(bad[0]))] : 1 + (long)gen_below(SYS_COUNT - 1);
    if (nr == SYS_EXIT || nr == SYS_EVENTQ_CREATE || nr == SYS_TIMER_CREATE || nr == SYS_VM_MAP)
        nr = SYS_YIELD; /* made-up handles and addresses never block; these would leave things untracked */
    /* A small first argument could be a live handle of ours (generation 0): make it one no table
     * holds, or a made-up SYS_WAIT could wait for ever on a child or close what we rely on. */
    long r = fz_sys(nr, gen_edge() | 1ull << 62, gen_edge(), gen_edge(), gen_edge(), gen_edge(), gen_edge());
    if (nr <= 0 || nr >= SYS_COUNT)
        fz_check(r == ERR_BAD_SYSCALL, "a number that is no system call is ERR_BAD_SYSCALL");
}

const struct fz_op fz_ops_sys[] = {
    {"spawn", 3, op_spawn},
    {"wait", 2, op_wait},
    {"kill", 2, op_kill},
    {"vm_map", 3, op_vm_map},
    {"vm_unmap", 3, op_vm_unmap},
    {"sysinfo", 1, op_sysinfo},
    {"clock_yield", 1, op_clock},
    {"entropy", 1, op_entropy},
    {"console", 1, op_console},
    {"privileged", 2, op_privileged},
    {"raw", 3, op_raw},
    {"hog", 1, op_hog},
    {"supervise", 1, fz_op_supervise},
};
const unsigned fz_nops_sys = sizeof(fz_ops_sys) / sizeof(fz_ops_sys[0]);
