/* tests.h: shared declarations of the in-OS test process (child modes, helpers, test groups). */
#pragma once

#include <warp/exitinfo.h>
#include <warp/tap.h>
#include <warp/user.h>

/*
 * The process runs in one of three roles, chosen by its spawn argument:
 *   arg == 0           supervisor: spawns the suite, then checks nothing leaked and prints the verdict
 *   mode TESTS_SUITE   the suite: every test group, TAP lines numbered from the payload
 *   other modes        a child the suite spawns to fault, spin, exit 42, ...
 * The argument is mode | payload << 8 (payload: up to 56 bits a mode may use).
 */
enum tests_mode {
    TESTS_NULL_WRITE = 1,       /* write to address 0: page fault */
    TESTS_PRIVILEGED = 2,       /* hlt in user mode: general protection fault */
    TESTS_WRITE_CODE = 3,       /* write to main's first byte: page fault */
    TESTS_SPIN = 4,             /* loop forever without system calls (needs preemption) */
    TESTS_EXIT_42 = 5,          /* exit(42) */
    TESTS_READ_KERNEL = 6,      /* read 0xffff800000000000: page fault */
    TESTS_UD2 = 7,              /* ud2: invalid opcode */
    TESTS_LEAK_PAGES = 8,       /* map many pages and exit without freeing them */
    TESTS_NO_INITFS = 9,        /* run without the initfs: check it, try SPAWN_SHARE_INITFS */
    TESTS_ENTRY = 10,           /* check the entry registers; payload TESTS_ENTRY_MAGIC */
    TESTS_USE_AFTER_UNMAP = 11, /* write to a page after vm_unmap: page fault */
    TESTS_WRITE_READONLY = 12,  /* write to a PROT_READ mapping: page fault */
    TESTS_EXEC_DATA = 13,       /* call into a RW mapping: page fault (NX) */
    TESTS_SSE = 14,             /* hold a pattern in xmm0-15 for a while; payload: the pattern */
    TESTS_NONCANONICAL = 15,    /* read 0x8000000000000000: general protection fault */
    TESTS_DIVIDE = 16,          /* divide by zero: divide error */
    TESTS_FOREIGN = 17,         /* payload: a handle value of its parent's; every call on it is refused */
    TESTS_WRITE_RODATA = 18,    /* write to a const string: page fault */
    TESTS_STACK_OVERFLOW = 19,  /* unbounded recursion: page fault below the stack */
    TESTS_BAD_RSP_SYSCALL = 20, /* syscall with rsp in the kernel half, then ud2 */
    TESTS_INT_GATE = 21,        /* int $0x20 (no user gate): general protection fault */
    TESTS_IO_PORT = 22,         /* out to port 0xf4 without I/O permission: general protection fault */
    TESTS_WAIT_BLOCKED = 23,    /* spawn a TESTS_SLEEP grandchild and block waiting for it */
    TESTS_SLEEP = 24,           /* yield for payload milliseconds, then exit 0 */
    TESTS_EXEC_STACK = 25,      /* call into the stack: page fault (NX) */
    TESTS_DATA_INIT = 26,       /* check .data and .bss start as the image says */
    TESTS_REGS_SPIN = 27,       /* busy loop with every register holding a sentinel; exit with the damage */
    TESTS_WRITE_INITFS = 28,    /* write to the shared (read-only) initfs: page fault */
    TESTS_HANDLES_IN = 29,      /* check handles 1..n moved in at spawn; payload TESTS_HIN_PAYLOAD */
    TESTS_SERVER = 30,          /* answer calls on handle 1 (TESTS_OP_*) until its peer closes */
    TESTS_CALLER = 31,          /* make a call on handle 1; payload: a TESTS_CALLER_* scenario */
    TESTS_SEND_LATE = 32,       /* sleep payload ms, then send one message on handle 1 */
    TESTS_WAIT_HANDLE = 33,     /* wait on process handle 1 (moved in at spawn); exit with its code + 1 */
    TESTS_IPC_LITTER = 34,      /* make IPC objects in every state, then exit (payload 0) or, payload 1,
                                  send a note on handle 1 and block until killed; closes nothing */
    TESTS_SW_SERVER = 35,       /* answer calls on handle 1 with SYS_SEND_WAIT (reply and take the next call
                                  in one entry): same type and data, status = calls answered so far */
    TESTS_CONSOLE_FLOOD = 36,   /* write TESTS_FLOOD_WRITES x 64 KiB to the console; exit with the
                                  number of writes that did not return their length */
    TESTS_QUOTA = 37,           /* reach each quota it was given and recover (t_quota.c); exit: failures */
    TESTS_READ_FS = 38,         /* read fs:0, its FS base being 0: page fault at address 0 */
    TESTS_SUITE = 100,          /* run every test group; payload: the first TAP number */
};

#define TESTS_FLOOD_WRITES 4
#define TESTS_ARG(mode, payload) ((uint64_t)(mode) | ((uint64_t)(payload) << 8))
#define TESTS_ENTRY_MAGIC 0xa5c30f1e2d3c4bull /* 56 bits: the top of the argument must arrive too */
#define TESTS_SELF_PATH "bin/tests"

/* Bits of the TESTS_ENTRY child's exit code, one per failed check. */
enum {
    TESTS_ENTRY_BAD_ARG = 1 << 0,
    TESTS_ENTRY_BAD_INITFS_BASE = 1 << 1,
    TESTS_ENTRY_BAD_INITFS_SIZE = 1 << 2,
    TESTS_ENTRY_BAD_RSP = 1 << 3,
    TESTS_ENTRY_NO_SELF = 1 << 4,
};

/* Bits of the TESTS_NO_INITFS child's exit code. */
enum {
    TESTS_NOFS_GOT_INITFS = 1 << 0,
    TESTS_NOFS_SHARE_NOT_REFUSED = 1 << 1,
    TESTS_NOFS_PLAIN_SPAWN_FAILED = 1 << 2,
    TESTS_NOFS_GRANDCHILD_WRONG = 1 << 3,
};

/* Bits of the TESTS_FOREIGN child's exit code: calls on its parent's handle value that were not refused. */
enum {
    TESTS_FOREIGN_WAIT = 1 << 0,
    TESTS_FOREIGN_KILL = 1 << 1,
    TESTS_FOREIGN_INFO = 1 << 2,
    TESTS_FOREIGN_CLOSE = 1 << 3,
};

/*
 * TESTS_HANDLES_IN: the payload says what the child must find: n (4 bits), then per handle i
 * (1..n) its type (3 bits) and rights (3 bits). The exit code has bit i-1 set for each handle that
 * does not match and TESTS_HIN_EXTRA if handle n + 1 (the next value) names anything.
 */
#define TESTS_HIN_PAYLOAD(n) ((uint64_t)(n))
#define TESTS_HIN_ENTRY(i, type, rights) ((uint64_t)((type) | (rights) << 3) << (4 + 6 * ((i)-1)))
#define TESTS_HIN_EXTRA (1 << 9)

/*
 * TESTS_SERVER: what it does with each call it receives on handle 1 (the message type says):
 *   TESTS_OP_ECHO   replies with the same type, data and status = data_len
 *   TESTS_OP_FILL   writes TESTS_PATTERN(i) bytes into bufs[0] (its whole length); status = bytes
 *   TESTS_OP_SUM    reads bufs[0] whole; status = sum of its bytes; data = its first 16 bytes
 *   TESTS_OP_DIE    exits with code 0 without answering
 *   TESTS_OP_HANG   never answers (the call stays pending until the server is killed)
 * A one-way message is ignored. It exits 0 when its peer closes; codes above 100 say what failed.
 */
enum {
    TESTS_OP_ECHO = MSG_USER + 1,
    TESTS_OP_FILL,
    TESTS_OP_SUM,
    TESTS_OP_DIE,
    TESTS_OP_HANG,
    TESTS_OP_NOTE, /* one-way notes between a test and its child */
};

/* Byte i of the pattern the children fill buffers with, and of the one the suite writes back. */
#define TESTS_PATTERN(i) ((uint8_t)((i)*7 + 3))
#define TESTS_PATTERN2(i) ((uint8_t)(TESTS_PATTERN(i) ^ 0xff))

/* TESTS_CALLER scenarios (payload); the child uses call id TESTS_CALLER_ID. */
enum {
    TESTS_CALLER_COPY = 1,  /* a call with a pattern in bufs[0] (R) and bufs[1] (W); checks the reply */
    TESTS_CALLER_UNMAP = 2, /* a call with one RW page as bufs[0], unmapped after sending; note; reply */
    TESTS_CALLER_EXIT = 3,  /* a call with buffers, then exits at once (before any answer) */
    TESTS_CALLER_BLOCK = 4, /* a call with buffers, then a note, then waits for the answer forever */
};
#define TESTS_CALLER_ID 0x1234abcdull
#define TESTS_CALLER_LEN (2 * PAGE_SIZE + 100) /* bufs[0] of TESTS_CALLER_COPY: crosses pages */

/* What every part of the process needs: the initfs and our own image in it. */
struct tests_env {
    const void *initfs;
    size_t initfs_size;
    const void *self; /* bin/tests inside the initfs */
    size_t self_len;
};
extern struct tests_env tests_env;

/* Linker-script symbols (libs/user/user.ld): the image's bounds and its first writable page. */
extern char __image_start[], __image_end[], __data_start[];

/* --- util.c: spawning ourselves, time, hiding values from the optimizer --- */
long tests_spawn(const char *name, unsigned mode, uint64_t payload, uint64_t flags);
long tests_spawn_with(const char *name, unsigned mode, uint64_t payload, uint64_t flags,
                      const handle_t *handles, unsigned nhandles);
long tests_wait_close(long proc, struct exit_info *out);
long tests_run(const char *name, unsigned mode, uint64_t payload, uint64_t flags, struct exit_info *out);
long tests_spawn_image(const char *name, const void *image, size_t len, uint64_t arg, uint64_t flags);
long tests_run_image(const void *image, size_t len, struct exit_info *out);
void tests_sleep_ms(uint64_t ms);
uint64_t tests_free_pages(void);
uint64_t tests_nprocs(void);
uint64_t tests_hide(uint64_t v);
void *tests_stack_top_borrow(void);
void tests_stack_top_restore(void);
void *tests_stack_top_poison(void);
bool tests_stack_top_untouched(void);
bool tests_all_zero(const void *p, size_t len);

/* Addresses no call may accept (NULL, unmapped, kernel half, non-canonical). */
struct tests_bad_ptr {
    const char *what;
    uint64_t addr;
};
extern const struct tests_bad_ptr tests_bad_ptrs[];
extern const unsigned tests_bad_ptr_count;

/* --- ipcutil.c: messages, handle bookkeeping and the bad-handle and wrong-type drivers --- */
#define TESTS_MS 1000000ull /* nanoseconds */

/* One handle of each object type, for wrong-type tests. */
struct tests_objs {
    handle_t chan[2]; /* a connected pair */
    handle_t eq;
    handle_t timer;
    handle_t proc; /* a child that has exited (its record stays while we hold this) */
};
bool tests_objs_make(struct tests_objs *o);
void tests_objs_close(struct tests_objs *o);

/* A call with a handle argument, as a raw register value (so 64-bit values reach the kernel). */
typedef long (*tests_handle_fn)(long h, void *ctx);
void tests_bad_handles(const char *call, tests_handle_fn fn, void *ctx, handle_t valid);
void tests_wrong_types(const char *call, tests_handle_fn fn, void *ctx, const struct tests_objs *o,
                       uint32_t right_type);
void tests_no_rights(const char *call, tests_handle_fn fn, void *ctx, handle_t valid, unsigned needed);

const char *tests_err_name(long err);
struct warp_msg tests_msg(uint32_t type, uint32_t flags, uint64_t call_id, const char *text);
long tests_send_text(handle_t ch, const char *text);
long tests_send_call(handle_t ch, uint32_t type, uint64_t call_id);
long tests_reply(handle_t ch, uint64_t call_id, int64_t status);
bool tests_msg_is(const struct warp_msg *m, uint32_t type, const char *text);
long tests_channel(handle_t ch[2]);
unsigned tests_drain(handle_t ch);
unsigned tests_handles_free(void);
bool tests_handle_is(handle_t h, uint32_t type, uint32_t rights);
long tests_wait_event(handle_t eq, struct warp_event *ev, uint64_t timeout_ms);

/* --- suputil.c: a supervised child (SPAWN_SUPERVISED) for t_supervise.c, t_supervm.c, t_cow.c and
 * t_share.c --- */
#define SUP_CODE 0x400000ul  /* where the tests write a child's code (one page) */
#define SUP_STACK 0x800000ul /* ... and map its stack (one page) */

struct sup {
    long proc;   /* the child's process handle (RIGHTS_KNOWN) */
    handle_t ch; /* our end of its supervision channel */
    long eq;     /* an event queue with ch in it */
};

/* Spawns an empty supervised child (limits NULL: ours); 0 or the spawn's error (nothing left). */
long sup_spawn(struct sup *s, const uint64_t *limits);
/* Writes code into the child at SUP_CODE (mapped read-write, then made read-execute), maps its
 * stack and sets pc, sp and rax; 0 or the first error. */
long sup_load(struct sup *s, const uint8_t *code, size_t len, uint64_t rax);
/* The next trap, within a second: true with *ti and its call id, false (reported) otherwise. */
bool sup_trap(struct sup *s, struct trap_info *ti, uint64_t *call_id, const char *what);
/* Answers a trap with status; the send's result. */
long sup_reply(struct sup *s, uint64_t call_id, int64_t status);
/* The child's end within a second (killing it first if kill): true with *ei. */
bool sup_exit(struct sup *s, bool kill, struct exit_info *ei);
/* Kills the child if it lives and closes every handle. */
void sup_close(struct sup *s);
/* Code for sup_load: spin (jmp $), and store (mov [rdi],rsi; syscall; jmp $: one store, then a trap). */
extern const uint8_t sup_prog_spin[2];
extern const uint8_t sup_prog_store[7];
/* Sets child's registers to those of `from` (where sup_load put pc, sp and rax) with rdi = addr and
 * rsi = value, for sup_prog_store; the first error. */
long sup_set_store(handle_t child, handle_t from, uint64_t addr, uint64_t value);
/* The word at addr in the child, or ~0 if it cannot be read. */
uint64_t sup_word(handle_t child, uint64_t addr);
/* Starts the child and takes its first trap, which must be its system call (SYS_CLOCK, reported);
 * false if it did not trap so. */
bool sup_run_to_syscall(struct sup *s, const char *what);

/* --- asm.S: assembly probes --- */
uint64_t asm_syscall_regs(long nr);     /* callee-saved registers changed by a system call: bitmask */
uint64_t asm_spin_regs(uint64_t loops); /* registers changed during a busy loop: bitmask */
uint64_t asm_sse_hold(uint64_t pattern, uint64_t deadline_ns, long clock_nr); /* 0 if xmm intact */
_Noreturn void asm_syscall_bad_rsp(long nr); /* syscall with a kernel-half rsp, then ud2 */
extern char asm_syscall_bad_rsp_ud2[];       /* the ud2 it reaches */

/* --- child.c --- */
int child_main(uint64_t arg);

/* --- test groups, run in this order by the suite --- */
void test_syscall_numbers(void);
void test_entry(void);
void test_console(void);
void test_sysinfo(void);
void test_clock_yield(void);
void test_entropy(void);
void test_vm_map(void);
void test_vm_unmap(void);
void test_spawn_args(void);
void test_spawn_images(void);
void test_wait_kill(void);
void test_faults(void);
void test_preemption(void);
void test_limits(void);
void test_quota(void);
int quota_child(void); /* TESTS_QUOTA */
void test_malloc(void);
void test_handles(void);
void test_channels(void);
void test_calls(void);
void test_copies(void);
void test_peers(void);
void test_eventqs(void);
void test_timers(void);
void test_send_wait(void);
void test_supervise(void);
void test_supervise_vm(void);
void test_cow(void);
void test_share(void);
void test_ipc_leaks(void);
void test_shutdown(void);

/* --- t_service.c: run by the supervisor with init's channel (handle 1), before the leak check --- */
void test_service(void);
