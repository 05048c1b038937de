/* t_cow.c: tests of copy-on-write clones (SYS_PROC_VM_CLONE) and of lazy memory and PROT_NONE
 * (PROT_LAZY): what each side sees, what each costs, and every refusal. */
#include "tests.h"

#include <warp/string.h>

#define COW_DATA 0x900000ul /* a data page of the children, beside SUP_CODE and SUP_STACK */

/* A parent and its clone each store to the same shared page: each sees its own value; a clone of
 * the trapped parent sees the parent's. Every page comes back when they end. */
static void cow_clone_runs(void)
{
    uint64_t free0 = tests_free_pages();
    struct sup a, b, c;
    uint64_t orig = 0x0123456789abcdef;
    if (sup_spawn(&a, NULL) < 0 || sup_spawn(&b, NULL) < 0 || sup_spawn(&c, NULL) < 0 ||
        sup_load(&a, sup_prog_store, sizeof(sup_prog_store), SYS_CLOCK) < 0 ||
        warp_proc_vm_map((handle_t)a.proc, COW_DATA, PAGE_SIZE, PROT_READ | PROT_WRITE) < 0 ||
        warp_proc_vm_write((handle_t)a.proc, COW_DATA, &orig, 8) < 0) {
        tap_ok(false, "three supervised children, the first loaded");
        return;
    }
    tap_eq(warp_proc_vm_clone((handle_t)a.proc, (handle_t)b.proc), 0,
           "proc_vm_clone of a loaded child returns 0");
    tap_eq(sup_word((handle_t)b.proc, COW_DATA), orig, "... and the clone reads the parent's data");
    sup_set_store((handle_t)a.proc, (handle_t)a.proc, COW_DATA, 0x1111);
    sup_set_store((handle_t)b.proc, (handle_t)a.proc, COW_DATA, 0x2222);
    if (sup_run_to_syscall(&a, "the parent") && sup_run_to_syscall(&b, "the clone")) {
        tap_eq(sup_word((handle_t)a.proc, COW_DATA), 0x1111, "the parent's store landed in its own page");
        tap_eq(sup_word((handle_t)b.proc, COW_DATA), 0x2222, "the clone's store landed in its own copy");
    }
    tap_eq(warp_proc_vm_clone((handle_t)a.proc, (handle_t)c.proc), 0,
           "proc_vm_clone of a trapped child (stopped at a system call) returns 0");
    tap_eq(sup_word((handle_t)c.proc, COW_DATA), 0x1111, "... and that clone sees the parent's store");
    uint64_t w = 0x3333;
    tap_ok(warp_proc_vm_write((handle_t)c.proc, COW_DATA, &w, 8) == 8 &&
               sup_word((handle_t)c.proc, COW_DATA) == 0x3333 &&
               sup_word((handle_t)a.proc, COW_DATA) == 0x1111,
           "proc_vm_write into a shared page writes the target's copy only");
    sup_close(&a);
    sup_close(&b);
    sup_close(&c);
    tap_ok(tests_free_pages() >= free0, "every page of the three came back (free %lu, before %lu)",
           (unsigned long)tests_free_pages(), (unsigned long)free0);
}

/* A child with the clock page (the vDSO's data) clones: the clone maps the same page, read-only
 * and not its own, as the parent has it; it costs no frame. */
static void cow_clone_clock(void)
{
    struct sup a, b;
    uint64_t clock_at = COW_DATA + 16 * PAGE_SIZE;
    if (sup_spawn(&a, NULL) < 0 || sup_spawn(&b, NULL) < 0 ||
        warp_clock_map((handle_t)a.proc, clock_at) != (long)clock_at) {
        tap_ok(false, "two supervised children, the first with the clock page");
        return;
    }
    uint64_t free0 = tests_free_pages();
    tap_eq(warp_proc_vm_clone((handle_t)a.proc, (handle_t)b.proc), 0,
           "proc_vm_clone of a child with the clock page returns 0");
    tap_ok(free0 - tests_free_pages() <= 3, "... and costs page tables only (%lu pages)",
           (unsigned long)(free0 - tests_free_pages()));
    struct clock_page pa, pb;
    memset(&pb, 0, sizeof(pb));
    tap_ok(warp_proc_vm_read((handle_t)a.proc, clock_at, &pa, sizeof(pa)) == sizeof(pa) &&
               warp_proc_vm_read((handle_t)b.proc, clock_at, &pb, sizeof(pb)) == sizeof(pb) &&
               memcmp(&pa, &pb, sizeof(pa)) == 0 && pb.version == CLOCK_PAGE_VERSION,
           "the clone reads the same clock page at the same address");
    tap_eq(warp_proc_vm_write((handle_t)b.proc, clock_at, &pb, 8), ERR_BAD_ADDRESS,
           "... read-only there too");
    tap_eq(warp_proc_vm_unmap((handle_t)b.proc, clock_at, PAGE_SIZE), ERR_NOT_FOUND,
           "... and not a mapping of its own (proc_vm_unmap gives ERR_NOT_FOUND)");
    sup_close(&a);
    sup_close(&b);
}

/* Every refusal of proc_vm_clone. ERR_NOT_SUPPORTED (a source mapping a device, DMA memory or a
 * kept object) needs a mapping no supervised child can have; the host tests cover it. */
static void cow_clone_refusals(void)
{
    struct sup a, b, run, small;
    uint64_t limits[LIMIT_COUNT] = {[LIMIT_PAGES] = 64};
    if (sup_spawn(&a, NULL) < 0 || sup_spawn(&b, NULL) < 0 || sup_spawn(&run, NULL) < 0 ||
        sup_spawn(&small, limits) < 0 || sup_load(&a, sup_prog_spin, sizeof(sup_prog_spin), 0) < 0 ||
        sup_load(&run, sup_prog_spin, sizeof(sup_prog_spin), 0) < 0 ||
        warp_proc_start((handle_t)run.proc) < 0) {
        tap_ok(false, "four supervised children for the refusals");
        return;
    }
    handle_t pa = (handle_t)a.proc, pb = (handle_t)b.proc;
    tap_eq(warp_proc_vm_clone(12345, pb), ERR_BAD_HANDLE,
           "proc_vm_clone from a bad handle gives ERR_BAD_HANDLE");
    tap_eq(warp_proc_vm_clone(pa, 12345), ERR_BAD_HANDLE,
           "proc_vm_clone to a bad handle gives ERR_BAD_HANDLE");
    tap_eq(warp_proc_vm_clone((handle_t)a.eq, pb), ERR_WRONG_TYPE,
           "proc_vm_clone from an event queue gives ERR_WRONG_TYPE");
    tap_eq(warp_proc_vm_clone(pa, (handle_t)b.eq), ERR_WRONG_TYPE,
           "proc_vm_clone to an event queue gives ERR_WRONG_TYPE");
    long weak = warp_handle_reduce(pb, RIGHT_READ);
    tap_eq(warp_proc_vm_clone(pa, (handle_t)weak), ERR_NO_RIGHTS,
           "proc_vm_clone to a handle without RIGHT_MANAGE gives ERR_NO_RIGHTS");
    tap_eq(warp_proc_vm_clone((handle_t)weak, pa), ERR_NO_RIGHTS,
           "proc_vm_clone from a handle without RIGHT_MANAGE gives ERR_NO_RIGHTS");
    warp_handle_close((handle_t)weak);
    tap_eq(warp_proc_vm_clone(pa, pa), ERR_BAD_STATE,
           "proc_vm_clone of a child into itself gives ERR_BAD_STATE");
    tap_eq(warp_proc_vm_clone((handle_t)run.proc, pb), ERR_BAD_STATE,
           "proc_vm_clone from a running child gives ERR_BAD_STATE");
    tap_eq(warp_proc_vm_clone(pb, (handle_t)run.proc), ERR_BAD_STATE,
           "proc_vm_clone into a started child gives ERR_BAD_STATE");
    tap_eq(warp_proc_vm_clone(pb, pa), ERR_BAD_STATE,
           "proc_vm_clone into a child that maps memory gives ERR_BAD_STATE");
    /* Over the destination's quota: 256 pages into an account of 64. */
    tap_ok(warp_proc_vm_map(pa, COW_DATA, 256 * PAGE_SIZE, PROT_READ | PROT_WRITE) > 0, "(a 1 MiB mapping)");
    tap_eq(warp_proc_vm_clone(pa, (handle_t)small.proc), ERR_NO_MEMORY,
           "proc_vm_clone into a child whose quota cannot hold it gives ERR_NO_MEMORY");
    uint64_t w;
    tap_ok(warp_proc_vm_read((handle_t)small.proc, SUP_CODE, &w, 8) == ERR_BAD_ADDRESS &&
               warp_proc_vm_map((handle_t)small.proc, SUP_CODE, PAGE_SIZE, PROT_READ) == SUP_CODE,
           "... and leaves it mapping nothing");
    tap_eq(warp_proc_vm_clone(pa, pb), 0, "the same source clones into a child with room");
    sup_close(&a);
    sup_close(&b);
    sup_close(&run);
    sup_close(&small);
}

/* Lazy memory of our own: 64 MiB cost nothing until touched, each page touched costs one, a
 * kernel copy into an untouched page (a fault inside the kernel) gets it too, and unmapping gives
 * every page back. */
static void cow_lazy_self(void)
{
    const uint64_t len = 64ul << 20, touched = 64;
    tap_eq(warp_vm_map(PAGE_SIZE, PROT_LAZY), ERR_INVALID_ARG,
           "vm_map with PROT_LAZY and no access gives ERR_INVALID_ARG");
    tap_eq(warp_vm_map(PAGE_SIZE, PROT_READ | PROT_WRITE | 0x2000), ERR_INVALID_ARG,
           "vm_map with an unknown prot bit gives ERR_INVALID_ARG");
    uint64_t free0 = tests_free_pages();
    long m = warp_vm_map(len, PROT_READ | PROT_WRITE | PROT_LAZY);
    uint64_t free1 = tests_free_pages();
    tap_ok(m > 0 && free0 - free1 <= 2, "vm_map of 64 MiB with PROT_LAZY costs no pages (%lu)",
           (unsigned long)(free0 - free1));
    if (m <= 0)
        return;
    tap_ok(tests_all_zero((void *)(m + 7 * PAGE_SIZE), 64), "an untouched lazy page reads as zero");
    for (uint64_t i = 0; i < touched; i++)
        ((volatile char *)m)[(i + 100) * PAGE_SIZE + 5] = (char)i;
    uint64_t free2 = tests_free_pages();
    tap_ok(free1 - free2 >= touched && free1 - free2 <= touched + 4,
           "touching %lu of its pages costs that many (%lu, with page tables)", (unsigned long)touched,
           (unsigned long)(free1 - free2));
    struct sysinfo *one = (struct sysinfo *)(m + 300 * PAGE_SIZE);
    struct sysinfo *two = (struct sysinfo *)(m + 400 * PAGE_SIZE - 16);
    tap_ok(warp_sysinfo(one) == 0 && one->total_pages > 0,
           "sysinfo into an untouched lazy page: the kernel's copy faults the page in");
    tap_ok(warp_sysinfo(two) == 0 && two->total_pages > 0,
           "sysinfo across two untouched lazy pages: the kernel's walk gets both");
    tap_eq(warp_vm_unmap((void *)m, len), 0, "vm_unmap of the lazy mapping returns 0");
    tap_ok(tests_free_pages() >= free0 - 1, "... and every page came back (free %lu, before %lu)",
           (unsigned long)tests_free_pages(), (unsigned long)free0);
}

/* PROT_NONE in a child: a store faults to its supervisor (TRAP_FAULT); made writable, the same
 * store, resumed, gets a fresh lazy page. */
static void cow_prot_none(void)
{
    struct sup s;
    struct trap_info ti;
    uint64_t id;
    if (sup_spawn(&s, NULL) < 0 || sup_load(&s, sup_prog_store, sizeof(sup_prog_store), SYS_CLOCK) < 0 ||
        sup_set_store((handle_t)s.proc, (handle_t)s.proc, COW_DATA, 0x4444) < 0) {
        tap_ok(false, "a supervised child for PROT_NONE");
        return sup_close(&s);
    }
    handle_t p = (handle_t)s.proc;
    uint64_t free0 = tests_free_pages();
    tap_eq(warp_proc_vm_map(p, COW_DATA, 256ul << 20, PROT_LAZY), (long)COW_DATA,
           "proc_vm_map of 256 MiB PROT_NONE (PROT_LAZY alone) maps it");
    tap_ok(free0 - tests_free_pages() <= 2, "... at no cost in pages");
    tap_eq(warp_proc_vm_read(p, COW_DATA, &id, 8), ERR_BAD_ADDRESS,
           "proc_vm_read of a PROT_NONE page gives ERR_BAD_ADDRESS");
    if (warp_proc_start(p) < 0 || !sup_trap(&s, &ti, &id, "a store to a PROT_NONE page"))
        return sup_close(&s);
    tap_ok(ti.kind == TRAP_FAULT && ti.fault_kind == FAULT_MEMORY && ti.fault_addr == COW_DATA &&
               (ti.error_code & 2),
           "... comes to the supervisor as a write fault at its address");
    tap_eq(warp_proc_vm_protect(p, COW_DATA, 16 * PAGE_SIZE, PROT_READ | PROT_WRITE), 0,
           "proc_vm_protect of its first 16 pages to read-write returns 0");
    tap_eq(sup_reply(&s, id, 0), 0, "the supervisor resumes the store");
    if (sup_trap(&s, &ti, &id, "the resumed store"))
        tap_ok(ti.kind == TRAP_SYSCALL && sup_word(p, COW_DATA) == 0x4444,
               "... which went through, into a fresh page");
    tap_eq(warp_proc_vm_unmap(p, COW_DATA + 16 * PAGE_SIZE, 64 * PAGE_SIZE), 0,
           "proc_vm_unmap of an untouched part of it returns 0");
    sup_close(&s);
}

void test_cow(void)
{
    cow_clone_runs();
    cow_clone_clock();
    cow_clone_refusals();
    cow_lazy_self();
    cow_prot_none();
}
