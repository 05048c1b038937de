/* tmpfs.h: an in-memory file system: directories and files in the heap, under a byte limit. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A node lives while a directory names it or someone holds it (tmpfs_hold: an open node channel).
 * Removing its last name (tmpfs_remove, or a rename over it) detaches it: it keeps its bytes for
 * its holders, nothing can find it any more, and the last tmpfs_release frees it. A removed
 * directory is empty, is its own parent and takes no new entries. A file's bytes live in TMPFS_PAGE pages made on first write: a gap a write or
 * a truncate leaves reads as zeros and costs nothing. The limit counts the pages, the nodes and
 * the names; past it a create or write fails with ERR_NO_RESOURCES. A directory lists `.` and `..`
 * (cookies 0 and 1), then its entries in the order they were made; an entry's cookie never changes.
 * There are no symlinks: the protocol cannot make one. Pure: no system calls (test_fs_tmpfs.c).
 */
#define TMPFS_PAGE 4096u
#define TMPFS_NAME_MAX 255
#define TMPFS_S_IFDIR 0040000u
#define TMPFS_S_IFREG 0100000u
#define TMPFS_S_IFMT 0170000u

struct tmpfs_entry;

/* A file or a directory. */
struct tmpfs_node {
    uint64_t ino;
    uint32_t mode;             /* TMPFS_S_IFDIR or TMPFS_S_IFREG, and the permission bits */
    uint32_t mount;            /* the VFS's: the mount whose root covers this directory (0: none) */
    uint64_t mtime_ns;         /* the tmpfs clock's time of the last change */
    struct tmpfs_node *parent; /* the directory holding it (the root: itself) */
    /* a directory's entries, oldest first */
    struct tmpfs_entry *first, *last;
    uint64_t next_cookie;
    /* a file's bytes */
    uint64_t size;
    uint8_t **pages; /* npages slots, NULL where nothing was written */
    size_t npages;
    /* what a mount built on the tmpfs keeps of the node (pgfs: its inode in the database) */
    uint64_t ext_ino;
    void *ext;
    /* its life */
    uint32_t holds;                 /* tmpfs_hold minus tmpfs_release */
    bool removed;                   /* no directory names it */
    struct tmpfs_node *next_orphan; /* removed and still held: the tmpfs's orphans list */
};

/* A name in a directory. */
struct tmpfs_entry {
    struct tmpfs_entry *next;
    uint64_t cookie; /* where a listing continues after the entry before it */
    struct tmpfs_node *node;
    uint8_t name_len;
    char name[TMPFS_NAME_MAX + 1];
};

struct tmpfs {
    uint64_t bytes_max;
    uint64_t file_max; /* the largest file (bytes_max; a cache whose files' pages come and go sets more) */
    uint64_t bytes_used;
    uint64_t next_ino;
    uint64_t (*clock)(void); /* nanoseconds for mtime (NULL: always 0) */
    struct tmpfs_node *root;
    struct tmpfs_node *orphans;                         /* removed nodes someone still holds */
    void (*node_gone)(void *ctx, struct tmpfs_node *n); /* told before a node is freed (NULL: nobody) */
    void *gone_ctx;
};

/* An empty tmpfs of at most bytes_max bytes whose root has permission bits mode: 0 or ERR_NO_MEMORY. */
int tmpfs_init(struct tmpfs *t, uint64_t bytes_max, uint32_t mode, uint64_t (*clock)(void));
/* Frees every node, held or not. */
void tmpfs_destroy(struct tmpfs *t);
/* Keeps n alive past the removal of its names, until tmpfs_release. */
void tmpfs_hold(struct tmpfs_node *n);
/* Drops a hold on n; frees it if that was the last and no directory names it. */
void tmpfs_release(struct tmpfs *t, struct tmpfs_node *n);
/* The node named name (len bytes) in dir: ".." is the parent, "." dir itself. NULL if missing. */
struct tmpfs_node *tmpfs_lookup(struct tmpfs *t, struct tmpfs_node *dir, const char *name, size_t len);
/* Makes a file or directory (mode's type bits) named name in dir: 0 and *out, ERR_ALREADY_EXISTS,
 * ERR_NOT_DIR, ERR_NAME_TOO_LONG, ERR_INVALID_ARG (empty, ".", "..", a '/' or NUL), ERR_NO_RESOURCES,
 * ERR_NOT_FOUND (dir was removed). */
int tmpfs_create(struct tmpfs *t, struct tmpfs_node *dir, const char *name, size_t len, uint32_t mode,
                 struct tmpfs_node **out);
/*
 * Removes the name name from dir: a file's (dir_wanted false) or an empty directory's (true). 0, or
 * ERR_NOT_FOUND, ERR_NOT_DIR (dir is not a directory; dir_wanted and the name is a file), ERR_IS_DIR
 * (not dir_wanted and it is a directory), ERR_NOT_EMPTY, ERR_INVALID_ARG ("." or ".."),
 * ERR_PERMISSION (a mount point: the VFS's). Nothing changes on an error.
 */
int tmpfs_remove(struct tmpfs *t, struct tmpfs_node *dir, const char *name, size_t len, bool dir_wanted);
/*
 * Renames odir's entry oname to nname in ndir, atomically: a node already named nname is replaced
 * (a file by a file, an empty directory by a directory) and detached; unless replace, a taken
 * nname is ERR_ALREADY_EXISTS instead. Renaming a name onto itself,
 * or onto another name of the same node, changes nothing. 0, or ERR_NOT_FOUND (no oname; a removed
 * ndir), ERR_NOT_DIR, ERR_IS_DIR, ERR_NOT_EMPTY, ERR_INVALID_ARG ("." or ".."; a directory into
 * itself or below itself), ERR_NAME_TOO_LONG, ERR_PERMISSION (a mount point). Nothing changes on an
 * error.
 */
int tmpfs_rename(struct tmpfs *t, struct tmpfs_node *odir, const char *oname, size_t olen,
                 struct tmpfs_node *ndir, const char *nname, size_t nlen, bool replace);
/* Copies up to len bytes of file f at off into buf; the count (0 at or past the end). */
int64_t tmpfs_read(struct tmpfs *t, struct tmpfs_node *f, uint64_t off, void *buf, size_t len);
/* Writes len bytes at off into file f, growing it: len, or ERR_NO_RESOURCES (nothing written). */
int64_t tmpfs_write(struct tmpfs *t, struct tmpfs_node *f, uint64_t off, const void *buf, size_t len);
/* Frees the pages of file f that lie wholly inside [off, off + len) and gives their bytes back: they
 * read as zeros until written again; the size and mtime stay (a cache dropping what it can fetch). */
void tmpfs_drop(struct tmpfs *t, struct tmpfs_node *f, uint64_t off, uint64_t len);
/* Cuts or grows (zeros) file f to size bytes: 0 or ERR_NO_RESOURCES. */
int tmpfs_truncate(struct tmpfs *t, struct tmpfs_node *f, uint64_t size);
/* The entry of dir at cookie *cookie: 1 with *name, *len, *node and *cookie advanced past it, or 0
 * at the end. */
int tmpfs_readdir(struct tmpfs *t, struct tmpfs_node *dir, uint64_t *cookie, const char **name, size_t *len,
                  struct tmpfs_node **node);
/* True if n is a directory. */
static inline bool tmpfs_is_dir(const struct tmpfs_node *n)
{
    return (n->mode & TMPFS_S_IFMT) == TMPFS_S_IFDIR;
}
