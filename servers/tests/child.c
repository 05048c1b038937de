/* child.c: the child modes the suite spawns (faults, spinning, exit codes, entry-state checks). */
#include "elfgen.h"
#include "tests.h"

#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/tar.h>

/* Initialised data and bss, for TESTS_DATA_INIT: the image must provide exactly these. */
static volatile uint64_t child_data = 0x1234567887654321ull;
static volatile uint64_t child_bss;
static const char child_rodata[] = "read-only";

/* Writes a byte to an address the compiler cannot see through. */
static void child_poke(uint64_t addr)
{
    *(volatile uint8_t *)tests_hide(addr) = 0xc3;
}

/* Reads a byte from an address the compiler cannot see through. */
static uint8_t child_peek(uint64_t addr)
{
    return *(volatile uint8_t *)tests_hide(addr);
}

/* Calls code at addr (which should fault before running anything). */
static void child_call(uint64_t addr)
{
    void (*fn)(void) = (void (*)(void))tests_hide(addr);
    fn();
}

/* Maps one page with prot; exits 99 if the kernel refuses (the parent then sees the wrong end). */
static uint64_t child_map_page(unsigned prot)
{
    long addr = warp_vm_map(PAGE_SIZE, prot);
    if (addr < 0)
        warp_exit(99);
    return (uint64_t)addr;
}

/* TESTS_ENTRY: checks what the kernel passed at entry; returns a TESTS_ENTRY_* bitmask. */
static int child_entry(uint64_t arg, const void *initfs, size_t initfs_size)
{
    int bad = 0;
    if (arg != TESTS_ARG(TESTS_ENTRY, TESTS_ENTRY_MAGIC))
        bad |= TESTS_ENTRY_BAD_ARG;
    if ((uint64_t)initfs != USER_INITFS_BASE)
        bad |= TESTS_ENTRY_BAD_INITFS_BASE;
    if (initfs_size == 0)
        bad |= TESTS_ENTRY_BAD_INITFS_SIZE;
    uint64_t rsp = user_entry_rsp;
    if (rsp % 16 != 0 || rsp > USER_STACK_TOP || rsp <= USER_STACK_TOP - PAGE_SIZE)
        bad |= TESTS_ENTRY_BAD_RSP;
    struct tar_file f;
    if (initfs && tar_find(initfs, initfs_size, TESTS_SELF_PATH, &f) != 0)
        bad |= TESTS_ENTRY_NO_SELF;
    return bad;
}

/* TESTS_NO_INITFS: without the initfs, SPAWN_SHARE_INITFS must be refused; returns a bitmask. */
static int child_no_initfs(const void *initfs, size_t initfs_size)
{
    static uint8_t image[ELFGEN_BUF_SIZE] __attribute__((aligned(16)));
    int bad = 0;
    if (initfs || initfs_size)
        bad |= TESTS_NOFS_GOT_INITFS;
    size_t len = elfgen_build(image, ELFGEN_EXIT, 7);
    if (tests_spawn_image("share", image, len, 0, SPAWN_SHARE_INITFS) != ERR_PERMISSION)
        bad |= TESTS_NOFS_SHARE_NOT_REFUSED;
    long pid = tests_spawn_image("plain", image, len, 0, 0);
    struct exit_info ei;
    if (pid < 0)
        bad |= TESTS_NOFS_PLAIN_SPAWN_FAILED;
    else if (warp_wait(pid, &ei) != 0 || ei.reason != EXIT_NORMAL || ei.code != 7)
        bad |= TESTS_NOFS_GRANDCHILD_WRONG;
    return bad;
}

/* TESTS_NOT_MY_PID: pids p and p + 1 (one of them ours) are not our children; returns a bitmask. */
static int child_not_my_pid(long p)
{
    struct exit_info ei;
    int bad = 0;
    if (warp_wait(p, &ei) != ERR_NOT_CHILD)
        bad |= TESTS_PID_WAIT_FIRST;
    if (warp_kill(p) != ERR_NOT_CHILD)
        bad |= TESTS_PID_KILL_FIRST;
    if (warp_wait(p + 1, &ei) != ERR_NOT_CHILD)
        bad |= TESTS_PID_WAIT_SECOND;
    if (warp_kill(p + 1) != ERR_NOT_CHILD)
        bad |= TESTS_PID_KILL_SECOND;
    return bad;
}

/* TESTS_LEAK_PAGES: maps and touches 8 x 64 pages plus some heap, then returns without freeing. */
static int child_leak_pages(void)
{
    for (int i = 0; i < 8; i++) {
        long addr = warp_vm_map(64 * PAGE_SIZE, PROT_READ | PROT_WRITE);
        if (addr < 0)
            return 1;
        for (size_t off = 0; off < 64 * PAGE_SIZE; off += PAGE_SIZE)
            *(volatile uint8_t *)(addr + off) = 1;
    }
    for (int i = 0; i < 100; i++)
        if (!malloc(100 + (size_t)i * 37))
            return 2;
    return malloc(1 << 20) ? 0 : 3;
}

/* TESTS_STACK_OVERFLOW: recurses with 1 KiB frames until the stack runs out (far before the limit). */
static int child_recurse(uint64_t depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    if (depth < tests_hide(1u << 20))
        return child_recurse(depth + 1) + frame[0];
    return frame[0];
}

/* TESTS_WAIT_BLOCKED: blocks in SYS_WAIT on a grandchild that sleeps 200 ms. */
static int child_wait_blocked(void)
{
    long pid = tests_spawn("sleeper", TESTS_SLEEP, 200, 0);
    if (pid < 0)
        return 1;
    struct exit_info ei;
    warp_wait(pid, &ei);
    return 2; /* the test kills us before we get here */
}

/* TESTS_EXEC_STACK: calls a `ret` placed on the stack. */
static void child_exec_stack(void)
{
    volatile uint8_t code[16] = { 0xc3 };
    child_call((uint64_t)code);
}

/* Modes that fault, spin or hang; returns only for modes it does not know. */
static void child_misbehave(unsigned mode)
{
    switch (mode) {
    case TESTS_NULL_WRITE: child_poke(0); break;
    case TESTS_PRIVILEGED: __asm__ volatile("hlt"); break;
    case TESTS_WRITE_CODE: child_poke((uint64_t)main); break;
    case TESTS_SPIN: for (;;) __asm__ volatile("" ::: "memory");
    case TESTS_READ_KERNEL: child_peek(0xffff800000000000); break;
    case TESTS_UD2: __asm__ volatile("ud2"); break;
    case TESTS_USE_AFTER_UNMAP: {
        uint64_t page = child_map_page(PROT_READ | PROT_WRITE);
        child_poke(page);
        if (warp_vm_unmap((void *)page, PAGE_SIZE) != 0)
            warp_exit(98);
        child_poke(page);
        break;
    }
    case TESTS_WRITE_READONLY: child_poke(child_map_page(PROT_READ)); break;
    case TESTS_EXEC_DATA: {
        uint64_t page = child_map_page(PROT_READ | PROT_WRITE);
        child_poke(page); /* a `ret` */
        child_call(page);
        break;
    }
    case TESTS_NONCANONICAL: child_peek(0x8000000000000000); break;
    case TESTS_DIVIDE: __asm__ volatile("xor %%ecx, %%ecx; div %%ecx" ::: "rax", "rcx", "rdx"); break;
    case TESTS_WRITE_RODATA: child_poke((uint64_t)child_rodata); break;
    case TESTS_STACK_OVERFLOW: child_recurse(0); break;
    case TESTS_BAD_RSP_SYSCALL: asm_syscall_bad_rsp(SYS_YIELD);
    case TESTS_INT_GATE: __asm__ volatile("int $0x20"); break;
    case TESTS_IO_PORT: __asm__ volatile("mov $0x55, %%al; out %%al, $0xf4" ::: "rax"); break;
    case TESTS_EXEC_STACK: child_exec_stack(); break;
    case TESTS_WRITE_INITFS: child_poke((uint64_t)tests_env.initfs); break;
    }
}

/* Runs child mode arg & 0xff; returns its exit code (fault modes do not return). */
int child_main(uint64_t arg)
{
    unsigned mode = arg & 0xff;
    uint64_t payload = arg >> 8;
    switch (mode) {
    case TESTS_EXIT_42: return 42;
    case TESTS_LEAK_PAGES: return child_leak_pages();
    case TESTS_NO_INITFS: return child_no_initfs(tests_env.initfs, tests_env.initfs_size);
    case TESTS_ENTRY: return child_entry(arg, tests_env.initfs, tests_env.initfs_size);
    case TESTS_SSE:
        return (int)asm_sse_hold(payload, warp_clock() + 300 * 1000000ull, SYS_CLOCK);
    case TESTS_NOT_MY_PID: return child_not_my_pid((long)payload);
    case TESTS_WAIT_BLOCKED: return child_wait_blocked();
    case TESTS_SLEEP: tests_sleep_ms(payload); return 0;
    case TESTS_DATA_INIT: return child_data == 0x1234567887654321ull && child_bss == 0 ? 0 : 1;
    case TESTS_REGS_SPIN: return (int)asm_spin_regs(payload);
    }
    child_misbehave(mode);
    printf("tests: child mode %u returned\n", mode);
    return 97;
}
