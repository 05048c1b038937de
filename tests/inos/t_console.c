/* t_console.c: tests of SYS_CONSOLE_WRITE: lengths, limits and every kind of bad buffer. */
#include "tests.h"

/* Buffers that are partly bad: they start mapped and run into unmapped or kernel memory. */
static void console_bad_ranges(void)
{
    tap_eq(warp_console_write((const char *)(USER_STACK_TOP - 16), 32), ERR_BAD_ADDRESS,
           "console_write running off the stack top into the guard page gives ERR_BAD_ADDRESS");
    tap_eq(warp_console_write((const char *)((uintptr_t)__image_end - 16), 32), ERR_BAD_ADDRESS,
           "console_write running off the end of the image gives ERR_BAD_ADDRESS");
    tap_eq(warp_console_write((const char *)0xfffffffffffffff0, 32), ERR_BAD_ADDRESS,
           "console_write of a range wrapping around 2^64 gives ERR_BAD_ADDRESS");
    tap_eq(warp_console_write((const char *)(USER_TOP - 16), 32), ERR_BAD_ADDRESS,
           "console_write crossing into the non-canonical hole gives ERR_BAD_ADDRESS");
}

/* The 64 KiB limit, with a buffer that really is that big. */
static void console_too_large(void)
{
    long buf = warp_vm_map(65537, PROT_READ | PROT_WRITE);
    if (buf < 0) {
        tap_eq(buf, 0, "vm_map of a 65537-byte buffer for the console limit test");
        return;
    }
    tap_eq(warp_console_write((const char *)buf, 65537), ERR_TOO_LARGE,
           "console_write of 65537 bytes gives ERR_TOO_LARGE");
    tap_eq(warp_vm_unmap((void *)buf, 65537), 0, "the 65537-byte buffer is unmapped");
}

/* A child floods the console: every write still returns its length, and what is over its rate
 * limit (a burst of 64 KiB, then 32 KiB a second) is dropped and counted in sysinfo. */
static void console_flood(void)
{
    struct sysinfo before, after;
    struct exit_info ei;
    warp_sysinfo(&before);
    uint64_t t0 = warp_clock();
    long r = tests_run("flooder", TESTS_CONSOLE_FLOOD, 0, 0, &ei);
    uint64_t secs = (warp_clock() - t0) / 1000000000ull + 1;
    warp_sysinfo(&after);
    tap_ok(r == 0 && ei.reason == EXIT_NORMAL && ei.code == 0,
           "a console flood: each of %d writes of 64 KiB returns 65536 (exit code %d)", TESTS_FLOOD_WRITES,
           (int)ei.code);
    uint64_t dropped = after.console_dropped - before.console_dropped;
    uint64_t written_max = 65536 + 32768 * secs;
    uint64_t total = TESTS_FLOOD_WRITES * 65536ull;
    tap_ok(dropped > 0 && dropped >= (total > written_max ? total - written_max : 0) && dropped < total,
           "the flood is rate-limited: %lu of %lu bytes dropped in under %lu s", (unsigned long)dropped,
           (unsigned long)total, (unsigned long)secs);
}

/* A line made to look like the kernel's: it is written, but tagged with our name (case_inos.py
 * checks the console shows it so, never untagged). */
static void console_forged_line(void)
{
    static const char forged[] = "[    0.000001] kernel: forged by the in-OS tests\n";
    tap_eq(warp_console_write(forged, sizeof(forged) - 1), sizeof(forged) - 1,
           "console_write of a line that looks like the kernel's returns its length");
    static const char escape[] = "\r\x1b[2K# a carriage return and an escape, shown as '?'\n";
    tap_eq(warp_console_write(escape, sizeof(escape) - 1), sizeof(escape) - 1,
           "console_write of control characters returns its length");
}

/* Console writes that must succeed, then every bad pointer. */
void test_console(void)
{
    static const char ro[] = "# console_write from rodata\n";
    char stack[] = "# console_write from the stack\n";
    tap_eq(warp_console_write(ro, sizeof(ro) - 1), sizeof(ro) - 1,
           "console_write from read-only data returns its length");
    tap_eq(warp_console_write(stack, sizeof(stack) - 1), sizeof(stack) - 1,
           "console_write from the stack returns its length");
    tap_eq(warp_console_write(ro, 0), 0, "zero-length console_write returns 0");
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(warp_console_write((const char *)tests_bad_ptrs[i].addr, 16), ERR_BAD_ADDRESS,
               "console_write from %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    console_bad_ranges();
    console_too_large();
    console_forged_line();
    console_flood();
}
