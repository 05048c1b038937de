/* t_quota.c: per-process quotas (docs/security.md): each limit refused, and the process recovering. */
#include "elfgen.h"
#include "tests.h"

#include <warp/string.h>

/* The quotas the child runs under: small, so each is reached at once. */
#define QUOTA_PAGES 1024
#define QUOTA_HANDLES 16
#define QUOTA_CHANNELS 3
#define QUOTA_TIMERS 4
#define QUOTA_MESSAGES 6
#define QUOTA_CHILDREN 2

/* One bit of the child's exit code per check that failed. */
enum {
    QUOTA_PAGES_REFUSED = 1 << 0,    /* mapping past the page quota gives ERR_NO_MEMORY */
    QUOTA_PAGES_RECOVER = 1 << 1,    /* ... and after an unmap, mapping works again */
    QUOTA_HANDLES_REFUSED = 1 << 2,  /* the 17th handle gives ERR_LIMIT */
    QUOTA_HANDLES_RECOVER = 1 << 3,  /* ... and after a close, a handle can be made again */
    QUOTA_CHANNELS_REFUSED = 1 << 4, /* the 4th channel gives ERR_LIMIT */
    QUOTA_CHANNELS_RECOVER = 1 << 5, /* ... and after closing one's two ends, a channel again */
    QUOTA_TIMERS_REFUSED = 1 << 6,   /* the 5th timer gives ERR_LIMIT */
    QUOTA_TIMERS_RECOVER = 1 << 7,
    QUOTA_MESSAGES_REFUSED = 1 << 8,  /* the 7th queued message gives ERR_LIMIT */
    QUOTA_MESSAGES_RECOVER = 1 << 9,  /* ... and once one is received, a send works again */
    QUOTA_CHILDREN_REFUSED = 1 << 10, /* the 3rd child gives ERR_LIMIT */
    QUOTA_CHILDREN_RECOVER = 1 << 11, /* ... and once one is reaped, a spawn works again */
    QUOTA_ASK_MORE = 1 << 12,         /* asking a child more than its own gives ERR_PERMISSION */
    QUOTA_ASK_RESERVE = 1 << 13,      /* SPAWN_RESERVE from a non-holder gives ERR_PERMISSION */
};

/* Spawns bin/tests in mode with the given quotas (0: ours) and flags. */
static long quota_spawn(unsigned mode, uint64_t payload, const uint64_t limits[LIMIT_COUNT], uint64_t flags)
{
    struct spawn_args a = {
        .name = (uaddr_t) "quota",
        .name_len = 5,
        .image = (uaddr_t)tests_env.self,
        .image_len = tests_env.self_len,
        .arg = TESTS_ARG(mode, payload),
        .flags = flags | SPAWN_SHARE_INITFS,
    };
    if (limits)
        memcpy(a.limits, limits, sizeof(a.limits));
    return warp_spawn(&a);
}

/* Maps 64-page chunks until refused; the error, with the chunks in addrs[0..*n). */
static long quota_fill_pages(long *addrs, unsigned max, unsigned *n)
{
    long r = 0;
    for (*n = 0; *n < max && (r = warp_vm_map(64 * PAGE_SIZE, PROT_READ | PROT_WRITE)) > 0; (*n)++)
        addrs[*n] = r;
    return r;
}

static int quota_child_pages(void)
{
    long addrs[24];
    unsigned n;
    int bad = 0;
    if (quota_fill_pages(addrs, 24, &n) != ERR_NO_MEMORY || n == 0)
        bad |= QUOTA_PAGES_REFUSED;
    if (n > 0 && (warp_vm_unmap((void *)addrs[--n], 64 * PAGE_SIZE) != 0 ||
                  (addrs[n] = warp_vm_map(64 * PAGE_SIZE, PROT_READ | PROT_WRITE)) <= 0))
        bad |= QUOTA_PAGES_RECOVER;
    for (unsigned i = 0; i <= n && i < 24; i++)
        if (addrs[i] > 0)
            warp_vm_unmap((void *)addrs[i], 64 * PAGE_SIZE);
    return bad;
}

/* Makes handles with make() until refused; closes them all. */
static int quota_fill(long (*make)(void), long limit, int refused, int recover)
{
    long hs[QUOTA_HANDLES + 1], r = 0;
    long n = 0;
    while (n <= QUOTA_HANDLES && (r = make()) > 0)
        hs[n++] = r;
    /* The C runtime may hold a handle or two of its own, so only the handle quota is approximate. */
    int bad = r != ERR_LIMIT || n > limit || n + 2 < limit ? refused : 0;
    if (n > 0) {
        warp_handle_close((handle_t)hs[--n]);
        if ((hs[n] = make()) <= 0)
            bad |= recover;
        else
            n++;
    }
    while (n > 0)
        warp_handle_close((handle_t)hs[--n]);
    return bad;
}

static long quota_make_eventq(void)
{
    return warp_eventq_create();
}

static long quota_make_timer(void)
{
    return warp_timer_create();
}

static int quota_child_channels(void)
{
    handle_t ch[QUOTA_CHANNELS + 1][2];
    unsigned n = 0;
    long r = 0;
    while (n <= QUOTA_CHANNELS && (r = warp_channel_create(ch[n])) == 0)
        n++;
    int bad = r != ERR_LIMIT || n != QUOTA_CHANNELS ? QUOTA_CHANNELS_REFUSED : 0;
    if (n > 0) {
        n--;
        warp_handle_close(ch[n][0]);
        warp_handle_close(ch[n][1]);
        if (warp_channel_create(ch[n]) != 0)
            bad |= QUOTA_CHANNELS_RECOVER;
        else
            n++;
    }
    while (n > 0) {
        n--;
        warp_handle_close(ch[n][0]);
        warp_handle_close(ch[n][1]);
    }
    return bad;
}

static int quota_child_messages(void)
{
    handle_t ch[2];
    if (warp_channel_create(ch) != 0)
        return QUOTA_MESSAGES_REFUSED | QUOTA_MESSAGES_RECOVER;
    long n = 0, r;
    while (n <= QUOTA_MESSAGES && (r = tests_send_text(ch[0], "m")) == 0)
        n++;
    int bad = r != ERR_LIMIT || n != QUOTA_MESSAGES ? QUOTA_MESSAGES_REFUSED : 0;
    struct warp_msg m;
    if (warp_channel_recv(ch[1], &m) != 0 || tests_send_text(ch[0], "m") != 0)
        bad |= QUOTA_MESSAGES_RECOVER;
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
    return bad;
}

static int quota_child_children(void)
{
    long kids[QUOTA_CHILDREN + 1], r = 0;
    unsigned n = 0;
    while (n <= QUOTA_CHILDREN && (r = quota_spawn(TESTS_SLEEP, 20, NULL, 0)) > 0)
        kids[n++] = r;
    int bad = r != ERR_LIMIT || n != QUOTA_CHILDREN ? QUOTA_CHILDREN_REFUSED : 0;
    struct exit_info ei;
    if (n > 0) {
        tests_wait_close(kids[--n], &ei);
        long again = quota_spawn(TESTS_SLEEP, 0, NULL, 0);
        if (again <= 0)
            bad |= QUOTA_CHILDREN_RECOVER;
        else
            kids[n++] = again;
    }
    while (n > 0)
        tests_wait_close(kids[--n], &ei);
    uint64_t more[LIMIT_COUNT] = {0};
    more[LIMIT_TIMERS] = QUOTA_TIMERS + 1;
    if (quota_spawn(TESTS_EXIT_42, 0, more, 0) != ERR_PERMISSION)
        bad |= QUOTA_ASK_MORE;
    if (quota_spawn(TESTS_EXIT_42, 0, NULL, SPAWN_RESERVE) != ERR_PERMISSION)
        bad |= QUOTA_ASK_RESERVE;
    return bad;
}

/* TESTS_QUOTA: reach every quota in turn, recover from each; the exit code has a bit per failure. */
int quota_child(void)
{
    return quota_child_pages() |
           quota_fill(quota_make_eventq, QUOTA_HANDLES, QUOTA_HANDLES_REFUSED, QUOTA_HANDLES_RECOVER) |
           quota_child_channels() |
           quota_fill(quota_make_timer, QUOTA_TIMERS, QUOTA_TIMERS_REFUSED, QUOTA_TIMERS_RECOVER) |
           quota_child_messages() | quota_child_children();
}

/* Quotas: a child under small limits reaches each and recovers; nothing of it is left after. */
/* The smallest page limit a child from this image spawns under (every smaller one refused with
 * ERR_NO_MEMORY), or 0 on any other answer. The child is killed (a sparse one blocks) and reaped. */
static uint64_t quota_min_pages(const void *image, size_t len)
{
    for (uint64_t pages = 1; pages <= 256; pages++) {
        struct spawn_args a = {
            .name = (uaddr_t) "kmem", .name_len = 4, .image = (uaddr_t)image, .image_len = len};
        a.limits[LIMIT_PAGES] = pages;
        long h = warp_spawn(&a);
        if (h > 0) {
            struct exit_info ei;
            warp_kill((handle_t)h);
            tests_wait_close(h, &ei);
            return pages;
        }
        if (h != ERR_NO_MEMORY)
            return 0;
    }
    return 0;
}

/* Kernel memory a child causes counts in its page quota: its record, kernel stack and page tables.
 * Eight image pages each in a GiB of its own need 15 page-table pages more than eight side by side;
 * a limit one page short of that fails the spawn, and nothing stays behind. */
static void quota_kernel_memory(void)
{
    static uint8_t img[ELFGEN_BUF_SIZE] __attribute__((aligned(8)));
    uint64_t free0 = tests_free_pages();
    uint64_t dense = quota_min_pages(img, elfgen_build(img, ELFGEN_EIGHT, 0));
    uint64_t sparse = quota_min_pages(img, elfgen_build(img, ELFGEN_SPARSE, 0));
    uint64_t own = 8 + USER_STACK_SIZE / PAGE_SIZE; /* image and stack pages */
    tap_ok(dense > own, "a child's page quota pays its kernel memory too: %lu pages for %lu of its own",
           (unsigned long)dense, (unsigned long)own);
    tap_ok(sparse == dense + 15, "a sparse image's page tables count: it needs %lu pages, a dense one %lu",
           (unsigned long)sparse, (unsigned long)dense);
    uint64_t free1 = tests_free_pages();
    tap_ok(free1 + 4 >= free0, "free pages are back after the kernel-memory children (%lu, %lu before)",
           (unsigned long)free1, (unsigned long)free0);
}

void test_quota(void)
{
    static const char *const what[] = {
        "vm_map past the page quota gives ERR_NO_MEMORY",
        "... and after an unmap, vm_map works again",
        "the handle past the handle quota (16) gives ERR_LIMIT",
        "... and after a close, a handle can be made again",
        "channel_create past the channel quota (3) gives ERR_LIMIT",
        "... and after both ends of one close, channel_create works again",
        "timer_create past the timer quota (4) gives ERR_LIMIT",
        "... and after a close, timer_create works again",
        "a send past the queued-message quota (6) gives ERR_LIMIT",
        "... and once one is received, a send works again",
        "spawn past the child quota (2) gives ERR_LIMIT",
        "... and once one is reaped, spawn works again",
        "spawn asking a child a quota above its own gives ERR_PERMISSION",
        "spawn with SPAWN_RESERVE by a process without the reserve gives ERR_PERMISSION",
    };
    uint64_t limits[LIMIT_COUNT] = {QUOTA_PAGES,  QUOTA_HANDLES,  QUOTA_CHANNELS,
                                    QUOTA_TIMERS, QUOTA_MESSAGES, QUOTA_CHILDREN};
    uint64_t free0 = tests_free_pages();
    struct exit_info ei;
    long r = tests_wait_close(quota_spawn(TESTS_QUOTA, 0, limits, 0), &ei);
    tap_ok(r == 0 && ei.reason == EXIT_NORMAL, "a child under small quotas runs to its end (%ld)", r);
    for (unsigned i = 0; i < sizeof(what) / sizeof(what[0]); i++)
        tap_ok(r == 0 && ei.reason == EXIT_NORMAL && !(ei.code & (1 << i)), "%s", what[i]);
    tap_ok(tests_free_pages() + 16 >= free0, "its pages are free again (within 16 page-table pages)");
    uint64_t over[LIMIT_COUNT] = {0};
    over[LIMIT_HANDLES] = HANDLES_MAX + 1;
    tap_eq(quota_spawn(TESTS_EXIT_42, 0, over, 0), ERR_INVALID_ARG,
           "spawn asking a handle quota above HANDLES_MAX gives ERR_INVALID_ARG");
    memset(over, 0, sizeof(over));
    over[LIMIT_HANDLES] = 1;
    struct spawn_args a = {.name = (uaddr_t) "q",
                           .name_len = 1,
                           .image = (uaddr_t)tests_env.self,
                           .image_len = tests_env.self_len,
                           .handles = (uaddr_t)&tests_env, /* not read: the count is refused first */
                           .nhandles = 2};
    memcpy(a.limits, over, sizeof(a.limits));
    tap_eq(warp_spawn(&a), ERR_INVALID_ARG,
           "spawn moving more handles than the child's handle quota "
           "gives ERR_INVALID_ARG");
    quota_kernel_memory();
}
