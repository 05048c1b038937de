/* tap.c: Test Anything Protocol output: "ok N - description", with got/expected on failure. */
#include <warp/error.h>
#include <warp/exitinfo.h>
#include <warp/fmt.h>
#include <warp/stdio.h>
#include <warp/tap.h>

#define TAP_DESC_MAX 200

static const char *tap_prefix = "";
static unsigned tap_next = 1;
static unsigned tap_npassed;
static unsigned tap_nfailed;

/* Starts every description with prefix; the string must outlive the process's results. */
void tap_set_prefix(const char *prefix)
{
    tap_prefix = prefix;
}

/* Counts results another process printed (the suite's), continuing the numbering after them. */
void tap_add(unsigned passed, unsigned failed)
{
    tap_npassed += passed;
    tap_nfailed += failed;
    tap_next += passed + failed;
}

/* Number of the next result line (a suite started by the supervisor continues its numbering). */
unsigned tap_next_number(void)
{
    return tap_next;
}

/* Makes the next result line number n. */
void tap_set_next(unsigned n)
{
    tap_next = n;
}

/* Tests passed so far. */
unsigned tap_passed(void)
{
    return tap_npassed;
}

/* Tests failed so far. */
unsigned tap_failed(void)
{
    return tap_nfailed;
}

/* Prints one result line, plus a diagnostic line when detail is non-empty; one write per call. */
static bool tap_result(bool ok, const char *desc, const char *detail)
{
    unsigned n = tap_next++;
    if (ok)
        tap_npassed++;
    else
        tap_nfailed++;
    if (detail[0])
        printf("%sok %u - %s%s\n#   %s\n", ok ? "" : "not ", n, tap_prefix, desc, detail);
    else
        printf("%sok %u - %s%s\n", ok ? "" : "not ", n, tap_prefix, desc);
    return ok;
}

/* Records a test that passed when ok is true. */
bool tap_ok(bool ok, const char *fmt, ...)
{
    char desc[TAP_DESC_MAX];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(desc, sizeof(desc), fmt, ap);
    va_end(ap);
    return tap_result(ok, desc, "");
}

/* Describes a system-call result: an error's name, or the number (in hex too when large). */
static void tap_value(char *buf, size_t size, long v)
{
    if (v < 0 && v >= ERR_MIN)
        fmt_snprintf(buf, size, "%ld (%s)", v, err_str(v));
    else if (v > 4096 || v < -4096)
        fmt_snprintf(buf, size, "%ld (0x%lx)", v, (unsigned long)v);
    else
        fmt_snprintf(buf, size, "%ld", v);
}

/* Records a test that passes when got == want; prints both otherwise. */
bool tap_eq(long got, long want, const char *fmt, ...)
{
    char desc[TAP_DESC_MAX], g[64], w[64], detail[160] = "";
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(desc, sizeof(desc), fmt, ap);
    va_end(ap);
    if (got != want) {
        tap_value(g, sizeof(g), got);
        tap_value(w, sizeof(w), want);
        fmt_snprintf(detail, sizeof(detail), "got %s, expected %s", g, w);
    }
    return tap_result(got == want, desc, detail);
}

/* Records a skipped test (counted as passed, as TAP does). */
void tap_skip(const char *why, const char *fmt, ...)
{
    char desc[TAP_DESC_MAX];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(desc, sizeof(desc), fmt, ap);
    va_end(ap);
    tap_npassed++;
    printf("ok %u - %s%s # SKIP %s\n", tap_next++, tap_prefix, desc, why);
}

/* Records a test on how a child ended: reason, and code (EXIT_NORMAL) or vector (EXIT_FAULT). */
void tap_exit(const struct exit_info *got, int reason, int code, const char *fmt, ...)
{
    char desc[TAP_DESC_MAX], g[160], detail[200] = "";
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(desc, sizeof(desc), fmt, ap);
    va_end(ap);
    bool ok = got->reason == reason;
    if (ok && reason == EXIT_NORMAL)
        ok = got->code == code;
    if (ok && reason == EXIT_FAULT)
        ok = got->vector == (uint32_t)code;
    if (!ok) {
        exitinfo_describe(g, sizeof(g), got);
        fmt_snprintf(detail, sizeof(detail), "got: %s; expected reason %d, %s %d", g, reason,
                     reason == EXIT_FAULT ? "vector" : "code", code);
    }
    tap_result(ok, desc, detail);
}

/* Prints a "# ..." diagnostic line. */
void tap_diag(const char *fmt, ...)
{
    char line[TAP_DESC_MAX];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    printf("# %s\n", line);
}

/* Prints the plan, written after the results: "1..N". */
void tap_plan(void)
{
    printf("1..%u\n", tap_npassed + tap_nfailed);
}

/* Prints the summary line "<program>: P passed, F failed", which the e2e tests read. */
void tap_summary(const char *program)
{
    printf("%s: %u passed, %u failed\n", program, tap_npassed, tap_nfailed);
}
