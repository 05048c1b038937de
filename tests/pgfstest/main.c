/* pgfstest: the persistent mount /data end to end: one boot writes a tree and syncs it, the next (a new
 * machine, an empty cache) reads it back from PostgreSQL (tests/e2e/case_pgfs.py). */
#include "../fstest/ft.h"

#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/string.h>
#include <warp/tap.h>
#include <warp/user.h>

/*
 * TAP on the console, then `pgfstest: written` or `pgfstest: verified` and the summary; exit code 0 or
 * 1 (the machine's verdict). /data/pgfstest/done decides the phase: missing, this boot writes; there,
 * it verifies what the boot before wrote (and marks it verified). `pgfstest: syncing big` tells the
 * test when to restart the database; after `pgfstest: written` it may kill the machine at once.
 */
#define PT_INIT_CH 1
#define PT_WAIT_NS (120ull * 1000000000) /* for /data to be served */
#define PT_DIR "/data/pgfstest"
#define PT_PATCH_AT 100000 /* big's bytes rewritten in place after its first sync */
#define PT_PATCH_LEN 5000
#define PT_CUT_FROM 300000 /* cut's size before and after its truncate */
#define PT_CUT_TO 200000

/* The files of the tree: name and size. */
static const struct {
    const char *name;
    uint32_t size;
} pt_files[] = {{"empty", 0},       {"one", 1},
                {"page", 4096},     {"chunk", 65536},
                {"chunk1", 65537},  {"cut", PT_CUT_FROM},
                {"mib", 1u << 20},  {"big", (3u << 20) + 123},
                {"copy", 1u << 20}, {"sub/deep/leaf", 777}};
#define PT_NFILES (sizeof(pt_files) / sizeof(pt_files[0]))

/* Byte k of file i: "copy" repeats "mib" (stored once), big carries its patch. */
static uint8_t pt_byte(unsigned i, uint64_t k)
{
    if (strcmp(pt_files[i].name, "copy") == 0)
        i = 6;
    if (strcmp(pt_files[i].name, "big") == 0 && k >= PT_PATCH_AT && k < PT_PATCH_AT + PT_PATCH_LEN)
        return 'Z';
    return (uint8_t)(i * 31 + k * 7 + (k >> 12));
}

/* The size file i has once written (cut is truncated). */
static uint64_t pt_size(unsigned i)
{
    return strcmp(pt_files[i].name, "cut") == 0 ? PT_CUT_TO : pt_files[i].size;
}

/* SETATTR attr=value on h: the status. */
static long pt_setattr(handle_t h, const char *attr, const char *value)
{
    struct warp_msg m;
    msg_setattr(&m, attr, value);
    return ft_raw(h, &m);
}

/* A name call with one or two paths on the session. */
static long pt_names(handle_t s, const char *attr, const char *a, const char *b)
{
    struct warp_msg m;
    msg_setattr(&m, attr, "");
    msg_add_buf(&m, a, strlen(a), BUF_READ);
    if (b)
        msg_add_buf(&m, b, strlen(b), BUF_READ);
    return ft_raw(s, &m);
}

/* Sleeps ns nanoseconds. */
static void pt_pause(uint64_t ns)
{
    long eq = warp_eventq_create();
    struct warp_event ev;
    if (eq < 0)
        return;
    warp_eventq_wait((handle_t)eq, &ev, warp_clock() + ns);
    warp_handle_close((handle_t)eq);
}

/* Waits until fs serves /data: true if it does within PT_WAIT_NS. */
static bool pt_wait_mount(handle_t s)
{
    uint64_t until = warp_clock() + PT_WAIT_NS;
    while (warp_clock() < until) {
        if (ft_open(s, "/data", FS_O_DIRECTORY, NULL, NULL) == 0)
            return true;
        pt_pause(200000000);
    }
    return false;
}

/* Writes file i's bytes (whole) at path through node n, FS_IO_MAX at a time: true if all went. */
static bool pt_fill(handle_t n, unsigned i)
{
    for (uint64_t off = 0; off < pt_files[i].size;) {
        size_t len = pt_files[i].size - off < FS_IO_MAX ? (size_t)(pt_files[i].size - off) : FS_IO_MAX;
        for (size_t k = 0; k < len; k++)
            ft_buf[k] = strcmp(pt_files[i].name, "big") == 0
                            ? (uint8_t)(i * 31 + (off + k) * 7 + ((off + k) >> 12))
                            : pt_byte(i, off + k);
        if (ft_write(n, off, ft_buf, len) != (long)len)
            return false;
        off += len;
    }
    return true;
}

/* Reads path whole and compares it with file i: true if the size and every byte are right. */
static bool pt_check(handle_t s, const char *path, unsigned i)
{
    handle_t n;
    struct fs_attr a;
    if (ft_open(s, path, FS_O_READ, &n, &a) < 0)
        return false;
    bool ok = a.size == pt_size(i);
    for (uint64_t off = 0; ok && off < pt_size(i);) {
        long r = ft_read(n, off, ft_buf, FS_IO_MAX);
        ok = r > 0;
        for (long k = 0; ok && k < r; k++)
            ok = ft_buf[k] == pt_byte(i, off + (uint64_t)k);
        off += r > 0 ? (uint64_t)r : 0;
    }
    ft_close(n);
    return ok;
}

/* Writes, patches, cuts and syncs file i. */
static void pt_write_file(handle_t s, unsigned i)
{
    char path[96];
    handle_t n;
    fmt_snprintf(path, sizeof(path), "%s/%s", PT_DIR, pt_files[i].name);
    long r = ft_open_len(s, path, strlen(path), FS_O_READ | FS_O_WRITE | FS_O_CREATE | FS_O_TRUNC, 0666, NULL,
                         0, &n, NULL);
    if (!tap_eq(r, 0, "create %s", path))
        return;
    tap_ok(pt_fill(n, i), "write %s (%u bytes)", path, pt_files[i].size);
    if (strcmp(pt_files[i].name, "big") == 0)
        printf("pgfstest: syncing big\n"); /* the test restarts the database now, under the commit */
    tap_eq(pt_setattr(n, FS_ATTR_SYNC, ""), 0, "sync= %s", path);
    if (strcmp(pt_files[i].name, "big") == 0) {
        memset(ft_buf, 'Z', PT_PATCH_LEN);
        tap_eq(ft_write(n, PT_PATCH_AT, ft_buf, PT_PATCH_LEN), PT_PATCH_LEN, "rewrite 5000 bytes inside big");
        tap_eq(pt_setattr(n, FS_ATTR_SYNC, ""), 0, "sync= big again");
    }
    if (strcmp(pt_files[i].name, "cut") == 0)
        tap_eq(pt_setattr(n, FS_ATTR_SIZE, "200000") || pt_setattr(n, FS_ATTR_SYNC, ""), 0,
               "cut to 200000, sync=");
    ft_close(n);
    tap_ok(pt_check(s, path, i), "%s reads back right", path);
}

/* The first boot: the tree, a rename, an unlink, then the mark. */
static void pt_write(handle_t s)
{
    tap_eq(ft_open_len(s, PT_DIR, strlen(PT_DIR), FS_O_CREATE | FS_O_DIRECTORY, 0777, NULL, 0, NULL, NULL), 0,
           "mkdir %s", PT_DIR);
    tap_eq(ft_open_len(s, PT_DIR "/sub", strlen(PT_DIR "/sub"), FS_O_CREATE | FS_O_DIRECTORY, 0777, NULL, 0,
                       NULL, NULL),
           0, "mkdir sub");
    tap_eq(ft_open_len(s, PT_DIR "/sub/deep", strlen(PT_DIR "/sub/deep"), FS_O_CREATE | FS_O_DIRECTORY, 0777,
                       NULL, 0, NULL, NULL),
           0, "mkdir sub/deep");
    for (unsigned i = 0; i < PT_NFILES; i++)
        pt_write_file(s, i);
    tap_eq(pt_names(s, FS_ATTR_RENAME, PT_DIR "/one", PT_DIR "/renamed"), 0, "rename= one to renamed");
    tap_eq(ft_open(s, PT_DIR "/one", 0, NULL, NULL), ERR_NOT_FOUND, "one is gone");
    tap_eq(ft_open_len(s, PT_DIR "/gone", strlen(PT_DIR "/gone"), FS_O_WRITE | FS_O_CREATE, 0666, NULL, 0,
                       NULL, NULL),
           0, "create gone");
    tap_eq(pt_names(s, FS_ATTR_UNLINK, PT_DIR "/gone", NULL), 0, "unlink= gone");
    tap_eq(pt_names(s, FS_ATTR_RMDIR, PT_DIR "/sub", NULL), ERR_NOT_EMPTY, "rmdir= sub: ERR_NOT_EMPTY");
    handle_t n;
    tap_eq(ft_open_len(s, PT_DIR "/done", strlen(PT_DIR "/done"), FS_O_WRITE | FS_O_CREATE, 0666, NULL, 0, &n,
                       NULL),
           0, "create the mark");
    tap_eq(pt_setattr(n, FS_ATTR_SYNC, ""), 0, "sync= the mark");
    ft_close(n);
    tap_ok((long)ft_stat(s, FS_ATTR_PG_STATS, "pg_commits") >= (long)PT_NFILES,
           "fs committed every file (pg_commits %ld)", (long)ft_stat(s, FS_ATTR_PG_STATS, "pg_commits"));
    printf("pgfstest: written\n");
}

/* The next boot: everything the first wrote, from the database. */
static void pt_verify(handle_t s)
{
    char path[96];
    for (unsigned i = 0; i < PT_NFILES; i++) {
        const char *name = strcmp(pt_files[i].name, "one") == 0 ? "renamed" : pt_files[i].name;
        fmt_snprintf(path, sizeof(path), "%s/%s", PT_DIR, name);
        tap_ok(pt_check(s, path, i), "%s reads back right on a new machine", path);
    }
    tap_ok((long)ft_stat(s, FS_ATTR_PG_STATS, "pg_fetched") >= (5l << 20),
           "the bytes came from the database (pg_fetched %ld)",
           (long)ft_stat(s, FS_ATTR_PG_STATS, "pg_fetched"));
    long fetched = (long)ft_stat(s, FS_ATTR_PG_STATS, "pg_fetched"),
         hits = (long)ft_stat(s, FS_ATTR_PG_STATS, "pg_hits");
    tap_ok(pt_check(s, PT_DIR "/mib", 6), "mib read a second time");
    tap_ok((long)ft_stat(s, FS_ATTR_PG_STATS, "pg_fetched") == fetched &&
               (long)ft_stat(s, FS_ATTR_PG_STATS, "pg_hits") > hits,
           "from the cache: no byte fetched (pg_fetched %ld), pg_hits %ld -> %ld",
           (long)ft_stat(s, FS_ATTR_PG_STATS, "pg_fetched"), hits,
           (long)ft_stat(s, FS_ATTR_PG_STATS, "pg_hits"));
    tap_eq(ft_open(s, PT_DIR "/one", 0, NULL, NULL), ERR_NOT_FOUND, "one stays renamed");
    tap_eq(ft_open(s, PT_DIR "/gone", 0, NULL, NULL), ERR_NOT_FOUND, "gone stays unlinked");
    long r = ERR_READ_ONLY;
    uint64_t until = warp_clock() + PT_WAIT_NS;
    while (r == ERR_READ_ONLY && warp_clock() < until) { /* the last machine's lease runs out first */
        r = pt_names(s, FS_ATTR_RENAME, PT_DIR "/done", PT_DIR "/verified");
        if (r == ERR_READ_ONLY)
            pt_pause(500000000);
    }
    tap_eq(r, 0, "this machine takes the lease once the last one's ran out: rename= done to verified");
    printf("pgfstest: verified\n");
}

/* The database goes away (the test stops it): cached bytes are still served; a sync fails within
 * the lease (3 s: the writer cut off gives it up) or the mount's timeout (5 s), instead of waiting for
 * ever; then the mount takes no write (read-only until it gets the lease again). */
static void pt_offline(handle_t s)
{
    handle_t n;
    if (!tap_eq(ft_open(s, PT_DIR "/big", FS_O_WRITE, &n, NULL), 0, "OPEN big for writing"))
        return;
    printf("pgfstest: stop the database\n");
    pt_pause(500000000ull);
    tap_ok(pt_check(s, PT_DIR "/mib", 6), "with the database gone, a cached file still reads right");
    memset(ft_buf, 'Q', 100);
    tap_eq(ft_write(n, 0, ft_buf, 100), 100, "a write lands in the cache");
    uint64_t t0 = warp_clock();
    long r = pt_setattr(n, FS_ATTR_SYNC, "");
    uint64_t waited = (warp_clock() - t0) / 1000000u;
    tap_ok(r == ERR_READ_ONLY || r == ERR_TIMED_OUT, "its sync fails (%s)", err_str(r));
    tap_ok(waited < 8000, "within the lease or the timeout (%llu ms)", (unsigned long long)waited);
    pt_pause(3000000000ull);
    tap_eq(ft_write(n, 0, ft_buf, 100), ERR_READ_ONLY, "a writer whose lease ran out takes no write");
    ft_close(n);
    printf("pgfstest: offline checked\n");
}

/* Runs the phase the mark calls for; exit code 0 if all passed. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    (void)initfs;
    (void)initfs_size;
    long s = ipc_open_sync(PT_INIT_CH, FS_URI);
    if (tap_ok(s > 0, "OPEN service/fs gives a session") &&
        tap_ok(pt_wait_mount((handle_t)s), "/data is served")) {
        if (ft_open(s, PT_DIR "/done", 0, NULL, NULL) == ERR_NOT_FOUND)
            pt_write((handle_t)s);
        else {
            pt_verify((handle_t)s);
            pt_offline((handle_t)s);
        }
    }
    tap_plan();
    tap_summary("pgfstest");
    return tap_failed() ? 1 : 0;
}
