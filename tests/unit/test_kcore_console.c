/* test_kcore_console.c: the console ring (kernel/conring.c) behind a UART that stalls: order, room kept
 * for kernel lines, drops counted and reported, process lines tagged whatever was dropped. */
#include "karch/kharness.h"

#include <conring.h>
#include <console.h>
#include <log.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

/*
 * The flood: FILL_LINES lines of 64 bytes, each one chunk of console.c's and 72 bytes in the ring
 * with its tag "[flood] ", fill the process share but for ROOM bytes; then lines of 100 bytes,
 * two chunks each (72 and 36 bytes with the tag on the first): the first of them does not fit, its
 * second chunk would. Whatever is queued then must not start a line untagged.
 */
#define TAG "[flood] "
#define FILL_LINES ((int)CONRING_USER_MAX / 72)
#define ROOM ((int)CONRING_USER_MAX - FILL_LINES * 72)
#define LONG_LINES 130
#define LONG_LEN 100
#define FLOOD_BYTES (FILL_LINES * 64 + LONG_LINES * LONG_LEN)

/* One numbered line of len bytes at out. */
static void flood_line(char *out, int i, int len)
{
    memset(out, 'x', (size_t)len - 1);
    memcpy(out, "line ", 5);
    out[5] = (char)('0' + i / 100), out[6] = (char)('0' + i / 10 % 10), out[7] = (char)('0' + i % 10);
    out[len - 1] = '\n';
}

/* Writes the flood in one SYS_CONSOLE_WRITE. */
static void prog_flood(uint64_t payload)
{
    (void)payload;
    static char text[FLOOD_BYTES];
    char *p = text;
    for (int i = 0; i < FILL_LINES + LONG_LINES; p += i < FILL_LINES ? 64 : LONG_LEN, i++)
        flood_line(p, i, i < FILL_LINES ? 64 : LONG_LEN);
    uaddr_t u = kh_ualloc(sizeof(text));
    kh_uput(u, text, sizeof(text));
    KH_CHECK_EQ(kh_sys(SYS_CONSOLE_WRITE, u, sizeof(text), 0, 0, 0, 0), (long)sizeof(text));
}

/* Every line of the log is a kernel line ("[" then a space or digit) or a tagged process line. */
static void check_lines_tagged(const char *log, const char *tag)
{
    for (const char *p = log; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool kernel = len > 1 && p[0] == '[' && (p[1] == ' ' || (p[1] >= '0' && p[1] <= '9'));
        bool tagged = len >= strlen(tag) && !strncmp(p, tag, strlen(tag));
        if (len && !kernel && !tagged)
            fail_msg("an untagged line: \"%.*s\"", (int)len, p);
        p += len + (end != NULL);
    }
}

/* With the UART stalled, a flood fills the ring to the process share and the rest is dropped and
 * counted; a kernel line still fits (the kernel's share); once the UART sends, every line shows,
 * whole lines tagged and cut ones ended and re-tagged. */
static void test_flood_fills_process_share(void **state)
{
    (void)state;
    assert_true(ROOM >= 36 + 1 + (int)strlen(TAG) && ROOM < 72); /* the flood's premise */
    kh_setup();
    kh_failed_check[0] = 0;
    uint64_t dropped_before = console_dropped_total();
    karch_console_stalled = true;
    struct proc *p = kh_spawn("flood", prog_flood, 0);
    assert_non_null(p);
    kh_run();
    kh_release(p);
    if (kh_failed_check[0])
        fail_msg("%s", kh_failed_check);
    uint64_t dropped = console_dropped_total() - dropped_before;
    assert_true(dropped > 0 && dropped < FLOOD_BYTES);
    assert_true(!karch_log_has("line 000")); /* nothing went out while stalled */
    log_printf("test: a kernel line with the ring full of process output");
    karch_console_stalled = false;
    karch_console_drain();
    const char *log = karch_log();
    assert_non_null(strstr(log, "[flood] line 000xxx"));
    assert_non_null(strstr(log, "test: a kernel line with the ring full of process output"));
    assert_non_null(strstr(log, "bytes dropped over its rate limit or a full console")); /* at its exit */
    check_lines_tagged(log, TAG);
    kh_check_clean();
}

/* Kernel lines past the whole ring are lost, counted, and reported in the first line that fits. */
static void test_kernel_overflow_reported(void **state)
{
    (void)state;
    kh_setup();
    karch_console_stalled = true;
    enum { LINES = 400 };
    for (int i = 0; i < LINES; i++)
        log_printf("test: kernel line %03d, padded to some fifty bytes", i);
    karch_console_stalled = false;
    karch_console_drain();
    int shown = 0;
    char text[64];
    for (int i = 0; i < LINES; i++) {
        snprintf(text, sizeof(text), "kernel line %03d,", i);
        shown += karch_log_has(text);
    }
    assert_true(shown > 0 && shown < LINES);
    snprintf(text, sizeof(text), "kernel line %03d,", shown - 1); /* the ring keeps the oldest */
    assert_true(karch_log_has(text));
    log_printf("test: after the overflow");
    const char *report = strstr(karch_log(), "bytes of kernel output lost");
    assert_non_null(report);
    assert_true(report < strstr(karch_log(), "test: after the overflow"));
    kh_check_clean();
}

/* Queued bytes go out in order whatever the ring's indices wrap around (the earlier tests moved
 * them), and conring_sync sends what is queued, polled, ahead of everything after it. */
static void test_order_and_sync(void **state)
{
    (void)state;
    kh_setup();
    for (int round = 0; round < 3; round++) {
        karch_console_stalled = true;
        for (int i = 0; i < 100; i++)
            log_printf("test: round %d line %03d", round, i);
        karch_console_stalled = false;
        karch_console_drain();
    }
    karch_console_stalled = true;
    log_printf("test: queued before the sync");
    conring_sync();
    log_printf("test: polled after the sync");
    karch_console_stalled = false;
    conring_start(); /* the other tests' console again */
    const char *log = karch_log();
    for (int round = 0; round < 3; round++) {
        char a[48], b[48];
        for (int i = 0; i < 99; i++) {
            snprintf(a, sizeof(a), "round %d line %03d", round, i);
            snprintf(b, sizeof(b), "round %d line %03d", round, i + 1);
            assert_non_null(strstr(log, a));
            assert_true(strstr(log, a) < strstr(log, b));
        }
    }
    const char *queued = strstr(log, "queued before the sync"),
               *polled = strstr(log, "polled after the sync");
    assert_true(queued && polled && queued < polled);
    kh_check_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flood_fills_process_share),
        cmocka_unit_test(test_kernel_overflow_reported),
        cmocka_unit_test(test_order_and_sync),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
