/* ksyms.h: the kernel's own symbol table, embedded at build time, for backtraces. */
#pragma once

#include <warp/types.h>

/* Name of the function containing addr and the offset into it, or NULL if unknown. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);
