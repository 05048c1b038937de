/* benchlib.h: what the guest benchmark programs share (the C files of bench/linux and bench/lxbench): the
 * cycle counter, the sorted report line bench/run parses, and failing with a message. Each program
 * is one file built on its own (gcc or musl-gcc -static), so these are inline. */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The time-stamp counter (guest instructions under -icount shift=0). */
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* Ascending order for qsort. */
static inline int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts the samples and prints the bench line for `name`. */
static inline void report(const char *name, uint64_t *s, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    qsort(s, n, sizeof *s, cmp_u64);
    printf("bench: %s median=%llu min=%llu p90=%llu n=%zu mean=%llu\n", name, (unsigned long long)s[n / 2],
           (unsigned long long)s[0], (unsigned long long)s[n * 9 / 10], n, (unsigned long long)(sum / n));
    fflush(stdout);
}

/* Exits with a message naming what failed. */
static inline void die(const char *what)
{
    printf("bench: error: %s: %s\n", what, strerror(errno));
    fflush(stdout);
    exit(1);
}
