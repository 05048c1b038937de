/* test_ext4.c: unit tests for the ext4 reader (servers/fs/ext4.c) on images mke2fs builds at test time. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "servers/fs/ext4.h"
#include <warp/error.h>

/*
 * The source tree src/ that every image but imgdeep holds (made once, in a temporary directory):
 * files of each shape, deep directories, long and non-ASCII names, symlinks (fast, slow, to a file,
 * to a directory, a loop, one climbing past the root) and a directory of 2000 entries that e2fsck
 * indexes (htree).
 * imgdeep's tree, deep/, is one directory of 700 names of about 204 bytes: on 1 KiB blocks its
 * htree has a level of interior nodes under the root.
 */
static const char MAKE_TREE[] =
    "set -e; cd \"$1\"; mkdir src; cd src; : > empty; printf 'hello\\n' > small;"
    "seq 1 100000 > multi; printf A > hole; truncate -s 3000000 hole; printf Z >> hole;"
    "python3 -c 'import sys\nf=open(\"sparse\",\"wb\")\nfor i in range(60):\n f.seek(i*65536); f.write(b\"X%d\" % i)'\n"
    "mkdir -p a/b/c/d/e/f/g/h; echo deep > a/b/c/d/e/f/g/h/deep.txt;"
    "touch \"$(printf 'x%.0s' $(seq 255))\"; echo utf8 > 'h\xc3\xa9llo-\xe6\x97\xa5\xe6\x9c\xac';"
    "ln -s small link_file; ln -s a/b dirlink; ln -s loop2 loop1; ln -s loop1 loop2;"
    "ln -s ../../../../small escape; ln -s \"$(printf './%.0s' $(seq 50))small\" slowlink;"
    "mkdir big; cd big; for i in $(seq 2000); do : > file-with-a-longish-name-$i; done;"
    "mkdir -p \"$1/deep/d\"; cd \"$1/deep/d\"; n=$(printf 'n%.0s' $(seq 200));"
    "for i in $(seq 700); do : > $n-$i; done";

/* Host-side paths compared byte for byte with what the reader reads. */
static const char *const FILES[] = {
    "empty",
    "small",
    "multi",
    "hole",
    "sparse",
    "a/b/c/d/e/f/g/h/deep.txt",
    "h\xc3\xa9llo-\xe6\x97\xa5\xe6\x9c\xac",
    "link_file",
    "dirlink/c/d/e/f/g/h/deep.txt",
    "slowlink",
    "big/file-with-a-longish-name-1999",
};

static char tmpdir[] = "/tmp/test_ext4.XXXXXX";

/* An image in memory. */
struct image {
    uint8_t *data;
    size_t size;
};

static struct image img4k, img1k, img128, img64k, imgdeep, imggdt, imggdt64;
static struct ext4_fs *fs;
static unsigned mem_reads; /* calls of mem_read */

/* The read callback over an in-memory image. */
static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    const struct image *im = ctx;
    mem_reads++;
    if (off > im->size || len > im->size - off)
        return ERR_IO;
    memcpy(buf, im->data + off, len);
    return 0;
}

/* Runs a shell command (fails the test if it fails). */
static void run(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    assert_int_equal(system(cmd), 0);
}

/* Loads file path whole into *im. */
static void load(const char *path, struct image *im)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    im->size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    im->data = malloc(im->size);
    assert_non_null(im->data);
    assert_int_equal(fread(im->data, 1, im->size, f), im->size);
    fclose(f);
}

/* Builds the tree and the images (mke2fs -O options opts) once for every test. */
static int setup(void **state)
{
    (void)state;
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    char cmd[4096];
    FILE *p = popen("bash -s", "w");
    if (p == NULL)
        return -1;
    fprintf(p, "set -- %s\n%s\n", tmpdir, MAKE_TREE);
    if (pclose(p) != 0)
        return -1;
    snprintf(
        cmd, sizeof(cmd),
        "(cd %s && mke2fs -q -F -t ext4 -b 4096 -I 256 -O 64bit,metadata_csum,dir_index -d src img4k 48M && "
        "{ e2fsck -fyD img4k; test $? -le 1; } && "
        "mke2fs -q -F -t ext4 -b 1024 -O ^64bit,^metadata_csum -d src img1k 48M && "
        "mke2fs -q -F -t ext4 -b 1024 -I 128 -O ^64bit,metadata_csum -d src img128 16M && "
        "mke2fs -q -F -t ext4 -b 65536 -N 4096 -O 64bit,metadata_csum -d src img64k 64M && "
        "{ e2fsck -fyD img64k; test $? -le 1; } && "
        "mke2fs -q -F -t ext4 -b 1024 -O ^64bit,metadata_csum -d deep imgdeep 8M && "
        "{ e2fsck -fyD imgdeep; test $? -le 1; } && "
        "mke2fs -q -F -t ext4 -b 1024 -O ^64bit,^metadata_csum,uninit_bg -d src imggdt 16M && "
        "mke2fs -q -F -t ext4 -b 4096 -O 64bit,^metadata_csum,uninit_bg -d src imggdt64 16M && "
        "mke2fs -q -F -t ext3 -d src img3 8M) >/dev/null 2>&1",
        tmpdir);
    if (system(cmd) != 0)
        return -1;
    char path[256];
    snprintf(path, sizeof(path), "%s/img4k", tmpdir);
    load(path, &img4k);
    snprintf(path, sizeof(path), "%s/img1k", tmpdir);
    load(path, &img1k);
    snprintf(path, sizeof(path), "%s/img128", tmpdir);
    load(path, &img128);
    snprintf(path, sizeof(path), "%s/img64k", tmpdir);
    load(path, &img64k);
    snprintf(path, sizeof(path), "%s/imgdeep", tmpdir);
    load(path, &imgdeep);
    snprintf(path, sizeof(path), "%s/imggdt", tmpdir);
    load(path, &imggdt);
    snprintf(path, sizeof(path), "%s/imggdt64", tmpdir);
    load(path, &imggdt64);
    fs = calloc(1, sizeof(*fs));
    return fs == NULL ? -1 : 0;
}

/* Removes the temporary directory and the images. */
static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    free(img4k.data);
    free(img1k.data);
    free(img128.data);
    free(img64k.data);
    free(imgdeep.data);
    free(imggdt.data);
    free(imggdt64.data);
    free(fs);
    return system(cmd) == 0 ? 0 : -1;
}

/* Reads a host file of the source tree whole; *len gets its size. */
static uint8_t *host_file(const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/src/%s", tmpdir, rel);
    struct image im;
    load(path, &im);
    *len = im.size;
    return im.data;
}

/* Compares every listed file of image im with the host's bytes, reading in odd-sized pieces. */
static void check_files(struct image *im)
{
    assert_int_equal(ext4_mount(fs, mem_read, im), 0);
    for (size_t i = 0; i < sizeof(FILES) / sizeof(FILES[0]); i++) {
        struct ext4_inode in;
        assert_int_equal(ext4_resolve(fs, FILES[i], true, &in), 0);
        assert_int_equal(in.type, EXT4_TYPE_FILE);
        size_t len;
        uint8_t *want = host_file(FILES[i], &len);
        assert_int_equal(in.size, len);
        char path[512];
        struct stat st;
        snprintf(path, sizeof(path), "%s/src/%s", tmpdir, FILES[i]);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(in.mode, st.st_mode);
        assert_int_equal(in.mtime, st.st_mtime);
        uint8_t *got = malloc(len + 1);
        size_t done = 0;
        while (done < len) {
            int64_t n = ext4_read(fs, &in, done, got + done, 7777);
            assert_true(n > 0);
            done += (size_t)n;
        }
        assert_int_equal(ext4_read(fs, &in, len, got, 1), 0);
        assert_memory_equal(got, want, len);
        free(got);
        free(want);
    }
}

/* 4 KiB blocks, 64bit and metadata_csum: every file reads as on the host. */
static void test_files_4k(void **state)
{
    (void)state;
    check_files(&img4k);
}

/* 1 KiB blocks without 64bit or checksums: the same. */
static void test_files_1k(void **state)
{
    (void)state;
    check_files(&img1k);
}

/* 1 KiB blocks, 128-byte inodes (16-bit inode checksums) and metadata_csum: the same. */
static void test_files_128(void **state)
{
    (void)state;
    check_files(&img128);
}

/* 64 KiB blocks (the largest; rec_len keeps its top bits in the low two), big/ an htree: the same. */
static void test_files_64k(void **state)
{
    (void)state;
    check_files(&img64k);
    assert_int_equal(fs->block_size, 65536);
    struct ext4_inode big;
    assert_int_equal(ext4_resolve(fs, "/big", true, &big), 0);
    assert_true(big.flags & 0x1000); /* EXT4_INDEX_FL */
}

/* Reads file rel of img4k at off (len bytes, all there) and compares them with the host's; returns
 * the device reads it took. */
static unsigned read_counted(const char *rel, uint64_t off, size_t len)
{
    struct ext4_inode in;
    assert_int_equal(ext4_resolve(fs, rel, true, &in), 0);
    size_t host_len;
    uint8_t *want = host_file(rel, &host_len), *got = malloc(len);
    assert_true(off + len <= host_len);
    mem_reads = 0;
    assert_int_equal(ext4_read(fs, &in, off, got, len), (int64_t)len);
    unsigned reads = mem_reads;
    assert_memory_equal(got, want + off, len);
    free(got);
    free(want);
    return reads;
}

/* A read takes one device read per extent run, partial blocks at its ends included, and reads an
 * extent tree block once for all the runs under it. */
static void test_runs(void **state)
{
    (void)state;
    assert_int_equal(ext4_mount(fs, mem_read, &img4k), 0);
    assert_int_equal(read_counted("multi", 100, 300000), 1);
    /* sparse: a block of data every 64 KiB (16 blocks), under one leaf of its depth-1 tree */
    assert_int_equal(read_counted("sparse", 0, 3 * 65536), 1 + 3);
    struct ext4_inode in;
    assert_int_equal(ext4_resolve(fs, "sparse", true, &in), 0);
    uint8_t buf[3 * 65536];
    mem_reads = 0;
    assert_int_equal(ext4_read(fs, &in, 3 * 65536, buf, sizeof(buf)), (int64_t)sizeof(buf));
    assert_int_equal(mem_reads, 3); /* the leaf is still held */
}

/* gdt_csum (uninit_bg) without metadata_csum, 32- and 64-byte descriptors: the same. */
static void test_files_gdt(void **state)
{
    (void)state;
    check_files(&imggdt);
    assert_true(fs->gdt_csum && !fs->csum);
    assert_true(fs->groups > 1);
    check_files(&imggdt64);
    assert_true(fs->gdt_csum && fs->desc_size == 64);
}

/* Counts the entries of a directory by path, checking each name's inode through lookup. */
static int count_entries(const char *path)
{
    struct ext4_inode dir;
    assert_int_equal(ext4_resolve(fs, path, true, &dir), 0);
    struct ext4_dirent d;
    uint64_t pos = 0;
    int n = 0, r;
    while ((r = ext4_readdir(fs, &dir, &pos, &d)) > 0)
        n++;
    assert_int_equal(r, 0);
    return n;
}

/* The htree directory lists all its entries; root lists what the host holds; lookups find names. */
static void test_directories(void **state)
{
    (void)state;
    assert_int_equal(ext4_mount(fs, mem_read, &img4k), 0);
    struct ext4_inode big;
    assert_int_equal(ext4_resolve(fs, "/big", true, &big), 0);
    assert_true(big.flags & 0x1000); /* EXT4_INDEX_FL: mke2fs made it an htree */
    assert_int_equal(count_entries("/big"), 2002);
    int host = 0;
    char path[256];
    snprintf(path, sizeof(path), "%s/src", tmpdir);
    DIR *d = opendir(path);
    assert_non_null(d);
    while (readdir(d) != NULL)
        host++;
    closedir(d);
    assert_int_equal(count_entries("/"), host + 1); /* mke2fs adds lost+found */
    assert_true(ext4_lookup(fs, &big, "file-with-a-longish-name-1", 26) > 0);
    assert_int_equal(ext4_lookup(fs, &big, "nope", 4), ERR_NOT_FOUND);
    char longname[EXT4_NAME_MAX + 2];
    memset(longname, 'x', sizeof(longname));
    longname[EXT4_NAME_MAX] = '\0';
    assert_int_equal(ext4_resolve(fs, longname, true, &big), 0);
    assert_int_equal(big.size, 0);
    longname[EXT4_NAME_MAX] = 'x';
    longname[EXT4_NAME_MAX + 1] = '\0';
    assert_int_equal(ext4_resolve(fs, longname, true, &big), ERR_NAME_TOO_LONG);
    assert_int_equal(count_entries("/a/b/c/d/e/f/g/h"), 3);
}

/* Path resolution: dots, symlinks to files and directories, loops, the root as a floor. */
static void test_paths(void **state)
{
    (void)state;
    assert_int_equal(ext4_mount(fs, mem_read, &img4k), 0);
    struct ext4_inode a, b;
    assert_int_equal(ext4_resolve(fs, "/a/b/c/d", true, &a), 0);
    assert_int_equal(ext4_resolve(fs, "a/b/c/../c/./d/", true, &b), 0);
    assert_int_equal(a.ino, b.ino);
    assert_int_equal(ext4_resolve(fs, "dirlink/c/d", true, &b), 0);
    assert_int_equal(a.ino, b.ino);
    assert_int_equal(ext4_resolve(fs, "/../../..", true, &b), 0);
    assert_int_equal(b.ino, EXT4_ROOT_INO);
    assert_int_equal(ext4_resolve(fs, "small", true, &a), 0);
    assert_int_equal(ext4_resolve(fs, "escape", true, &b), 0); /* ../../../../small stays inside */
    assert_int_equal(a.ino, b.ino);
    assert_int_equal(ext4_resolve(fs, "link_file", false, &b), 0);
    assert_int_equal(b.type, EXT4_TYPE_SYMLINK);
    char target[EXT4_PATH_MAX];
    assert_int_equal(ext4_readlink(fs, &b, target, sizeof(target)), 5);
    assert_string_equal(target, "small");
    assert_int_equal(ext4_resolve(fs, "slowlink", false, &b), 0);
    assert_int_equal(ext4_readlink(fs, &b, target, sizeof(target)), 105);
    assert_int_equal(ext4_resolve(fs, "loop1", true, &b), ERR_LOOP);
    assert_int_equal(ext4_resolve(fs, "loop1/x", false, &b), ERR_LOOP);
    assert_int_equal(ext4_resolve(fs, "small/x", true, &b), ERR_NOT_DIR);
    assert_int_equal(ext4_resolve(fs, "missing", true, &b), ERR_NOT_FOUND);
    assert_int_equal(ext4_resolve(fs, "sparse", true, &b), 0);
    assert_true(b.block[6] > 0); /* 60 extents: the tree has a depth */
}

/* A copy of image src with one byte xored at off (caller frees). */
static struct image corrupt_image(const struct image *src, size_t off)
{
    struct image im = {malloc(src->size), src->size};
    assert_non_null(im.data);
    assert_true(off < im.size);
    memcpy(im.data, src->data, im.size);
    im.data[off] ^= 0x5A;
    return im;
}

/* A copy of img4k with one byte xored at off (caller frees). */
static struct image corrupt(size_t off)
{
    return corrupt_image(&img4k, off);
}

/* Loads a little-endian 16-bit value. */
static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)(p[0] | p[1] << 8);
}

/* Loads a little-endian 32-bit value. */
static uint32_t get32(const uint8_t *p)
{
    return get16(p) | get16(p + 2) << 16;
}

/* The physical block of logical block lblk of an inode whose extent tree is its root alone. */
static uint64_t map_block(const struct ext4_inode *in, uint32_t lblk)
{
    assert_int_equal(get16(in->block + 6), 0); /* depth 0 */
    for (uint32_t i = 0; i < get16(in->block + 2); i++) {
        const uint8_t *e = in->block + 12 + 12 * i;
        if (lblk >= get32(e) && lblk - get32(e) < get16(e + 4))
            return ((uint64_t)get16(e + 6) << 32 | get32(e + 8)) + (lblk - get32(e));
    }
    fail_msg("logical block %u not mapped", lblk);
    return 0;
}

/* The first block of an extent-mapped inode's first extent (depth 0). */
static uint64_t first_block(const struct ext4_inode *in)
{
    const uint8_t *e = in->block + 12;
    return (uint64_t)(e[6] | e[7] << 8) << 32 |
           (uint32_t)(e[8] | e[9] << 8 | e[10] << 16 | (uint32_t)e[11] << 24);
}

/* A flipped byte in a checksummed super block, inode, directory or extent block is ERR_IO. */
static void test_checksums(void **state)
{
    (void)state;
    struct image im = corrupt(1024 + 0x78); /* the volume name */
    assert_int_equal(ext4_mount(fs, mem_read, &im), ERR_IO);
    free(im.data);

    assert_int_equal(ext4_mount(fs, mem_read, &img4k), 0);
    struct ext4_inode in;
    assert_int_equal(ext4_resolve(fs, "/a", true, &in), 0);
    uint64_t dirblk = first_block(&in);
    im = corrupt(dirblk * 4096 + 30);
    assert_int_equal(ext4_mount(fs, mem_read, &im), 0);
    assert_int_equal(ext4_resolve(fs, "/a/b", true, &in), ERR_IO);
    free(im.data);

    assert_int_equal(ext4_mount(fs, mem_read, &img4k), 0);
    assert_int_equal(ext4_resolve(fs, "/sparse", true, &in), 0);
    uint64_t leaf = first_block(&in); /* an index entry: its leaf's block sits at the same offset */
    leaf = (uint64_t)(in.block[20] | in.block[21] << 8) << 32 |
           (uint32_t)(in.block[16] | in.block[17] << 8 | in.block[18] << 16 | (uint32_t)in.block[19] << 24);
    im = corrupt(leaf * 4096 + 20);
    assert_int_equal(ext4_mount(fs, mem_read, &im), 0);
    uint8_t buf[16];
    assert_int_equal(ext4_resolve(fs, "/sparse", true, &in), 0);
    assert_int_equal(ext4_read(fs, &in, 0, buf, sizeof(buf)), ERR_IO);
    free(im.data);

    /* the inode table of group 0 (descriptor at block 1), inode 12's mtime */
    const uint8_t *gd = img4k.data + 4096;
    uint64_t table = (uint32_t)(gd[8] | gd[9] << 8 | gd[10] << 16 | (uint32_t)gd[11] << 24);
    im = corrupt(table * 4096 + 11 * fs->inode_size + 0x10);
    assert_int_equal(ext4_mount(fs, mem_read, &im), 0);
    assert_int_equal(ext4_inode_get(fs, 12, &in), ERR_IO);
    free(im.data);

    im = corrupt(4096 + 0x0C); /* group 0's descriptor: free block count */
    assert_int_equal(ext4_mount(fs, mem_read, &im), 0);
    assert_int_equal(ext4_inode_get(fs, 2, &in), ERR_IO);
    free(im.data);
}

/* Mounts im, resolves dir, and lists it whole: readdir's last result (0 at the end, or an error). */
static int list_dir(struct image *im, const char *dir)
{
    assert_int_equal(ext4_mount(fs, mem_read, im), 0);
    struct ext4_inode in;
    assert_int_equal(ext4_resolve(fs, dir, true, &in), 0);
    struct ext4_dirent d;
    uint64_t pos = 0;
    int r;
    while ((r = ext4_readdir(fs, &in, &pos, &d)) > 0)
        ;
    return r;
}

/* A flipped byte in an htree's root or interior node (its dx_tail's checksum) or leaf is ERR_IO. */
static void test_htree_checksums(void **state)
{
    (void)state;
    assert_int_equal(ext4_mount(fs, mem_read, &img4k), 0);
    struct ext4_inode big;
    assert_int_equal(ext4_resolve(fs, "/big", true, &big), 0);
    uint64_t root = map_block(&big, 0), leaf = map_block(&big, 1);
    /* one level: the root's entries name leaves; flip dx_entry 1's hash */
    assert_int_equal(img4k.data[root * 4096 + 0x1E], 0);
    struct image im = corrupt(root * 4096 + 0x28);
    assert_int_equal(list_dir(&im, "/big"), ERR_IO);
    assert_non_null(strstr(fs->why, "htree"));
    assert_int_equal(ext4_lookup(fs, &big, "file-with-a-longish-name-1", 26), ERR_IO);
    free(im.data);
    im = corrupt(root * 4096 + 4096 - 8); /* dt_reserved, covered too */
    assert_int_equal(list_dir(&im, "/big"), ERR_IO);
    free(im.data);
    im = corrupt(leaf * 4096 + 20);
    assert_int_equal(list_dir(&im, "/big"), ERR_IO);
    assert_non_null(strstr(fs->why, "directory block"));
    free(im.data);

    /* two levels: the root's first entry names an interior node */
    assert_int_equal(ext4_mount(fs, mem_read, &imgdeep), 0);
    assert_int_equal(count_entries("/d"), 702);
    struct ext4_inode d;
    assert_int_equal(ext4_resolve(fs, "/d", true, &d), 0);
    assert_true(d.flags & 0x1000);
    const uint8_t *r = imgdeep.data + map_block(&d, 0) * 1024;
    assert_int_equal(r[0x1E], 1);
    uint64_t node = map_block(&d, get32(r + 0x24));
    assert_int_equal(get16(imgdeep.data + node * 1024 + 4), 1024); /* one empty entry spans it */
    im = corrupt_image(&imgdeep, node * 1024 + 0x10);
    assert_int_equal(list_dir(&im, "/d"), ERR_IO);
    assert_non_null(strstr(fs->why, "htree index block checksum"));
    free(im.data);
    im = corrupt_image(&imgdeep, node * 1024 + 0x8); /* limit below count: malformed, before any checksum */
    assert_int_equal(list_dir(&im, "/d"), ERR_BAD_FORMAT);
    free(im.data);
}

/* A flipped byte in a group descriptor of a gdt_csum file system (crc16) is ERR_IO. */
static void test_gdt_checksums(void **state)
{
    (void)state;
    struct ext4_inode in;
    struct image im = corrupt_image(&imggdt, 2048 + 0x0C); /* 1 KiB blocks: group 0's at block 2 */
    assert_int_equal(ext4_mount(fs, mem_read, &im), 0);
    assert_int_equal(ext4_inode_get(fs, EXT4_ROOT_INO, &in), ERR_IO);
    assert_non_null(strstr(fs->why, "gdt_csum"));
    free(im.data);
    im = corrupt_image(&imggdt, 2048 + 32 + 0x0C); /* group 1's: group 0 still reads */
    assert_int_equal(ext4_mount(fs, mem_read, &im), 0);
    assert_int_equal(ext4_inode_get(fs, EXT4_ROOT_INO, &in), 0);
    assert_int_equal(ext4_inode_get(fs, fs->inodes_per_group + 1, &in), ERR_IO);
    free(im.data);
    im = corrupt_image(&imggdt64, 4096 + 0x30); /* the 64bit half of a 64-byte descriptor */
    assert_int_equal(ext4_mount(fs, mem_read, &im), 0);
    assert_int_equal(ext4_inode_get(fs, EXT4_ROOT_INO, &in), ERR_IO);
    free(im.data);
}

/* needs_recovery, an unsupported incompatible feature and block-mapped files are refused. */
static void test_refused(void **state)
{
    (void)state;
    struct image im;
    char path[256];
    snprintf(path, sizeof(path), "%s/img4k", tmpdir);
    run("cp %s %s.rec && debugfs -w -R 'feature needs_recovery' %s.rec >/dev/null 2>&1", path, path, path);
    run("cp %s %s.enc && debugfs -w -R 'feature encrypt' %s.enc >/dev/null 2>&1", path, path, path);
    snprintf(path, sizeof(path), "%s/img4k.rec", tmpdir);
    load(path, &im);
    assert_int_equal(ext4_mount(fs, mem_read, &im), ERR_NOT_SUPPORTED);
    assert_non_null(strstr(fs->why, "needs_recovery"));
    free(im.data);
    snprintf(path, sizeof(path), "%s/img4k.enc", tmpdir);
    load(path, &im);
    assert_int_equal(ext4_mount(fs, mem_read, &im), ERR_NOT_SUPPORTED);
    free(im.data);
    snprintf(path, sizeof(path), "%s/img3", tmpdir);
    load(path, &im);
    assert_int_equal(ext4_mount(fs, mem_read, &im), 0);
    struct ext4_inode in;
    uint8_t buf[8];
    assert_int_equal(ext4_inode_get(fs, EXT4_ROOT_INO, &in), 0);
    assert_int_equal(ext4_read(fs, &in, 0, buf, sizeof(buf)), ERR_NOT_SUPPORTED);
    assert_int_equal(ext4_resolve(fs, "small", true, &in), ERR_NOT_SUPPORTED);
    free(im.data);
    memset(buf, 0, sizeof(buf));
    struct image tiny = {buf, sizeof(buf)};
    assert_int_equal(ext4_mount(fs, mem_read, &tiny), ERR_IO);
}

/* Runs the tests in this file. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files_4k),      cmocka_unit_test(test_files_1k),
        cmocka_unit_test(test_files_128),     cmocka_unit_test(test_files_64k),
        cmocka_unit_test(test_directories),   cmocka_unit_test(test_paths),
        cmocka_unit_test(test_checksums),     cmocka_unit_test(test_htree_checksums),
        cmocka_unit_test(test_files_gdt),     cmocka_unit_test(test_runs),
        cmocka_unit_test(test_gdt_checksums), cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests_name("ext4", tests, setup, teardown);
}
