/* ext4.h: a read-only ext4 reader, pure (no system calls): blocks come through a read callback. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Follows the kernel's "ext4 Data Structures and Algorithms" (Documentation/filesystems/ext4):
 * super block, block group descriptors, inode table, extent tree, linear directories (htree ones
 * too), symbolic links, and the metadata_csum and gdt_csum checksums. docs/fs.md says what is
 * supported and what is refused.
 *
 * The reader allocates nothing: struct ext4_fs holds every buffer (about 200 KiB), so the caller
 * places it (static storage or its heap). Every function returns 0 (or a count) or a negative
 * ERR_* code; on an error fs->why holds a short static reason.
 */

#define EXT4_BLOCK_MAX 65536u    /* largest block size the format allows (and we accept) */
#define EXT4_NAME_MAX 255        /* longest name in a directory entry */
#define EXT4_PATH_MAX 4096       /* longest path, and longest symlink target, NUL included */
#define EXT4_SYMLINK_HOPS 40     /* symlinks followed in one resolution; more is ERR_TOO_LARGE */
#define EXT4_ROOT_INO 2          /* the root directory's inode number */
#define EXT4_DIR_MAX (16u << 20) /* largest directory read (bytes): bounds a lookup's work */

/* Reads len bytes at byte_offset of the device into buf: 0, or a negative ERR_* code. */
typedef int (*ext4_read_fn)(void *ctx, uint64_t byte_offset, void *buf, size_t len);

/* File types, from the mode's top bits. */
enum ext4_type {
    EXT4_TYPE_OTHER = 0, /* device, fifo, socket */
    EXT4_TYPE_FILE = 1,
    EXT4_TYPE_DIR = 2,
    EXT4_TYPE_SYMLINK = 3,
};

/* One inode, as read and checked. */
struct ext4_inode {
    uint32_t ino;
    uint16_t mode; /* permission bits and type, as on disk */
    enum ext4_type type;
    uint64_t size;
    int64_t mtime; /* seconds since the epoch */
    uint32_t flags;
    uint32_t csum_seed; /* crc32c seed of this inode's extent and directory blocks */
    uint8_t block[60];  /* i_block: the extent tree root, or a fast symlink's target */
};

/* One directory entry. */
struct ext4_dirent {
    uint32_t ino;
    uint8_t name_len;
    char name[EXT4_NAME_MAX + 1]; /* NUL-terminated */
};

/* A mounted file system; every field is the reader's. */
struct ext4_fs {
    ext4_read_fn read;
    void *ctx;
    const char *why; /* reason of the last error */
    uint32_t block_size;
    uint64_t blocks_count;
    uint32_t inodes_count;
    uint32_t inodes_per_group;
    uint32_t blocks_per_group;
    uint32_t groups;
    uint32_t first_data_block;
    uint32_t inode_size;
    uint32_t desc_size;
    bool csum;         /* metadata_csum: verify checksums */
    uint32_t seed;     /* crc32c seed of every metadata checksum */
    bool gdt_csum;     /* gdt_csum (uninit_bg) without metadata_csum: verify group descriptors' crc16 */
    uint16_t gdt_seed; /* crc16 of the UUID, where each group descriptor's crc16 starts */
    uint32_t dir_ino;
    uint64_t dir_lblk; /* which directory block dir[] holds (dir_ino 0: none) */
    bool node_ok;      /* node[] holds extent block node_nr, checked with seed node_seed */
    uint64_t node_nr;
    uint32_t node_seed;
    uint8_t node[EXT4_BLOCK_MAX];
    uint8_t inode[EXT4_BLOCK_MAX]; /* the inode being read (node[] keeps its extent block) */
    uint8_t dir[EXT4_BLOCK_MAX];
    char path[2][EXT4_PATH_MAX];
};

/* Reads and checks the super block. Refuses what the reader cannot read faithfully. */
int ext4_mount(struct ext4_fs *fs, ext4_read_fn read, void *ctx);

/* Reads inode ino into *out, checking its checksum (the fs server keeps it: icache.h). */
int ext4_inode_get(struct ext4_fs *fs, uint32_t ino, struct ext4_inode *out);

/* Reads up to len bytes of a file or directory at off; returns the count (0 at or past the end). */
int64_t ext4_read(struct ext4_fs *fs, const struct ext4_inode *in, uint64_t off, void *buf, size_t len);

/* Next entry of directory dir at *pos (start at 0): 1 and *out filled, 0 at the end, or an error. */
int ext4_readdir(struct ext4_fs *fs, const struct ext4_inode *dir, uint64_t *pos, struct ext4_dirent *out);

/* Finds name (len bytes) in directory dir: its inode number, or ERR_NOT_FOUND. */
int64_t ext4_lookup(struct ext4_fs *fs, const struct ext4_inode *dir, const char *name, size_t len);

/* Reads a symlink's target into buf (NUL-terminated, at most cap bytes with it); returns its length. */
int ext4_readlink(struct ext4_fs *fs, const struct ext4_inode *in, char *buf, size_t cap);

/*
 * Resolves path (absolute or not, both from the root) to an inode, following symlinks (the last
 * component's too when follow_last), `.` and `..`; `..` at the root stays there.
 */
int ext4_resolve(struct ext4_fs *fs, const char *path, bool follow_last, struct ext4_inode *out);
