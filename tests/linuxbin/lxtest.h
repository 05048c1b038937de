/* lxtest.h: what the file tests share: printing a result with its errno, the scratch directory. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints what a call returned and its errno (0 when it succeeded). */
static inline void show(const char *what, long r)
{
    printf("%s: %ld errno %d\n", what, r, r < 0 ? errno : 0);
    errno = 0;
}

/* $LXTEST_DIR/name: the test's own directory (under Warp's /tmp, or a fresh host directory). */
static inline const char *scratch(const char *name)
{
    static char path[512];
    const char *base = getenv("LXTEST_DIR");
    snprintf(path, sizeof(path), "%s/%s", base ? base : "/tmp", name);
    return path;
}
