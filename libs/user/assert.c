/* assert.c: the failure path of ASSERT. */
#include <warp/assert.h>
#include <warp/stdio.h>
#include <warp/syscall.h>

/* Prints where the assertion failed and exits with ASSERT_EXIT_CODE. */
_Noreturn void assert_fail(const char *cond, const char *file, int line)
{
    printf("assertion failed: %s (%s:%d)\n", cond, file, line);
    warp_exit(ASSERT_EXIT_CODE);
}
