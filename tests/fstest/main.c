/* fstest: opens service/fs and checks its protocol on /disk0 (the host's ext4 image) and /tmp (tmpfs). */
#include "ft.h"

#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/proto/fs.h>
#include <warp/string.h>
#include <warp/tap.h>
#include <warp/user.h>

/*
 * TAP on the console (`ok N - ...`, `fstest: N passed, M failed`), exit code 0 or 1.
 * tests/e2e/case_fs.py made the disk: an ext4 image of this tree (FT_* below hold what the host
 * wrote), with the root 0755:
 *
 *   hello.txt           FT_HELLO                 big.bin     FT_BIG_LEN bytes of ft_big_byte(i)
 *   secret              0600                     private/    0700, holding x
 *   dir/sub/deep/leaf.txt   "leaf\n"             many/       FT_MANY empty files entry-00..
 *   rel -> hello.txt    abs -> /dir/sub/deep/leaf.txt        climb -> ../../../hello.txt
 *   loop1 -> loop2 -> loop1                      dirlink -> dir/sub
 *   a file named with 255 'n's             far.bin     FT_FAR_LEN bytes of ft_big_byte(i)
 *
 * When /disk0 is absent (the variant whose image fs refuses) the disk checks are replaced by one
 * that says so; /tmp and the malformed calls are checked in every variant.
 */
#define FT_INIT_CH 1
#define FT_HELLO "hello from the host\n"
#define FT_BIG_LEN 300000
#define FT_MANY 50
#define FT_NODES_CAP 512 /* fs's FS_NODES_PER_CLIENT */
#define FT_FAR_LEN (4u << 20)

static handle_t ft_nodes[FT_NODES_CAP + 1];

/* Byte i of big.bin (the e2e case writes the same). */
static uint8_t ft_big_byte(uint64_t i)
{
    return (uint8_t)(i * 13 + 7 + (i >> 16));
}

/* SETATTR "size=value" on node: the status. */
static long ft_set_size(handle_t node, const char *value)
{
    struct warp_msg m;
    msg_setattr(&m, FS_ATTR_SIZE, value);
    return ipc_call_sync(node, &m, NULL);
}

/* Opens path and reads it whole (at most FS_IO_MAX): its length or an error; bytes in ft_buf. */
static long ft_slurp(handle_t s, const char *path)
{
    handle_t n;
    long r = ft_open(s, path, FS_O_READ, &n, NULL);
    if (r < 0)
        return r;
    r = ft_read(n, 0, ft_buf, FS_IO_MAX);
    ft_close(n);
    return r;
}

/* Reads big.bin whole in two READs; true if every byte is right. */
static bool ft_read_big(handle_t s)
{
    handle_t n;
    if (ft_open(s, "/disk0/big.bin", FS_O_READ, &n, NULL) < 0)
        return false;
    bool ok = true;
    uint64_t off = 0;
    for (int i = 0; i < 3 && off < FT_BIG_LEN; i++) {
        long r = ft_read(n, off, ft_buf, sizeof(ft_buf));
        if (r <= 0 || r > (long)FS_IO_MAX)
            ok = false;
        for (long j = 0; ok && j < r; j++)
            ok = ft_buf[j] == ft_big_byte(off + (uint64_t)j);
        off += r > 0 ? (uint64_t)r : FT_BIG_LEN;
    }
    ft_close(n);
    return ok && off == FT_BIG_LEN;
}

/* Files of /disk0: attributes, prefetch, reads at offsets and at the end, the cache's counters. */
static void ft_disk_files(handle_t s)
{
    handle_t n;
    struct fs_attr a;
    char pre[100];
    long r = ft_open(s, "/disk0/hello.txt", FS_O_READ, &n, &a);
    tap_eq(r, 0, "OPEN /disk0/hello.txt for reading gives a node");
    tap_ok(a.size == 20 && a.type == FS_TYPE_FILE && a.mount == 1 && (a.mode & 0777) == 0644,
           "its attributes: 20 bytes, a file of mode 0644 on mount 1");
    tap_eq(ft_read(n, 6, ft_buf, 100), 14, "READ at offset 6 gives the last 14 bytes");
    tap_ok(memcmp(ft_buf, FT_HELLO + 6, 14) == 0, "they are the host's");
    tap_eq(ft_read(n, 20, ft_buf, 100), 0, "READ at the end gives 0");
    tap_eq(ft_read(n, 1u << 30, ft_buf, 100), 0, "READ past the end gives 0");
    struct fs_attr b;
    tap_ok(ft_attr(n, &b) == sizeof(b) && b.size == 20 && b.ino == a.ino,
           "GETATTR attr gives the same attributes");
    tap_eq(ft_set_size(n, "0"), ERR_PERMISSION, "SETATTR size on a node opened for reading: ERR_PERMISSION");
    tap_eq(ft_write(n, 0, "x", 1), ERR_PERMISSION, "WRITE on a node opened for reading: ERR_PERMISSION");
    tap_eq(ft_close(n), 0, "CLOSE of the node gives 0");
    r = ft_open_len(s, "/disk0/hello.txt", 16, FS_O_READ, 0, pre, 8, NULL, NULL);
    tap_ok(r == 8 && memcmp(pre, "hello fr", 8) == 0, "OPEN with an 8-byte prefetch buffer copies 8 bytes");
    r = ft_open_len(s, "/disk0/hello.txt", 16, FS_O_READ, 0, pre, sizeof(pre), NULL, NULL);
    tap_ok(r == 20 && memcmp(pre, FT_HELLO, 20) == 0, "with a 100-byte one, the whole file (status 20)");
    tap_eq(ft_open_len(s, "/disk0/hello.txt", 16, 0, 0, pre, sizeof(pre), NULL, NULL), 0,
           "no prefetch without FS_O_READ");
    tap_eq(ft_slurp(s, "/disk0/nope"), ERR_NOT_FOUND, "a missing file: ERR_NOT_FOUND");
    uint64_t misses = ft_stat(s, FS_ATTR_STATS, "misses"), hits = ft_stat(s, FS_ATTR_STATS, "hits"),
             disk = ft_stat(s, FS_ATTR_STATS, "disk_bytes");
    tap_ok(ft_read_big(s), "big.bin (300000 bytes) reads right in READs of at most FS_IO_MAX");
    uint64_t misses2 = ft_stat(s, FS_ATTR_STATS, "misses"), disk2 = ft_stat(s, FS_ATTR_STATS, "disk_bytes");
    tap_ok(misses2 > misses && disk2 >= disk + FT_BIG_LEN,
           "the first read missed the cache and read the disk");
    tap_ok(ft_stat(s, FS_ATTR_STATS, "readahead") > 0, "sequential reads read ahead");
    tap_ok(ft_read_big(s), "big.bin reads right a second time");
    tap_ok(ft_stat(s, FS_ATTR_STATS, "misses") == misses2 &&
               ft_stat(s, FS_ATTR_STATS, "disk_bytes") == disk2 && ft_stat(s, FS_ATTR_STATS, "hits") > hits,
           "the second read is all hits: no miss, no disk read");
    tap_diag("stats: misses %llu -> %llu, disk bytes %llu -> %llu", (unsigned long long)misses,
             (unsigned long long)misses2, (unsigned long long)disk, (unsigned long long)disk2);
}

/* Counts the entries of directory node n listed with buffers of cap bytes; -1 on a bad record. */
static long ft_list(handle_t n, size_t cap, bool *saw_last)
{
    uint64_t cookie = 0;
    long count = 0;
    for (int guard = 0; guard < 1000; guard++) {
        long r = ft_read(n, cookie, ft_buf, cap);
        if (r <= 0)
            return r < 0 ? r : count;
        for (long at = 0; at < r;) {
            struct fs_dirent d;
            memcpy(&d, ft_buf + at, sizeof(d));
            if (d.reclen != FS_DIRENT_SIZE(d.name_len) || at + d.reclen > r ||
                ft_buf[at + sizeof(d) + d.name_len])
                return -1;
            if (d.name_len == 8 && memcmp(ft_buf + at + sizeof(d), "entry-49", 8) == 0)
                *saw_last = true;
            count++;
            cookie = d.next;
            at += d.reclen;
        }
    }
    return -1;
}

/* Directories of /disk0: listings in pieces, relative opens, `..` at the mount's root. */
static void ft_disk_dirs(handle_t s)
{
    handle_t d, n;
    struct fs_attr a;
    bool last = false;
    tap_eq(ft_open(s, "/disk0/many", FS_O_READ | FS_O_DIRECTORY, &d, &a), 0,
           "OPEN /disk0/many as a directory");
    tap_eq(a.type, FS_TYPE_DIR, "it is a directory");
    tap_eq(ft_list(d, sizeof(ft_buf), &last), FT_MANY + 2, "one listing gives 52 entries (. and .. too)");
    last = false;
    tap_eq(ft_list(d, FS_DIRENT_SIZE(8) + 8, &last), FT_MANY + 2,
           "so do listings of one record each, by cookie");
    tap_ok(last, "entry-49 is among them");
    tap_eq(ft_read(d, 0, ft_buf, 8), ERR_TOO_LARGE, "a buffer too small for one record: ERR_TOO_LARGE");
    tap_eq(ft_write(d, 0, "x", 1), ERR_IS_DIR, "WRITE on a directory: ERR_IS_DIR");
    ft_close(d);
    tap_eq(ft_open(s, "/disk0/dir", FS_O_DIRECTORY, &d, NULL), 0, "OPEN /disk0/dir");
    tap_eq(ft_open(d, "sub/deep/leaf.txt", FS_O_READ, NULL, &a), 0,
           "OPEN sub/deep/leaf.txt on the directory node");
    tap_eq((long)a.size, 5, "it is leaf.txt (5 bytes)");
    tap_eq(ft_open(d, "/disk0/hello.txt", FS_O_READ, NULL, &a), 0,
           "an absolute path on it starts at the root");
    ft_close(d);
    tap_eq(ft_open(s, "/disk0/hello.txt", FS_O_READ, &n, NULL), 0, "OPEN a file");
    tap_eq(ft_open(n, "x", FS_O_READ, NULL, NULL), ERR_NOT_DIR, "OPEN on a file's node: ERR_NOT_DIR");
    ft_close(n);
    tap_eq(ft_open(s, "/disk0/..", FS_O_READ, NULL, &a), 0, "OPEN /disk0/..");
    tap_eq(a.mount, 1, "`..` at the mount's root stays in the mount");
    tap_eq(ft_slurp(s, "/disk0/../../hello.txt"), 20, "/disk0/../../hello.txt is /disk0/hello.txt");
    tap_eq(ft_open(s, "/", FS_O_READ | FS_O_DIRECTORY, &d, NULL), 0, "OPEN / as a directory");
    tap_eq(ft_list(d, 4096, &last), 4, "/ lists ., .., disk0 and tmp");
    ft_close(d);
}

/* Symlinks and every OPEN refusal on /disk0. */
static void ft_disk_errors(handle_t s)
{
    static char path[FS_PATH_MAX + 16];
    tap_eq(ft_slurp(s, "/disk0/rel"), 20, "a relative symlink leads to hello.txt");
    tap_eq(ft_slurp(s, "/disk0/abs"), 5, "an absolute one starts at the mount's root (leaf.txt)");
    tap_eq(ft_slurp(s, "/disk0/climb"), 20, "one climbing past the root stays in the mount");
    tap_eq(ft_slurp(s, "/disk0/dirlink/deep/leaf.txt"), 5,
           "a symlink to a directory in the middle of a path");
    tap_eq(ft_slurp(s, "/disk0/loop1"), ERR_LOOP, "a symlink loop: ERR_LOOP");
    tap_eq(ft_open(s, "/disk0/rel", FS_O_READ | FS_O_NOFOLLOW, NULL, NULL), ERR_LOOP,
           "FS_O_NOFOLLOW on a symlink: ERR_LOOP");
    tap_eq(ft_open(s, "/disk0/hello.txt/x", FS_O_READ, NULL, NULL), ERR_NOT_DIR,
           "a path through a file: ERR_NOT_DIR");
    tap_eq(ft_open(s, "/disk0/hello.txt", FS_O_DIRECTORY, NULL, NULL), ERR_NOT_DIR,
           "FS_O_DIRECTORY on a file: ERR_NOT_DIR");
    tap_eq(ft_open(s, "/disk0/dir", FS_O_WRITE, NULL, NULL), ERR_IS_DIR,
           "FS_O_WRITE on a directory: ERR_IS_DIR");
    tap_eq(ft_open(s, "/disk0/secret", FS_O_READ, NULL, NULL), ERR_PERMISSION,
           "reading a 0600 file: ERR_PERMISSION");
    tap_eq(ft_open(s, "/disk0/secret", 0, NULL, NULL), 0, "opening it without FS_O_READ is allowed");
    tap_eq(ft_open(s, "/disk0/private/x", FS_O_READ, NULL, NULL), ERR_PERMISSION,
           "a path through a 0700 directory: ERR_PERMISSION");
    tap_eq(ft_open(s, "/disk0/hello.txt", FS_O_WRITE, NULL, NULL), ERR_READ_ONLY,
           "FS_O_WRITE on ext4: ERR_READ_ONLY");
    tap_eq(ft_open(s, "/disk0/new", FS_O_WRITE | FS_O_CREATE, NULL, NULL), ERR_READ_ONLY,
           "FS_O_CREATE on ext4: ERR_READ_ONLY");
    memcpy(path, "/disk0/", 7);
    memset(path + 7, 'n', 256);
    tap_eq(ft_open_len(s, path, 7 + 255, FS_O_READ, 0, NULL, 0, NULL, NULL), 0, "a 255-byte name opens");
    tap_eq(ft_open_len(s, path, 7 + 256, FS_O_READ, 0, NULL, 0, NULL, NULL), ERR_NAME_TOO_LONG,
           "a 256-byte name: ERR_NAME_TOO_LONG");
    memset(path, '/', sizeof(path));
    tap_eq(ft_open_len(s, path, FS_PATH_MAX + 1, FS_O_READ, 0, NULL, 0, NULL, NULL), ERR_NAME_TOO_LONG,
           "a path of 4097 bytes: ERR_NAME_TOO_LONG");
}

/* /tmp: create, write at offsets, read, truncate, directories, listings. */
static void ft_tmp(handle_t s)
{
    handle_t f, d;
    struct fs_attr a;
    long r =
        ft_open_len(s, "/tmp/f", 6, FS_O_READ | FS_O_WRITE | FS_O_CREATE | FS_O_EXCL, 0666, NULL, 0, &f, &a);
    tap_eq(r, 0, "OPEN /tmp/f with FS_O_CREATE | FS_O_EXCL makes it");
    tap_ok(a.size == 0 && a.type == FS_TYPE_FILE && a.mount == 2 && (a.mode & 07777) == 0666,
           "an empty 0666 file on mount 2");
    tap_eq(ft_write(f, 5, "abc", 3), 3, "WRITE of 3 bytes at offset 5");
    tap_eq(ft_read(f, 0, ft_buf, 100), 8, "READ gives 8 bytes");
    tap_ok(memcmp(ft_buf, "\0\0\0\0\0abc", 8) == 0, "the gap reads as zeros");
    tap_eq(ft_set_size(f, "2"), 0, "SETATTR size=2");
    tap_eq(ft_read(f, 0, ft_buf, 100), 2, "the file has 2 bytes");
    tap_eq(ft_set_size(f, "x2"), ERR_INVALID_ARG, "SETATTR size=x2: ERR_INVALID_ARG");
    tap_eq(ft_set_size(f, "99999999999999999999999"), ERR_INVALID_ARG,
           "a size past 64 bits: ERR_INVALID_ARG");
    tap_eq(ft_write(f, 0, ft_buf, sizeof(ft_buf)), FS_IO_MAX,
           "a WRITE larger than FS_IO_MAX moves FS_IO_MAX");
    ft_close(f);
    tap_eq(ft_open_len(s, "/tmp/f", 6, FS_O_CREATE | FS_O_EXCL, 0666, NULL, 0, NULL, NULL),
           ERR_ALREADY_EXISTS, "FS_O_EXCL on an existing file: ERR_ALREADY_EXISTS");
    tap_eq(ft_open(s, "/tmp/f", FS_O_WRITE | FS_O_TRUNC, NULL, &a), 0, "OPEN with FS_O_TRUNC");
    tap_eq((long)a.size, 0, "cuts it to 0 bytes");
    r = ft_open_len(s, "/tmp/d", 6, FS_O_CREATE | FS_O_DIRECTORY | FS_O_READ, 0777, NULL, 0, &d, &a);
    tap_ok(r == 0 && a.type == FS_TYPE_DIR, "FS_O_CREATE | FS_O_DIRECTORY makes a directory");
    tap_eq(ft_open_len(d, "g", 1, FS_O_CREATE | FS_O_WRITE, 0600, NULL, 0, &f, NULL), 0,
           "a file made relative to it");
    tap_eq(ft_write(f, 0, "gg", 2), 2, "its maker writes it");
    ft_close(f);
    tap_eq(ft_open(s, "/tmp/d/g", FS_O_READ, NULL, NULL), ERR_PERMISSION,
           "a 0600 file in /tmp: ERR_PERMISSION");
    bool last = false;
    tap_eq(ft_list(d, 64, &last), 3, "the directory lists ., .. and g");
    tap_eq(ft_open(s, "/tmp/d", FS_O_WRITE, NULL, NULL), ERR_IS_DIR,
           "FS_O_WRITE on a tmpfs directory: ERR_IS_DIR");
    tap_eq(ft_read(d, 0, ft_buf, 0), ERR_TOO_LARGE, "a listing into 0 bytes: ERR_TOO_LARGE");
    ft_close(d);
    tap_eq(ft_open(s, "/tmp/..", FS_O_READ, NULL, &a), 0, "OPEN /tmp/..");
    tap_eq(a.mount, 2, "stays in /tmp");
    tap_eq(ft_open(s, "/newdir", FS_O_CREATE | FS_O_DIRECTORY, NULL, NULL), ERR_PERMISSION,
           "the root refuses a create");
    tap_eq(ft_open(s, "/tmp/none/x", FS_O_CREATE, NULL, NULL), ERR_NOT_FOUND,
           "a create under a missing directory: ERR_NOT_FOUND");
}

/*
 * init kills the disk driver (SETATTR restart=block:0: fstest is admin) and restarts it; fs's next
 * disk read fails on the dead session, and block_call reopens service/block:0 through init (with
 * handle 1 out of fs's loop meanwhile). The read is of far.bin's last page, which nothing before
 * read or read ahead, so it must reach the disk.
 */
static void ft_driver_restart(handle_t s)
{
    struct warp_msg m;
    handle_t n;
    msg_setattr(&m, "restart", "block:0");
    tap_eq(ipc_call_sync(FT_INIT_CH, &m, NULL), 0, "init kills the disk driver (SETATTR restart=block:0)");
    uint64_t disk = ft_stat(s, FS_ATTR_STATS, "disk_bytes");
    tap_eq(ft_open(s, "/disk0/far.bin", FS_O_READ, &n, NULL), 0, "OPEN /disk0/far.bin after the kill");
    uint64_t off = FT_FAR_LEN - 4096;
    long r = ft_read(n, off, ft_buf, 4096);
    bool right = r == 4096;
    for (long i = 0; right && i < r; i++)
        right = ft_buf[i] == ft_big_byte(off + (uint64_t)i);
    tap_ok(right, "its last page reads right from the restarted driver");
    tap_ok(ft_stat(s, FS_ATTR_STATS, "disk_bytes") > disk, "it came from the disk");
    tap_ok(ft_stat(s, FS_ATTR_STATS, "reopens") >= 1, "fs reopened service/block:0");
    ft_close(n);
}

/* Malformed calls on a session and a node each get an ERROR, and the server goes on. */
static void ft_bad(handle_t s)
{
    struct warp_msg m;
    struct fs_open o = {FS_O_READ, 0, 4, 0};
    msg_init(&m, MSG_OPEN, MSG_CALL);
    msg_set_data(&m, &o, 3);
    msg_add_buf(&m, "/tmp", 4, BUF_READ);
    tap_eq(ft_raw(s, &m), ERR_INVALID_ARG, "OPEN with 3 bytes of data: ERR_INVALID_ARG");
    msg_init(&m, MSG_OPEN, MSG_CALL);
    msg_set_data(&m, &o, sizeof(o));
    tap_eq(ft_raw(s, &m), ERR_INVALID_ARG, "OPEN without a path buffer: ERR_INVALID_ARG");
    msg_add_buf(&m, ft_buf, 4, BUF_WRITE);
    tap_eq(ft_raw(s, &m), ERR_PERMISSION, "OPEN with a path buffer it may not read: ERR_PERMISSION");
    msg_init(&m, MSG_OPEN, MSG_CALL);
    msg_set_data(&m, &o, sizeof(o));
    msg_add_buf(&m, "/tm", 3, BUF_READ);
    tap_eq(ft_raw(s, &m), ERR_INVALID_ARG, "a path buffer shorter than path_len: ERR_INVALID_ARG");
    tap_eq(ft_open_len(s, "/tmp", 4, 0x80, 0, NULL, 0, NULL, NULL), ERR_INVALID_ARG,
           "unknown flags: ERR_INVALID_ARG");
    tap_eq(ft_open_len(s, "/tmp", 4, FS_O_READ | FS_O_TRUNC, 0, NULL, 0, NULL, NULL), ERR_INVALID_ARG,
           "FS_O_TRUNC without FS_O_WRITE: ERR_INVALID_ARG");
    tap_eq(ft_open_len(s, "/t\0p", 4, FS_O_READ, 0, NULL, 0, NULL, NULL), ERR_INVALID_ARG,
           "a path holding a NUL: ERR_INVALID_ARG");
    tap_eq(ft_open_len(s, "", 0, FS_O_READ, 0, NULL, 0, NULL, NULL), ERR_INVALID_ARG,
           "an empty path: ERR_INVALID_ARG");
    tap_eq(ft_open_len(s, "/tmp/m", 6, FS_O_CREATE, 010000, NULL, 0, NULL, NULL), ERR_INVALID_ARG,
           "a mode past 07777: ERR_INVALID_ARG");
    tap_eq(ft_open_len(s, "/tmp", 4, FS_O_READ, 0, ft_buf, 8, NULL, NULL), 0,
           "a prefetch buffer on a directory copies nothing");
    msg_init(&m, MSG_USER, MSG_CALL);
    tap_eq(ft_raw(s, &m), ERR_NOT_SUPPORTED, "an unknown call on a session: ERR_NOT_SUPPORTED");
    msg_getattr(&m, "nope");
    tap_eq(ft_raw(s, &m), ERR_NOT_FOUND, "GETATTR of an unknown name: ERR_NOT_FOUND");
    handle_t n;
    tap_eq(ft_open_len(s, "/tmp/f", 6, FS_O_READ | FS_O_WRITE, 0, NULL, 0, &n, NULL), 0, "OPEN /tmp/f again");
    msg_read(&m, ft_buf, 10);
    tap_eq(ft_raw(n, &m), ERR_INVALID_ARG, "READ without its struct fs_io: ERR_INVALID_ARG");
    struct fs_io io = {1ull << 63};
    msg_read(&m, ft_buf, 10);
    msg_set_data(&m, &io, sizeof(io));
    tap_eq(ft_raw(n, &m), ERR_INVALID_ARG, "READ at a negative offset: ERR_INVALID_ARG");
    tap_eq(ft_write(n, 1ull << 63, "x", 1), ERR_INVALID_ARG, "WRITE at a negative offset: ERR_INVALID_ARG");
    tap_eq(ft_write(n, (1ull << 62), "x", 1), ERR_NO_RESOURCES,
           "WRITE at 4 EiB: ERR_NO_RESOURCES (tmpfs full)");
    io.offset = 0;
    msg_init(&m, MSG_READ, MSG_CALL);
    msg_set_data(&m, &io, sizeof(io));
    tap_eq(ft_raw(n, &m), ERR_INVALID_ARG, "READ without a buffer: ERR_INVALID_ARG");
    msg_add_buf(&m, ft_buf, 10, BUF_READ);
    tap_eq(ft_raw(n, &m), ERR_PERMISSION, "READ into a buffer it may not write: ERR_PERMISSION");
    msg_setattr(&m, "colour", "red");
    tap_eq(ft_raw(n, &m), ERR_NOT_FOUND, "SETATTR of an unknown name: ERR_NOT_FOUND");
    msg_init(&m, MSG_USER, MSG_CALL);
    tap_eq(ft_raw(n, &m), ERR_NOT_SUPPORTED, "an unknown call on a node: ERR_NOT_SUPPORTED");
    tap_eq(ft_read(n, 0, ft_buf, 4), 0, "the node still answers (the file is empty)");
    tap_eq(ft_close(n), 0, "CLOSE of the node");
}

/* The cap on node channels per client: the 513th is refused; closing them frees the room. */
static void ft_node_cap(handle_t s)
{
    unsigned opened = 0;
    long r = 0;
    while (opened <= FT_NODES_CAP) {
        r = ft_open(s, "/tmp", 0, &ft_nodes[opened], NULL);
        if (r < 0)
            break;
        opened++;
    }
    tap_ok(opened >= FT_NODES_CAP - 16 && opened < FT_NODES_CAP + 1, "OPENs succeed up to the cap (%u held)",
           opened);
    tap_eq(r, ERR_NO_RESOURCES, "one more: ERR_NO_RESOURCES");
    for (unsigned i = 0; i < opened; i++)
        warp_handle_close(ft_nodes[i]);
    tap_eq(ft_open(s, "/tmp", 0, NULL, NULL), 0, "closing them makes room again");
}

/* Runs every check; exit code 0 if all passed. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    (void)initfs;
    (void)initfs_size;
    long s = ipc_open_sync(FT_INIT_CH, FS_URI);
    if (tap_ok(s > 0, "OPEN service/fs gives a session")) {
        struct fs_attr a;
        long r = ft_open(s, FS_DISK_MOUNT, FS_O_READ | FS_O_DIRECTORY, NULL, &a);
        if (r == ERR_NOT_FOUND) {
            tap_ok(true, "/disk0 is absent");
        } else if (tap_eq(r, 0, "/disk0 is mounted")) {
            ft_disk_files(s);
            ft_disk_dirs(s);
            ft_disk_errors(s);
            ft_driver_restart(s);
        }
        ft_tmp(s);
        ft_names(s);
        ft_bad(s);
        ft_node_cap(s);
        tap_eq(ft_close(s), 0, "CLOSE of the session gives 0");
    } else {
        printf("#   %s\n", err_str(s));
    }
    tap_plan();
    tap_summary("fstest");
    return tap_failed() ? 1 : 0;
}
