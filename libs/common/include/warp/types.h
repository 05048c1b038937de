/* types.h: fixed-size scalar types shared by kernel and user space (no libc needed). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t; /* physical address */
typedef uint64_t vaddr_t; /* kernel virtual address */
typedef uint64_t uaddr_t; /* user virtual address: only copy_{from,to}_user may touch it */
typedef int64_t handle_t; /* names a kernel object in one process; > 0 when valid */

/* The struct of type `type` whose member `member` is at ptr. */
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - __builtin_offsetof(type, member)))
