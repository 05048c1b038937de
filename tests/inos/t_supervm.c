/* t_supervm.c: tests of SYS_PROC_VM_*: a supervised child's memory mapped, protected (parts of
 * mappings too), read and written by its supervisor, and every refusal. */
#include "tests.h"

#include <warp/clock.h>
#include <warp/string.h>

/* Maps: fixed and kernel-chosen addresses, zeroed pages, and each bad argument. */
static void supvm_map(handle_t p)
{
    long a = warp_proc_vm_map(p, 0, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    tap_ok(a > 0 && a % PAGE_SIZE == 0 && (uint64_t)a >= USER_VM_BASE && (uint64_t)a < USER_VM_TOP,
           "proc_vm_map at address 0 picks a page-aligned address in the VM area (0x%lx)", (unsigned long)a);
    static uint8_t page[PAGE_SIZE];
    memset(page, 0xff, sizeof(page));
    tap_ok(warp_proc_vm_read(p, (uaddr_t)a + PAGE_SIZE, page, PAGE_SIZE) == PAGE_SIZE &&
               tests_all_zero(page, sizeof(page)),
           "... and its pages read as zero");
    long f = warp_proc_vm_map(p, 0x10000000, PAGE_SIZE, PROT_READ);
    tap_eq(f, 0x10000000, "proc_vm_map at a fixed address maps there");
    tap_eq(warp_proc_vm_map(p, 0x10000000, PAGE_SIZE, PROT_READ), ERR_ALREADY_EXISTS,
           "proc_vm_map over an existing mapping gives ERR_ALREADY_EXISTS");
    tap_eq(warp_proc_vm_map(p, 0x10000000 - PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ), ERR_ALREADY_EXISTS,
           "proc_vm_map overlapping one by a page gives ERR_ALREADY_EXISTS");
    const struct {
        const char *what;
        uint64_t addr, len, prot;
        long err;
    } bad[] = {
        {"length 0", 0, 0, PROT_READ, ERR_INVALID_ARG},
        {"prot 0 (PROT_NONE without PROT_LAZY)", 0, PAGE_SIZE, 0, ERR_INVALID_ARG},
        {"an unknown prot bit with PROT_LAZY", 0, PAGE_SIZE, PROT_LAZY | 0x2000, ERR_INVALID_ARG},
        {"PROT_WRITE|PROT_EXEC|PROT_LAZY (W^X)", 0, PAGE_SIZE, PROT_WRITE | PROT_EXEC | PROT_LAZY,
         ERR_INVALID_ARG},
        {"an unknown prot bit", 0, PAGE_SIZE, 8, ERR_INVALID_ARG},
        {"PROT_WRITE|PROT_EXEC (W^X)", 0, PAGE_SIZE, PROT_WRITE | PROT_EXEC, ERR_INVALID_ARG},
        {"length over 1 GiB", 0, (1ul << 30) + 1, PROT_READ, ERR_TOO_LARGE},
        {"an unaligned address", 0x20000001, PAGE_SIZE, PROT_READ, ERR_INVALID_ARG},
        {"an address below USER_BASE", 0x1000, PAGE_SIZE, PROT_READ, ERR_BAD_ADDRESS},
        {"a range past USER_TOP", USER_TOP - PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ, ERR_BAD_ADDRESS},
        {"a kernel-half address", 0xffff800000000000ul, PAGE_SIZE, PROT_READ, ERR_BAD_ADDRESS},
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        tap_eq(warp_proc_vm_map(p, bad[i].addr, bad[i].len, bad[i].prot), bad[i].err,
               "proc_vm_map with %s gives %s", bad[i].what, tests_err_name(bad[i].err));
    tap_eq(warp_proc_vm_map(p, USER_TOP - PAGE_SIZE, PAGE_SIZE, PROT_READ), (long)(USER_TOP - PAGE_SIZE),
           "proc_vm_map of the last user page succeeds");
}

/* Reads and writes: all or nothing, by the access each side allows, within PROC_COPY_MAX. */
static void supvm_copy(handle_t p)
{
    long a = warp_proc_vm_map(p, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    char out[100], in[100];
    for (unsigned i = 0; i < sizeof(out); i++)
        out[i] = (char)(i * 7 + 1);
    uaddr_t mid = (uaddr_t)a + PAGE_SIZE - 50;
    tap_eq(warp_proc_vm_write(p, mid, out, sizeof(out)), (long)sizeof(out),
           "proc_vm_write across a page boundary returns the length");
    memset(in, 0, sizeof(in));
    tap_ok(warp_proc_vm_read(p, mid, in, sizeof(in)) == (long)sizeof(in) && memcmp(in, out, sizeof(in)) == 0,
           "proc_vm_read gives the same bytes back");
    tap_eq(warp_proc_vm_read(p, mid, in, 0), 0, "a copy of 0 bytes returns 0");
    tap_eq(warp_proc_vm_read(p, (uaddr_t)a + PAGE_SIZE, in, PAGE_SIZE + 1), ERR_BAD_ADDRESS,
           "proc_vm_read running past the mapping gives ERR_BAD_ADDRESS");
    tap_eq(warp_proc_vm_write(p, 0x30000000, out, 8), ERR_BAD_ADDRESS,
           "proc_vm_write to an unmapped address gives ERR_BAD_ADDRESS");
    tap_eq(warp_proc_vm_read(p, 0xffff800000000000ul, in, 8), ERR_BAD_ADDRESS,
           "proc_vm_read of a kernel-half address gives ERR_BAD_ADDRESS");
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(warp_proc_vm_read(p, mid, (void *)tests_bad_ptrs[i].addr, 8), ERR_BAD_ADDRESS,
               "proc_vm_read into our %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    tap_eq(warp_proc_vm_read(p, mid, (void *)(uintptr_t)supvm_copy, 8), ERR_BAD_ADDRESS,
           "proc_vm_read into our read-only code gives ERR_BAD_ADDRESS");
    tap_eq(warp_proc_vm_write(p, mid, NULL, 8), ERR_BAD_ADDRESS,
           "proc_vm_write from NULL gives ERR_BAD_ADDRESS");
    long big = warp_vm_map(64 * 1024 + PAGE_SIZE, PROT_READ | PROT_WRITE);
    tap_eq(warp_proc_vm_read(p, mid, (void *)big, 64 * 1024 + 1), ERR_TOO_LARGE,
           "a copy over 64 KiB gives ERR_TOO_LARGE");
    warp_vm_unmap((void *)big, 64 * 1024 + PAGE_SIZE);
    tap_eq(warp_proc_vm_unmap(p, (uaddr_t)a, 2 * PAGE_SIZE), 0, "proc_vm_unmap of the mapping returns 0");
    tap_eq(warp_proc_vm_read(p, mid, in, 8), ERR_BAD_ADDRESS, "... after which a read gives ERR_BAD_ADDRESS");
}

/* Protections: W^X kept, read-only refuses writes. */
static void supvm_protect(handle_t p)
{
    long a = warp_proc_vm_map(p, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    uint64_t word = 42;
    tap_eq(warp_proc_vm_write(p, (uaddr_t)a, &word, 8), 8, "proc_vm_write of a word returns 8");
    tap_eq(warp_proc_vm_protect(p, (uaddr_t)a, 2 * PAGE_SIZE, PROT_READ), 0,
           "proc_vm_protect to PROT_READ returns 0");
    tap_eq(
        warp_proc_vm_write(p, (uaddr_t)a, &word, 8), ERR_BAD_ADDRESS,
        "... after which proc_vm_write gives ERR_BAD_ADDRESS (read-only is read-only for its supervisor too)");
    tap_ok(warp_proc_vm_read(p, (uaddr_t)a, &word, 8) == 8 && word == 42, "... and proc_vm_read still works");
    tap_eq(warp_proc_vm_protect(p, (uaddr_t)a, 2 * PAGE_SIZE, PROT_WRITE | PROT_EXEC), ERR_INVALID_ARG,
           "proc_vm_protect to PROT_WRITE|PROT_EXEC gives ERR_INVALID_ARG (W^X)");
    tap_eq(warp_proc_vm_protect(p, (uaddr_t)a, 2 * PAGE_SIZE, 0), 0,
           "proc_vm_protect to PROT_NONE returns 0");
    tap_ok(warp_proc_vm_read(p, (uaddr_t)a, &word, 8) == ERR_BAD_ADDRESS &&
               warp_proc_vm_write(p, (uaddr_t)a + PAGE_SIZE, &word, 8) == ERR_BAD_ADDRESS,
           "... after which proc_vm_read and proc_vm_write give ERR_BAD_ADDRESS");
    tap_eq(warp_proc_vm_protect(p, (uaddr_t)a, 2 * PAGE_SIZE, PROT_READ | PROT_LAZY), ERR_INVALID_ARG,
           "proc_vm_protect with PROT_LAZY gives ERR_INVALID_ARG (laziness belongs to a mapping)");
    word = 0;
    tap_ok(warp_proc_vm_protect(p, (uaddr_t)a, 2 * PAGE_SIZE, PROT_READ) == 0 &&
               warp_proc_vm_read(p, (uaddr_t)a, &word, 8) == 8 && word == 42,
           "... and back to PROT_READ the page is there with its data");
    tap_eq(warp_proc_vm_protect(p, (uaddr_t)a, 2 * PAGE_SIZE, 8), ERR_INVALID_ARG,
           "proc_vm_protect with an unknown bit gives ERR_INVALID_ARG");
    tap_eq(warp_proc_vm_protect(p, (uaddr_t)a + 1, 2 * PAGE_SIZE, PROT_READ), ERR_INVALID_ARG,
           "proc_vm_protect at an unaligned address gives ERR_INVALID_ARG");
    tap_eq(warp_proc_vm_protect(p, (uaddr_t)a, 3 * PAGE_SIZE, PROT_READ), ERR_NOT_FOUND,
           "proc_vm_protect running past the mapping gives ERR_NOT_FOUND");
    tap_eq(warp_proc_vm_protect(p, (uaddr_t)a, 0, PROT_READ), ERR_NOT_FOUND,
           "proc_vm_protect of length 0 gives ERR_NOT_FOUND");
    tap_eq(warp_proc_vm_protect(p, (uaddr_t)a, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE), 0,
           "proc_vm_protect back to read-write returns 0");
    tap_eq(warp_proc_vm_write(p, (uaddr_t)a, &word, 8), 8, "... and writes work again");
    tap_eq(warp_proc_vm_unmap(p, (uaddr_t)a + 1, 2 * PAGE_SIZE), ERR_INVALID_ARG,
           "proc_vm_unmap at an unaligned address gives ERR_INVALID_ARG");
    tap_eq(warp_proc_vm_unmap(p, (uaddr_t)a, 0), ERR_NOT_FOUND,
           "proc_vm_unmap of length 0 gives ERR_NOT_FOUND");
    tap_eq(warp_proc_vm_unmap(p, (uaddr_t)a, 2 * PAGE_SIZE), 0,
           "proc_vm_unmap of the whole mapping returns 0");
    tap_eq(warp_proc_vm_unmap(p, (uaddr_t)a, 2 * PAGE_SIZE), ERR_NOT_FOUND,
           "... and a second time gives ERR_NOT_FOUND");
}

/* Parts of a mapping, as Linux's mprotect and munmap take them: the mapping splits. */
static void supvm_parts(handle_t p)
{
    long a = warp_proc_vm_map(p, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    uint64_t word = 7;
    uaddr_t pg[4];
    for (unsigned i = 0; i < 4; i++)
        pg[i] = (uaddr_t)a + i * PAGE_SIZE;
    tap_eq(warp_proc_vm_protect(p, pg[1], 2 * PAGE_SIZE, PROT_READ), 0,
           "proc_vm_protect of the middle two of four pages returns 0");
    tap_ok(warp_proc_vm_write(p, pg[0], &word, 8) == 8 &&
               warp_proc_vm_write(p, pg[1], &word, 8) == ERR_BAD_ADDRESS &&
               warp_proc_vm_write(p, pg[2], &word, 8) == ERR_BAD_ADDRESS &&
               warp_proc_vm_write(p, pg[3], &word, 8) == 8,
           "... only those two became read-only");
    tap_eq(warp_proc_vm_unmap(p, pg[2], PAGE_SIZE), 0, "proc_vm_unmap of one page inside them returns 0");
    tap_ok(warp_proc_vm_read(p, pg[2], &word, 8) == ERR_BAD_ADDRESS &&
               warp_proc_vm_read(p, pg[1], &word, 8) == 8 && warp_proc_vm_read(p, pg[3], &word, 8) == 8,
           "... only that page is gone");
    tap_eq(warp_proc_vm_unmap(p, pg[0], 2 * PAGE_SIZE), ERR_NOT_FOUND,
           "proc_vm_unmap over two pieces of a split mapping gives ERR_NOT_FOUND (one mapping at a time)");
    tap_eq(warp_proc_vm_unmap(p, pg[1], 2 * PAGE_SIZE), ERR_NOT_FOUND,
           "proc_vm_unmap over a hole gives ERR_NOT_FOUND");
    tap_ok(warp_proc_vm_unmap(p, pg[0], PAGE_SIZE) == 0 && warp_proc_vm_unmap(p, pg[1], PAGE_SIZE) == 0 &&
               warp_proc_vm_unmap(p, pg[3], PAGE_SIZE) == 0,
           "the three pieces unmap one by one");
}

/* The mapping count: VM_MAX_ANON (256) mappings, then ERR_NO_RESOURCES, also for a split that
 * would make one more. */
static void supvm_count(handle_t p, unsigned already)
{
    long three = warp_proc_vm_map(p, 0, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    unsigned made = already + (three > 0);
    while (made < 256 && warp_proc_vm_map(p, 0, PAGE_SIZE, PROT_READ) > 0)
        made++;
    tap_eq(made, 256, "a supervised child takes 256 mappings");
    tap_eq(warp_proc_vm_map(p, 0, PAGE_SIZE, PROT_READ), ERR_NO_RESOURCES,
           "... and one more gives ERR_NO_RESOURCES");
    tap_eq(warp_proc_vm_protect(p, (uaddr_t)three + PAGE_SIZE, PAGE_SIZE, PROT_READ), ERR_NO_RESOURCES,
           "... and so does proc_vm_protect of a middle page (a split into three)");
    tap_eq(warp_proc_vm_protect(p, (uaddr_t)three, 3 * PAGE_SIZE, PROT_READ), 0,
           "... while proc_vm_protect of the whole mapping works");
    tap_eq(warp_proc_vm_unmap(p, (uaddr_t)three, PAGE_SIZE), 0,
           "... and so does proc_vm_unmap of its first page (one piece left: no more mappings)");
}

/* The clock page: mapped read-only where asked, describing the clock SYS_CLOCK reads, never owned. */
static void supvm_clock(handle_t p)
{
    uint64_t free0 = tests_free_pages();
    long a = warp_clock_map(p, 0);
    tap_ok(a > 0 && a % PAGE_SIZE == 0 && (uint64_t)a >= USER_VM_BASE && (uint64_t)a < USER_VM_TOP,
           "clock_map at address 0 picks a page-aligned address in the VM area (0x%lx)", (unsigned long)a);
    tap_ok(free0 - tests_free_pages() <= 3, "... and costs at most page tables (%lu pages)",
           (unsigned long)(free0 - tests_free_pages()));
    struct clock_page cp;
    memset(&cp, 0, sizeof(cp));
    tap_eq(warp_proc_vm_read(p, (uaddr_t)a, &cp, sizeof(cp)), (long)sizeof(cp), "the clock page reads");
    tap_ok(cp.version == CLOCK_PAGE_VERSION && cp.source == CLOCK_SOURCE_TSC && cp.counter_per_ms >= 1000,
           "... version %u, the TSC as source, %lu ticks per ms", cp.version,
           (unsigned long)cp.counter_per_ms);
    uint64_t t0 = warp_clock();
    uint64_t mine = cp.counter_per_ms ? clock_page_ns(&cp, clock_cycles()) : 0;
    uint64_t t1 = warp_clock();
    tap_ok(t0 <= mine && mine <= t1, "the time read from it (%lu) lies between two SYS_CLOCKs (%lu, %lu)",
           (unsigned long)mine, (unsigned long)t0, (unsigned long)t1);
    tap_eq(warp_proc_vm_write(p, (uaddr_t)a, &cp, sizeof(cp)), ERR_BAD_ADDRESS,
           "proc_vm_write into the clock page gives ERR_BAD_ADDRESS (read-only)");
    tap_eq(warp_proc_vm_unmap(p, (uaddr_t)a, PAGE_SIZE), ERR_NOT_FOUND,
           "proc_vm_unmap of the clock page gives ERR_NOT_FOUND (not a mapping of its own)");
    tap_eq(warp_proc_vm_protect(p, (uaddr_t)a, PAGE_SIZE, PROT_READ), ERR_NOT_FOUND,
           "proc_vm_protect of the clock page gives ERR_NOT_FOUND");
    tap_eq(warp_clock_map(p, 0x30000000), 0x30000000, "clock_map at a fixed address maps there");
    const struct {
        const char *what;
        uint64_t addr;
        long err;
    } bad[] = {
        {"an address already mapped", 0x30000000, ERR_ALREADY_EXISTS},
        {"an unaligned address", 0x30001001, ERR_INVALID_ARG},
        {"an address below USER_BASE", 0x1000, ERR_BAD_ADDRESS},
        {"USER_TOP", USER_TOP, ERR_BAD_ADDRESS},
        {"a kernel-half address", 0xffff800000000000ul, ERR_BAD_ADDRESS},
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        tap_eq(warp_clock_map(p, bad[i].addr), bad[i].err, "clock_map at %s gives %s", bad[i].what,
               tests_err_name(bad[i].err));
}

void test_supervise_vm(void)
{
    struct sup s;
    if (sup_spawn(&s, NULL) < 0) {
        tap_ok(false, "a supervised child for the memory tests");
        return;
    }
    handle_t p = (handle_t)s.proc;
    uint64_t free0 = tests_free_pages();
    supvm_map(p);     /* leaves 3 mappings */
    supvm_copy(p);    /* leaves none */
    supvm_protect(p); /* leaves none */
    supvm_parts(p);   /* leaves none */
    supvm_clock(p);   /* two clock pages: not mappings of its own */
    supvm_count(p, 3);
    struct exit_info ei;
    tap_ok(sup_exit(&s, true, &ei) && ei.reason == EXIT_KILLED, "the child with 256 mappings is killed");
    sup_close(&s);
    tap_ok(tests_free_pages() >= free0, "its pages all came back (free %lu, before %lu)",
           (unsigned long)tests_free_pages(), (unsigned long)free0);
}
