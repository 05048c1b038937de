/* fuzzos: a typed, resource-aware system-call fuzzer that runs inside Warp (docs/testing.md).
 *
 * The main process reads its settings from etc/fuzzos.conf in the initfs (`calls`, `seed`, `chunk`;
 * seed 0 or absent: one from SYS_ENTROPY), notes the free pages, and runs the calls in workers:
 * children (this same program) of `chunk` calls each, two at a time joined by a channel, whose
 * streams derive from the seed. A worker keeps a pool of what it made (channels, event queues,
 * timers, children, mappings, calls received) and feeds it back into later calls, mixed with stale,
 * wrong-type and made-up handles and bad pointers. At its end it kills its children, closes and
 * unmaps everything, and exits; every second round one worker is killed instead. Afterwards the
 * free pages must be back where they were. Verdict: TAP lines, then "fuzzos: P passed, F failed";
 * the exit code (init powers off with it) is 0 only if all passed.
 */
#include "report.h"
#include "worker.h"

#include <warp/string.h>
#include <warp/tap.h>
#include <warp/tar.h>
#include <warp/user.h>

#define SELF "bin/fuzzos"
#define CONF "etc/fuzzos.conf"
#define SETTLE_NS 3000000000ull        /* how long freed memory may take to come back (deferred teardown) */
#define STABLE_NS 50000000ull          /* the baseline is a count that held this long */
#define KILL_DELAY_MAX_NS 300000000ull /* a mortal worker is killed within this of its start */
#define RETRY_NS 10000000000ull        /* how long starting a worker may wait for memory */
#define RETRY_SLEEP_NS 10000000ull     /* between tries */
#define PROGRESS_EVERY 100000          /* calls between progress lines (a hang shows where) */

static struct {
    uint64_t calls, seed, chunk;
    struct tar_file self;
    const void *initfs;
    size_t initfs_size;
    struct fz_stats total;
    unsigned workers, failed_workers, killed;
} fz = {.calls = 20000, .chunk = 10000};

/* The value of `key=` in the config text, or dflt. Numbers in decimal or 0x-hex. */
static uint64_t conf_value(const char *text, size_t len, const char *key, uint64_t dflt)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i + klen < len; i++) {
        if ((i && text[i - 1] != '\n') || memcmp(text + i, key, klen) || text[i + klen] != '=')
            continue;
        uint64_t v = 0, base = 10;
        size_t j = i + klen + 1;
        if (j + 1 < len && text[j] == '0' && text[j + 1] == 'x')
            base = 16, j += 2;
        for (; j < len; j++) {
            int d = text[j] >= '0' && text[j] <= '9' ? text[j] - '0'
                    : base == 16 && (text[j] | 0x20) >= 'a' && (text[j] | 0x20) <= 'f'
                        ? (text[j] | 0x20) - 'a' + 10
                        : -1;
            if (d < 0)
                break;
            v = v * base + (uint64_t)d;
        }
        return v;
    }
    return dflt;
}

static void read_config(void)
{
    struct tar_file conf;
    if (tar_find(fz.initfs, fz.initfs_size, CONF, &conf) == 0) {
        fz.calls = conf_value(conf.data, conf.size, "calls", fz.calls);
        fz.seed = conf_value(conf.data, conf.size, "seed", 0);
        fz.chunk = conf_value(conf.data, conf.size, "chunk", fz.chunk);
    }
    if (fz.chunk == 0)
        fz.chunk = 10000;
    while (fz.seed == 0)
        warp_entropy(&fz.seed, sizeof(fz.seed));
}

/* Free pages now. */
static uint64_t free_pages(void)
{
    struct sysinfo si = {0};
    warp_sysinfo(&si);
    return si.free_pages;
}

/* Free pages once they equal `want`, or after SETTLE_NS (a dead process's memory may come back a
 * moment after its handle is closed). */
static uint64_t free_pages_back_to(uint64_t want)
{
    uint64_t end = warp_clock() + SETTLE_NS, now;
    while ((now = free_pages()) != want && warp_clock() < end)
        warp_yield();
    return now;
}

/* The baseline: free pages once they stayed the same for STABLE_NS (init may still be settling),
 * or after SETTLE_NS. */
static uint64_t free_pages_stable(void)
{
    uint64_t end = warp_clock() + SETTLE_NS, last = free_pages(), since = warp_clock();
    while (warp_clock() < end && warp_clock() - since < STABLE_NS) {
        warp_yield();
        uint64_t now = free_pages();
        if (now != last)
            last = now, since = warp_clock();
    }
    return last;
}

/* Sleeps for ns on a timer of its own. */
static void sleep_ns(uint64_t ns)
{
    long eq = warp_eventq_create(), t = warp_timer_create();
    struct warp_event ev;
    if (eq > 0 && t > 0 && warp_timer_set((handle_t)t, warp_clock() + ns) == 0 &&
        warp_eventq_add((handle_t)eq, (handle_t)t, 0) == 0)
        warp_eventq_wait((handle_t)eq, &ev, DEADLINE_FOREVER);
    warp_handle_close((handle_t)t);
    warp_handle_close((handle_t)eq);
}

/* A worker on its way: its process and its channel. */
struct worker {
    long proc;
    handle_t ch;
    bool mortal;
};

/* True if r is ERR_NO_MEMORY and there is time left before give_up: then it has slept a little.
 * The sibling worker may hold all memory for a while (op_hog) and lets go at the latest when it ends. */
static bool retry(long r, uint64_t give_up)
{
    if (r != ERR_NO_MEMORY || warp_clock() >= give_up)
        return false;
    sleep_ns(RETRY_SLEEP_NS);
    return true;
}

/* Starts worker `index` for `calls` calls, moving `link` (if > 0) into it as WORKER_LINK (closing it
 * if the worker cannot start). */
static struct worker start_worker(unsigned index, uint64_t calls, handle_t link, bool mortal)
{
    struct worker w = {.proc = ERR_NO_RESOURCES, .mortal = mortal};
    handle_t ch[2] = {0, 0};
    struct worker_config cfg = {
        .seed = fz.seed, .calls = calls, .index = index, .shared = 1, .linked = link > 0, .mortal = mortal};
    struct warp_msg m = {.type = WORKER_MSG_CONFIG, .data_len = sizeof(cfg)};
    memcpy(m.data, &cfg, sizeof(cfg));
    uint64_t give_up = warp_clock() + RETRY_NS;
    long r;
    while (retry(r = warp_channel_create(ch), give_up))
        ;
    while (r == 0 && retry(r = warp_channel_send(ch[0], &m), give_up))
        ;
    handle_t moved[2] = {ch[1], link};
    struct spawn_args a = {.name = (uint64_t) "fuzzos-worker",
                           .name_len = 13,
                           .image = (uint64_t)fz.self.data,
                           .image_len = fz.self.size,
                           .arg = WORKER_ARG,
                           .flags = SPAWN_SHARE_INITFS,
                           .handles = (uint64_t)moved,
                           .nhandles = link > 0 ? 2 : 1};
    while (r == 0 && retry(w.proc = warp_spawn(&a), give_up))
        ;
    w.ch = ch[0];
    if (w.proc < 0) {
        printf("# fuzzos: worker %u could not start: %s\n", index, err_str(r < 0 ? r : w.proc));
        if (ch[1] > 0)
            warp_handle_close(ch[1]);
        if (link > 0)
            warp_handle_close(link);
    }
    return w;
}

/* Waits for w's end and adds its counts to fz.total. False if it failed (a mortal worker may also
 * have been killed). */
static bool finish_worker(const struct worker *w, unsigned index)
{
    struct exit_info ei = {0};
    bool ok = w->proc > 0 && warp_wait((handle_t)w->proc, &ei) == 0;
    bool killed = ok && w->mortal && ei.reason == EXIT_KILLED;
    ok = ok && (killed || (ei.reason == EXIT_NORMAL && ei.code == 0));
    struct warp_msg m;
    struct fz_stats s = {0};
    if (warp_channel_recv(w->ch, &m) == 0 && m.type == WORKER_MSG_STATS && m.data_len == sizeof(s))
        memcpy(&s, m.data, sizeof(s));
    else
        ok = ok && killed;
    if (!ok)
        printf("# fuzzos: worker %u (seed %#lx) ended with reason %d code %d (spawn %ld)\n", index,
               (unsigned long)fz.seed, ei.reason, ei.code, w->proc);
    fz.total.calls += s.calls, fz.total.succeeded += s.succeeded, fz.total.failures += s.failures;
    fz.total.desync += s.desync, fz.total.spawned += s.spawned, fz.total.no_memory += s.no_memory;
    fz.total.by_nr_made |= s.by_nr_made, fz.total.by_nr_ok |= s.by_nr_ok;
    fz.killed += killed;
    if (w->proc > 0)
        warp_handle_close((handle_t)w->proc);
    if (w->ch > 0)
        warp_handle_close(w->ch);
    return ok;
}

/*
 * Runs round r: two workers at once, linked by a channel, so calls, buffers and handles cross
 * between processes. Every second round the second worker is killed after a delay drawn from the
 * seed, with whatever it holds at that moment (calls pending both ways, mappings, children). False
 * if a worker failed.
 */
static bool run_round(unsigned r, uint64_t calls)
{
    handle_t link[2];
    uint64_t give_up = warp_clock() + RETRY_NS;
    long err;
    while (retry(err = warp_channel_create(link), give_up))
        ;
    if (err != 0)
        return false;
    bool kill = r % 2 == 1;
    struct worker a = start_worker(2 * r, calls, link[0], false);
    struct worker b = start_worker(2 * r + 1, calls, link[1], kill);
    if (kill && b.proc > 0) {
        uint64_t x = (fz.seed + r) * 0x9e3779b97f4a7c15ull;
        sleep_ns((x >> 20) % KILL_DELAY_MAX_NS);
        warp_kill((handle_t)b.proc);
    }
    bool ok = finish_worker(&a, 2 * r);
    return finish_worker(&b, 2 * r + 1) && ok;
}

/* Counts the bits set. */
static unsigned bits(uint64_t v)
{
    unsigned n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    if (arg == WORKER_ARG)
        return worker_main(initfs, initfs_size);
    fz.initfs = initfs, fz.initfs_size = initfs_size;
    read_config();
    if (tar_find(initfs, initfs_size, SELF, &fz.self) != 0) {
        printf("fuzzos: %s not in the initfs\nfuzzos: 0 passed, 1 failed\n", SELF);
        return 1;
    }
    printf("# fuzzos: seed %#lx, %lu calls in workers of %lu (again: make fuzz-os FUZZ_OS_SEED=%#lx "
           "FUZZ_OS_CALLS=%lu)\n",
           (unsigned long)fz.seed, (unsigned long)fz.calls, (unsigned long)fz.chunk, (unsigned long)fz.seed,
           (unsigned long)fz.calls);
    uint64_t before = free_pages_stable(), t0 = warp_clock(), progress = PROGRESS_EVERY;
    for (unsigned r = 0; fz.total.calls < fz.calls && fz.failed_workers == 0; r++) {
        uint64_t left = (fz.calls - fz.total.calls + 1) / 2;
        fz.failed_workers += !run_round(r, left < fz.chunk ? left : fz.chunk);
        fz.workers += 2;
        if (fz.total.calls >= progress) {
            printf("# fuzzos: %lu calls, %lu ms\n", (unsigned long)fz.total.calls,
                   (unsigned long)((warp_clock() - t0) / 1000000));
            progress = fz.total.calls + PROGRESS_EVERY;
        }
    }
    uint64_t ns = warp_clock() - t0, after = free_pages_back_to(before);
    printf(
        "# fuzzos: %lu calls in %lu ms (%lu calls/s), %lu succeeded, %lu ERR_NO_MEMORY, %lu children, %u "
        "workers (%u killed on purpose), %u of %u call numbers made (SYS_EXIT only by ending), %u succeeded "
        "at least once\n",
        (unsigned long)fz.total.calls, (unsigned long)(ns / 1000000),
        (unsigned long)(fz.total.calls * 1000000000ull / (ns ? ns : 1)), (unsigned long)fz.total.succeeded,
        (unsigned long)fz.total.no_memory, (unsigned long)fz.total.spawned, fz.workers, fz.killed,
        bits(fz.total.by_nr_made), SYS_COUNT - 1, bits(fz.total.by_nr_ok));
    if (fz.total.desync)
        tap_diag("fuzzos: %lu handles or mappings were gone before the end", (unsigned long)fz.total.desync);
    tap_ok(fz.failed_workers == 0 && fz.total.failures == 0 && fz.total.calls >= fz.calls,
           "fuzzos: %lu fuzzed system calls in %u workers (seed %#lx), no check failed",
           (unsigned long)fz.total.calls, fz.workers, (unsigned long)fz.seed);
    tap_ok(after == before, "fuzzos: free pages back to the baseline afterwards (before %lu, after %lu)",
           (unsigned long)before, (unsigned long)after);
    tap_plan();
    tap_summary("fuzzos");
    return tap_failed() ? 1 : 0;
}
