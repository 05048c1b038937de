/* arch_inline.h: the host port's definitions of arch.h's inline functions. */
#pragma once

#include <arch_defs.h>
#include <string.h>

struct cpu;
extern struct cpu *host_cpu; /* the one simulated CPU's struct cpu (host_misc.c) */
extern uint8_t *host_ram;    /* simulated physical memory: physical address 0 is host_ram[0] */

static inline struct cpu *arch_cpu_self(void)
{
    return host_cpu;
}
static inline void *arch_phys_to_virt(paddr_t pa)
{
    return host_ram + pa;
}
static inline void arch_copy(void *dst, const void *src, size_t n)
{
    memcpy(dst, src, n);
}
extern uint64_t karch_now_ns;
/* Three cycles a simulated nanosecond (arch_cycles_per_ms agrees). */
static inline uint64_t arch_cycles(void)
{
    return karch_now_ns * 3;
}

static inline void arch_cpu_relax(void)
{
}
