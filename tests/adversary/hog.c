/* hog.c: hostile processes that try to take every resource a quota bounds (docs/security.md). */
#include "hog.h"

#include "../inos/elfgen.h"

#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/proto/pong.h>
#include <warp/string.h>
#include <warp/user.h>

/*
 * Commands (the adversary's command server passes them on, answers "ok ..." or "error ..."):
 *
 *   hog pages|handles|channels|timers|messages|children
 *             a child takes that resource until the kernel refuses; "ok hog KIND got N err E"
 *             (N units before the refusal E). Everything it took goes when it ends; the children
 *             hog's blocked children are orphans then, which the kernel kills and reaps.
 *   hog sparse
 *             a child under a small page quota spawns children whose eight image pages lie GiB
 *             apart (18 page-table pages for 8 pages) until refused: "ok hog sparse got N err E
 *             used U", U the free pages its children took. The quota pays for their page tables,
 *             kernel stacks and records, so U stays within it.
 *   squat     a child fills the process table with children blocked for ever, keeps them, and
 *             reports "ok squat got N err E"; it stays until "unsquat" ("ok unsquat procs P").
 *   crash pong   crash the essential service pong; "ok crash pong restarted in T ms" once init has
 *             started it again (OPEN service/pong works).
 *   sysinfo   "ok free F procs P": free pages and live processes.
 *
 * A hog child's exit code is N * 64 + (-E).
 */
enum hog_mode {
    HOG_PAGES = HOG_MODE_FIRST,
    HOG_HANDLES,
    HOG_CHANNELS,
    HOG_TIMERS,
    HOG_MESSAGES,
    HOG_CHILDREN,
    HOG_SPARSE, /* kernel memory: children with sparse images */
    HOG_SQUAT,  /* handle 1: a channel to report on */
    HOG_BLOCK,  /* wait for ever */
};

#define HOG_INIT_CH 1
#define HOG_SPARSE_QUOTA 2048   /* pages: without kernel memory charged, its children took twice that */
#define HOG_SPARSE_CHILDREN 100 /* more than the pages allow, so the page quota is what stops it */
#define HOG_RESTART_TIMEOUT_MS 20000
#define HOG_MS 1000000ull

/* The first six by enum limit_kind, each hog under its own quota: the defaults (docs/security.md),
 * but 32 MiB of pages, far below the adversary's own (longcall.c maps a GiB; its nest needs
 * messages). The sparse hog's quotas are its own (hog_spawn_sparse). */
static const char *const hog_names[] = {"pages",    "handles",  "channels", "timers",
                                        "messages", "children", "sparse"};
static const uint64_t hog_quota[] = {8192, 256, 64, 32, 256, 16};
#define HOG_KINDS (sizeof(hog_names) / sizeof(hog_names[0]))
static const struct tar_file *hog_self;
static handle_t hog_squatter;
static uint64_t hog_procs_before; /* live processes before the squatter came */

/* Spawns bin/adversary as a hog child in mode, with handles[0..n) and one quota set (kind < 0: none). */
static long hog_spawn(unsigned mode, const handle_t *handles, unsigned n, int kind, uint64_t limit)
{
    static const char name[] = "hog";
    struct spawn_args a = {.name = (uaddr_t)name,
                           .name_len = sizeof(name) - 1,
                           .image = (uaddr_t)hog_self->data,
                           .image_len = hog_self->size,
                           .arg = mode,
                           /* the ones that spawn find bin/adversary in it */
                           .flags = mode == HOG_CHILDREN || mode == HOG_SQUAT ? SPAWN_SHARE_INITFS : 0,
                           .handles = (uaddr_t)handles,
                           .nhandles = n};
    if (kind >= 0)
        a.limits[kind] = limit;
    return warp_spawn(&a);
}

/* Memory: ever smaller mappings until a page is refused. */
static int hog_pages(void)
{
    uint64_t got = 0;
    long r = 0;
    for (uint64_t chunk = 1024; chunk > 0; chunk /= 2)
        while ((r = warp_vm_map(chunk * PAGE_SIZE, PROT_READ | PROT_WRITE)) > 0)
            got += chunk;
    return (int)(got * 64 + (uint64_t)-r);
}

/* Handles, channels, timers: make objects until refused (timers armed far in the future). */
static int hog_objects(unsigned mode)
{
    uint64_t got = 0;
    long r;
    for (;;) {
        handle_t ch[2];
        if (mode == HOG_HANDLES)
            r = warp_eventq_create();
        else if (mode == HOG_CHANNELS)
            r = warp_channel_create(ch);
        else if ((r = warp_timer_create()) > 0)
            warp_timer_set((handle_t)r, warp_clock() + 3600ull * 1000 * HOG_MS);
        if (r < 0)
            break;
        got++;
    }
    return (int)(got * 64 + (uint64_t)-r);
}

/* Queued messages: fill one channel after another (each queue holds MSG_QUEUE_MAX). */
static int hog_messages(void)
{
    uint64_t got = 0;
    long r = 0;
    struct warp_msg m = {.type = MSG_USER + 7};
    while (r != ERR_LIMIT) {
        handle_t ch[2];
        if ((r = warp_channel_create(ch)) < 0)
            break;
        while ((r = warp_channel_send(ch[0], &m)) == 0)
            got++;
        if (r != ERR_QUEUE_FULL)
            break;
    }
    return (int)(got * 64 + (uint64_t)-r);
}

/* Children blocked for ever, until refused; with report, tell the parent and keep them. */
static int hog_children(handle_t report)
{
    uint64_t got = 0;
    long r;
    while ((r = hog_spawn(HOG_BLOCK, NULL, 0, -1, 0)) > 0)
        got++;
    if (report) {
        char text[48];
        fmt_snprintf(text, sizeof(text), "got %lu err %ld", (unsigned long)got, r);
        struct warp_msg m = {.type = MSG_USER + 8};
        msg_set_data(&m, text, strlen(text));
        warp_channel_send(report, &m);
    }
    if (report) { /* the squatter keeps its children until it is killed */
        long eq = warp_eventq_create();
        struct warp_event ev;
        for (;;)
            warp_eventq_wait((handle_t)eq, &ev, DEADLINE_FOREVER);
    }
    return (int)(got * 64 + (uint64_t)-r);
}

/* Free pages now. */
static uint64_t hog_free_pages(void)
{
    struct sysinfo si;
    warp_sysinfo(&si);
    return si.free_pages;
}

/* Kernel memory: children from a sparse image (they block) until refused. They are orphans when
 * this ends, killed and reaped. The exit code carries the free pages they took, over 64 * 128. */
static int hog_sparse(void)
{
    static uint8_t image[ELFGEN_BUF_SIZE] __attribute__((aligned(8)));
    static const char name[] = "sparse";
    struct spawn_args a = {.name = (uaddr_t)name,
                           .name_len = sizeof(name) - 1,
                           .image = (uaddr_t)image,
                           .image_len = elfgen_build(image, ELFGEN_SPARSE, 0)};
    uint64_t got = 0, free0 = hog_free_pages();
    long r;
    while (got < 127 && (r = warp_spawn(&a)) > 0)
        got++;
    uint64_t used = free0 - hog_free_pages();
    return (int)((used * 128 + got) * 64 + (uint64_t)-r);
}

int hog_child(uint64_t arg, const void *initfs, size_t initfs_size)
{
    static struct tar_file self;
    if (initfs && tar_find(initfs, initfs_size, "bin/adversary", &self) == 0)
        hog_self = &self;
    switch (arg) {
    case HOG_PAGES: return hog_pages();
    case HOG_HANDLES:
    case HOG_CHANNELS:
    case HOG_TIMERS: return hog_objects((unsigned)arg);
    case HOG_MESSAGES: return hog_messages();
    case HOG_CHILDREN: return hog_children(0);
    case HOG_SPARSE: return hog_sparse();
    case HOG_SQUAT: return hog_children(HOG_INIT_CH);
    default: break;
    }
    long eq = warp_eventq_create(); /* HOG_BLOCK */
    struct warp_event ev;
    for (;;)
        warp_eventq_wait((handle_t)eq, &ev, DEADLINE_FOREVER);
}

/* The sparse hog, under its page quota and a children quota that its pages run out before. */
static long hog_spawn_sparse(void)
{
    static const char name[] = "hog";
    struct spawn_args a = {.name = (uaddr_t)name,
                           .name_len = sizeof(name) - 1,
                           .image = (uaddr_t)hog_self->data,
                           .image_len = hog_self->size,
                           .arg = HOG_SPARSE};
    a.limits[LIMIT_PAGES] = HOG_SPARSE_QUOTA;
    a.limits[LIMIT_CHILDREN] = HOG_SPARSE_CHILDREN;
    return warp_spawn(&a);
}

/* "hog KIND": run that hog to its refusal and report what it got. */
static void hog_run(const char *kind, char *out, size_t size)
{
    unsigned k = 0;
    while (k < HOG_KINDS && strcmp(kind, hog_names[k]) != 0)
        k++;
    if (k == HOG_KINDS) {
        fmt_snprintf(out, size, "error unknown hog\n");
        return;
    }
    unsigned mode = HOG_MODE_FIRST + k;
    long h = mode == HOG_SPARSE ? hog_spawn_sparse()
                                : hog_spawn(mode, NULL, 0, LIMIT_PAGES + (int)k, hog_quota[k]);
    struct exit_info ei;
    if (h < 0 || warp_wait((handle_t)h, &ei) < 0 || ei.reason != EXIT_NORMAL) {
        fmt_snprintf(out, size, "error hog %s did not run to its end (%ld)\n", kind, h);
    } else if (mode == HOG_SPARSE) {
        int got = ei.code / 64 % 128, used = ei.code / 64 / 128;
        fmt_snprintf(out, size, "ok hog %s got %d err %d used %d\n", kind, got, -(ei.code % 64), used);
        printf("adversary: hog sparse: %d children (%d pages) before the kernel said %s\n", got, used,
               err_str(-(ei.code % 64)));
    } else {
        fmt_snprintf(out, size, "ok hog %s got %d err %d\n", kind, ei.code / 64, -(ei.code % 64));
        printf("adversary: hog %s got %d before the kernel said %s\n", kind, ei.code / 64,
               err_str(-(ei.code % 64)));
    }
    if (h > 0)
        warp_handle_close((handle_t)h);
}

/* Live processes now. */
static uint64_t hog_procs(void)
{
    struct sysinfo si;
    warp_sysinfo(&si);
    return si.nprocs;
}

/* "squat": start the squatter and relay its report; it keeps its children until "unsquat". */
static void hog_squat(char *out, size_t size)
{
    handle_t ch[2];
    hog_procs_before = hog_procs();
    long r = hog_squatter ? ERR_ALREADY_EXISTS : warp_channel_create(ch);
    long h = r < 0 ? r : hog_spawn(HOG_SQUAT, &ch[1], 1, -1, 0);
    struct warp_msg m;
    if (h > 0) {
        hog_squatter = (handle_t)h;
        while ((r = warp_channel_recv(ch[0], &m)) == ERR_WOULD_BLOCK)
            warp_yield();
    }
    if (r == 0 && h > 0 && m.data_len < size - 12) {
        m.data[m.data_len] = 0;
        fmt_snprintf(out, size, "ok squat %s\n", (const char *)m.data);
        printf("adversary: squatter: %s\n", (const char *)m.data);
    } else {
        fmt_snprintf(out, size, "error squat %ld\n", h < 0 ? h : r);
    }
    if (r >= 0 || h > 0)
        warp_handle_close(ch[0]);
}

/* "unsquat": kill the squatter; its children, which nobody else holds, must go with it. */
static void hog_unsquat(char *out, size_t size)
{
    if (!hog_squatter) {
        fmt_snprintf(out, size, "error no squatter\n");
        return;
    }
    struct exit_info ei;
    warp_kill(hog_squatter);
    warp_wait(hog_squatter, &ei);
    warp_handle_close(hog_squatter);
    hog_squatter = 0;
    uint64_t t0 = warp_clock();
    uint64_t before = hog_procs();
    while (hog_procs() > hog_procs_before && warp_clock() - t0 < 2000 * HOG_MS)
        warp_yield();
    fmt_snprintf(out, size, "ok unsquat procs %lu (from %lu)\n", (unsigned long)hog_procs(),
                 (unsigned long)before);
}

/* "crash pong": crash it, then time how long until init has it serving again. */
static void hog_crash_pong(char *out, size_t size)
{
    long conn = ipc_open_sync(HOG_INIT_CH, PONG_URI);
    if (conn < 0) {
        fmt_snprintf(out, size, "error open pong %ld\n", conn);
        return;
    }
    struct warp_msg m = {.type = PONG_MSG_CRASH, .flags = MSG_CALL}, reply;
    ipc_call_sync((handle_t)conn, &m, &reply);
    warp_handle_close((handle_t)conn);
    uint64_t t0 = warp_clock();
    while ((conn = ipc_open_sync(HOG_INIT_CH, PONG_URI)) < 0 &&
           warp_clock() - t0 < HOG_RESTART_TIMEOUT_MS * HOG_MS)
        warp_yield();
    uint64_t ms = (warp_clock() - t0) / HOG_MS;
    if (conn < 0) {
        fmt_snprintf(out, size, "error pong not back after %lu ms (%ld)\n", (unsigned long)ms, conn);
        return;
    }
    warp_handle_close((handle_t)conn);
    fmt_snprintf(out, size, "ok crash pong restarted in %lu ms\n", (unsigned long)ms);
    printf("adversary: pong restarted in %lu ms\n", (unsigned long)ms);
}

bool hog_command(const char *cmd, char *out, size_t size, const struct tar_file *self)
{
    hog_self = self;
    if (strncmp(cmd, "hog ", 4) == 0) {
        hog_run(cmd + 4, out, size);
    } else if (strcmp(cmd, "squat") == 0) {
        hog_squat(out, size);
    } else if (strcmp(cmd, "unsquat") == 0) {
        hog_unsquat(out, size);
    } else if (strcmp(cmd, "crash pong") == 0) {
        hog_crash_pong(out, size);
    } else if (strcmp(cmd, "sysinfo") == 0) {
        struct sysinfo si;
        warp_sysinfo(&si);
        fmt_snprintf(out, size, "ok free %lu procs %lu\n", (unsigned long)si.free_pages,
                     (unsigned long)si.nprocs);
    } else {
        return false;
    }
    return true;
}
