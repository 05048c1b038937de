/* vfs.h: the fs server's tree: a mount table over tmpfs and ext4, path resolution, permissions. */
#pragma once

#include "ext4.h"
#include "icache.h"
#include "tmpfs.h"

#include <warp/proto/fs.h>

/*
 * The tree (libs/proto/include/warp/proto/fs.h): mount 0 is a tmpfs root that holds one directory
 * per other mount; walking into such a directory enters that mount's root. Paths resolve one
 * component at a time here, for every kind of mount, so permissions, `..` at a mount's root (it
 * stays there) and symlinks (an absolute target starts at the root of the symlink's mount) behave
 * alike everywhere. Permissions are those of "others": a directory walked through needs S_IXOTH,
 * opening for reading S_IROTH, for writing (or creating in a directory) S_IWOTH; no client is the
 * owner of anything. ext4 mounts are read-only. Pure: no system calls (tests/unit/test_fs_vfs.c).
 */
#define VFS_MOUNTS_MAX 4
#define VFS_ROOT_MOUNT 0
#define VFS_S_IFMT 0170000u
#define VFS_S_IFDIR 0040000u
#define VFS_S_IFREG 0100000u
#define VFS_S_IFLNK 0120000u
#define VFS_S_IROTH 04u
#define VFS_S_IWOTH 02u
#define VFS_S_IXOTH 01u
#define VFS_O_MADE \
    0x80000000u /* vfs_open's: the last component was just made for this OPEN (a
                                * persistent mount's create, done): it opens as a created node */

enum vfs_kind {
    VFS_NONE = 0, /* a free slot */
    VFS_TMPFS,
    VFS_EXT4,
    VFS_PG, /* the persistent mount: its tree is a tmpfs mirror (pgfs.h); changes of names go to the
             * database first (ERR_WOULD_BLOCK with v->pending), bytes through pgfs */
};

/* One mounted file system. */
struct vfs_mount {
    enum vfs_kind kind;
    struct tmpfs *tmp;
    struct ext4_fs *ext4;
    struct icache *icache; /* ext4: its inodes and names (icache.h) */
    const char *path;      /* where it is mounted ("/" for the root) */
    bool read_only;        /* VFS_PG: without the lease */
};

/* A change a VFS_PG mount must make in the database before the tree (the call returned
 * ERR_WOULD_BLOCK); the names point into the call's path, valid until the next vfs call. */
struct vfs_pending {
    enum { VFS_PEND_CREATE, VFS_PEND_REMOVE, VFS_PEND_RENAME } what;
    struct tmpfs_node *dir, *dir2;
    const char *name, *name2;
    size_t len, len2;
    uint32_t type, mode; /* create: TMPFS_S_IFDIR or TMPFS_S_IFREG, and the permission bits */
    bool dir_wanted;     /* remove: rmdir */
    bool replace;        /* rename */
};

/* A node of the tree, as an opened node channel keeps it. */
struct vfs_node {
    uint32_t mount;
    uint64_t ino;          /* ext4's inode number, or the tmpfs node's */
    struct tmpfs_node *tn; /* tmpfs: the node */
};

struct vfs {
    struct vfs_mount mounts[VFS_MOUNTS_MAX];
    char path[2][FS_PATH_MAX + 1]; /* resolution's work buffers */
    struct vfs_pending pending;    /* what the last ERR_WOULD_BLOCK asks for */
};

/* The root tmpfs alone (it holds at most a few mount points): 0 or ERR_NO_MEMORY. */
int vfs_init(struct vfs *v, struct tmpfs *root);
/* Mounts a file system as mount number id (1..VFS_MOUNTS_MAX - 1, free) at /name (a new directory
 * of the root, mode 0755): 0 or an error. Numbers are fixed by the caller, so a mount keeps its
 * number whether or not another is there. An ext4 mount gets its icache (ERR_NO_MEMORY without). */
int vfs_mount_tmpfs(struct vfs *v, uint32_t id, const char *name, struct tmpfs *t);
int vfs_mount_ext4(struct vfs *v, uint32_t id, const char *name, struct ext4_fs *fs);
/* Mounts the persistent mount's mirror tmpfs (read_only: it does not hold the lease). */
int vfs_mount_pg(struct vfs *v, uint32_t id, const char *name, struct tmpfs *mirror, bool read_only);

/*
 * OPEN: resolves path (len bytes, not NUL-terminated) from base (NULL or an absolute path: the
 * root) with flags FS_O_* (creating with mode), checks permissions; 0 with *out and *attr, or the
 * protocol's error (fs.h). The node is held (it outlives the removal of its names) until
 * vfs_close.
 */
int vfs_open(struct vfs *v, const struct vfs_node *base, const char *path, size_t len, uint32_t flags,
             uint32_t mode, struct vfs_node *out, struct fs_attr *attr);
/* Drops the hold vfs_open took on n. */
void vfs_close(struct vfs *v, const struct vfs_node *n);
/*
 * Removes the last name of path (resolved from base as OPEN does, the last component not followed):
 * a file or symlink (dir false) or an empty directory (dir true). The directory holding it must be
 * searchable and writable by others. 0 or the protocol's error: ERR_IS_DIR, ERR_NOT_DIR,
 * ERR_NOT_EMPTY, ERR_INVALID_ARG (a last name "." or ".."), ERR_PERMISSION (also for the root and
 * mount points), ERR_READ_ONLY.
 */
int vfs_remove(struct vfs *v, const struct vfs_node *base, const char *path, size_t len, bool dir);
/*
 * Renames old (olen bytes) to new (nlen bytes), both from base, atomically: what new named is
 * replaced (tmpfs_rename's rules; unless replace: ERR_ALREADY_EXISTS). Both directories need search and write permission for others.
 * 0 or the protocol's error; ERR_CROSS_DEVICE when they lie in different mounts.
 */
int vfs_rename(struct vfs *v, const struct vfs_node *base, const char *old, size_t olen, const char *new,
               size_t nlen, bool replace);
/* The node's attributes: 0 or an error. */
int vfs_getattr(struct vfs *v, const struct vfs_node *n, struct fs_attr *attr);
/* Up to len bytes of file n at off: the count (0 at or past the end), or an error (ERR_IS_DIR). */
int64_t vfs_read(struct vfs *v, const struct vfs_node *n, uint64_t off, void *buf, size_t len);
/* Whole struct fs_dirent records of directory n from cookie on, into buf (cap bytes): the bytes
 * filled (0 at the end), ERR_TOO_LARGE if the next record does not fit, or an error. */
int64_t vfs_readdir(struct vfs *v, const struct vfs_node *n, uint64_t cookie, void *buf, size_t cap);
/* Writes len bytes at off into file n: the count or an error (ERR_READ_ONLY on ext4). */
int64_t vfs_write(struct vfs *v, const struct vfs_node *n, uint64_t off, const void *buf, size_t len);
/* Makes what was written to n as durable as its mount can: 0 or an error. */
int vfs_sync(struct vfs *v, const struct vfs_node *n);
/* Cuts or grows file n to size: 0 or an error. */
int vfs_truncate(struct vfs *v, const struct vfs_node *n, uint64_t size);
/* The protocol's error for an ext4 reader's (fs.h lists what a client may see). */
int vfs_ext4_error(int err);
