/* abi.h: the system-call ABI between the kernel and user processes. */
#pragma once

#include <warp/types.h>

/*
 * Calling convention: the `syscall` instruction with the number in rax and up to
 * six arguments in rdi, rsi, rdx, r10, r8, r9. The result comes back in rax:
 * a value >= 0 on success, a negative ERR_* code (warp/error.h) on failure.
 */
enum {
    SYS_CONSOLE_WRITE = 1,   /* (const char *buf, size_t len) -> bytes written */
    SYS_EXIT = 2,            /* (int code) -> does not return */
    SYS_SPAWN = 3,           /* (const struct spawn_args *args) -> process handle */
    SYS_WAIT = 4,            /* (handle_t proc, struct exit_info *out) -> 0, blocks until it ends */
    SYS_KILL = 5,            /* (handle_t proc) -> 0 */
    SYS_VM_MAP = 6,          /* (size_t len, unsigned prot) -> address */
    SYS_VM_UNMAP = 7,        /* (uaddr_t addr, size_t len) -> 0 */
    SYS_SYSINFO = 8,         /* (struct sysinfo *out) -> 0 */
    SYS_YIELD = 9,           /* () -> 0 */
    SYS_CLOCK = 10,          /* () -> monotonic nanoseconds since boot */
    SYS_SHUTDOWN = 11,       /* (int code) -> power off; only init (pid 1) may */
    SYS_HANDLE_CLOSE = 12,   /* (handle_t h) -> 0 */
    SYS_HANDLE_INFO = 13,    /* (handle_t h, struct handle_info *out) -> 0 */
    SYS_HANDLE_REDUCE = 14,  /* (handle_t h, unsigned rights) -> new handle with rights & h's rights */
    SYS_CHANNEL_CREATE = 15, /* (handle_t out[2]) -> 0; two connected ends */
    SYS_CHANNEL_SEND = 16,   /* (handle_t ch, const struct warp_msg *msg) -> 0 */
    SYS_CHANNEL_RECV = 17,   /* (handle_t ch, struct warp_msg *out) -> 0, never blocks */
    SYS_CALL_READ =
        18, /* (handle_t ch, uint64_t call_id, unsigned buf, uint64_t offset, void *dst, size_t len) -> bytes */
    SYS_CALL_WRITE =
        19, /* (handle_t ch, uint64_t call_id, unsigned buf, uint64_t offset, const void *src, size_t len) -> bytes */
    SYS_EVENTQ_CREATE = 20, /* () -> event queue handle */
    SYS_EVENTQ_ADD = 21,    /* (handle_t eq, handle_t source, uint64_t cookie) -> 0 */
    SYS_EVENTQ_REMOVE = 22, /* (handle_t eq, handle_t source) -> 0 */
    SYS_EVENTQ_WAIT = 23,   /* (handle_t eq, struct warp_event *out, uint64_t deadline_ns) -> 0 */
    SYS_TIMER_CREATE = 24,  /* () -> timer handle */
    SYS_TIMER_SET = 25,     /* (handle_t timer, uint64_t deadline_ns) -> 0; 0 disarms */
    SYS_DEVICE_OPEN =
        26, /* (const struct device_match *m, struct device_info *out) -> device handle; init only */
    SYS_DEVICE_CONFIG_READ = 27,  /* (handle_t dev, unsigned offset, unsigned width) -> value */
    SYS_DEVICE_CONFIG_WRITE = 28, /* (handle_t dev, unsigned offset, unsigned width, uint32_t value) -> 0 */
    SYS_DEVICE_MAP_BAR =
        29, /* (handle_t dev, unsigned bar) -> user address, or the port base of an I/O BAR */
    SYS_IRQ_CREATE =
        30,             /* (handle_t dev, unsigned index) -> IRQ handle (MSI-X entry index; 0 for MSI/INTx) */
    SYS_IRQ_ACK = 31,   /* (handle_t irq) -> 0; the next interrupt may be delivered */
    SYS_DMA_ALLOC = 32, /* (handle_t dev, size_t len, paddr_t *phys_out) -> user address */
    SYS_DEVICE_INFO = 33, /* (handle_t dev, struct device_info *out) -> 0 */
    SYS_SEND_WAIT = 34,   /* (handle_t ch, const struct warp_msg *msg, handle_t eq, struct warp_event *out,
                               uint64_t deadline_ns) -> 0; SYS_CHANNEL_SEND, then SYS_EVENTQ_WAIT */
    SYS_ENTROPY = 35,     /* (void *buf, size_t len) -> len; random bytes, len <= ENTROPY_MAX */
    /* A supervised process (SPAWN_SUPERVISED), through a handle with RIGHT_MANAGE (docs/syscalls.md). */
    SYS_PROC_START = 36,      /* (handle_t proc) -> 0; it runs from the registers set */
    SYS_PROC_GET_REGS = 37,   /* (handle_t proc, struct cpu_regs *out) -> 0; it must be stopped */
    SYS_PROC_SET_REGS = 38,   /* (handle_t proc, const struct cpu_regs *regs) -> 0; it must be stopped */
    SYS_PROC_VM_MAP = 39,     /* (handle_t proc, uaddr_t addr, size_t len, unsigned prot) -> address */
    SYS_PROC_VM_UNMAP = 40,   /* (handle_t proc, uaddr_t addr, size_t len) -> 0 */
    SYS_PROC_VM_PROTECT = 41, /* (handle_t proc, uaddr_t addr, size_t len, unsigned prot) -> 0 */
    SYS_PROC_VM_READ = 42,    /* (handle_t proc, uaddr_t addr, void *dst, size_t len) -> len */
    SYS_PROC_VM_WRITE = 43,   /* (handle_t proc, uaddr_t addr, const void *src, size_t len) -> len */
    SYS_PROC_INTERRUPT = 44,  /* (handle_t proc) -> 0; a running one stops with a TRAP_INTERRUPT */
    SYS_PROC_GET_FPU = 45,    /* (handle_t proc, struct cpu_fpu *out) -> 0; it must be stopped */
    SYS_PROC_SET_FPU = 46,    /* (handle_t proc, const struct cpu_fpu *fpu) -> 0; it must be stopped */
    SYS_PROC_VM_CLONE = 47,   /* (handle_t src, handle_t dst) -> 0; dst maps src's memory copy-on-write */
    /* (handle_t proc, uaddr_t addr) -> address: the clock page (struct clock_page) mapped read-only
     * into a supervised process (RIGHT_MANAGE), at addr or (0) where the kernel picks */
    SYS_CLOCK_MAP = 48,
    /* (handle_t src, handle_t dst) -> 0: dst (new, mapping nothing) runs in src's address space from
     * then on, every mapping shared, present and future (a thread: docs/syscalls.md) */
    SYS_PROC_VM_SHARE = 49,
    SYS_COUNT
};

/* Memory protection bits for SYS_VM_MAP (and ELF segments). */
#define PROT_READ 1u
#define PROT_WRITE 2u
#define PROT_EXEC 4u
/* Not an access: SYS_VM_MAP and SYS_PROC_VM_MAP make anonymous memory whose pages are allocated,
 * zeroed and charged at first touch; with it SYS_PROC_VM_MAP accepts no access at all (PROT_NONE). */
#define PROT_LAZY 0x1000u

#define ENTROPY_MAX 256 /* bytes per SYS_ENTROPY call */

/* SYS_SPAWN flags. */
#define SPAWN_SHARE_INITFS 1ull /* the child also gets the initfs mapped; caller must have it */
#define SPAWN_RESERVE 2ull      /* the child may use the kernel's reserve; caller must hold it */
/* The child has no image and waits for SYS_PROC_START; its system calls and CPU exceptions come to the
 * spawner as MSG_TRAP calls on the channel end that is its one listed handle (docs/linux-compat.md). */
#define SPAWN_SUPERVISED 4ull
#define SPAWN_FLAGS_ALL (SPAWN_SHARE_INITFS | SPAWN_RESERVE | SPAWN_SUPERVISED)

/* Per-process quotas (docs/security.md), the index into spawn_args.limits. */
enum limit_kind {
    LIMIT_PAGES,    /* pages it makes the kernel allocate (its memory, DMA memory, page tables,
                     * kernel stack, record: docs/security.md), it and its descendants */
    LIMIT_HANDLES,  /* entries in its own handle table, at most HANDLES_MAX */
    LIMIT_CHANNELS, /* channels it created that still have an end, it and its descendants */
    LIMIT_TIMERS,   /* timers it created that still exist, it and its descendants */
    LIMIT_MESSAGES, /* messages it sent that wait in a channel queue, it and its descendants */
    LIMIT_CHILDREN, /* processes below it whose record still exists */
    LIMIT_COUNT
};

#define SPAWN_NAME_MAX 31           /* longest process name */
#define SPAWN_HANDLES_MAX 8         /* handles moved into a new process */
#define SPAWN_WEIGHT_MAX 100        /* the largest CPU weight (init's); an ordinary process has 1 */
#define SPAWN_IMAGE_MAX (16u << 20) /* largest ELF image accepted */

struct spawn_args {
    uaddr_t name;       /* process name, not NUL-terminated */
    uint64_t name_len;  /* 1..SPAWN_NAME_MAX */
    uaddr_t image;      /* static ELF64 executable in the caller's memory */
    uint64_t image_len; /* bytes, at most SPAWN_IMAGE_MAX */
    uint64_t arg;       /* passed to the child in its first argument register */
    uint64_t flags;     /* SPAWN_* */
    uaddr_t handles;    /* handle_t[nhandles], moved into the child, where they become handles 1..n */
    uint64_t nhandles;  /* at most SPAWN_HANDLES_MAX; each needs RIGHT_TRANSFER */
    uint64_t weight;    /* CPU weight 1..SPAWN_WEIGHT_MAX (docs/scheduling.md), at most the spawner's;
                           0: the spawner's own */
    uint64_t limits[LIMIT_COUNT]; /* quotas, enum limit_kind; each at most the spawner's own; 0: the
                                     spawner's (its charges cap what the child can use anyway) */
};

/* Why a process ended. */
enum exit_reason {
    EXIT_NORMAL = 1, /* it called SYS_EXIT; `code` holds its status */
    EXIT_FAULT = 2,  /* a CPU exception; vector, rip, fault_addr, error_code say which */
    EXIT_KILLED = 3, /* another process killed it */
};

/* What kind of CPU exception ended a process (EXIT_FAULT), whatever the architecture. */
enum fault_kind {
    FAULT_MEMORY = 1, /* an access to an address unmapped or forbidding it (page fault) */
    FAULT_PROTECTION, /* a privileged or malformed operation (general protection, segment faults) */
    FAULT_ILLEGAL,    /* an undefined or unavailable instruction */
    FAULT_ARITHMETIC, /* divide error, overflow, x87 or SIMD floating point */
    FAULT_DEBUG,      /* breakpoint or debug trap */
    FAULT_OTHER,      /* anything else (machine check, ...) */
};

struct exit_info {
    int32_t reason;      /* enum exit_reason */
    int32_t code;        /* exit code for EXIT_NORMAL */
    uint32_t vector;     /* EXIT_FAULT: the architecture's number for the exception (x86-64: vector) */
    uint32_t kind;       /* EXIT_FAULT: enum fault_kind */
    uint64_t rip;        /* EXIT_FAULT: the faulting instruction */
    uint64_t fault_addr; /* EXIT_FAULT: the address a memory fault was about (x86-64: CR2) */
    uint64_t error_code; /* EXIT_FAULT: the architecture's extra word (x86-64: the error code) */
};

/* The user registers of a stopped supervised process (x86-64). Every architecture's has pc and sp. */
struct cpu_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t pc;    /* rip */
    uint64_t sp;    /* rsp */
    uint64_t flags; /* rflags: only CPU_FLAGS_USER can be set; IF is always on */
    uint64_t tls;   /* the FS base (what arch_prctl(ARCH_SET_FS) sets on Linux) */
};
/* The rflags bits a supervisor may set: CF, PF, AF, ZF, SF, DF, OF. */
#define CPU_FLAGS_USER 0xcd5ul

/*
 * The x87/SSE state of a stopped supervised process (SYS_PROC_GET_FPU/SET_FPU): on x86-64 the
 * 512-byte fxsave image in its 64-bit layout without REX.W (fip/fdp hold a 32-bit offset and a
 * selector each), which is the whole user FPU state while Warp leaves AVX (XSAVE) off. Set refuses
 * an mxcsr with bits outside the CPU's mxcsr_mask; it ignores mxcsr_mask and the last 96 bytes.
 */
struct cpu_fpu {
    uint16_t fcw, fsw; /* x87 control and status words */
    uint8_t ftw;       /* abridged tag word: bit i set = st(i) holds a value */
    uint8_t reserved0;
    uint16_t fop;         /* last x87 opcode */
    uint64_t fip, fdp;    /* last x87 instruction and operand pointers */
    uint32_t mxcsr;       /* SSE control and status */
    uint32_t mxcsr_mask;  /* the MXCSR bits this CPU has (read only) */
    uint8_t st[8][16];    /* st(0)-st(7) / mm0-mm7: 10 bytes each, padded */
    uint8_t xmm[16][16];  /* xmm0-xmm15 */
    uint8_t reserved[96]; /* read as 0 */
};
_Static_assert(sizeof(struct cpu_fpu) == 512, "struct cpu_fpu is the 512-byte fxsave image");
#define CPU_FPU_FCW_INIT 0x37fu    /* x87 control word after finit: all exceptions masked, 64-bit precision */
#define CPU_FPU_MXCSR_INIT 0x1f80u /* MXCSR at reset: all exceptions masked, round to nearest */
#define CPU_FPU_MXCSR_MASK_DEF 0xffbfu /* mxcsr_mask when a CPU reports 0 (all but DAZ) */

/* What a supervised process did: the data of a MSG_TRAP call (docs/linux-compat.md). */
enum trap_kind {
    TRAP_SYSCALL = 1,   /* it ran the system-call instruction: nr and args hold its registers */
    TRAP_FAULT = 2,     /* it took a CPU exception: fault_* say which, as exit_info would */
    TRAP_INTERRUPT = 3, /* its supervisor asked (SYS_PROC_INTERRUPT): pc and sp say where it was */
};

struct trap_info {
    uint32_t kind;       /* enum trap_kind */
    uint32_t fault_kind; /* TRAP_FAULT: enum fault_kind */
    uint64_t nr;         /* TRAP_SYSCALL: the number (rax) */
    uint64_t args[6];    /* TRAP_SYSCALL: rdi, rsi, rdx, r10, r8, r9 */
    uint64_t pc;         /* after the system-call instruction, the faulting instruction, or the next */
    uint64_t sp;
    uint64_t fault_vector; /* TRAP_FAULT: the architecture's number (x86-64: the vector) */
    uint64_t fault_addr;   /* TRAP_FAULT: the address a memory fault was about */
    uint64_t error_code;   /* TRAP_FAULT: the architecture's extra word */
};

/*
 * The clock page (SYS_CLOCK_MAP): what a process needs to read the monotonic clock without entering
 * the kernel. With source CLOCK_SOURCE_TSC, SYS_CLOCK returns clock_page_ns(page, counter) of the
 * CPU's time-stamp counter (x86-64: rdtsc, allowed in user mode) read at that moment, so a reader
 * gets exactly what the call would; with source CLOCK_SOURCE_NONE there is no such counter and
 * SYS_CLOCK is the way. The kernel fills the page once at boot (the TSC's rate is calibrated before)
 * and never changes it; a later version (a wall clock that is adjusted) would add fields and a
 * sequence count, and say so in `version`.
 */
enum clock_source {
    CLOCK_SOURCE_NONE = 0, /* no counter readable from user mode: call SYS_CLOCK */
    CLOCK_SOURCE_TSC = 1,  /* x86-64's time-stamp counter */
};
#define CLOCK_PAGE_VERSION 1
struct clock_page {
    uint32_t version;         /* CLOCK_PAGE_VERSION */
    uint32_t source;          /* enum clock_source */
    uint64_t counter_at_zero; /* the counter at the clock's zero (boot) */
    uint64_t counter_per_ms;  /* its ticks per millisecond; nonzero with a source */
};

/* Nanoseconds since the clock's zero at a counter value (the one formula: the kernel's clock too). */
static inline uint64_t clock_page_ns(const struct clock_page *c, uint64_t counter)
{
    uint64_t d = counter - c->counter_at_zero;
    return d / c->counter_per_ms * 1000000 + d % c->counter_per_ms * 1000000 / c->counter_per_ms;
}

struct sysinfo {
    uint64_t total_pages; /* physical pages managed by the kernel */
    uint64_t free_pages;  /* of which free now */
    uint64_t nprocs;      /* live processes */
    uint64_t uptime_ns;   /* monotonic time since boot */
    /* Bounded kernel work since boot (docs/syscalls.md): the longest stretch with interrupts off
     * (the kernel lock held), and the longest a system call kept the CPU, with its number. */
    uint64_t irqoff_max_ns;
    uint64_t syscall_max_ns;
    uint64_t syscall_max_nr;
    uint64_t console_dropped; /* console bytes dropped over processes' rate limits (docs/security.md) */
};

/*
 * User address-space layout. Everything a process can touch lies in
 * [USER_BASE, USER_TOP); the kernel owns the upper half.
 */
#define PAGE_SIZE 4096ul
#define USER_BASE 0x10000ul              /* lowest mappable address; below it faults (null guard) */
#define USER_TOP 0x800000000000ul        /* end of the canonical lower half */
#define USER_IMAGE_MIN 0x400000ul        /* ELF segments start at or above this */
#define USER_IMAGE_MAX 0x10000000000ul   /* ... and end below this (1 TiB) */
#define USER_INITFS_BASE 0x10000000000ul /* initfs mapped read-only here (rsi=base, rdx=size) */
#define USER_VM_BASE 0x200000000000ul    /* SYS_VM_MAP allocations */
#define USER_VM_TOP 0x700000000000ul
#define USER_STACK_TOP 0x7ffffffff000ul /* initial rsp; a guard page lies above */
#define USER_STACK_SIZE (64ul << 10)

/* isa-debug-exit: a byte written here ends QEMU with status (byte << 1) | 1. */
#define QEMU_EXIT_PORT 0xf4
