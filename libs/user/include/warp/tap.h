/* tap.h: Test Anything Protocol output for the in-OS test programs (tests, devtest, nettest). */
#pragma once

#include <warp/abi.h>

/*
 * One numbered stream per process: `ok N - description` or `not ok N - description`, a failed
 * comparison followed by `#   got ..., expected ...`, and at the end the plan `1..N` and the summary
 * `<program>: P passed, F failed`. Each line goes out in one console write, so programs printing
 * at the same time never split each other's lines. tests/e2e parses these lines (harness.py's
 * TAP_LINE and each case's summary pattern): keep their shape.
 */

/* Starts every description with prefix (a program sharing the console with another: "devtest: "). */
void tap_set_prefix(const char *prefix);

/* Records a test that passed when ok is true; returns ok. */
bool tap_ok(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records a test that passes when got == want, printing both (error codes by name) otherwise. */
bool tap_eq(long got, long want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Records a skipped test (counted as passed, as TAP does). */
void tap_skip(const char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records a test on how a process ended: reason, and code (EXIT_NORMAL) or vector (EXIT_FAULT). */
void tap_exit(const struct exit_info *got, int reason, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prints a "# ..." diagnostic line. */
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Counts results another process printed, continuing the numbering after them. */
void tap_add(unsigned passed, unsigned failed);
/* Makes the next result line number n (a process continuing another's numbering). */
void tap_set_next(unsigned n);
/* Number of the next result line. */
unsigned tap_next_number(void);
/* Tests passed (skips included) and failed so far. */
unsigned tap_passed(void);
unsigned tap_failed(void);

/* Prints the plan "1..N", N being every result counted so far. */
void tap_plan(void);
/* Prints the summary line "<program>: P passed, F failed". */
void tap_summary(const char *program);
