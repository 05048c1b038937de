/* t_sysinfo.c: tests of SYS_SYSINFO: the counters, and output buffers the kernel must not write. */
#include "tests.h"

#include <warp/string.h>

/* Output pointers that are mapped but read-only, or only partly writable. */
static void sysinfo_read_only(void)
{
    static const struct sysinfo ro;
    tap_eq(warp_sysinfo((struct sysinfo *)(uintptr_t)main), ERR_BAD_ADDRESS,
           "sysinfo into the text segment gives ERR_BAD_ADDRESS");
    tap_eq(warp_sysinfo((struct sysinfo *)(uintptr_t)&ro), ERR_BAD_ADDRESS,
           "sysinfo into read-only data gives ERR_BAD_ADDRESS");
    tap_eq(warp_sysinfo((struct sysinfo *)((uintptr_t)__data_start - 16)), ERR_BAD_ADDRESS,
           "sysinfo into a range from read-only data into writable data gives ERR_BAD_ADDRESS");
    tap_eq(warp_sysinfo((struct sysinfo *)(uintptr_t)tests_env.initfs), ERR_BAD_ADDRESS,
           "sysinfo into the read-only initfs gives ERR_BAD_ADDRESS");
    long page = warp_vm_map(PAGE_SIZE, PROT_READ);
    tap_eq(warp_sysinfo((struct sysinfo *)page), ERR_BAD_ADDRESS,
           "sysinfo into a PROT_READ mapping gives ERR_BAD_ADDRESS");
    tap_ok(page > 0 && tests_all_zero((void *)page, PAGE_SIZE), "the PROT_READ mapping is still all zero");
    warp_vm_unmap((void *)page, PAGE_SIZE);
}

/* Output pointers that are not (entirely) mapped. */
static void sysinfo_unmapped(void)
{
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(warp_sysinfo((struct sysinfo *)tests_bad_ptrs[i].addr), ERR_BAD_ADDRESS,
               "sysinfo into %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    long r = warp_sysinfo(tests_stack_top_poison());
    bool untouched = tests_stack_top_untouched();
    tap_eq(r, ERR_BAD_ADDRESS, "sysinfo running off the stack top into the guard page gives ERR_BAD_ADDRESS");
    tap_ok(untouched, "... and writes none of the 16 bytes below the guard page");
    tap_eq(warp_sysinfo((struct sysinfo *)0xfffffffffffffff0), ERR_BAD_ADDRESS,
           "sysinfo into a range wrapping around 2^64 gives ERR_BAD_ADDRESS");
}

/* The bounded-work counters: set once processes have run, within reason, and never going down. */
static void sysinfo_kstat(const struct sysinfo *first)
{
    struct sysinfo si;
    tap_eq(warp_sysinfo(&si), 0, "sysinfo again returns 0");
    tap_ok(first->irqoff_max_ns > 0 && first->irqoff_max_ns < 1000000000ul,
           "sysinfo: irqoff_max_ns (%lu) is above 0 and below a second", (unsigned long)first->irqoff_max_ns);
    tap_ok(first->syscall_max_ns > 0 && first->syscall_max_ns < 1000000000ul,
           "sysinfo: syscall_max_ns (%lu) is above 0 and below a second",
           (unsigned long)first->syscall_max_ns);
    tap_ok(first->syscall_max_nr > 0 && first->syscall_max_nr < SYS_COUNT,
           "sysinfo: syscall_max_nr (%lu) is a system call", (unsigned long)first->syscall_max_nr);
    tap_ok(si.irqoff_max_ns >= first->irqoff_max_ns && si.syscall_max_ns >= first->syscall_max_ns,
           "sysinfo: the maxima never go down");
}

/* The counters make sense; bad output buffers are refused. */
void test_sysinfo(void)
{
    struct sysinfo si;
    memset(&si, 0xff, sizeof(si));
    uint64_t t0 = warp_clock();
    tap_eq(warp_sysinfo(&si), 0, "sysinfo returns 0");
    uint64_t t1 = warp_clock();
    tap_ok(si.total_pages > 0 && si.free_pages > 0 && si.free_pages <= si.total_pages,
           "sysinfo: 0 < free_pages (%lu) <= total_pages (%lu)", (unsigned long)si.free_pages,
           (unsigned long)si.total_pages);
    tap_ok(si.nprocs >= 3, "sysinfo: nprocs (%lu) counts at least init, the supervisor and us",
           (unsigned long)si.nprocs);
    tap_ok(si.uptime_ns >= t0 && si.uptime_ns <= t1, "sysinfo: uptime_ns lies between two clock readings");
    sysinfo_kstat(&si);
    uint8_t unaligned[sizeof(si) + 1];
    tap_eq(warp_sysinfo((struct sysinfo *)(unaligned + 1)), 0, "sysinfo into an unaligned buffer works");
    sysinfo_unmapped();
    sysinfo_read_only();
}
