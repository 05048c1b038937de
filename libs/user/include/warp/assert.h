/* assert.h: ASSERT for user programs: on failure print the condition with file:line and exit. */
#pragma once

/* Exit code of a process that failed an ASSERT. */
#define ASSERT_EXIT_CODE 134

/* Checks cond; if false, prints "assertion failed: cond (file:line)" and exits ASSERT_EXIT_CODE. */
#define ASSERT(cond) ((cond) ? (void)0 : assert_fail(#cond, __FILE__, __LINE__))

/* Reports a failed ASSERT and ends the process. */
_Noreturn void assert_fail(const char *cond, const char *file, int line);
