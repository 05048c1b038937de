/* test_fs_vfs.c: unit tests for the fs server's tree (servers/fs/vfs.c) over a tmpfs and an mke2fs image. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "servers/fs/cache.h"
#include "servers/fs/vfs.h"
#include <warp/error.h>

/*
 * The image's tree: a file of known bytes, a 0600 file, a 0700 directory, symlinks (relative,
 * absolute, climbing past the root, a loop, to a directory), deep directories, a 255-byte name and
 * a directory of 40 entries for listings in pieces. The image is read through the page cache over
 * a device that can be told to fail.
 */
static const char MAKE_TREE[] =
    "set -e; cd \"$1\"; mkdir src; cd src; printf 'hello, disk\\n' > hello.txt; seq 1 20000 > numbers;"
    "echo secret > secret; chmod 0600 secret; mkdir private; echo x > private/x; chmod 0700 private;"
    "mkdir -p a/b/c; echo deep > a/b/c/deep.txt; ln -s hello.txt rel; ln -s /a/b/c/deep.txt abs;"
    "ln -s ../../../../hello.txt climb; ln -s loop2 loop1; ln -s loop1 loop2; ln -s a/b dirlink;"
    "touch \"$(printf 'y%.0s' $(seq 255))\"; mkdir many; for i in $(seq 40); do : > many/entry-$i; done;"
    "chmod 0755 . ; cd ..; mke2fs -q -F -t ext4 -b 4096 -O metadata_csum -d src img 16M";

static char tmpdir[] = "/tmp/test_fs_vfs.XXXXXX";
static uint8_t *image;
static uint64_t image_size;
static bool dev_fail;

static struct ext4_fs ext4;
static struct cache cache;
static struct tmpfs root_tmpfs, tmp_tmpfs;
static struct vfs vfs;

/* The device under the cache: the image in memory, or ERR_IO while dev_fail is set. */
static int dev_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    (void)ctx;
    if (dev_fail)
        return ERR_IO;
    memcpy(buf, image + off, len);
    return 0;
}

/* Builds the image and the tree: / (root tmpfs), /disk0 (the image), /tmp (a 1 MiB tmpfs). */
static int setup(void **state)
{
    (void)state;
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    FILE *p = popen("bash -s >/dev/null 2>&1", "w");
    if (!p)
        return -1;
    fprintf(p, "set -- %s\n%s\n", tmpdir, MAKE_TREE);
    if (pclose(p) != 0)
        return -1;
    char path[256];
    snprintf(path, sizeof(path), "%s/img", tmpdir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    image_size = (uint64_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    image = malloc(image_size);
    if (!image || fread(image, 1, image_size, f) != image_size)
        return -1;
    fclose(f);
    if (cache_init(&cache, 64, image_size, dev_read, NULL) < 0 || ext4_mount(&ext4, cache_read, &cache) < 0)
        return -1;
    if (tmpfs_init(&root_tmpfs, 64 << 10, 0755, NULL) < 0 || tmpfs_init(&tmp_tmpfs, 1 << 20, 0777, NULL) < 0)
        return -1;
    vfs_init(&vfs, &root_tmpfs);
    if (vfs_mount_ext4(&vfs, 1, "disk0", &ext4) != 0 || vfs_mount_tmpfs(&vfs, 2, "tmp", &tmp_tmpfs) != 0)
        return -1;
    return 0;
}

/* Frees everything and removes the temporary directory. */
static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cache_destroy(&cache);
    tmpfs_destroy(&root_tmpfs);
    tmpfs_destroy(&tmp_tmpfs);
    free(image);
    return system(cmd) == 0 ? 0 : -1;
}

/* vfs_open of a NUL-terminated path from the root. */
static int op(const char *path, uint32_t flags, struct vfs_node *n, struct fs_attr *a)
{
    return vfs_open(&vfs, NULL, path, strlen(path), flags, 0644, n, a);
}

/* Reads a whole small file into buf (NUL-terminated): its length. */
static int64_t slurp(const char *path, char *buf, size_t cap)
{
    struct vfs_node n;
    struct fs_attr a;
    int err = op(path, FS_O_READ, &n, &a);
    if (err < 0)
        return err;
    int64_t r = vfs_read(&vfs, &n, 0, buf, cap - 1);
    if (r >= 0)
        buf[r] = '\0';
    return r;
}

/* Files on the disk read as written; symlinks and `..` stay inside the mount. */
static void test_disk_paths(void **state)
{
    (void)state;
    char buf[256];
    struct vfs_node n;
    struct fs_attr a;
    assert_int_equal(op("/disk0/hello.txt", FS_O_READ, &n, &a), 0);
    assert_int_equal(a.size, 12);
    assert_int_equal(a.type, FS_TYPE_FILE);
    assert_int_equal(a.mount, 1);
    assert_int_equal(a.mode & VFS_S_IFMT, VFS_S_IFREG);
    assert_int_equal(vfs_read(&vfs, &n, 7, buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "disk\n", 5);
    assert_int_equal(vfs_read(&vfs, &n, 12, buf, sizeof(buf)), 0);
    assert_int_equal(vfs_read(&vfs, &n, 1000, buf, sizeof(buf)), 0);
    assert_int_equal(slurp("/disk0/rel", buf, sizeof(buf)), 12);
    assert_int_equal(slurp("/disk0/abs", buf, sizeof(buf)), 5);
    assert_string_equal(buf, "deep\n");
    assert_int_equal(slurp("/disk0/climb", buf, sizeof(buf)), 12);
    assert_int_equal(slurp("/disk0/../../a/./../hello.txt", buf, sizeof(buf)), 12);
    assert_int_equal(slurp("disk0/dirlink/c/deep.txt", buf, sizeof(buf)), 5);
    assert_int_equal(op("/disk0/..", FS_O_READ, &n, &a), 0);
    assert_int_equal(a.mount, 1); /* `..` at the mount's root stays there */
    struct vfs_node dir;
    assert_int_equal(op("/disk0/a/b", FS_O_DIRECTORY, &dir, &a), 0);
    assert_int_equal(vfs_open(&vfs, &dir, "c/deep.txt", 10, FS_O_READ, 0, &n, &a), 0);
    assert_int_equal(a.size, 5);
    assert_int_equal(vfs_open(&vfs, &dir, "/disk0/hello.txt", 16, FS_O_READ, 0, &n, &a), 0);
    assert_int_equal(a.size, 12);
    char name[300] = "/disk0/";
    memset(name + 7, 'y', 255);
    assert_int_equal(op(name, FS_O_READ, &n, &a), 0);
}

/* Every refusal of an OPEN on the disk. */
static void test_disk_errors(void **state)
{
    (void)state;
    struct vfs_node n;
    struct fs_attr a;
    assert_int_equal(op("/disk0/nope", FS_O_READ, &n, &a), ERR_NOT_FOUND);
    assert_int_equal(op("/nope/x", FS_O_READ, &n, &a), ERR_NOT_FOUND);
    assert_int_equal(op("/disk0/hello.txt/x", FS_O_READ, &n, &a), ERR_NOT_DIR);
    assert_int_equal(op("/disk0/hello.txt", FS_O_READ | FS_O_DIRECTORY, &n, &a), ERR_NOT_DIR);
    assert_int_equal(op("/disk0/a", FS_O_READ | FS_O_WRITE, &n, &a), ERR_IS_DIR);
    assert_int_equal(op("/disk0/secret", FS_O_READ, &n, &a), ERR_PERMISSION);
    assert_int_equal(op("/disk0/secret", 0, &n, &a), 0); /* attributes only */
    assert_int_equal(op("/disk0/private/x", FS_O_READ, &n, &a), ERR_PERMISSION);
    assert_int_equal(op("/disk0/loop1", FS_O_READ, &n, &a), ERR_LOOP);
    assert_int_equal(op("/disk0/rel", FS_O_READ | FS_O_NOFOLLOW, &n, &a), ERR_LOOP);
    assert_int_equal(op("/disk0/hello.txt", FS_O_READ | FS_O_NOFOLLOW, &n, &a), 0);
    assert_int_equal(op("/disk0/hello.txt", FS_O_WRITE, &n, &a), ERR_READ_ONLY);
    assert_int_equal(op("/disk0/new", FS_O_WRITE | FS_O_CREATE, &n, &a), ERR_READ_ONLY);
    assert_int_equal(op("/disk0/hello.txt", FS_O_CREATE | FS_O_EXCL, &n, &a), ERR_ALREADY_EXISTS);
    assert_int_equal(op("/disk0/hello.txt", FS_O_READ | FS_O_TRUNC, &n, &a), ERR_INVALID_ARG);
    assert_int_equal(op("/disk0/hello.txt", 0x80, &n, &a), ERR_INVALID_ARG);
    assert_int_equal(vfs_open(&vfs, NULL, "", 0, FS_O_READ, 0, &n, &a), ERR_INVALID_ARG);
    assert_int_equal(vfs_open(&vfs, NULL, "/disk0\0x", 8, FS_O_READ, 0, &n, &a), ERR_INVALID_ARG);
    assert_int_equal(vfs_open(&vfs, NULL, "/tmp/x", 6, FS_O_CREATE, 010000, &n, &a), ERR_INVALID_ARG);
    static char longpath[FS_PATH_MAX + 2];
    memset(longpath, '/', sizeof(longpath) - 1);
    assert_int_equal(vfs_open(&vfs, NULL, longpath, FS_PATH_MAX, FS_O_READ, 0, &n, &a), 0);
    assert_int_equal(vfs_open(&vfs, NULL, longpath, FS_PATH_MAX + 1, FS_O_READ, 0, &n, &a),
                     ERR_NAME_TOO_LONG);
    char name[300] = "/disk0/";
    memset(name + 7, 'y', 256);
    assert_int_equal(op(name, FS_O_READ, &n, &a), ERR_NAME_TOO_LONG);
    assert_int_equal(op("/disk0", FS_O_READ, &n, &a), 0);
    char buf[16];
    assert_int_equal(vfs_read(&vfs, &n, 0, buf, sizeof(buf)), ERR_IS_DIR);
    assert_int_equal(vfs_write(&vfs, &n, 0, buf, 1), ERR_READ_ONLY);
    assert_int_equal(vfs_truncate(&vfs, &n, 0), ERR_READ_ONLY);
}

/* Collects a directory's names through listings of buffers of cap bytes; returns how many. */
static int list(const char *path, size_t cap, char names[][64], int most)
{
    struct vfs_node n;
    struct fs_attr a;
    uint8_t buf[4096];
    assert_int_equal(op(path, FS_O_READ | FS_O_DIRECTORY, &n, &a), 0);
    uint64_t cookie = 0;
    int count = 0;
    for (;;) {
        int64_t r = vfs_readdir(&vfs, &n, cookie, buf, cap);
        assert_true(r >= 0);
        if (r == 0)
            return count;
        for (int64_t at = 0; at < r;) {
            struct fs_dirent d;
            memcpy(&d, buf + at, sizeof(d));
            assert_true(d.reclen % 8 == 0 && d.reclen == FS_DIRENT_SIZE(d.name_len) && at + d.reclen <= r);
            assert_int_equal(buf[at + sizeof(d) + d.name_len], 0);
            assert_true(count < most);
            memcpy(names[count], buf + at + sizeof(d), d.name_len < 63 ? d.name_len : 63);
            names[count][d.name_len < 63 ? d.name_len : 63] = '\0';
            count++;
            cookie = d.next;
            at += d.reclen;
        }
    }
}

/* True if name is among the n names. */
static bool has(char names[][64], int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* Listings: whole records, pieces continued by cookies, a buffer too small for one record. */
static void test_listing(void **state)
{
    (void)state;
    static char names[64][64];
    int n = list("/", 4096, names, 64);
    assert_true(has(names, n, "disk0") && has(names, n, "tmp") && has(names, n, ".."));
    n = list("/disk0/many", 4096, names, 64);
    assert_int_equal(n, 42);
    assert_true(has(names, n, "entry-1") && has(names, n, "entry-40") && has(names, n, "."));
    assert_int_equal(list("/disk0/many", FS_DIRENT_SIZE(8), names, 64), 42);
    assert_int_equal(list("/", 40, names, 64), list("/", 4096, names, 64));
    struct vfs_node d, f;
    struct fs_attr a;
    uint8_t buf[64];
    assert_int_equal(op("/disk0/many", FS_O_READ, &d, &a), 0);
    assert_int_equal(vfs_readdir(&vfs, &d, 0, buf, 8), ERR_TOO_LARGE);
    assert_int_equal(vfs_readdir(&vfs, &d, 1u << 30, buf, sizeof(buf)), 0);
    assert_int_equal(op("/disk0/hello.txt", FS_O_READ, &f, &a), 0);
    assert_int_equal(vfs_readdir(&vfs, &f, 0, buf, sizeof(buf)), ERR_NOT_DIR);
}

/* /tmp: create, write, read back, truncate; directories; relative opens; what the root refuses. */
static void test_tmp(void **state)
{
    (void)state;
    struct vfs_node n, d, m;
    struct fs_attr a;
    char buf[64];
    assert_int_equal(op("/tmp/f", FS_O_READ | FS_O_WRITE | FS_O_CREATE | FS_O_EXCL, &n, &a), 0);
    assert_int_equal(a.mode, VFS_S_IFREG | 0644);
    assert_int_equal(a.mount, 2);
    assert_int_equal(vfs_write(&vfs, &n, 3, "abc", 3), 3);
    assert_int_equal(vfs_read(&vfs, &n, 0, buf, sizeof(buf)), 6);
    assert_memory_equal(buf, "\0\0\0abc", 6);
    assert_int_equal(op("/tmp/f", FS_O_CREATE | FS_O_EXCL, &m, &a), ERR_ALREADY_EXISTS);
    assert_int_equal(op("/tmp/f", FS_O_WRITE | FS_O_TRUNC, &m, &a), ERR_PERMISSION); /* 0644 */
    assert_int_equal(vfs_open(&vfs, NULL, "/tmp/w", 6, FS_O_WRITE | FS_O_CREATE, 0666, &m, &a), 0);
    assert_int_equal(vfs_write(&vfs, &m, 0, "abc", 3), 3);
    assert_int_equal(op("/tmp/w", FS_O_WRITE | FS_O_TRUNC, &m, &a), 0);
    assert_int_equal(a.size, 0);
    assert_int_equal(vfs_truncate(&vfs, &n, 100), 0);
    assert_int_equal(vfs_getattr(&vfs, &n, &a), 0);
    assert_int_equal(a.size, 100);
    assert_int_equal(op("/tmp/r", FS_O_CREATE | FS_O_DIRECTORY, &d, &a), 0);
    assert_int_equal(vfs_open(&vfs, &d, "g", 1, FS_O_CREATE, 0600, &m, &a), ERR_PERMISSION); /* 0644 */
    assert_int_equal(vfs_open(&vfs, NULL, "/tmp/d", 6, FS_O_CREATE | FS_O_DIRECTORY, 0777, &d, &a), 0);
    assert_int_equal(a.type, FS_TYPE_DIR);
    assert_int_equal(vfs_open(&vfs, &d, "g", 1, FS_O_WRITE | FS_O_CREATE, 0600, &m, &a), 0);
    assert_int_equal(vfs_write(&vfs, &m, 0, "x", 1), 1);
    assert_int_equal(op("/tmp/d/g", FS_O_READ, &m, &a), ERR_PERMISSION); /* 0600 */
    assert_int_equal(op("/tmp/d/../d/./g", 0, &m, &a), 0);
    assert_int_equal(op("/tmp/d", FS_O_WRITE | FS_O_CREATE | FS_O_DIRECTORY, &m, &a), ERR_IS_DIR);
    assert_int_equal(op("/tmp/nodir/x", FS_O_CREATE, &m, &a), ERR_NOT_FOUND);
    assert_int_equal(op("/newdir", FS_O_CREATE | FS_O_DIRECTORY, &m, &a), ERR_PERMISSION);
    assert_int_equal(op("/tmp/..", FS_O_READ, &m, &a), 0);
    assert_int_equal(a.mount, 2);
}

/* vfs_remove of a NUL-terminated path from the root. */
static int rm(const char *path, bool dir)
{
    return vfs_remove(&vfs, NULL, path, strlen(path), dir);
}

/* vfs_rename of NUL-terminated paths from the root. */
static int mv(const char *from, const char *to)
{
    return vfs_rename(&vfs, NULL, from, strlen(from), to, strlen(to), true);
}

/* Names go and move under /tmp; the disk, the root, the mounts and other mounts refuse. */
static void test_names(void **state)
{
    (void)state;
    struct vfs_node n, d, m;
    struct fs_attr a;
    char buf[16];
    assert_int_equal(vfs_open(&vfs, NULL, "/tmp/names", 10, FS_O_CREATE | FS_O_DIRECTORY, 0777, &d, &a), 0);
    assert_int_equal(vfs_open(&vfs, &d, "f", 1, FS_O_READ | FS_O_WRITE | FS_O_CREATE, 0666, &n, &a), 0);
    assert_int_equal(vfs_write(&vfs, &n, 0, "kept", 4), 4);
    assert_int_equal(mv("/tmp/names/f", "/tmp/names/g"), 0);
    assert_int_equal(op("/tmp/names/f", 0, &m, &a), ERR_NOT_FOUND);
    assert_int_equal(slurp("/tmp/names/g", buf, sizeof(buf)), 4);
    assert_int_equal(op("/tmp/names/k", FS_O_CREATE, &m, &a), 0);
    vfs_close(&vfs, &m);
    assert_int_equal(vfs_rename(&vfs, &d, "g", 1, "k", 1, false), ERR_ALREADY_EXISTS);
    assert_int_equal(vfs_rename(&vfs, &d, "g", 1, "h", 1, false), 0); /* relative to a directory node */
    assert_int_equal(rm("/tmp/names/h/", false), ERR_NOT_DIR);
    assert_int_equal(mv("/tmp/names/h", "/tmp/names/x/"), ERR_NOT_DIR);
    assert_int_equal(vfs_remove(&vfs, &d, "h", 1, false), 0);
    /* the open node still reads and writes; nothing finds it */
    assert_int_equal(vfs_read(&vfs, &n, 0, buf, sizeof(buf)), 4);
    assert_int_equal(vfs_write(&vfs, &n, 4, "!", 1), 1);
    assert_int_equal(op("/tmp/names/h", 0, &m, &a), ERR_NOT_FOUND);
    vfs_close(&vfs, &n);
    /* directories */
    assert_int_equal(vfs_open(&vfs, &d, "sub", 3, FS_O_CREATE | FS_O_DIRECTORY, 0777, &m, &a), 0);
    vfs_close(&vfs, &m);
    assert_int_equal(op("/tmp/names/sub/x", FS_O_CREATE, &m, &a), 0);
    vfs_close(&vfs, &m);
    assert_int_equal(rm("/tmp/names/sub", true), ERR_NOT_EMPTY);
    assert_int_equal(rm("/tmp/names/sub", false), ERR_IS_DIR);
    assert_int_equal(rm("/tmp/names/sub/x", true), ERR_NOT_DIR);
    assert_int_equal(mv("/tmp/names/sub", "/tmp/names/sub/in"), ERR_INVALID_ARG);
    assert_int_equal(rm("/tmp/names/sub/x", false), 0);
    assert_int_equal(mv("/tmp/names/sub/", "/tmp/names/sub2"), 0);
    assert_int_equal(rm("/tmp/names/sub2/", true), 0);
    assert_int_equal(rm("/tmp/names/.", true), ERR_INVALID_ARG);
    assert_int_equal(rm("/tmp/names/..", true), ERR_INVALID_ARG);
    assert_int_equal(rm("/tmp/names/nothing", false), ERR_NOT_FOUND);
    assert_int_equal(rm("/tmp/nothing/x", false), ERR_NOT_FOUND);
    /* what no client may change */
    assert_int_equal(rm("/", true), ERR_PERMISSION);
    assert_int_equal(rm("/tmp", true), ERR_PERMISSION);
    assert_int_equal(mv("/tmp", "/tmp2"), ERR_PERMISSION);
    assert_int_equal(rm("/disk0/hello.txt", false), ERR_READ_ONLY);
    assert_int_equal(mv("/disk0/hello.txt", "/disk0/x"), ERR_READ_ONLY);
    assert_int_equal(op("/tmp/names/y", FS_O_CREATE, &m, &a), 0);
    vfs_close(&vfs, &m);
    assert_int_equal(mv("/tmp/names/y", "/disk0/y"), ERR_CROSS_DEVICE);
    assert_int_equal(mv("/tmp/names/y", "/y"), ERR_CROSS_DEVICE);
    assert_int_equal(rm("/disk0/private/x", false), ERR_READ_ONLY);
    assert_int_equal(vfs_open(&vfs, &d, "ro", 2, FS_O_CREATE | FS_O_DIRECTORY, 0755, &m, &a), 0);
    vfs_close(&vfs, &m);
    assert_int_equal(rm("/tmp/names/ro/z", false), ERR_PERMISSION); /* 0755: others cannot write */
    assert_int_equal(mv("/tmp/names/y", "/tmp/names/ro/y"), ERR_PERMISSION);
    assert_int_equal(rm("", false), ERR_INVALID_ARG);
    assert_int_equal(vfs_remove(&vfs, NULL, "/tmp/a\0b", 8, false), ERR_INVALID_ARG);
    vfs_close(&vfs, &d);
}

/* A device failing under the disk fails that read with ERR_IO; the rest of the tree goes on. */
static void test_device_error(void **state)
{
    (void)state;
    struct vfs_node n;
    struct fs_attr a;
    char buf[200000];
    assert_int_equal(op("/disk0/numbers", FS_O_READ, &n, &a), 0);
    dev_fail = true;
    assert_int_equal(vfs_read(&vfs, &n, 0, buf, sizeof(buf)), ERR_IO);
    assert_int_equal(op("/tmp/f", FS_O_READ, &n, &a), 0);
    dev_fail = false;
    assert_int_equal(op("/disk0/numbers", FS_O_READ, &n, &a), 0);
    assert_int_equal(vfs_read(&vfs, &n, 0, buf, sizeof(buf)), a.size);
    assert_memory_equal(buf, "1\n2\n3\n", 6);
}

/* The mount's icache answers a path walked before without the device, "not found" included, and
 * gives the same answers as the walk that filled it; a name past ICACHE_NAME_MAX is never kept. */
static void test_icache(void **state)
{
    (void)state;
    struct vfs_node n, again;
    struct fs_attr a, b;
    const struct icache_stats *st = &vfs.mounts[1].icache->st;
    assert_int_equal(op("/disk0/a/b/c/deep.txt", FS_O_READ, &n, &a), 0);
    assert_int_equal(op("/disk0/a/nothing", FS_O_READ, &again, &b), ERR_NOT_FOUND);
    uint64_t name_hits = st->name_hits, inode_hits = st->inode_hits;
    dev_fail = true;
    cache_destroy(&cache); /* nothing left below the icache: every device read would fail */
    assert_int_equal(cache_init(&cache, 64, image_size, dev_read, NULL), 0);
    assert_int_equal(op("/disk0/a/b/c/deep.txt", FS_O_READ, &again, &b), 0);
    assert_int_equal(again.ino, n.ino);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(op("/disk0/a/nothing", FS_O_READ, &again, &b), ERR_NOT_FOUND);
    assert_true(st->name_hits >= name_hits + 5);
    assert_true(st->inode_hits > inode_hits);
    char longname[300];
    memset(longname, 'y', 255);
    longname[255] = '\0';
    char path[320];
    snprintf(path, sizeof(path), "/disk0/%s", longname);
    uint64_t misses = st->name_misses;
    assert_int_equal(op(path, FS_O_READ, &again, &b), ERR_IO); /* looked up on the failing device */
    assert_int_equal(st->name_misses, misses + 1);
    dev_fail = false;
    assert_int_equal(op(path, FS_O_READ, &again, &b), 0);
    assert_int_equal(op(path, FS_O_READ, &again, &b), 0);
    assert_int_equal(st->name_misses, misses + 3);
    for (int i = 1; i <= 40; i++) { /* a directory's worth of names, twice: the same inodes */
        char p1[64];
        snprintf(p1, sizeof(p1), "/disk0/many/entry-%d", i);
        assert_int_equal(op(p1, FS_O_READ, &n, &a), 0);
        assert_int_equal(op(p1, FS_O_READ, &again, &b), 0);
        assert_int_equal(again.ino, n.ino);
    }
}

/* Runs the tests in this file. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disk_paths), cmocka_unit_test(test_disk_errors),
        cmocka_unit_test(test_listing),    cmocka_unit_test(test_tmp),
        cmocka_unit_test(test_names),      cmocka_unit_test(test_device_error),
        cmocka_unit_test(test_icache),
    };
    return cmocka_run_group_tests_name("fs_vfs", tests, setup, teardown);
}
