/* arch_inline.h: x86-64 definitions of the static inline functions arch.h declares (hot paths). */
#pragma once

#include <arch_defs.h>

static inline struct cpu *arch_cpu_self(void)
{
    struct cpu *c;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(c)); /* GS points at struct cpu, whose first word is itself */
    return c;
}

static inline void *arch_phys_to_virt(paddr_t pa)
{
    return (void *)(0xffff800000000000ull + pa);
}

/* The string instructions: 8 bytes at a time, then the tail. */
static inline void arch_copy(void *dst, const void *src, size_t n)
{
    size_t words = n / 8, bytes = n % 8;
    __asm__ volatile("rep movsq\n\tmov %3, %%rcx\n\trep movsb"
                     : "+D"(dst), "+S"(src), "+c"(words)
                     : "r"(bytes)
                     : "memory");
}

/* The TSC: one instruction on the scheduler's path. */
static inline uint64_t arch_cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static inline void arch_cpu_relax(void)
{
    __asm__ volatile("pause");
}
