/* t_limits.c: tests of resource limits: 256 mappings, a full process table, and running out of memory. */
#include "elfgen.h"
#include "tests.h"

#include <warp/malloc.h>

#define LIMITS_MAX_MAPS 300
#define LIMITS_MAX_PROCS HANDLES_MAX
#define LIMITS_PER_PROCESS_MAPS 256 /* docs/syscalls.md: SYS_VM_MAP mappings per process */

static uint8_t limits_image[ELFGEN_BUF_SIZE] __attribute__((aligned(16)));
static long limits_addr[LIMITS_MAX_MAPS];
static size_t limits_len[LIMITS_MAX_MAPS];
static long limits_procs[LIMITS_MAX_PROCS];

/* Unmaps the first n entries of limits_addr/limits_len; returns how many failed. */
static unsigned limits_unmap_all(unsigned n)
{
    unsigned bad = 0;
    for (unsigned i = 0; i < n; i++)
        bad += warp_vm_unmap((void *)limits_addr[i], limits_len[i]) != 0;
    return bad;
}

/* Mapping number 257 (counting the heap's) gives ERR_NO_RESOURCES. */
static void limits_mappings(void)
{
    struct malloc_stats st;
    malloc_get_stats(&st);
    unsigned n = 0;
    long r = 0;
    while (n < LIMITS_MAX_MAPS && (r = warp_vm_map(PAGE_SIZE, PROT_READ | PROT_WRITE)) > 0) {
        limits_addr[n] = r;
        limits_len[n++] = PAGE_SIZE;
    }
    tap_eq(r, ERR_NO_RESOURCES, "vm_map beyond the per-process limit gives ERR_NO_RESOURCES");
    tap_eq((long)(n + st.mappings), LIMITS_PER_PROCESS_MAPS,
           "the limit is 256 mappings (%u new + %zu held by the heap)", n, st.mappings);
    tap_eq(limits_unmap_all(n), 0, "all those mappings unmap");
    r = warp_vm_map(PAGE_SIZE, PROT_READ | PROT_WRITE);
    tap_ok(r > 0, "vm_map works again once they are gone");
    if (r > 0)
        warp_vm_unmap((void *)r, PAGE_SIZE);
}

/* Returns true if the first n process handles are all positive and distinct. */
static bool limits_procs_distinct(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++)
            if (limits_procs[i] <= 0 || limits_procs[i] == limits_procs[j])
                return false;
    return true;
}

/*
 * Fills the process table (MAX_PROCS live processes, system-wide) with children that block forever,
 * then kills them, waits for each and closes its handle. The table is smaller than our handle table
 * once init and the others are counted, so it is the one that runs out: a timer handle can still be
 * made at that point.
 */
static void limits_process_table(void)
{
    size_t len = elfgen_build(limits_image, ELFGEN_BLOCK, 0);
    unsigned n = 0;
    long r = 0;
    while (n < LIMITS_MAX_PROCS && (r = tests_spawn_image("z", limits_image, len, 0, 0)) > 0)
        limits_procs[n++] = r;
    tap_eq(r, ERR_NO_RESOURCES,
           "spawn with the process table full gives ERR_NO_RESOURCES (after %u children)", n);
    long t = warp_timer_create();
    tap_ok(t > 0 && n < HANDLES_MAX, "... and it is the process table that is full, not our handle table");
    if (t > 0)
        warp_handle_close((handle_t)t);
    tap_ok(n > 0 && limits_procs_distinct(n), "the %u children got distinct process handles", n);
    unsigned bad = 0;
    for (unsigned i = 0; i < n; i++) {
        struct exit_info ei;
        bad += warp_kill((handle_t)limits_procs[i]) != 0;
        bad += tests_wait_close(limits_procs[i], &ei) != 0 || ei.reason != EXIT_KILLED;
    }
    tap_eq(bad, 0, "each is killed, waited for (EXIT_KILLED) and its handle closed (count of the others)");
    struct exit_info ei;
    len = elfgen_build(limits_image, ELFGEN_EXIT, 0);
    r = tests_wait_close(tests_spawn_image("z", limits_image, len, 0, 0), &ei);
    tap_ok(r == 0 && ei.reason == EXIT_NORMAL, "spawn works again once they have ended");
}

/* Maps memory in halving chunks until nothing is left; returns the number of mappings made. */
static unsigned limits_exhaust(void)
{
    unsigned n = 0;
    for (size_t size = 1ul << 30; size >= PAGE_SIZE && n < LIMITS_MAX_MAPS; size /= 2) {
        long r;
        while (n < LIMITS_MAX_MAPS && (r = warp_vm_map(size, PROT_READ | PROT_WRITE)) > 0) {
            limits_addr[n] = r;
            limits_len[n++] = size;
        }
        if (r == ERR_NO_RESOURCES)
            break;
    }
    return n;
}

/* With every free page mapped, vm_map and spawn fail with ERR_NO_MEMORY and undo their work. */
static void limits_out_of_memory(void)
{
    struct sysinfo si;
    warp_sysinfo(&si);
    if (si.total_pages * PAGE_SIZE < (1ul << 30))
        tap_eq(warp_vm_map(1ul << 30, PROT_READ), ERR_NO_MEMORY,
               "vm_map of 1 GiB on a machine with less memory gives ERR_NO_MEMORY");
    else
        tap_skip("the machine has 1 GiB or more", "vm_map of 1 GiB gives ERR_NO_MEMORY");
    uint64_t free0 = tests_free_pages();
    unsigned n = limits_exhaust();
    uint64_t left = tests_free_pages();
    tap_diag("mapped %u chunks; %lu of %lu free pages left", n, (unsigned long)left, (unsigned long)free0);
    /* An ordinary process leaves the kernel's reserve (1/8 of memory) alone (docs/security.md). */
    if (left <= si.total_pages / 8 + 64) {
        tap_eq(warp_vm_map(PAGE_SIZE, PROT_READ), ERR_NO_MEMORY,
               "vm_map with only the reserve left gives ERR_NO_MEMORY");
        size_t len = elfgen_build(limits_image, ELFGEN_EXIT, 0);
        tap_eq(tests_spawn_image("oom", limits_image, len, 0, 0), ERR_NO_MEMORY,
               "spawn with only the reserve left gives ERR_NO_MEMORY");
    } else {
        tap_skip("memory could not be exhausted within 64 mappings", "vm_map and spawn with no free page");
    }
    tap_eq(limits_unmap_all(n), 0, "all the chunks unmap");
    /* The chunks' page tables may stay with this process until it exits; the supervisor checks
     * the exact count after the suite has exited. */
    tap_ok(tests_free_pages() + 64 >= free0,
           "free pages return to their count before (within 64 page-table pages)");
}

/* Resource limits. */
void test_limits(void)
{
    limits_mappings();
    limits_process_table();
    limits_out_of_memory();
}
