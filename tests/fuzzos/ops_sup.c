/* ops_sup.c: the fuzzer's generator for supervised processes: a child's whole life, its memory,
 * registers, FPU state and traps handled with generated arguments (ops.h). */
#include "ops.h"
#include "pool.h"
#include "report.h"

#include <warp/string.h>
#include <warp/syscall.h>

#define SUP_MAPS 8                /* mappings of the child this op remembers */
#define SUP_MAP_MAX (64ul << 10)  /* its mappings stay small */
#define SUP_FIXED 0x400000ul      /* where fixed mappings go, mostly */
#define SUP_COPY_MAX (64ul << 10) /* SYS_PROC_VM_READ/WRITE's limit */

/* One supervised child and what this op knows of it. */
static struct {
    handle_t proc, ch;
    uint64_t map[SUP_MAPS], len[SUP_MAPS];
    unsigned nmaps;
    handle_t sharer, sharer_ch; /* a second child sharing its space (SYS_PROC_VM_SHARE), or 0 */
} sup;

/* A range for an unmap, protect or copy: mostly in or around a mapping we made, else anywhere. */
static uint64_t sup_addr(uint64_t *len, uint64_t max)
{
    if (!sup.nmaps || gen_one_in(4)) {
        *len = gen_len(max);
        return gen_below(2) ? gen_edge() : SUP_FIXED + gen_below(64) * PAGE_SIZE;
    }
    unsigned i = (unsigned)gen_below(sup.nmaps);
    uint64_t off =
        gen_below(3) ? gen_below(sup.len[i] / PAGE_SIZE + 1) * PAGE_SIZE : gen_below(sup.len[i] + 1);
    *len = gen_below(4) ? gen_below(sup.len[i] + PAGE_SIZE) : gen_len(max);
    return sup.map[i] + off;
}

/* True when a map may take prot: known bits, W^X, some access unless lazy (PROT_NONE). */
static bool map_prot_ok(uint64_t prot)
{
    return !(prot & ~(7ull | PROT_LAZY)) && ((prot & 7) || (prot & PROT_LAZY)) &&
           (prot & (PROT_WRITE | PROT_EXEC)) != (PROT_WRITE | PROT_EXEC);
}

/* A map at a fixed or kernel-chosen address, eager or lazy (PROT_LAZY, then also PROT_NONE):
 * refused for a bad length or protection (W^X). */
static void sup_map(void)
{
    uint64_t addr = gen_below(2) ? 0 : gen_below(4) ? SUP_FIXED + gen_below(64) * PAGE_SIZE : gen_edge();
    uint64_t len = gen_below(4) ? 1 + gen_below(SUP_MAP_MAX) : gen_len(SUP_MAP_MAX);
    uint64_t prot =
        gen_below(8) ? (gen_below(8) ? 1 + gen_below(7) : 0) | (gen_below(2) ? PROT_LAZY : 0) : gen_edge();
    bool refused = len == 0 || len > (1ul << 30) || !map_prot_ok(prot) || (addr & (PAGE_SIZE - 1)) ||
                   (addr && (addr < USER_BASE || addr >= USER_TOP));
    long r = fz_sys(SYS_PROC_VM_MAP, sup.proc, addr, len, prot, 0, 0);
    fz_check(r < 0 || !refused, "SYS_PROC_VM_MAP refuses bad addresses, lengths and protections");
    fz_check(r < 0 ||
                 ((r & (PAGE_SIZE - 1)) == 0 && (uint64_t)r < USER_TOP && (!addr || (uint64_t)r == addr)),
             "a mapping in a supervised child is where it was asked, in the user half");
    if (r > 0 && sup.nmaps < SUP_MAPS) {
        sup.map[sup.nmaps] = (uint64_t)r;
        sup.len[sup.nmaps++] = len;
    }
}

/* The clock page at a fixed or kernel-chosen address: refused where a map would be; never a
 * mapping of the child's own, so unmaps and protections of it keep failing (sup_unmap_protect). */
static void sup_clock_map(void)
{
    uint64_t addr = gen_below(2) ? 0 : gen_below(4) ? SUP_FIXED + gen_below(64) * PAGE_SIZE : gen_edge();
    bool refused = (addr & (PAGE_SIZE - 1)) || (addr && (addr < USER_BASE || addr >= USER_TOP));
    long r = fz_sys(SYS_CLOCK_MAP, sup.proc, addr, 0, 0, 0, 0);
    fz_check(r < 0 || !refused, "SYS_CLOCK_MAP refuses bad addresses");
    fz_check(r < 0 ||
                 ((r & (PAGE_SIZE - 1)) == 0 && (uint64_t)r < USER_TOP && (!addr || (uint64_t)r == addr)),
             "the clock page is mapped where it was asked, in the user half");
}

/* Unmaps and protections of any range (PROT_NONE included): whatever the kernel accepts must keep
 * W^X and have no bit but the three accesses. */
static void sup_unmap_protect(void)
{
    uint64_t len, addr = sup_addr(&len, SUP_MAP_MAX);
    if (gen_below(2)) {
        fz_sys(SYS_PROC_VM_UNMAP, sup.proc, addr, len, 0, 0, 0);
        return;
    }
    uint64_t prot = gen_below(8) ? gen_below(8) | (gen_one_in(8) ? PROT_LAZY : 0) : gen_edge();
    long r = fz_sys(SYS_PROC_VM_PROTECT, sup.proc, addr, len, prot, 0, 0);
    fz_check(r < 0 || (!(prot & ~7ull) && (prot & (PROT_WRITE | PROT_EXEC)) != (PROT_WRITE | PROT_EXEC)),
             "SYS_PROC_VM_PROTECT keeps W^X and takes no PROT_LAZY");
}

/* Copies both ways: a bad pointer of ours or a length over the limit is refused; random bytes
 * written become the child's code when it runs. */
static void sup_copy(void)
{
    enum gen_kind kind;
    bool out = gen_below(2);
    uint64_t len, addr = sup_addr(&len, SUP_COPY_MAX + 1);
    uint64_t ours = gen_ptr(len, out, &kind);
    long r = fz_sys(out ? SYS_PROC_VM_READ : SYS_PROC_VM_WRITE, sup.proc, addr, ours, len, 0, 0);
    fz_check(r < 0 || ((kind != GEN_BAD || len == 0) && len <= SUP_COPY_MAX && (uint64_t)r == len),
             "SYS_PROC_VM_READ/WRITE copy all or nothing, from and to valid memory");
}

/* A fresh, empty supervised child named name (5 bytes), *ch our end of its channel; its handle or
 * the spawn's error (nothing left then). */
static long sup_spawn_twin(const char *name, handle_t *ch)
{
    handle_t c[2];
    pool_make_room_for_child();
    if (warp_channel_create(c) < 0)
        return ERR_NO_MEMORY;
    struct spawn_args a = {.name = (uaddr_t)name,
                           .name_len = 5,
                           .flags = SPAWN_SUPERVISED,
                           .handles = (uaddr_t)&c[1],
                           .nhandles = 1};
    long twin = fz_sys(SYS_SPAWN, (uint64_t)&a, 0, 0, 0, 0, 0);
    if (twin < 0) {
        warp_handle_close(c[0]);
        warp_handle_close(c[1]);
    }
    *ch = c[0];
    return twin;
}

/* A copy-on-write clone of the child into a fresh one (or, sometimes, into a wrong handle):
 * accepted only from a stopped child; then every mapping we know reads the same on both sides, and a
 * write to the clone leaves the child's bytes alone. The clone is killed and released here. */
static void sup_clone(void)
{
    handle_t ch;
    long twin = sup_spawn_twin("clone", &ch);
    if (twin < 0)
        return;
    uint64_t dst = gen_below(8) ? (uint64_t)twin : gen_below(2) ? (uint64_t)sup.proc : gen_edge();
    long r = fz_sys(SYS_PROC_VM_CLONE, sup.proc, dst, 0, 0, 0, 0);
    fz_check(r < 0 || dst == (uint64_t)twin, "SYS_PROC_VM_CLONE clones only into an empty, new child");
    uint8_t *mine = gen_scratch(), *theirs = mine + 64;
    for (unsigned i = 0; r == 0 && i < sup.nmaps; i++) {
        uint64_t at = sup.map[i] + gen_below(sup.len[i]);
        long m = fz_sys(SYS_PROC_VM_READ, sup.proc, at, (uint64_t)mine, 1, 0, 0);
        long t = fz_sys(SYS_PROC_VM_READ, (uint64_t)twin, at, (uint64_t)theirs, 1, 0, 0);
        if (m == ERR_NO_MEMORY || t == ERR_NO_MEMORY)
            continue; /* a first touch found no page: the fuzzer may have used them all */
        fz_check(m == t && (m < 0 || mine[0] == theirs[0]), "a clone reads what its source reads");
        theirs[0] = (uint8_t)~mine[0];
        if (m == 1 && fz_sys(SYS_PROC_VM_WRITE, (uint64_t)twin, at, (uint64_t)theirs, 1, 0, 0) == 1)
            fz_check(fz_sys(SYS_PROC_VM_READ, sup.proc, at, (uint64_t)theirs, 1, 0, 0) == 1 &&
                         theirs[0] == mine[0],
                     "a write to a clone leaves its source's bytes alone");
    }
    warp_handle_close(ch); /* kills the clone */
    struct exit_info ei;
    fz_check(warp_wait((handle_t)twin, &ei) == 0, "a clone ends when its supervisor lets go");
    warp_handle_close((handle_t)twin);
}

/* A fresh child made to share the child's space (or, sometimes, a wrong handle): accepted only
 * into the fresh one, once; then every mapping we know reads the same through both, and a write
 * through the sharer is read through the child. The sharer stays until the op ends: the child's
 * end must end it. */
static void sup_share(void)
{
    if (sup.sharer) {
        fz_check(fz_sys(SYS_PROC_VM_SHARE, sup.proc, sup.sharer, 0, 0, 0, 0) < 0,
                 "SYS_PROC_VM_SHARE refuses a process that shares already");
        return;
    }
    handle_t ch;
    long twin = sup_spawn_twin("share", &ch);
    if (twin < 0)
        return;
    uint64_t dst = gen_below(8) ? (uint64_t)twin : gen_below(2) ? (uint64_t)sup.proc : gen_edge();
    long r = fz_sys(SYS_PROC_VM_SHARE, sup.proc, dst, 0, 0, 0, 0);
    fz_check(r < 0 || dst == (uint64_t)twin, "SYS_PROC_VM_SHARE shares only into an empty, new child");
    if (r < 0) {
        warp_handle_close(ch);
        struct exit_info ei;
        fz_check(warp_wait((handle_t)twin, &ei) == 0, "a refused sharer ends when its supervisor lets go");
        warp_handle_close((handle_t)twin);
        return;
    }
    sup.sharer = (handle_t)twin;
    sup.sharer_ch = ch;
    uint8_t *mine = gen_scratch(), *theirs = mine + 64;
    for (unsigned i = 0; i < sup.nmaps; i++) {
        uint64_t at = sup.map[i] + gen_below(sup.len[i]);
        long m = fz_sys(SYS_PROC_VM_READ, sup.proc, at, (uint64_t)mine, 1, 0, 0);
        long t = fz_sys(SYS_PROC_VM_READ, sup.sharer, at, (uint64_t)theirs, 1, 0, 0);
        if (m == ERR_NO_MEMORY || t == ERR_NO_MEMORY)
            continue; /* a first touch found no page: the fuzzer may have used them all */
        fz_check(m == t && (m < 0 || mine[0] == theirs[0]), "a sharer reads what its owner reads");
        theirs[0] = (uint8_t)~mine[0];
        if (m == 1 && fz_sys(SYS_PROC_VM_WRITE, sup.sharer, at, (uint64_t)theirs, 1, 0, 0) == 1)
            fz_check(fz_sys(SYS_PROC_VM_READ, sup.proc, at, (uint64_t)mine, 1, 0, 0) == 1 &&
                         mine[0] == theirs[0],
                     "a write through a sharer is read through its owner");
    }
}

/* Registers read and set: whatever is accepted has its pc, sp and TLS base in the user half, and
 * only the user's flags. */
static void sup_regs(void)
{
    enum gen_kind kind;
    struct cpu_regs *r = (struct cpu_regs *)gen_scratch();
    long got = fz_sys(SYS_PROC_GET_REGS, sup.proc, (uint64_t)r, 0, 0, 0, 0);
    fz_check(got < 0 || (r->flags & ~CPU_FLAGS_USER) == 0, "a supervised child's flags are the user's");
    uint64_t *words = (uint64_t *)r;
    for (unsigned i = 0; i < sizeof(*r) / sizeof(uint64_t); i++)
        if (gen_one_in(3))
            words[i] = gen_below(2) ? gen_edge() : SUP_FIXED + gen_below(64 * PAGE_SIZE);
    uint64_t p = gen_below(8) ? (uint64_t)r : gen_ptr(sizeof(*r), false, &kind);
    long set = fz_sys(SYS_PROC_SET_REGS, sup.proc, p, 0, 0, 0, 0);
    fz_check(set < 0 || p != (uint64_t)r || (r->pc < USER_TOP && r->sp <= USER_TOP && r->tls < USER_TOP),
             "SYS_PROC_SET_REGS keeps pc, sp and the TLS base in the user half");
}

/* The FPU state read and set: random bytes anywhere in the image, MXCSR often among them (edge
 * values, bits outside the CPU's mask). Whatever is accepted had an MXCSR within the mask the read
 * reported; the child then runs on it (an unmasked exception it raises is its own fault). */
static void sup_fpu(void)
{
    enum gen_kind kind;
    struct cpu_fpu *f = (struct cpu_fpu *)gen_scratch();
    long got = fz_sys(SYS_PROC_GET_FPU, sup.proc, (uint64_t)f, 0, 0, 0, 0);
    uint32_t mask = f->mxcsr_mask;
    fz_check(got < 0 || (mask != 0 && (f->mxcsr & ~mask) == 0),
             "a supervised child's MXCSR is within the mask");
    uint8_t *bytes = (uint8_t *)f;
    for (unsigned n = (unsigned)gen_below(8); n > 0; n--)
        bytes[gen_below(sizeof(*f))] = (uint8_t)gen_next();
    if (gen_one_in(2))
        f->mxcsr = gen_below(2) ? (uint32_t)gen_edge() : CPU_FPU_MXCSR_INIT ^ (1u << gen_below(32));
    uint32_t mxcsr = f->mxcsr;
    uint64_t p = gen_below(8) ? (uint64_t)f : gen_ptr(sizeof(*f), false, &kind);
    long set = fz_sys(SYS_PROC_SET_FPU, sup.proc, p, 0, 0, 0, 0);
    fz_check(set < 0 || p != (uint64_t)f || got < 0 || (mxcsr & ~mask) == 0,
             "SYS_PROC_SET_FPU takes only an MXCSR within the CPU's mask");
}

/* Answers what the child sent (traps) with a random status, sometimes after moving its pc. */
static void sup_answer(void)
{
    struct warp_msg *m = (struct warp_msg *)gen_scratch();
    if (fz_sys(SYS_CHANNEL_RECV, sup.ch, (uint64_t)m, 0, 0, 0, 0) < 0)
        return;
    fz_check(m->type == MSG_TRAP && m->flags == MSG_CALL && m->data_len == sizeof(struct trap_info),
             "a supervised child sends only MSG_TRAP calls");
    struct warp_msg rep = {
        .type = MSG_TRAP, .flags = MSG_REPLY, .call_id = m->call_id, .status = (int64_t)gen_edge()};
    if (gen_one_in(2))
        sup_regs(); /* overwrites the scratch buffer, m with it */
    if (gen_one_in(3))
        sup_fpu();
    fz_sys(SYS_CHANNEL_SEND, sup.ch, (uint64_t)&rep, 0, 0, 0, 0);
}

/* One step of the session. */
static void sup_step(void)
{
    switch (gen_below(12)) {
    case 0: sup_map(); break;
    case 1: sup_unmap_protect(); break;
    case 2: sup_copy(); break;
    case 3: sup_regs(); break;
    case 4: fz_sys(SYS_PROC_START, sup.proc, 0, 0, 0, 0, 0); break;
    case 5: fz_sys(SYS_PROC_INTERRUPT, sup.proc, 0, 0, 0, 0, 0); break;
    case 6: fz_sys(SYS_YIELD, 0, 0, 0, 0, 0, 0); break;
    case 7: sup_fpu(); break;
    case 8: sup_clone(); break;
    case 9: sup_clock_map(); break;
    case 10: sup_share(); break;
    default: sup_answer(); break;
    }
}

/* A supervised child (on a fresh channel) through up to 32 steps, then killed or left to its
 * supervisor's close, waited for and released: nothing of it outlives the op. */
void fz_op_supervise(void)
{
    handle_t c[2];
    pool_make_room_for_child();
    if (warp_channel_create(c) < 0)
        return;
    struct spawn_args a = {.name = (uaddr_t) "supervised",
                           .name_len = 10,
                           .flags = SPAWN_SUPERVISED,
                           .handles = (uaddr_t)&c[1],
                           .nhandles = 1};
    long r = fz_sys(SYS_SPAWN, (uint64_t)&a, 0, 0, 0, 0, 0);
    if (r < 0) {
        warp_handle_close(c[0]);
        warp_handle_close(c[1]);
        return;
    }
    fz_stats.spawned++;
    sup.proc = (handle_t)r;
    sup.ch = c[0];
    sup.nmaps = 0;
    sup.sharer = 0;
    for (unsigned n = 1 + (unsigned)gen_below(32); n > 0; n--)
        sup_step();
    if (gen_below(2))
        warp_kill(sup.proc);
    warp_handle_close(sup.ch); /* kills it, if the kill did not */
    struct exit_info ei;
    fz_check(warp_wait(sup.proc, &ei) == 0 && ei.reason >= EXIT_NORMAL && ei.reason <= EXIT_KILLED,
             "a supervised child ends when its supervisor lets go");
    warp_handle_close(sup.proc);
    if (!sup.sharer)
        return;
    fz_check(warp_wait(sup.sharer, &ei) == 0 && ei.reason == EXIT_KILLED,
             "a sharer ends with its space's owner");
    warp_handle_close(sup.sharer_ch);
    warp_handle_close(sup.sharer);
}
