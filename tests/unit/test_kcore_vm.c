/* test_kcore_vm.c: the kernel core on the host: mappings, user-range checks, all-or-nothing copies. */
#include "karch/kharness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#define RW (PROT_READ | PROT_WRITE)

static void prog_maps(uint64_t payload)
{
    (void)payload;
    KH_CHECK_EQ(kh_sys(SYS_VM_MAP, 0, RW, 0, 0, 0, 0), ERR_INVALID_ARG);
    KH_CHECK_EQ(kh_sys(SYS_VM_MAP, PAGE_SIZE, PROT_WRITE | PROT_EXEC, 0, 0, 0, 0), ERR_INVALID_ARG);
    KH_CHECK_EQ(kh_sys(SYS_VM_MAP, (1ul << 30) + 1, RW, 0, 0, 0, 0), ERR_TOO_LARGE);
    long a = kh_sys(SYS_VM_MAP, 2 * PAGE_SIZE, RW, 0, 0, 0, 0);
    KH_CHECK(a > 0 && a % PAGE_SIZE == 0);
    KH_CHECK_EQ(kh_sys(SYS_VM_UNMAP, a + 1, 2 * PAGE_SIZE, 0, 0, 0, 0), ERR_INVALID_ARG);
    KH_CHECK_EQ(kh_sys(SYS_VM_UNMAP, a, PAGE_SIZE, 0, 0, 0, 0), ERR_NOT_FOUND); /* not the whole mapping */
    /* The most mappings a process may make, then one more. */
    long n = 1;
    while (kh_sys(SYS_VM_MAP, PAGE_SIZE, PROT_READ, 0, 0, 0, 0) > 0)
        n++;
    KH_CHECK_EQ(n, VM_MAX_ANON);
    KH_CHECK_EQ(kh_sys(SYS_VM_MAP, PAGE_SIZE, PROT_READ, 0, 0, 0, 0), ERR_NO_RESOURCES);
    KH_CHECK_EQ(kh_sys(SYS_VM_UNMAP, a, 2 * PAGE_SIZE, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(kh_sys(SYS_VM_UNMAP, a, 2 * PAGE_SIZE, 0, 0, 0, 0), ERR_NOT_FOUND);
}

/* Every mapping keeps an unmapped page on both sides, even when it fills a hole exactly. */
static void prog_guards(uint64_t payload)
{
    (void)payload;
    long a = kh_sys(SYS_VM_MAP, PAGE_SIZE, RW, 0, 0, 0, 0), b = kh_sys(SYS_VM_MAP, PAGE_SIZE, RW, 0, 0, 0, 0),
         c = kh_sys(SYS_VM_MAP, PAGE_SIZE, RW, 0, 0, 0, 0);
    KH_CHECK(b == a + 2 * (long)PAGE_SIZE && c == b + 2 * (long)PAGE_SIZE);
    KH_CHECK_EQ(kh_sys(SYS_VM_UNMAP, b, PAGE_SIZE, 0, 0, 0, 0), 0);
    long two = kh_sys(SYS_VM_MAP, 2 * PAGE_SIZE, RW, 0, 0, 0, 0); /* would touch c at b */
    KH_CHECK(two >= c + 2 * (long)PAGE_SIZE);
    long one = kh_sys(SYS_VM_MAP, PAGE_SIZE, RW, 0, 0, 0, 0); /* fits b's place with its guards */
    KH_CHECK_EQ(one, b);
}

static void test_guards(void **state)
{
    (void)state;
    kh_run_program(prog_guards, 0);
}

static void test_maps(void **state)
{
    (void)state;
    kh_run_program(prog_maps, 0);
}

/* Writes to user memory are all or nothing: a range whose second page is read-only or unmapped
 * leaves the first untouched; reads of such ranges fail too. */
static void prog_copies(uint64_t payload)
{
    (void)payload;
    long rw = kh_sys(SYS_VM_MAP, PAGE_SIZE, RW, 0, 0, 0, 0);
    long ro = kh_sys(SYS_VM_MAP, PAGE_SIZE, PROT_READ, 0, 0, 0, 0);
    KH_CHECK(rw > 0 && ro > 0);
    uaddr_t tail = (uaddr_t)rw + PAGE_SIZE - 8; /* a sysinfo (32 bytes) from here runs off the page */
    uint8_t ones[8];
    memset(ones, 0xee, sizeof(ones));
    kh_uput(tail, ones, sizeof(ones));
    KH_CHECK_EQ(kh_sys(SYS_SYSINFO, tail, 0, 0, 0, 0, 0), ERR_BAD_ADDRESS); /* the next page is a guard */
    uint8_t back[8];
    kh_uget(back, tail, sizeof(back));
    KH_CHECK(memcmp(back, ones, sizeof(ones)) == 0);
    KH_CHECK_EQ(kh_sys(SYS_SYSINFO, ro, 0, 0, 0, 0, 0), ERR_BAD_ADDRESS);
    KH_CHECK_EQ(kh_sys(SYS_CONSOLE_WRITE, tail, 16, 0, 0, 0, 0), ERR_BAD_ADDRESS);
    KH_CHECK_EQ(kh_sys(SYS_CONSOLE_WRITE, USER_TOP - 8, 16, 0, 0, 0, 0), ERR_BAD_ADDRESS);
    KH_CHECK_EQ(kh_sys(SYS_CONSOLE_WRITE, -16ul, 32, 0, 0, 0, 0), ERR_BAD_ADDRESS); /* wraps */
    KH_CHECK_EQ(kh_sys(SYS_CONSOLE_WRITE, ro, 16, 0, 0, 0, 0), 16);
    KH_CHECK_EQ(kh_sys(SYS_ENTROPY, ro, 16, 0, 0, 0, 0), ERR_BAD_ADDRESS);
    KH_CHECK_EQ(kh_sys(SYS_ENTROPY, rw, ENTROPY_MAX + 1, 0, 0, 0, 0), ERR_TOO_LARGE);
    /* After an unmap the remembered translations are forgotten: the range check fails again. */
    KH_CHECK_EQ(kh_sys(SYS_SYSINFO, rw, 0, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(kh_sys(SYS_VM_UNMAP, rw, PAGE_SIZE, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(kh_sys(SYS_SYSINFO, rw, 0, 0, 0, 0, 0), ERR_BAD_ADDRESS);
}

static void test_copies(void **state)
{
    (void)state;
    kh_run_program(prog_copies, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maps),
        cmocka_unit_test(test_guards),
        cmocka_unit_test(test_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
