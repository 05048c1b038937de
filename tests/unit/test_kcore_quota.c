/* test_kcore_quota.c: the kernel core on the host: per-process quotas, the reserve, orphans. */
#include "karch/kharness.h"

#include "tests/inos/elfgen.h"

#include <lock.h>
#include <mm/mm.h>
#include <quota.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#define SYS0(nr) kh_sys(nr, 0, 0, 0, 0, 0, 0)
#define SYS1(nr, a) kh_sys(nr, (uint64_t)(a), 0, 0, 0, 0, 0)
#define SYS2(nr, a, b) kh_sys(nr, (uint64_t)(a), (uint64_t)(b), 0, 0, 0, 0)
#define RW (PROT_READ | PROT_WRITE)

static long seen[8]; /* what programs saw, for the test to check */

/* Per process, its spawn arguments in its user memory, made once: a squatter spawns a hundred. */
static struct {
    long pid;
    uaddr_t args;
    struct spawn_args sa;
} spawn_mem[MAX_PROCS * 4];

/* From a user program: SYS_SPAWN prog(payload) with the given quotas and flags; a handle or error. */
static long spawn_with(kh_prog prog, uint64_t payload, const uint64_t limits[LIMIT_COUNT], uint64_t flags)
{
    long pid = proc_current()->pid;
    __typeof__(spawn_mem[0]) *m = &spawn_mem[pid % (MAX_PROCS * 4)];
    if (m->pid != pid) {
        uint8_t image[ELFGEN_BUF_SIZE] __attribute__((aligned(8)));
        size_t len = elfgen_build(image, ELFGEN_EXIT, 0);
        uaddr_t uimage = kh_ualloc(len), uname = kh_ualloc(4);
        kh_uput(uimage, image, len);
        kh_uput(uname, "kid", 3);
        m->pid = pid;
        m->args = kh_ualloc(sizeof(struct spawn_args));
        m->sa = (struct spawn_args){.name = uname, .name_len = 3, .image = uimage, .image_len = len};
    }
    struct spawn_args sa = m->sa;
    sa.flags = flags;
    if (limits)
        memcpy(sa.limits, limits, sizeof(sa.limits));
    sa.arg = kh_prog_arg(prog, payload);
    kh_uput(m->args, &sa, sizeof(sa));
    return SYS1(SYS_SPAWN, m->args);
}

/* Receive one message on ch, yielding until it comes. */
static void recv_soon(handle_t ch, struct warp_msg *in)
{
    long r;
    while ((r = kh_recv(ch, in)) == ERR_WOULD_BLOCK)
        SYS0(SYS_YIELD);
    KH_CHECK_EQ(r, 0);
}

/* Wait for the process behind h to end, then close h; its exit reason. */
static long reap(long h)
{
    uaddr_t out = kh_ualloc(sizeof(struct exit_info));
    KH_CHECK_EQ(SYS2(SYS_WAIT, h, out), 0);
    struct exit_info info;
    kh_uget(&info, out, sizeof(info));
    KH_CHECK_EQ(kh_close((handle_t)h), 0);
    return info.reason;
}

/* The current process's account, as the kernel keeps it. */
static struct quota *my_quota(void)
{
    return proc_current()->quota;
}

/* Run prog(payload) as a child with one limit set (the rest inherited from an unlimited root);
 * the test's root program waits for it. */
static uint64_t one_limit[LIMIT_COUNT];
static kh_prog child_prog;

static void prog_root(uint64_t payload)
{
    long h = spawn_with(child_prog, payload, one_limit, 0);
    KH_CHECK(h > 0);
    KH_CHECK_EQ(reap(h), EXIT_NORMAL);
}

static void run_limited(enum limit_kind kind, uint64_t limit, kh_prog prog, uint64_t payload)
{
    memset(one_limit, 0, sizeof(one_limit));
    memset(seen, 0, sizeof(seen));
    one_limit[kind] = limit;
    child_prog = prog;
    kh_run_program(prog_root, payload);
}

/* --- memory pages --- */

/* The page tables a SYS_VM_MAP of n pages would add to the current process now. */
static uint64_t map_tables(uint64_t n)
{
    struct vm_space *vs = &proc_current()->vm;
    return arch_vm_tables_needed(&vs->arch, vm_find_free(vs, n), n);
}

/* The most pages one SYS_VM_MAP can still get: what is left of the quota, less its page tables. */
static uint64_t map_room(void)
{
    uint64_t left = my_quota()->limit[LIMIT_PAGES] - my_quota()->used[LIMIT_PAGES], n = left;
    while (n && n + map_tables(n) > left)
        n--;
    return n;
}

static void prog_pages(uint64_t limit)
{
    uint64_t base = my_quota()->used[LIMIT_PAGES]; /* record, kernel stack, tables, image, stack */
    uint64_t n = map_room(), tables = map_tables(n);
    /* As many pages as the quota has left: refused, as their page tables would not fit. */
    seen[4] = SYS2(SYS_VM_MAP, (limit - base) * PAGE_SIZE, RW);
    long a = SYS2(SYS_VM_MAP, n * PAGE_SIZE, RW);
    KH_CHECK(a > 0 && tables > 0);
    seen[0] = SYS2(SYS_VM_MAP, PAGE_SIZE, RW);
    seen[3] = (long)my_quota()->used[LIMIT_PAGES] == (long)limit; /* to the last page */
    KH_CHECK_EQ(SYS2(SYS_VM_UNMAP, a, PAGE_SIZE * n), 0);
    seen[1] = SYS2(SYS_VM_MAP, PAGE_SIZE, RW) > 0; /* recovered */
    /* The tables stay (and stay charged) until the process ends: the page went where they map. */
    seen[2] = (long)my_quota()->used[LIMIT_PAGES] - (long)base - (long)tables;
}

/* --- kernel memory a process causes: page tables, kernel stack, record --- */
static void prog_nothing(uint64_t payload)
{
    (void)payload;
}

/* A spawn of prog with an image of some kind, laid out in user memory once (spawn_image_use). */
struct image_spawn {
    uaddr_t args;
    struct spawn_args sa;
};

static struct image_spawn spawn_image_make(enum elfgen_kind kind)
{
    uint8_t image[ELFGEN_BUF_SIZE] __attribute__((aligned(8)));
    size_t len = elfgen_build(image, kind, 0);
    uaddr_t uimage = kh_ualloc(len), uname = kh_ualloc(4);
    kh_uput(uimage, image, len);
    kh_uput(uname, "kid", 3);
    struct image_spawn is = {kh_ualloc(sizeof(struct spawn_args)),
                             {.name = uname, .name_len = 3, .image = uimage, .image_len = len}};
    return is;
}

/* From a user program: SYS_SPAWN prog from that image with a page limit; a handle or error. */
static long spawn_image_use(struct image_spawn *is, kh_prog prog, uint64_t pages)
{
    struct spawn_args sa = is->sa;
    sa.limits[LIMIT_PAGES] = pages;
    sa.arg = kh_prog_arg(prog, 0);
    kh_uput(is->args, &sa, sizeof(sa));
    long h = SYS1(SYS_SPAWN, is->args);
    if (h < 0)
        kh_prog_arg_drop(sa.arg);
    return h;
}

/* The smallest page limit a child with this image spawns under; every smaller one is refused with
 * ERR_NO_MEMORY and leaves the spawner's account as it was. */
static long min_pages(enum elfgen_kind kind)
{
    uint64_t used = my_quota()->used[LIMIT_PAGES];
    struct image_spawn is = spawn_image_make(kind);
    for (uint64_t pages = 1; pages < 128; pages++) {
        long h = spawn_image_use(&is, prog_nothing, pages);
        if (h > 0) {
            KH_CHECK_EQ(reap(h), EXIT_NORMAL);
            KH_CHECK_EQ(my_quota()->used[LIMIT_PAGES], used); /* all of it came back */
            return (long)pages;
        }
        KH_CHECK_EQ(h, ERR_NO_MEMORY);
        KH_CHECK_EQ(my_quota()->used[LIMIT_PAGES], used);
    }
    return -1;
}

static void prog_image_costs(uint64_t payload)
{
    (void)payload;
    seen[0] = min_pages(ELFGEN_EIGHT);
    seen[1] = min_pages(ELFGEN_SPARSE);
}

/* A process is charged its record, its kernel stack and every page table, not only its own pages:
 * eight pages spread over seven GiB-apart places need 15 more tables than eight side by side. */
static void test_kernel_memory_charged(void **state)
{
    (void)state;
    memset(seen, 0, sizeof(seen));
    kh_run_program(prog_image_costs, 0);
    long stack = USER_STACK_SIZE / PAGE_SIZE + 3; /* its pages and PDPT, PD, PT */
    long dense = PROC_RECORD_PAGES + 1 + 3 + 8;   /* record, root table, image tables and pages */
    assert_int_equal(seen[0], dense + stack + KERNEL_STACK_PAGES);
    assert_int_equal(seen[1], dense + 15 + stack + KERNEL_STACK_PAGES);
}

/* What an account is charged is what the machine gave: the simulated RAM in use (page tables and
 * user pages) plus each process's kernel stack and record (malloc'd on the host). */
static void prog_exact_child(uint64_t payload)
{
    (void)payload;
    uint64_t per_proc = KERNEL_STACK_PAGES + PROC_RECORD_PAGES;
    KH_CHECK(SYS2(SYS_VM_MAP, 100 * PAGE_SIZE, RW) > 0);
    seen[0] = (long)my_quota()->parent->used[LIMIT_PAGES] == (long)(kh_pages_used() + 2 * per_proc);
}

static void prog_exact(uint64_t payload)
{
    (void)payload;
    uint64_t before = my_quota()->used[LIMIT_PAGES];
    seen[1] = (long)before == (long)(kh_pages_used() + KERNEL_STACK_PAGES + PROC_RECORD_PAGES);
    struct image_spawn is = spawn_image_make(ELFGEN_SPARSE);
    long h = spawn_image_use(&is, prog_exact_child, 0);
    KH_CHECK(h > 0);
    KH_CHECK_EQ(reap(h), EXIT_NORMAL);
    seen[2] = (long)my_quota()->used[LIMIT_PAGES] == (long)before;
}

static void test_charges_exact(void **state)
{
    (void)state;
    memset(seen, 0, sizeof(seen));
    kh_run_program(prog_exact, 0);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 1);
    assert_int_equal(seen[2], 1);
}

static void test_pages(void **state)
{
    (void)state;
    run_limited(LIMIT_PAGES, 64, prog_pages, 64);
    assert_int_equal(seen[0], ERR_NO_MEMORY);
    assert_int_equal(seen[1], 1);
    assert_int_equal(seen[2], 1);
    assert_int_equal(seen[3], 1);
    assert_int_equal(seen[4], ERR_NO_MEMORY);
}

/* --- handles: the process's own table --- */
static void prog_handles(uint64_t limit)
{
    long n = 0;
    while (SYS0(SYS_EVENTQ_CREATE) > 0)
        n++;
    seen[0] = n;
    seen[1] = SYS0(SYS_EVENTQ_CREATE);
    seen[2] = SYS0(SYS_TIMER_CREATE);
    handle_t ch[2];
    seen[3] = kh_channel_create(ch);
    KH_CHECK_EQ(kh_close(1), 0); /* the first event queue: slot 0, generation 0 */
    seen[4] = SYS0(SYS_EVENTQ_CREATE) > 0;
    (void)limit;
}

static void test_handles(void **state)
{
    (void)state;
    run_limited(LIMIT_HANDLES, 8, prog_handles, 8);
    assert_int_equal(seen[0], 8);
    assert_int_equal(seen[1], ERR_LIMIT);
    assert_int_equal(seen[2], ERR_LIMIT);
    assert_int_equal(seen[3], ERR_LIMIT);
    assert_int_equal(seen[4], 1);
}

/* --- channels: counted while either end is left --- */
static void prog_channels(uint64_t limit)
{
    handle_t ch[2], first[2] = {0, 0};
    long n = 0;
    while (kh_channel_create(ch) == 0) {
        if (!first[0])
            memcpy(first, ch, sizeof(first));
        n++;
    }
    seen[0] = n;
    seen[1] = kh_channel_create(ch);
    KH_CHECK_EQ(kh_close(first[0]), 0);
    seen[2] = kh_channel_create(ch); /* one end is left: still counted */
    KH_CHECK_EQ(kh_close(first[1]), 0);
    seen[3] = kh_channel_create(ch);
    seen[4] = (long)my_quota()->used[LIMIT_CHANNELS];
    (void)limit;
}

static void test_channels(void **state)
{
    (void)state;
    run_limited(LIMIT_CHANNELS, 3, prog_channels, 3);
    assert_int_equal(seen[0], 3);
    assert_int_equal(seen[1], ERR_LIMIT);
    assert_int_equal(seen[2], ERR_LIMIT);
    assert_int_equal(seen[3], 0);
    assert_int_equal(seen[4], 3);
}

/* --- timers --- */
static void prog_timers(uint64_t limit)
{
    long first = SYS0(SYS_TIMER_CREATE), n = first > 0;
    while (SYS0(SYS_TIMER_CREATE) > 0)
        n++;
    seen[0] = n;
    seen[1] = SYS0(SYS_TIMER_CREATE);
    KH_CHECK_EQ(SYS2(SYS_TIMER_SET, first, karch_now_ns + 1000), 0);
    KH_CHECK_EQ(kh_close((handle_t)first), 0);
    seen[2] = SYS0(SYS_TIMER_CREATE) > 0;
    (void)limit;
}

static void test_timers(void **state)
{
    (void)state;
    run_limited(LIMIT_TIMERS, 4, prog_timers, 4);
    assert_int_equal(seen[0], 4);
    assert_int_equal(seen[1], ERR_LIMIT);
    assert_int_equal(seen[2], 1);
}

/* --- queued messages: counted until received, or until the queue goes --- */
static void prog_messages(uint64_t limit)
{
    handle_t ch[2];
    KH_CHECK_EQ(kh_channel_create(ch), 0);
    struct warp_msg m = {.type = 1}, in;
    long n = 0;
    while (kh_send(ch[0], &m) == 0)
        n++;
    seen[0] = n;
    seen[1] = kh_send(ch[0], &m);
    KH_CHECK_EQ(kh_recv(ch[1], &in), 0);
    seen[2] = kh_send(ch[0], &m);
    seen[3] = kh_send(ch[0], &m);
    KH_CHECK_EQ(kh_close(ch[1]), 0); /* the queue goes with its end: the charges come back */
    seen[4] = (long)my_quota()->used[LIMIT_MESSAGES];
    (void)limit;
}

static void test_messages(void **state)
{
    (void)state;
    run_limited(LIMIT_MESSAGES, 5, prog_messages, 5);
    assert_int_equal(seen[0], 5);
    assert_int_equal(seen[1], ERR_LIMIT);
    assert_int_equal(seen[2], 0);
    assert_int_equal(seen[3], ERR_LIMIT);
    assert_int_equal(seen[4], 0);
}

/* --- children, and charges up the tree --- */

/* Spawns until refused; a dead child's record counts until its handle is closed. */
static void prog_children(uint64_t limit)
{
    long hs[8], n = 0;
    while (n < 8 && (hs[n] = spawn_with(prog_nothing, 0, NULL, 0)) > 0)
        n++;
    seen[0] = n;
    seen[1] = n < 8 ? hs[n] : 0;
    for (long i = 0; i < n; i++)
        KH_CHECK_EQ(reap(hs[i]), EXIT_NORMAL);
    long again = spawn_with(prog_nothing, 0, NULL, 0);
    seen[2] = again > 0;
    if (again > 0)
        reap(again);
    (void)limit;
}

static void test_children(void **state)
{
    (void)state;
    run_limited(LIMIT_CHILDREN, 3, prog_children, 3);
    assert_int_equal(seen[0], 3);
    assert_int_equal(seen[1], ERR_LIMIT);
    assert_int_equal(seen[2], 1);
}

/* A grandchild's pages count against its parent's quota too: two levels below the limit, the
 * grandchild gets no more than what the whole subtree may have. */
static void prog_grandchild(uint64_t payload)
{
    (void)payload;
    struct quota *q = my_quota();
    uint64_t parent_left = q->parent->limit[LIMIT_PAGES] - q->parent->used[LIMIT_PAGES];
    uint64_t n = parent_left;
    while (n + map_tables(n) > parent_left)
        n--;
    seen[0] = SYS2(SYS_VM_MAP, (n + 1) * PAGE_SIZE, RW);
    seen[1] = SYS2(SYS_VM_MAP, n * PAGE_SIZE, RW) > 0;
    seen[2] = (long)q->parent->used[LIMIT_PAGES] == (long)q->parent->limit[LIMIT_PAGES];
    /* A grandchild also counts among its grandparent's children. */
    seen[3] = (long)q->parent->parent->used[LIMIT_CHILDREN];
}

static void prog_middle(uint64_t payload)
{
    (void)payload;
    long h = spawn_with(prog_grandchild, 0, NULL, 0);
    KH_CHECK(h > 0);
    KH_CHECK_EQ(reap(h), EXIT_NORMAL);
}

static void test_charged_up_the_tree(void **state)
{
    (void)state;
    run_limited(LIMIT_PAGES, 200, prog_middle, 0);
    assert_int_equal(seen[0], ERR_NO_MEMORY);
    assert_int_equal(seen[1], 1);
    assert_int_equal(seen[2], 1);
    assert_int_equal(seen[3], 2);
}

/* --- what a spawn may ask for --- */
static void prog_asks(uint64_t payload)
{
    (void)payload;
    uint64_t lim[LIMIT_COUNT] = {0};
    lim[LIMIT_TIMERS] = 11; /* the parent has 10 */
    seen[0] = spawn_with(prog_nothing, 0, lim, 0);
    memset(lim, 0, sizeof(lim));
    lim[LIMIT_HANDLES] = HANDLES_MAX + 1;
    seen[1] = spawn_with(prog_nothing, 0, lim, 0);
    seen[2] = spawn_with(prog_nothing, 0, NULL, SPAWN_RESERVE); /* not a holder */
    memset(lim, 0, sizeof(lim));
    lim[LIMIT_TIMERS] = 10;
    long h = spawn_with(prog_nothing, 0, lim, 0);
    seen[3] = h > 0;
    if (h > 0)
        reap(h);
}

static void test_spawn_checks_limits(void **state)
{
    (void)state;
    run_limited(LIMIT_TIMERS, 10, prog_asks, 0);
    assert_int_equal(seen[0], ERR_PERMISSION);
    assert_int_equal(seen[1], ERR_INVALID_ARG);
    assert_int_equal(seen[2], ERR_PERMISSION);
    assert_int_equal(seen[3], 1);
}

/* --- the reserve --- */
static void prog_block(uint64_t payload)
{
    (void)payload;
    long eq = SYS0(SYS_EVENTQ_CREATE);
    struct warp_event ev;
    kh_wait((handle_t)eq, &ev, DEADLINE_FOREVER);
}

/* An ordinary child fills the process table as far as it may; the reserve is left for init. */
static void prog_squat(uint64_t payload)
{
    (void)payload;
    long n = 0, h;
    while ((h = spawn_with(prog_block, 0, NULL, 0)) > 0)
        n++;
    seen[0] = n;
    seen[1] = h;
    seen[2] = (long)proc_count();
    long eq = SYS0(SYS_EVENTQ_CREATE);
    KH_CHECK(eq > 0);
    struct warp_event ev;
    kh_wait((handle_t)eq, &ev, DEADLINE_FOREVER); /* holds its children until killed */
}

/* The root (init's part) starts a squatter, then a reserve holder once the table is full. */
static void prog_init_role(uint64_t payload)
{
    (void)payload;
    long squatter = spawn_with(prog_squat, 0, NULL, 0);
    KH_CHECK(squatter > 0);
    SYS0(SYS_YIELD);
    while (seen[0] == 0 && seen[1] == 0)
        SYS0(SYS_YIELD);
    seen[3] = spawn_with(prog_nothing, 0, NULL, 0); /* an ordinary one: refused */
    long essential = spawn_with(prog_nothing, 0, NULL, SPAWN_RESERVE);
    seen[4] = essential > 0;
    if (essential > 0)
        reap(essential);
    KH_CHECK_EQ(SYS1(SYS_KILL, squatter), 0);
    reap(squatter);
    for (int i = 0; i < 1000 && proc_count() > 1; i++)
        SYS0(SYS_YIELD);          /* the killed orphans end as they are scheduled */
    seen[5] = (long)proc_count(); /* the squatter's children went with it */
}

static void test_reserve_slots(void **state)
{
    (void)state;
    memset(seen, 0, sizeof(seen));
    kh_run_program(prog_init_role, 0);
    assert_int_equal(seen[0], MAX_PROCS - PROC_RESERVE_SLOTS - 2); /* root and squatter */
    assert_int_equal(seen[1], ERR_NO_RESOURCES);
    assert_int_equal(seen[2], MAX_PROCS - PROC_RESERVE_SLOTS);
    assert_int_equal(seen[3], ERR_NO_RESOURCES);
    assert_int_equal(seen[4], 1);
    assert_int_equal(seen[5], 1);
}

/* An ordinary process (no page limit) takes memory until only the reserve is left; a reserve holder
 * still gets pages from it. */
static void prog_mem_hog(uint64_t payload)
{
    (void)payload;
    uint64_t chunk = 256;
    while (chunk) {
        if (SYS2(SYS_VM_MAP, chunk * PAGE_SIZE, RW) > 0)
            continue;
        chunk /= 2;
    }
    seen[0] = SYS2(SYS_VM_MAP, PAGE_SIZE, RW);
    seen[1] = (long)pmm_free_pages() >= (long)quota_page_reserve() - 8; /* heap blocks may dip in */
    struct warp_event ev;
    long eq = SYS0(SYS_EVENTQ_CREATE);
    kh_wait((handle_t)eq, &ev, DEADLINE_FOREVER);
}

static void prog_reserve_user(uint64_t payload)
{
    (void)payload;
    seen[2] = SYS2(SYS_VM_MAP, 64 * PAGE_SIZE, RW) > 0;
}

static void prog_mem_init(uint64_t payload)
{
    (void)payload;
    long hog = spawn_with(prog_mem_hog, 0, NULL, 0);
    while (seen[0] == 0)
        SYS0(SYS_YIELD);
    long ess = spawn_with(prog_reserve_user, 0, NULL, SPAWN_RESERVE);
    KH_CHECK(ess > 0);
    KH_CHECK_EQ(reap(ess), EXIT_NORMAL);
    KH_CHECK_EQ(SYS1(SYS_KILL, hog), 0);
    reap(hog);
}

static void test_reserve_memory(void **state)
{
    (void)state;
    memset(seen, 0, sizeof(seen));
    kh_run_program(prog_mem_init, 0);
    assert_int_equal(seen[0], ERR_NO_MEMORY);
    assert_int_equal(seen[1], 1);
    assert_int_equal(seen[2], 1);
}

/* --- orphans --- */

/* Starts two children that would block forever, passes one's handle to the keeper, and ends once
 * the keeper has it (a handle still in a message counts for no one). */
static void prog_parent_leaves(uint64_t payload)
{
    (void)payload;
    long a = spawn_with(prog_block, 0, NULL, 0), b = spawn_with(prog_block, 0, NULL, 0);
    KH_CHECK(a > 0 && b > 0);
    SYS0(SYS_YIELD);
    struct warp_msg m = {.type = 1, .nhandles = 1};
    m.handles[0] = (handle_t)b;
    KH_CHECK_EQ(kh_send(1, &m), 0); /* handle 1: the channel end it was given */
    recv_soon(1, &m);
}

static void prog_keeper(uint64_t payload)
{
    (void)payload;
    handle_t ch[2];
    KH_CHECK_EQ(kh_channel_create(ch), 0);
    long parent = kh_spawn_child("parent", prog_parent_leaves, 0, &ch[1], 1);
    KH_CHECK(parent > 0);
    struct warp_msg in;
    recv_soon(ch[0], &in); /* held before its parent ends */
    struct warp_msg ack = {.type = 2};
    KH_CHECK_EQ(kh_send(ch[0], &ack), 0);
    KH_CHECK_EQ(reap(parent), EXIT_NORMAL);
    for (int i = 0; i < 100; i++)
        SYS0(SYS_YIELD);
    seen[0] = (long)proc_count(); /* the keeper and the child it holds: the orphan is gone */
    KH_CHECK_EQ(SYS1(SYS_KILL, in.handles[0]), 0);
    seen[1] = reap(in.handles[0]);
}

static void test_orphans_killed(void **state)
{
    (void)state;
    memset(seen, 0, sizeof(seen));
    kh_run_program(prog_keeper, 0);
    assert_int_equal(seen[0], 2);
    assert_int_equal(seen[1], EXIT_KILLED);
}

/* A child that outlives its spawner still counts against the spawner's parent. */
static void prog_detacher(uint64_t payload)
{
    (void)payload;
    long a = spawn_with(prog_block, 0, NULL, 0);
    KH_CHECK(a > 0);
    struct warp_msg m = {.type = 1, .nhandles = 1};
    m.handles[0] = (handle_t)a;
    KH_CHECK_EQ(kh_send(1, &m), 0);
    recv_soon(1, &m);
}

static void prog_holder(uint64_t payload)
{
    (void)payload;
    handle_t ch[2];
    KH_CHECK_EQ(kh_channel_create(ch), 0);
    long mid = kh_spawn_child("mid", prog_detacher, 0, &ch[1], 1);
    KH_CHECK(mid > 0);
    struct warp_msg in;
    recv_soon(ch[0], &in);
    struct warp_msg ack = {.type = 2};
    KH_CHECK_EQ(kh_send(ch[0], &ack), 0);
    KH_CHECK_EQ(reap(mid), EXIT_NORMAL);
    seen[2] = (long)proc_count();                     /* the grandchild lives on: its holder keeps it */
    seen[0] = (long)my_quota()->used[LIMIT_CHILDREN]; /* the grandchild, through its ended parent */
    KH_CHECK_EQ(SYS1(SYS_KILL, in.handles[0]), 0);
    reap(in.handles[0]);
    seen[1] = (long)my_quota()->used[LIMIT_CHILDREN];
}

static void test_grandchild_outlives_parent(void **state)
{
    (void)state;
    memset(seen, 0, sizeof(seen));
    kh_run_program(prog_holder, 0);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 0);
    assert_int_equal(seen[2], 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages),
        cmocka_unit_test(test_kernel_memory_charged),
        cmocka_unit_test(test_charges_exact),
        cmocka_unit_test(test_handles),
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_timers),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_children),
        cmocka_unit_test(test_charged_up_the_tree),
        cmocka_unit_test(test_spawn_checks_limits),
        cmocka_unit_test(test_reserve_slots),
        cmocka_unit_test(test_reserve_memory),
        cmocka_unit_test(test_orphans_killed),
        cmocka_unit_test(test_grandchild_outlives_parent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
