/* fuzz_ext4.c: libFuzzer harness for the ext4 reader (servers/fs/ext4.c) and the partition finder (part.c) on a hostile image. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "servers/fs/ext4.h"
#include "servers/fs/part.h"
#include <warp/error.h>

/*
 * The input is the start of an image; what lies past it reads as zeros, up to 64 MiB (so the seeds,
 * real images without their trailing zeros, stay small). The harness mounts it, walks the root
 * and the directories in it, reads each file whole and in two pieces (the bytes must agree), reads
 * each symlink and resolves a few paths. Every result must be a value or an ERR_* code with a
 * reason; ASan and UBSan catch the rest.
 */

#define IMAGE_MAX (64u << 20)
#define READ_MAX 8192
#define ENTRIES_MAX 64

struct input {
    const uint8_t *data;
    size_t size;
};

static struct ext4_fs fs;
static uint8_t whole[READ_MAX], pieces[READ_MAX];

/* The read callback: the input, then zeros, then the device's end. */
static int fuzz_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    const struct input *in = ctx;
    if (off > IMAGE_MAX || len > IMAGE_MAX - off)
        return ERR_IO;
    memset(buf, 0, len);
    if (off < in->size)
        memcpy(buf, in->data + off, len < in->size - off ? len : in->size - off);
    return 0;
}

/* Checks that r is a result or an error with a reason. */
static void check(int64_t r)
{
    if (r < 0 && (r < ERR_MIN || fs.why == NULL))
        abort();
}

/* Reads a file's start whole and in two pieces; both must agree. */
static void read_file(const struct ext4_inode *in)
{
    int64_t n = ext4_read(&fs, in, 0, whole, READ_MAX);
    check(n);
    if (n < 0)
        return;
    if ((uint64_t)n > READ_MAX || (uint64_t)n > in->size)
        abort();
    int64_t a = ext4_read(&fs, in, 0, pieces, 1000);
    int64_t b = a >= 0 ? ext4_read(&fs, in, (uint64_t)a, pieces + a, (size_t)(n - a)) : a;
    if (a >= 0 && b >= 0 && (a + b != n || memcmp(whole, pieces, (size_t)n) != 0))
        abort();
}

/* Visits the inode a directory entry names. */
static void visit(uint32_t ino, int level)
{
    struct ext4_inode in;
    int err = ext4_inode_get(&fs, ino, &in);
    check(err);
    if (err < 0)
        return;
    char target[EXT4_PATH_MAX];
    if (in.type == EXT4_TYPE_FILE)
        read_file(&in);
    if (in.type == EXT4_TYPE_SYMLINK) {
        int n = ext4_readlink(&fs, &in, target, sizeof(target));
        check(n);
        if (n >= 0 && strlen(target) != (size_t)n)
            abort();
    }
    if (in.type != EXT4_TYPE_DIR || level > 1)
        return;
    struct ext4_dirent d;
    uint64_t pos = 0;
    int r;
    for (int i = 0; i < ENTRIES_MAX && (r = ext4_readdir(&fs, &in, &pos, &d)) > 0; i++) {
        if (d.name_len == 0 || strlen(d.name) != d.name_len)
            abort();
        if (d.name[0] != '.')
            visit(d.ino, level + 1);
    }
}

/* Mounts the input and reads what it holds. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    struct part parts[PART_MAX];
    const char *why = NULL;
    int n = part_find_linux(fuzz_read, &in, IMAGE_MAX, 512, parts, &why);
    if (n > PART_MAX || (n == ERR_BAD_FORMAT && !why) || (n < 0 && n != ERR_BAD_FORMAT && n != ERR_IO))
        abort();
    for (int i = 0; i < n; i++)
        if (parts[i].offset == 0 || parts[i].size == 0 || parts[i].offset + parts[i].size > IMAGE_MAX)
            abort();
    int err = ext4_mount(&fs, fuzz_read, &in);
    check(err);
    if (err < 0)
        return 0;
    visit(EXT4_ROOT_INO, 0);
    static const char *const paths[] = {"f", "/d/m", "l", "sl", "d/../l", "/../d/./m/"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct ext4_inode ino;
        check(ext4_resolve(&fs, paths[i], true, &ino));
    }
    return 0;
}
