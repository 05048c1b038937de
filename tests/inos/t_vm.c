/* t_vm.c: tests of SYS_VM_MAP and SYS_VM_UNMAP: fresh memory, protections, bad arguments, exact unmapping. */
#include "tests.h"

#include <warp/string.h>

/* A mapping of n pages is zeroed, writable, in the VM area, and returns its pages when unmapped. */
static void vm_map_fresh(size_t len, const char *what)
{
    size_t pages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t free0 = tests_free_pages();
    long addr = warp_vm_map(len, PROT_READ | PROT_WRITE);
    uint64_t free1 = tests_free_pages();
    tap_ok(addr > 0 && addr % PAGE_SIZE == 0 && (uint64_t)addr >= USER_VM_BASE &&
               (uint64_t)addr + pages * PAGE_SIZE <= USER_VM_TOP,
           "vm_map(%s) returns a page-aligned address in the VM area (0x%lx)", what, (unsigned long)addr);
    if (addr <= 0)
        return;
    tap_ok(tests_all_zero((void *)addr, pages * PAGE_SIZE), "vm_map(%s): all %zu pages are zero", what,
           pages);
    memset((void *)addr, 0xa5, pages * PAGE_SIZE);
    uint8_t *last = (uint8_t *)addr + pages * PAGE_SIZE - 1;
    tap_ok(*(uint8_t *)addr == 0xa5 && *last == 0xa5, "vm_map(%s): the memory is writable", what);
    tap_ok(free0 - free1 >= pages, "vm_map(%s) takes at least %zu free pages (took %ld)", what, pages,
           (long)(free0 - free1));
    tap_eq(warp_vm_unmap((void *)addr, len), 0, "vm_unmap(%s) with the same length returns 0", what);
    tap_ok(tests_free_pages() - free1 >= pages, "vm_unmap(%s) gives its %zu pages back", what, pages);
}

/* Protections other than RW that are allowed. */
static void vm_map_prots(void)
{
    static const struct {
        unsigned prot;
        const char *what;
    } ok[] = {
        {PROT_READ, "PROT_READ"},
        {PROT_WRITE, "PROT_WRITE"},
        {PROT_READ | PROT_EXEC, "PROT_READ|PROT_EXEC"},
        {PROT_EXEC, "PROT_EXEC"},
    };
    for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        long addr = warp_vm_map(PAGE_SIZE, ok[i].prot);
        tap_ok(addr > 0, "vm_map with %s succeeds", ok[i].what);
        if (addr > 0)
            tap_eq(warp_vm_unmap((void *)addr, PAGE_SIZE), 0, "... and unmaps");
    }
    long ro = warp_vm_map(PAGE_SIZE, PROT_READ);
    tap_ok(ro > 0 && tests_all_zero((void *)ro, PAGE_SIZE), "a PROT_READ mapping reads as zero");
    if (ro > 0)
        warp_vm_unmap((void *)ro, PAGE_SIZE);
}

/* Arguments vm_map must refuse. */
static void vm_map_bad_args(void)
{
    const unsigned rw = PROT_READ | PROT_WRITE;
    tap_eq(warp_vm_map(0, rw), ERR_INVALID_ARG, "vm_map of length 0 gives ERR_INVALID_ARG");
    tap_eq(warp_vm_map(PAGE_SIZE, 0), ERR_INVALID_ARG, "vm_map with prot 0 gives ERR_INVALID_ARG");
    tap_eq(warp_vm_map(PAGE_SIZE, PROT_WRITE | PROT_EXEC), ERR_INVALID_ARG,
           "vm_map with PROT_WRITE|PROT_EXEC gives ERR_INVALID_ARG (W^X)");
    tap_eq(warp_vm_map(PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC), ERR_INVALID_ARG,
           "vm_map with PROT_READ|PROT_WRITE|PROT_EXEC gives ERR_INVALID_ARG (W^X)");
    tap_eq(warp_vm_map(PAGE_SIZE, 8), ERR_INVALID_ARG,
           "vm_map with unknown prot bit 8 gives ERR_INVALID_ARG");
    tap_eq(warp_vm_map(PAGE_SIZE, PROT_READ | 0x80000000u), ERR_INVALID_ARG,
           "vm_map with PROT_READ and unknown bit 31 gives ERR_INVALID_ARG");
    tap_eq(warp_syscall6(SYS_VM_MAP, PAGE_SIZE, (long)((1ul << 32) | PROT_READ), 0, 0, 0, 0), ERR_INVALID_ARG,
           "vm_map with PROT_READ and bit 32 of the register set gives ERR_INVALID_ARG");
    tap_eq(warp_vm_map((1ul << 30) + 1, rw), ERR_TOO_LARGE, "vm_map of 1 GiB + 1 gives ERR_TOO_LARGE");
    tap_eq(warp_vm_map(~0ul, rw), ERR_TOO_LARGE, "vm_map of 2^64-1 bytes gives ERR_TOO_LARGE");
    tap_eq(warp_vm_map(~0ul - PAGE_SIZE + 2, rw), ERR_TOO_LARGE,
           "vm_map of a length that wraps to 0 when rounded up gives ERR_TOO_LARGE");
}

/* vm_map: fresh memory and every refusal. */
void test_vm_map(void)
{
    vm_map_fresh(1, "1 byte");
    vm_map_fresh(5 * PAGE_SIZE, "5 pages");
    vm_map_fresh(3 * PAGE_SIZE + 100, "3 pages + 100 bytes");
    vm_map_prots();
    vm_map_bad_args();
}

/* Unmapping addresses that are not mappings made by vm_map. */
static void vm_unmap_not_mappings(void)
{
    tap_eq(warp_vm_unmap((void *)(USER_VM_TOP - 16 * PAGE_SIZE), PAGE_SIZE), ERR_NOT_FOUND,
           "vm_unmap of an unmapped VM-area page gives ERR_NOT_FOUND");
    tap_eq(warp_vm_unmap((void *)(USER_STACK_TOP - USER_STACK_SIZE), USER_STACK_SIZE), ERR_NOT_FOUND,
           "vm_unmap of the stack gives ERR_NOT_FOUND");
    tap_eq(warp_vm_unmap(__image_start, PAGE_SIZE), ERR_NOT_FOUND,
           "vm_unmap of the program's text gives ERR_NOT_FOUND");
    tap_eq(warp_vm_unmap(tests_env.initfs, tests_env.initfs_size), ERR_NOT_FOUND,
           "vm_unmap of the initfs gives ERR_NOT_FOUND");
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(warp_vm_unmap((void *)tests_bad_ptrs[i].addr, PAGE_SIZE), ERR_NOT_FOUND,
               "vm_unmap of %s gives ERR_NOT_FOUND", tests_bad_ptrs[i].what);
}

/* Ranges that touch a real 2-page mapping without being exactly it. */
static void vm_unmap_partial(char *m)
{
    tap_eq(warp_vm_unmap(m + 1, PAGE_SIZE), ERR_INVALID_ARG,
           "vm_unmap of an unaligned address gives ERR_INVALID_ARG");
    tap_eq(warp_vm_unmap(m, PAGE_SIZE), ERR_NOT_FOUND,
           "vm_unmap of the first page of a 2-page mapping gives ERR_NOT_FOUND");
    tap_eq(warp_vm_unmap(m + PAGE_SIZE, PAGE_SIZE), ERR_NOT_FOUND,
           "vm_unmap of the second page of a 2-page mapping gives ERR_NOT_FOUND");
    tap_eq(warp_vm_unmap(m, 3 * PAGE_SIZE), ERR_NOT_FOUND,
           "vm_unmap of 3 pages over a 2-page mapping gives ERR_NOT_FOUND");
    tap_eq(warp_vm_unmap(m, 0), ERR_NOT_FOUND, "vm_unmap of length 0 gives ERR_NOT_FOUND");
    tap_eq(warp_vm_unmap(m, -PAGE_SIZE), ERR_NOT_FOUND,
           "vm_unmap of a range wrapping around 2^64 gives ERR_NOT_FOUND");
    tap_ok(m[0] == 1 && m[2 * PAGE_SIZE - 1] == 2, "the mapping survives the refused unmaps");
}

/* vm_unmap: exactly one whole mapping, nothing else. */
void test_vm_unmap(void)
{
    vm_unmap_not_mappings();
    long addr = warp_vm_map(2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    tap_ok(addr > 0, "vm_map of 2 pages for the unmap tests");
    if (addr <= 0)
        return;
    char *m = (char *)addr;
    m[0] = 1;
    m[2 * PAGE_SIZE - 1] = 2;
    vm_unmap_partial(m);
    tap_eq(warp_vm_unmap(m, 2 * PAGE_SIZE - 10), 0,
           "vm_unmap with a length rounding up to the mapping returns 0");
    tap_eq(warp_vm_unmap(m, 2 * PAGE_SIZE), ERR_NOT_FOUND,
           "vm_unmap of the same mapping twice gives ERR_NOT_FOUND");
}
