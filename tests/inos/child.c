/* child.c: the child modes the suite spawns (faults, spinning, exit codes, entry state, IPC peers). */
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
    long proc = tests_spawn_image("plain", image, len, 0, 0);
    struct exit_info ei;
    if (proc < 0)
        bad |= TESTS_NOFS_PLAIN_SPAWN_FAILED;
    else if (tests_wait_close(proc, &ei) != 0 || ei.reason != EXIT_NORMAL || ei.code != 7)
        bad |= TESTS_NOFS_GRANDCHILD_WRONG;
    return bad;
}

/* TESTS_FOREIGN: h is valid in our parent, but we were given no handles; returns a bitmask. */
static int child_foreign(handle_t h)
{
    struct exit_info ei;
    struct handle_info hi;
    int bad = 0;
    if (warp_wait(h, &ei) != ERR_BAD_HANDLE)
        bad |= TESTS_FOREIGN_WAIT;
    if (warp_kill(h) != ERR_BAD_HANDLE)
        bad |= TESTS_FOREIGN_KILL;
    if (warp_handle_info(h, &hi) != ERR_BAD_HANDLE)
        bad |= TESTS_FOREIGN_INFO;
    if (warp_handle_close(h) != ERR_BAD_HANDLE)
        bad |= TESTS_FOREIGN_CLOSE;
    return bad;
}

/* TESTS_HANDLES_IN: handles 1..n are what the payload says, n + 1 is nothing; returns a bitmask. */
static int child_handles_in(uint64_t payload)
{
    unsigned n = payload & 0xf;
    int bad = 0;
    for (unsigned i = 1; i <= n; i++) {
        uint64_t e = payload >> (4 + 6 * (i - 1));
        if (!tests_handle_is((handle_t)i, e & 7, (e >> 3) & 7))
            bad |= 1 << (i - 1);
    }
    struct handle_info hi;
    if (warp_handle_info((handle_t)(n + 1), &hi) != ERR_BAD_HANDLE)
        bad |= TESTS_HIN_EXTRA;
    return bad;
}

/* Waits up to timeout_ms for the next message on ch, blocking in an event queue; 0 or an ERR_*. */
static long child_wait_msg(handle_t ch, struct warp_msg *out, uint64_t timeout_ms)
{
    long eq = warp_eventq_create();
    if (eq < 0)
        return eq;
    long r = warp_eventq_add((handle_t)eq, ch, 0);
    struct warp_event ev;
    if (r == 0)
        r = tests_wait_event((handle_t)eq, &ev, timeout_ms);
    if (r == 0 && ev.type == EV_PEER_CLOSED)
        r = ERR_PEER_CLOSED;
    else if (r == 0 && ev.type != EV_MESSAGE && ev.type != EV_REPLY)
        r = ERR_INVALID_ARG;
    if (r == 0)
        *out = ev.u.msg;
    warp_handle_close((handle_t)eq);
    return r;
}

/* TESTS_SERVER: fills or sums a call's bufs[0] in 512-byte steps; returns the bytes or the sum, or an ERR_*. */
static long child_serve_buf(handle_t ch, const struct warp_msg *m, struct warp_msg *reply)
{
    uint8_t chunk[512];
    uint64_t len = m->nbufs ? m->bufs[0].len : 0, sum = 0;
    for (uint64_t off = 0; off < len; off += sizeof(chunk)) {
        size_t n = len - off < sizeof(chunk) ? len - off : sizeof(chunk);
        long r;
        if (m->type == TESTS_OP_FILL) {
            for (size_t i = 0; i < n; i++)
                chunk[i] = TESTS_PATTERN(off + i);
            r = warp_call_write(ch, m->call_id, 0, off, chunk, n);
        } else {
            r = warp_call_read(ch, m->call_id, 0, off, chunk, n);
            for (long i = 0; i < r; i++)
                sum += chunk[i];
            if (off == 0 && r >= 16) {
                memcpy(reply->data, chunk, 16);
                reply->data_len = 16;
            }
        }
        if (r != (long)n)
            return r < 0 ? r : ERR_INVALID_ARG;
    }
    return m->type == TESTS_OP_FILL ? (long)len : (long)sum;
}

/* TESTS_SERVER: answers one call (or not, for TESTS_OP_DIE and TESTS_OP_HANG); 0 or an exit code. */
static int child_serve(handle_t ch, const struct warp_msg *m)
{
    struct warp_msg reply = tests_msg(m->type, MSG_REPLY, m->call_id, NULL);
    switch (m->type) {
    case TESTS_OP_ECHO:
        reply.data_len = m->data_len;
        memcpy(reply.data, m->data, m->data_len);
        reply.status = m->data_len;
        break;
    case TESTS_OP_FILL:
    case TESTS_OP_SUM: reply.status = child_serve_buf(ch, m, &reply); break;
    case TESTS_OP_DIE: warp_exit(0);
    case TESTS_OP_HANG: return 0;
    default:
        reply.type = MSG_ERROR;
        reply.status = ERR_NOT_SUPPORTED;
        break;
    }
    return warp_channel_send(ch, &reply) == 0 ? 0 : 105;
}

/* TESTS_SERVER: answers calls on handle 1 until the peer closes (exit 0); 101.. on trouble. */
static int child_server(void)
{
    for (;;) {
        struct warp_msg m;
        long r = child_wait_msg(1, &m, 20000);
        if (r == ERR_PEER_CLOSED)
            return 0;
        if (r < 0)
            return r == ERR_TIMED_OUT ? 102 : 101;
        if (!(m.flags & MSG_CALL))
            continue;
        int code = child_serve(1, &m);
        if (code)
            return code;
    }
}

/*
 * TESTS_SW_SERVER: a server loop on handle 1 that enters the kernel once per call: each SYS_SEND_WAIT
 * sends the reply and waits for the next call. Exits 0 when its peer closes; 120.. on trouble.
 */
static int child_sw_server(void)
{
    long eq = warp_eventq_create();
    if (eq < 0 || warp_eventq_add((handle_t)eq, 1, 0) != 0)
        return 120;
    struct warp_event ev;
    int64_t answered = 0;
    long r = warp_eventq_wait((handle_t)eq, &ev, warp_clock() + 20000 * TESTS_MS);
    for (;;) {
        if (r < 0)
            return r == ERR_TIMED_OUT ? 121 : 122;
        if (ev.type == EV_PEER_CLOSED)
            return 0;
        uint64_t deadline = warp_clock() + 20000 * TESTS_MS;
        if (ev.type != EV_MESSAGE || !(ev.u.msg.flags & MSG_CALL)) {
            r = warp_eventq_wait((handle_t)eq, &ev, deadline);
            continue;
        }
        struct warp_msg reply = tests_msg(ev.u.msg.type, MSG_REPLY, ev.u.msg.call_id, NULL);
        reply.data_len = ev.u.msg.data_len;
        memcpy(reply.data, ev.u.msg.data, reply.data_len);
        reply.status = ++answered;
        r = warp_send_wait(1, &reply, (handle_t)eq, &ev, deadline);
        if (r < 0 && r != ERR_TIMED_OUT)
            return 123; /* the reply was refused, or the wait after it failed */
    }
}

/* TESTS_CALLER: one call with buffers on handle 1, in the scenario the payload names. */
static int child_caller(uint64_t scenario)
{
    long mem = warp_vm_map(4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    if (mem < 0)
        return 110;
    uint8_t *src = (uint8_t *)mem + 1, *dst = (uint8_t *)mem + 3 * PAGE_SIZE + 8;
    for (unsigned i = 0; i < TESTS_CALLER_LEN; i++)
        src[i] = TESTS_PATTERN(i);
    struct warp_msg m = tests_msg(MSG_WRITE, MSG_CALL, TESTS_CALLER_ID, "caller");
    m.nbufs = 2;
    m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)src, .len = TESTS_CALLER_LEN, .access = BUF_READ};
    m.bufs[1] = (struct msg_buf){.addr = (uaddr_t)dst, .len = 300, .access = BUF_WRITE};
    long page = 0;
    if (scenario == TESTS_CALLER_UNMAP) {
        if ((page = warp_vm_map(PAGE_SIZE, PROT_READ | PROT_WRITE)) < 0)
            return 110;
        memset((void *)page, 0x11, PAGE_SIZE);
        m.nbufs = 1;
        m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)page, .len = PAGE_SIZE, .access = BUF_READ | BUF_WRITE};
    }
    if (warp_channel_send(1, &m) != 0)
        return 111;
    if (scenario == TESTS_CALLER_EXIT)
        return 0;
    if (scenario == TESTS_CALLER_UNMAP && warp_vm_unmap((void *)page, PAGE_SIZE) != 0)
        return 112;
    if ((scenario == TESTS_CALLER_UNMAP || scenario == TESTS_CALLER_BLOCK) && tests_send_text(1, "sent") != 0)
        return 113;
    struct warp_msg reply;
    long r = child_wait_msg(1, &reply, scenario == TESTS_CALLER_BLOCK ? 60000 : 20000);
    if (r < 0)
        return 114;
    if (reply.flags != MSG_REPLY || reply.call_id != TESTS_CALLER_ID)
        return 115;
    if (scenario != TESTS_CALLER_COPY)
        return 0;
    if (reply.status != 77)
        return 116;
    for (unsigned i = 0; i < 300; i++)
        if (dst[i] != TESTS_PATTERN2(i))
            return 117;
    return dst[300] == 0 && dst[-1] == 0 ? 0 : 118;
}

/* TESTS_IPC_LITTER: leaves channels, calls, queues and timers in every state for the exit to clean up. */
static int child_ipc_litter(uint64_t block)
{
    handle_t a[2], b[2];
    if (warp_channel_create(a) != 0 || warp_channel_create(b) != 0)
        return 1;
    long eq = warp_eventq_create(), eq2 = warp_eventq_create(), t = warp_timer_create(),
         t2 = warp_timer_create();
    warp_timer_set((handle_t)t, warp_clock() + 60000 * TESTS_MS);
    warp_timer_set((handle_t)t2, 1);
    warp_eventq_add((handle_t)eq, a[0], 1);
    warp_eventq_add((handle_t)eq, (handle_t)t2, 2);
    warp_eventq_add((handle_t)eq2, b[1], 3);
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, "litter");
    m.nhandles = 3;
    m.handles[0] = b[0];
    m.handles[1] = (handle_t)eq2;
    m.handles[2] = (handle_t)t;
    warp_channel_send(a[1], &m);        /* queued at a[0], holding a channel end, a queue and a timer */
    tests_send_call(a[1], MSG_USER, 1); /* received below, never answered */
    tests_send_call(a[0], MSG_USER, 2); /* never received */
    tests_send_text(a[0], "unread");
    struct warp_msg got;
    for (int i = 0; i < 3; i++)
        warp_channel_recv(a[0], &got); /* the note (its handles now ours), call 1, ... */
    if (!block)
        return 0;
    if (tests_send_text(1, "littered") != 0)
        return 2;
    long empty = warp_eventq_create();
    struct warp_event ev;
    warp_eventq_wait((handle_t)empty, &ev, DEADLINE_FOREVER);
    return 3;
}

/* TESTS_SEND_LATE: sleeps ms, then sends one note on handle 1. */
static int child_send_late(uint64_t ms)
{
    tests_sleep_ms(ms);
    return tests_send_text(1, "late") == 0 ? 0 : 1;
}

/* TESTS_WAIT_HANDLE: waits on process handle 1; exits with its code + 1 (100 + the error if wait fails). */
static int child_wait_handle(void)
{
    struct exit_info ei;
    long r = warp_wait(1, &ei);
    if (r < 0)
        return 100 - (int)r;
    return ei.reason == EXIT_NORMAL ? ei.code + 1 : 99;
}

/* TESTS_CONSOLE_FLOOD: 64 KiB of short lines, written again and again as fast as it can. */
static int child_console_flood(void)
{
    size_t len = 65536;
    long buf = warp_vm_map(len, PROT_READ | PROT_WRITE);
    if (buf < 0)
        return TESTS_FLOOD_WRITES + 1;
    char *s = (char *)buf;
    for (size_t i = 0; i < len; i++)
        s[i] = i % 64 == 63 ? '\n' : "flood "[i % 64 < 6 ? i % 64 : 5];
    int bad = 0;
    for (int i = 0; i < TESTS_FLOOD_WRITES; i++)
        bad += warp_console_write(s, len) != (long)len;
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
    long proc = tests_spawn("sleeper", TESTS_SLEEP, 200, 0);
    if (proc < 0)
        return 1;
    struct exit_info ei;
    warp_wait((handle_t)proc, &ei);
    return 2; /* the test kills us before we get here */
}

/* TESTS_EXEC_STACK: calls a `ret` placed on the stack. */
static void child_exec_stack(void)
{
    volatile uint8_t code[16] = {0xc3};
    child_call((uint64_t)code);
}

/* Modes that fault, spin or hang; returns only for modes it does not know. */
static void child_misbehave(unsigned mode)
{
    switch (mode) {
    case TESTS_NULL_WRITE: child_poke(0); break;
    case TESTS_PRIVILEGED: __asm__ volatile("hlt"); break;
    case TESTS_WRITE_CODE: child_poke((uint64_t)main); break;
    case TESTS_SPIN:
        for (;;)
            __asm__ volatile("" ::: "memory");
    case TESTS_READ_KERNEL: child_peek(0xffff800000000000); break;
    case TESTS_UD2: __asm__ volatile("ud2"); break;
    case TESTS_READ_FS: {
        uint64_t v;
        __asm__ volatile("mov %%fs:0, %0" : "=r"(v)::"memory");
        break;
    }
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
    case TESTS_CONSOLE_FLOOD: return child_console_flood();
    case TESTS_NO_INITFS: return child_no_initfs(tests_env.initfs, tests_env.initfs_size);
    case TESTS_ENTRY: return child_entry(arg, tests_env.initfs, tests_env.initfs_size);
    case TESTS_SSE: return (int)asm_sse_hold(payload, warp_clock() + 300 * 1000000ull, SYS_CLOCK);
    case TESTS_FOREIGN: return child_foreign((handle_t)payload);
    case TESTS_HANDLES_IN: return child_handles_in(payload);
    case TESTS_SERVER: return child_server();
    case TESTS_CALLER: return child_caller(payload);
    case TESTS_SW_SERVER: return child_sw_server();
    case TESTS_SEND_LATE: return child_send_late(payload);
    case TESTS_WAIT_HANDLE: return child_wait_handle();
    case TESTS_IPC_LITTER: return child_ipc_litter(payload);
    case TESTS_WAIT_BLOCKED: return child_wait_blocked();
    case TESTS_SLEEP: tests_sleep_ms(payload); return 0;
    case TESTS_QUOTA: return quota_child();
    case TESTS_DATA_INIT: return child_data == 0x1234567887654321ull && child_bss == 0 ? 0 : 1;
    case TESTS_REGS_SPIN: return (int)asm_spin_regs(payload);
    }
    child_misbehave(mode);
    printf("tests: child mode %u returned\n", mode);
    return 97;
}
