/* abi.h: the system-call ABI between the kernel and user processes. */
#pragma once

#include <warp/types.h>

/*
 * Calling convention: the `syscall` instruction with the number in rax and up to
 * six arguments in rdi, rsi, rdx, r10, r8, r9. The result comes back in rax:
 * a value >= 0 on success, a negative ERR_* code (warp/error.h) on failure.
 */
enum {
    SYS_CONSOLE_WRITE = 1, /* (const char *buf, size_t len) -> bytes written */
    SYS_EXIT = 2,          /* (int code) -> does not return */
    SYS_SPAWN = 3,         /* (const struct spawn_args *args) -> pid */
    SYS_WAIT = 4,          /* (long pid, struct exit_info *out) -> 0, blocks */
    SYS_KILL = 5,          /* (long pid) -> 0 */
    SYS_VM_MAP = 6,        /* (size_t len, unsigned prot) -> address */
    SYS_VM_UNMAP = 7,      /* (uaddr_t addr, size_t len) -> 0 */
    SYS_SYSINFO = 8,       /* (struct sysinfo *out) -> 0 */
    SYS_YIELD = 9,         /* () -> 0 */
    SYS_CLOCK = 10,        /* () -> monotonic nanoseconds since boot */
    SYS_SHUTDOWN = 11,     /* (int code) -> power off; only init (pid 1) may */
    SYS_COUNT
};

/* Memory protection bits for SYS_VM_MAP (and ELF segments). */
#define PROT_READ 1u
#define PROT_WRITE 2u
#define PROT_EXEC 4u

/* SYS_SPAWN flags. */
#define SPAWN_SHARE_INITFS 1ull /* the child also gets the initfs mapped; caller must have it */
#define SPAWN_FLAGS_ALL SPAWN_SHARE_INITFS

#define SPAWN_NAME_MAX 31       /* longest process name */
#define SPAWN_IMAGE_MAX (16u << 20) /* largest ELF image accepted */

struct spawn_args {
    uaddr_t name;       /* process name, not NUL-terminated */
    uint64_t name_len;  /* 1..SPAWN_NAME_MAX */
    uaddr_t image;      /* static ELF64 executable in the caller's memory */
    uint64_t image_len; /* bytes, at most SPAWN_IMAGE_MAX */
    uint64_t arg;       /* passed to the child in its first argument register */
    uint64_t flags;     /* SPAWN_* */
};

/* Why a process ended. */
enum exit_reason {
    EXIT_NORMAL = 1, /* it called SYS_EXIT; `code` holds its status */
    EXIT_FAULT = 2,  /* a CPU exception; vector, rip, fault_addr, error_code say which */
    EXIT_KILLED = 3, /* another process killed it */
};

struct exit_info {
    int32_t reason;      /* enum exit_reason */
    int32_t code;        /* exit code for EXIT_NORMAL */
    uint32_t vector;     /* exception vector for EXIT_FAULT */
    uint32_t pad;
    uint64_t rip;        /* faulting instruction */
    uint64_t fault_addr; /* CR2 for page faults */
    uint64_t error_code; /* the exception's error code */
};

struct sysinfo {
    uint64_t total_pages; /* physical pages managed by the kernel */
    uint64_t free_pages;  /* of which free now */
    uint64_t nprocs;      /* live processes */
    uint64_t uptime_ns;   /* monotonic time since boot */
};

/*
 * User address-space layout. Everything a process can touch lies in
 * [USER_BASE, USER_TOP); the kernel owns the upper half.
 */
#define PAGE_SIZE 4096ul
#define USER_BASE 0x10000ul             /* lowest mappable address; below it faults (null guard) */
#define USER_TOP 0x800000000000ul       /* end of the canonical lower half */
#define USER_IMAGE_MIN 0x400000ul       /* ELF segments start at or above this */
#define USER_IMAGE_MAX 0x10000000000ul  /* ... and end below this (1 TiB) */
#define USER_INITFS_BASE 0x10000000000ul /* initfs mapped read-only here (rsi=base, rdx=size) */
#define USER_VM_BASE 0x200000000000ul   /* SYS_VM_MAP allocations */
#define USER_VM_TOP 0x700000000000ul
#define USER_STACK_TOP 0x7ffffffff000ul /* initial rsp; a guard page lies above */
#define USER_STACK_SIZE (64ul << 10)

/* isa-debug-exit: a byte written here ends QEMU with status (byte << 1) | 1. */
#define QEMU_EXIT_PORT 0xf4
