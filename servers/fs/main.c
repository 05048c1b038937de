/* fs: the file system server: ext4 of the first disk at /disk0 (read-only), a tmpfs at /tmp, and the
 * manifest's persistent mount kept in PostgreSQL (docs/fs.md, docs/persistence.md). */
#include "cache.h"
#include "disk.h"
#include "part.h"
#include "pgconf.h"
#include "pgfs.h"
#include "session.h"
#include "vfs.h"

#include <warp/clock.h>
#include <warp/fmt.h>
#include <warp/service.h>
#include <warp/string.h>
#include <warp/tar.h>
#include <warp/user.h>

#define FS_CACHE_MAX_MIB 1024      /* a larger arg is cut to this */
#define FS_ROOT_BYTES (64u << 10)  /* the root tmpfs: a few mount points */
#define FS_TMP_BYTES (16ull << 20) /* /tmp */
#define FS_DISK_ID 1               /* mount numbers (struct fs_attr.mount), the same with or without a disk */
#define FS_TMP_ID 2
#define FS_PG_ID 3                              /* the persistent mount, once its tree is read */
#define FS_PG_CACHE_BYTES (32ull << 20)         /* its tree and cached chunks */
#define FS_MANIFEST "etc/init.manifest"         /* in the initfs: its [fs NAME] section */
#define FS_STATS_PERIOD_NS (10 * 1000000000ull) /* the stats line, when it changed */

static struct loop fs_loop;
static struct disk fs_disk;
static struct cache fs_cache;
static struct ext4_fs fs_ext4;
static struct tmpfs fs_root, fs_tmp;
static struct vfs fs_vfs;
static struct loop_timeout fs_stats_timer;
static struct part fs_volume; /* the bytes of the disk /disk0 is: all of it, or a partition */
static struct pgfs fs_pg;
static struct pgconf fs_pgconf;
static char fs_stats_last[512];
static size_t fs_cache_mib;

/* The counters: the page cache's, then the server's (GETATTR "stats" and the stats line). */
static int fs_stats_format(char *buf, size_t size)
{
    const struct cache_stats *c = &fs_cache.st;
    static const struct icache_stats none;
    const struct icache *ic = fs_vfs.mounts[FS_DISK_ID].icache;
    const struct icache_stats *i = ic ? &ic->st : &none;
    int n = fmt_snprintf(
        buf, size,
        "hits=%llu misses=%llu disk_bytes=%llu evictions=%llu readahead=%llu pages=%llu "
        "reopens=%u sessions=%u nodes=%u opens=%llu reads=%llu writes=%llu names=%llu errors=%llu "
        "tmp_bytes=%llu "
        "inode_hits=%llu inode_misses=%llu name_hits=%llu name_misses=%llu",
        (unsigned long long)c->hits, (unsigned long long)c->misses, (unsigned long long)c->disk_bytes,
        (unsigned long long)c->evictions, (unsigned long long)c->ra_pages,
        (unsigned long long)fs_cache.npages, fs_disk.bc.reopens + fs_disk.ra.reopens, session_stats.sessions,
        session_stats.nodes, (unsigned long long)session_stats.opens, (unsigned long long)session_stats.reads,
        (unsigned long long)session_stats.writes, (unsigned long long)session_stats.names,
        (unsigned long long)session_stats.errors, (unsigned long long)fs_tmp.bytes_used,
        (unsigned long long)i->inode_hits, (unsigned long long)i->inode_misses,
        (unsigned long long)i->name_hits, (unsigned long long)i->name_misses);
    if (fs_pg.state == PGFS_READY && n >= 0 && (size_t)n + 2 < size) {
        buf[n++] = ' ';
        pgfs_stats(&fs_pg, buf + n, size - (size_t)n);
        n += (int)strlen(buf + n);
    }
    return n;
}

/* Every FS_STATS_PERIOD_NS: the stats line, if anything in it changed. */
static void fs_on_stats(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)ctx;
    char line[sizeof(fs_stats_last)];
    fs_stats_format(line, sizeof(line));
    if (strcmp(line, fs_stats_last) != 0) {
        memcpy(fs_stats_last, line, sizeof(line));
        printf("fs: stats %s\n", line);
    }
    loop_timeout_after(l, t, FS_STATS_PERIOD_NS);
}

/* The ext4 reader's device: fs_volume's bytes of the disk, through the page cache. */
static int fs_volume_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    if (off > fs_volume.size || len > fs_volume.size - off)
        return ERR_IO;
    return cache_read(ctx, fs_volume.offset + off, buf, len);
}

/* A read-ahead READ ended: its pages go into the page cache. */
static void fs_ra_done(void *ctx, unsigned tag, int result)
{
    cache_fetch_done(ctx, tag, result);
}

_Static_assert(CACHE_ASYNC_MAX <= DISK_RA_MAX, "each read-ahead fetch of the cache is one disk READ");

/*
 * Mounts ext4 from the whole disk or, when the disk does not start with one (the GCE image: the
 * boot ISO, then the site as a GPT partition: tools/mkgce --site), from its first Linux partition
 * that holds one. Returns ext4_mount's result for the last volume tried, and logs what it found.
 */
static long fs_mount_volume(void)
{
    fs_volume = (struct part){.offset = 0, .size = fs_disk.size};
    long r = ext4_mount(&fs_ext4, fs_volume_read, &fs_cache);
    if (r != ERR_BAD_FORMAT)
        return r;
    struct part parts[PART_MAX];
    const char *why = NULL;
    int n = part_find_linux(cache_read, &fs_cache, fs_disk.size, fs_disk.sector_size, parts, &why);
    if (n < 0) {
        printf("fs: the disk holds no ext4 and its partition table is unusable: %s\n",
               why ? why : err_str(n));
        return r;
    }
    for (int i = 0; i < n; i++) {
        fs_volume = parts[i];
        long p = ext4_mount(&fs_ext4, fs_volume_read, &fs_cache);
        if (p == 0) {
            printf("fs: %s: ext4 in the Linux partition at %llu MiB (%llu MiB)\n", FS_DISK_MOUNT,
                   (unsigned long long)(parts[i].offset >> 20), (unsigned long long)(parts[i].size >> 20));
            return 0;
        }
        r = p;
    }
    if (n == 0)
        fs_ext4.why = "no ext4 at the disk's start, and no Linux partition";
    return r;
}

/* Mounts the first disk's ext4 at /disk0 if there is a disk and ext4 takes it; one line says why not. */
static void fs_mount_disk(void)
{
    long r = disk_open(&fs_disk, SERVICE_INIT_CH);
    if (r == ERR_NOT_FOUND) {
        printf("fs: no disk: %s not mounted\n", FS_DISK_MOUNT);
        return;
    }
    if (r < 0) {
        printf("fs: disk: %s: %s not mounted\n", err_str(r), FS_DISK_MOUNT);
        return;
    }
    r = cache_init(&fs_cache, fs_cache_mib * ((1u << 20) / CACHE_PAGE), fs_disk.size, disk_read, &fs_disk);
    if (r == 0) {
        r = fs_mount_volume();
        if (r < 0) {
            printf("fs: %s not mounted: ext4 refused the disk (%s): %s\n", FS_DISK_MOUNT, err_str(r),
                   fs_ext4.why);
            return;
        }
        r = vfs_mount_ext4(&fs_vfs, FS_DISK_ID, FS_DISK_MOUNT + 1, &fs_ext4);
    }
    if (r < 0)
        printf("fs: cannot mount %s: %s\n", FS_DISK_MOUNT, err_str(r));
}

/* The persistent mount's tree is read: it is mounted at /NAME and its calls go through pgfs. */
static void fs_pg_ready(struct pgfs *f)
{
    long r = vfs_mount_pg(&fs_vfs, FS_PG_ID, f->conf.name, &f->tree, !f->writer);
    if (r < 0) {
        printf("fs: cannot mount /%s: %s\n", f->conf.name, err_str(r));
        return;
    }
    f->read_only = &fs_vfs.mounts[FS_PG_ID].read_only;
    session_set_pg(f);
}

/* Logs a diagnostic of the manifest's [fs] section. */
static void fs_pgconf_log(void *ctx, const char *msg)
{
    (void)ctx;
    printf("fs: %s: %s\n", FS_MANIFEST, msg);
}

/* Starts the manifest's persistent mount, if it has one (the manifest is in the initfs: initfs = yes). */
static void fs_start_pg(const void *initfs, size_t initfs_size)
{
    struct tar_file f;
    if (!initfs || tar_find(initfs, initfs_size, FS_MANIFEST, &f) < 0)
        return;
    pgconf_parse(f.data, f.size, &fs_pgconf, fs_pgconf_log, NULL);
    if (!fs_pgconf.present)
        return;
    printf("fs: /%s: volume '%s' at %s:%u (database %s, user %s): connecting\n", fs_pgconf.name,
           fs_pgconf.volume, fs_pgconf.host, (unsigned)fs_pgconf.port, fs_pgconf.database, fs_pgconf.user);
    long r = pgfs_start(&fs_pg, &fs_loop, &fs_pgconf, FS_PG_CACHE_BYTES, fs_pg_ready);
    if (r < 0)
        printf("fs: /%s: cannot start: %s\n", fs_pgconf.name, err_str(r));
}

/* Entry: the tree, service/fs, the stats line; then the loop, forever. arg: the cache's MiB (0: the
 * default). */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    fs_cache_mib = arg == 0 ? CACHE_DEFAULT_MIB : arg > FS_CACHE_MAX_MIB ? FS_CACHE_MAX_MIB : (size_t)arg;
    long r = loop_init(&fs_loop);
    if (r == 0)
        r = tmpfs_init(&fs_root, FS_ROOT_BYTES, 0755, clock_ns);
    if (r == 0)
        r = tmpfs_init(&fs_tmp, FS_TMP_BYTES, 0777, clock_ns);
    if (r == 0)
        r = vfs_init(&fs_vfs, &fs_root);
    if (r == 0)
        fs_mount_disk(); /* before registering: its OPEN of block:0 is a synchronous call on handle 1 */
    if (r == 0)
        r = vfs_mount_tmpfs(&fs_vfs, FS_TMP_ID, FS_TMP_MOUNT + 1, &fs_tmp);
    if (r >= 0) {
        session_init(&fs_vfs, fs_stats_format);
        r = service_start(&fs_loop, "fs", session_accept, NULL);
        disk_follow_loop(&fs_disk, &fs_loop);
    }
    bool disk = fs_vfs.mounts[FS_DISK_ID].kind == VFS_EXT4;
    disk_ra_init(&fs_disk, fs_ra_done, &fs_cache);
    if (r >= 0 && disk && cache_set_async(&fs_cache, disk_start, disk_poll, &fs_disk) < 0)
        printf("fs: no memory for read-ahead buffers: read-ahead stays synchronous\n");
    if (r < 0) {
        printf("fs: cannot start: %s\n", err_str(r));
        return 1;
    }
    printf("fs: serving %s%s (tmpfs, %llu MiB); page cache %llu MiB%s\n",
           disk ? FS_DISK_MOUNT " (ext4, read-only), " : "", FS_TMP_MOUNT,
           (unsigned long long)(FS_TMP_BYTES >> 20), (unsigned long long)fs_cache_mib,
           disk ? "" : " (unused: no disk)");
    fs_start_pg(initfs, initfs_size);
    loop_timeout_init(&fs_stats_timer, fs_on_stats, NULL);
    loop_timeout_after(&fs_loop, &fs_stats_timer, FS_STATS_PERIOD_NS);
    r = loop_run(&fs_loop);
    printf("fs: event loop failed: %s\n", err_str(r));
    return 1;
}
