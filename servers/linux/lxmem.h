/* lxmem.h: a Linux process's memory through the supervision calls: copies and mappings. */
#pragma once

#include "lxstate.h"

#define LXMEM_PAGE 4096ull

/* Copies len bytes from the process's addr into buf; 0 or -EFAULT (a bad or unmapped pointer). */
int64_t lxmem_read(struct lxproc *p, uint64_t addr, void *buf, uint64_t len);

/* Copies len bytes from buf to the process's addr; 0 or -EFAULT. */
int64_t lxmem_write(struct lxproc *p, uint64_t addr, const void *buf, uint64_t len);

/* Copies the NUL-terminated string at addr into out (cap bytes), a page at a time (so a string that
 * ends just before an unmapped page is fine): its length, -EFAULT, or -ERANGE with no NUL in cap bytes. */
int64_t lxmem_read_string(struct lxproc *p, uint64_t addr, char *out, uint64_t cap);

/* Maps len bytes (page multiple) with Warp PROT_* bits at addr (0: the kernel picks) and records it
 * with them (PROT_LAZY included: madvise's zeroing maps a piece again as it was). Returns the
 * address or a Linux -errno (-ENOMEM, -EEXIST). */
int64_t lxmem_map(struct lxproc *p, uint64_t addr, uint64_t len, uint32_t prot);

/* Unmaps every mapped page of [start, end) (page-aligned), one kernel call per piece; 0 or -ENOMEM. */
int64_t lxmem_unmap(struct lxproc *p, uint64_t start, uint64_t end);

/* Gives [start, end), which must be mapped, Warp protection prot (an access: 0 is PROT_NONE); 0,
 * -ENOMEM. */
int64_t lxmem_protect(struct lxproc *p, uint64_t start, uint64_t end, uint32_t prot);

/* A Warp error as a Linux -errno (memory calls: ERR_NO_MEMORY -> -ENOMEM, ERR_BAD_ADDRESS -> -EFAULT). */
int64_t lxmem_errno(long err);
