/* fs.h: the service/fs protocol: OPEN a path, READ/WRITE at an offset, GETATTR, directory listings. */
#pragma once

#include <warp/ipc.h>

/*
 * The file system server (servers/fs, docs/fs.md) serves one tree: a tmpfs root holding the mount
 * points, the first disk's ext4 at FS_DISK_MOUNT (read-only) and a tmpfs at FS_TMP_MOUNT. A client
 * OPENs FS_URI through init and gets a session channel; every file or directory it opens is a
 * channel of its own (a "node channel").
 *
 * On a session or a directory node channel:
 *   MSG_OPEN     data = struct fs_open; bufs[0] BUF_READ: the path, path_len bytes (no NUL);
 *                optional bufs[1] BUF_WRITE: the file's first bytes are copied into it (saves a READ)
 *                -> reply MSG_OPEN, status = bytes copied into bufs[1] (0 without one, or for a
 *                   directory), handles[0] = the node channel, data = struct fs_attr of the node
 *                An absolute path starts at the root of the tree; a relative one at the directory
 *                (on a session: at the root). `.`, `..` and symlinks are resolved inside the mount
 *                that holds them: `..` at a mount's root stays there, an absolute symlink target
 *                starts at the mount's root. Nothing resolves to a place outside a mount.
 * Also on a session or a directory node channel, the changes of names (paths resolved as OPEN's,
 * the last component never followed; its directory must be searchable and writable by others):
 *   MSG_SETATTR  "unlink=" bufs[0] BUF_READ: a path, the buffer's whole length (1..FS_PATH_MAX)
 *                -> status 0: the file's (or symlink's) name is gone (ERR_IS_DIR for a directory)
 *   MSG_SETATTR  "rmdir=" bufs[0] as unlink -> status 0: the empty directory is gone
 *   MSG_SETATTR  "rename=" bufs[0] the old path, bufs[1] the new one -> status 0: atomically, the
 *                node has the new name and not the old; what the new name named (a file for a
 *                file, an empty directory for a directory) is gone; with "rename=noreplace"
 *                a new name that exists is ERR_ALREADY_EXISTS instead
 *                A node whose last name goes stays usable through the node channels open on it;
 *                nothing can open it again.
 * On a session:
 *   MSG_GETATTR  "stats" -> text: page cache and server counters ("hits=.. misses=.. ...")
 *   MSG_GETATTR  "pgstats" -> text: the persistent mount's ("pg_fetched=.. pg_commits=.. ...";
 *                ERR_NOT_FOUND while there is none), cut at MSG_DATA_MAX bytes
 *   MSG_CLOSE    -> status 0; the session ends (its node channels stay valid until closed)
 * On a node channel:
 *   MSG_READ     data = struct fs_io; bufs[0] BUF_WRITE -> status = bytes copied
 *                file: the bytes at io.offset (fewer at the end, 0 at or past it)
 *                directory: whole struct fs_dirent records from cookie io.offset (0 = the first);
 *                status 0 at the end; ERR_TOO_LARGE if the buffer cannot hold the next record
 *   MSG_WRITE    data = struct fs_io; bufs[0] BUF_READ -> status = bytes written at io.offset
 *                (tmpfs files opened with FS_O_WRITE; the file grows, a gap reads as zeros)
 *   MSG_GETATTR  "attr" -> struct fs_attr (status = its size)
 *   MSG_SETATTR  "size=N" -> status 0: the file is cut or grown (zeros) to N bytes (FS_O_WRITE)
 *   MSG_SETATTR  "sync=" -> status 0 once what was written to the node is as durable as its mount
 *                makes it (tmpfs: in memory; a read-only ext4: nothing to write), an error if not
 *   MSG_CLOSE    -> status 0; the node channel ends (closing the handle does the same)
 *
 * A READ or WRITE moves at most FS_IO_MAX bytes (a larger buffer is used up to that). Errors are
 * specific, so the Linux layer can map them onto errno:
 *   ERR_NOT_FOUND      a component does not exist (ENOENT)
 *   ERR_NOT_DIR        a component, or an FS_O_DIRECTORY target, is not a directory (ENOTDIR)
 *   ERR_IS_DIR         FS_O_WRITE on a directory, READ/WRITE of data on a directory (EISDIR)
 *   ERR_PERMISSION     the mode does not let others read/search/write it (EACCES)
 *   ERR_NAME_TOO_LONG  a name past FS_NAME_MAX, a path past FS_PATH_MAX (ENAMETOOLONG)
 *   ERR_LOOP           more than FS_SYMLINK_HOPS symlinks, or FS_O_NOFOLLOW on a symlink (ELOOP)
 *   ERR_ALREADY_EXISTS FS_O_CREATE | FS_O_EXCL on an existing name (EEXIST)
 *   ERR_NOT_EMPTY      rmdir of, or rename over, a directory with entries (ENOTEMPTY)
 *   ERR_CROSS_DEVICE   rename between two mounts (EXDEV)
 *   ERR_READ_ONLY      a write, create or truncate on a read-only mount (EROFS)
 *   ERR_IO             the device failed, or the image is corrupt (EIO)
 *   ERR_INVALID_ARG    bad flags, a missing or empty path, a negative offset, a last name "." or
 *                      "..", a directory renamed into itself (EINVAL)
 *   ERR_NO_RESOURCES   too many open nodes for this client (EMFILE), or tmpfs is full (ENOSPC)
 */
#define FS_URI "service/fs"

#define FS_DISK_MOUNT "/disk0" /* the first disk's file system, when there is one */
#define FS_TMP_MOUNT "/tmp"    /* scratch: a tmpfs */
#define FS_PATH_MAX 4096       /* bytes of a path, no NUL */
#define FS_NAME_MAX 255        /* bytes of one name */
#define FS_SYMLINK_HOPS 40     /* symlinks followed in one OPEN */
#define FS_IO_MAX (256u << 10) /* bytes one READ or WRITE moves at most */

/* OPEN flags. */
#define FS_O_READ 0x1u       /* READ allowed on the node channel */
#define FS_O_WRITE 0x2u      /* WRITE and SETATTR size allowed */
#define FS_O_CREATE 0x4u     /* create the last component if it is missing (a file, or with */
                             /* FS_O_DIRECTORY a directory), mode from fs_open.mode */
#define FS_O_EXCL 0x8u       /* with FS_O_CREATE: ERR_ALREADY_EXISTS if it exists */
#define FS_O_TRUNC 0x10u     /* with FS_O_WRITE: cut the file to 0 bytes */
#define FS_O_DIRECTORY 0x20u /* the node must be a directory (ERR_NOT_DIR) */
#define FS_O_NOFOLLOW 0x40u  /* the last component must not be a symlink (ERR_LOOP) */
#define FS_O_ALL 0x7fu

/* The data of an OPEN call. */
struct fs_open {
    uint32_t flags;    /* FS_O_* */
    uint32_t mode;     /* permission bits of a node FS_O_CREATE makes (07777 at most) */
    uint32_t path_len; /* bytes of the path in bufs[0], 1..FS_PATH_MAX */
    uint32_t pad;
};

/* Node types. */
enum fs_type {
    FS_TYPE_OTHER = 0, /* device, fifo, socket: listed, never opened */
    FS_TYPE_FILE = 1,
    FS_TYPE_DIR = 2,
    FS_TYPE_SYMLINK = 3,
};

/* What GETATTR "attr" and OPEN's reply carry. */
struct fs_attr {
    uint64_t ino;        /* unique within its mount */
    uint64_t size;       /* bytes */
    int64_t mtime;       /* seconds since the epoch */
    uint32_t mtime_nsec; /* and nanoseconds */
    uint32_t mode;       /* POSIX: the S_IF* type bits and the permission bits */
    uint32_t type;       /* enum fs_type */
    uint32_t mount;      /* which mount (0: the root tmpfs); with ino it names the node */
};

/* The data of a READ or WRITE call. */
struct fs_io {
    uint64_t offset; /* file: byte offset; directory: cookie (0, or a record's next) */
};

/* A directory READ fills the buffer with these, each FS_DIRENT_SIZE(name_len) bytes long. */
struct fs_dirent {
    uint64_t ino;
    uint64_t next;    /* the cookie that continues after this entry */
    uint16_t reclen;  /* bytes of this record, a multiple of 8 */
    uint8_t type;     /* enum fs_type */
    uint8_t name_len; /* 1..FS_NAME_MAX */
    char name[];      /* name_len bytes, then a NUL and padding */
};
#define FS_DIRENT_SIZE(name_len) ((sizeof(struct fs_dirent) + (name_len) + 1 + 7) & ~(size_t)7)

#define FS_ATTR_PG_STATS "pgstats" /* the persistent mount's counters */
#define FS_ATTR_STATS "stats"      /* a session's counters */
#define FS_ATTR_NODE "attr"        /* a node's struct fs_attr */
#define FS_ATTR_SIZE "size"        /* SETATTR size=N */
#define FS_ATTR_SYNC "sync"        /* SETATTR sync= on a node */
#define FS_ATTR_UNLINK "unlink"    /* SETATTR unlink=, rmdir=, rename= on a session or directory */
#define FS_ATTR_RMDIR "rmdir"
#define FS_ATTR_RENAME "rename"
#define FS_RENAME_NOREPLACE "noreplace" /* rename='s value: never over an existing name */
