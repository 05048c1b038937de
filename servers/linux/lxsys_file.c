/* lxsys_file.c: files and directories through service/fs: open, stat, getdents64, access, mkdir,
 * chdir, lseek, ftruncate, and the reads and writes of fs nodes. Every fs call is asynchronous:
 * the process stays stopped in its trap until fs answers (LXSYS_NO_REPLY), the server goes on. */
#include <warp/fmt.h>
#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/proto/fs.h>
#include <warp/service.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxfiles.h"
#include "lxnode.h"
#include "lxload.h"
#include "lxmem.h"
#include "lxop.h"
#include "lxpath.h"
#include "lxproc.h"
#include "lxsig.h"
#include "lxsys.h"

/* Linux's struct stat on x86-64 (144 bytes). */
struct lxstat {
    uint64_t dev, ino, nlink;
    uint32_t mode, uid, gid, pad;
    uint64_t rdev;
    int64_t size, blksize, blocks;
    int64_t times[6]; /* atime, mtime, ctime: seconds and nanoseconds */
    int64_t reserved[3];
};
_Static_assert(sizeof(struct lxstat) == 144, "struct stat layout");

/* Linux's struct statx (256 bytes); its timestamps. */
struct lxstatx_time {
    int64_t sec;
    uint32_t nsec;
    int32_t pad;
};
struct lxstatx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad;
    uint64_t ino, size, blocks, attributes_mask;
    struct lxstatx_time atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};
_Static_assert(sizeof(struct lxstatx) == 256, "struct statx layout");

/* Writes st to uaddr as struct stat, or (x) as struct statx with STATX_BASIC_STATS (no birth time:
 * fs keeps none): 0 or -EFAULT. */
static int64_t lxstat_write(struct lxproc *p, uint64_t uaddr, const struct lxstat *st, bool x)
{
    if (!x)
        return lxmem_write(p, uaddr, st, sizeof(*st));
    struct lxstatx sx;
    memset(&sx, 0, sizeof(sx));
    sx.mask = LX_STATX_BASIC_STATS;
    sx.blksize = (uint32_t)st->blksize;
    sx.nlink = (uint32_t)st->nlink;
    sx.uid = st->uid;
    sx.gid = st->gid;
    sx.mode = (uint16_t)st->mode;
    sx.ino = st->ino;
    sx.size = (uint64_t)st->size;
    sx.blocks = (uint64_t)st->blocks;
    struct lxstatx_time *t[3] = {&sx.atime, &sx.mtime, &sx.ctime};
    for (int i = 0; i < 3; i++)
        *t[i] = (struct lxstatx_time){.sec = st->times[2 * i], .nsec = (uint32_t)st->times[2 * i + 1]};
    sx.rdev_major = (uint32_t)(st->rdev >> 8);
    sx.rdev_minor = (uint32_t)(st->rdev & 0xff);
    sx.dev_major = (uint32_t)(st->dev >> 8);
    sx.dev_minor = (uint32_t)(st->dev & 0xff);
    return lxmem_write(p, uaddr, &sx, sizeof(sx));
}

/* Fills a Linux stat from fs's attributes. */
static void lxstat_fill(struct lxstat *st, const struct fs_attr *a)
{
    static const uint32_t types[] = {[FS_TYPE_OTHER] = 0,
                                     [FS_TYPE_FILE] = LX_S_IFREG,
                                     [FS_TYPE_DIR] = LX_S_IFDIR,
                                     [FS_TYPE_SYMLINK] = LX_S_IFLNK};
    memset(st, 0, sizeof(*st));
    st->dev = a->mount + 1; /* a device number per mount */
    st->ino = a->ino;
    st->nlink = a->type == FS_TYPE_DIR ? 2 : 1;
    st->mode = a->mode;
    if (!(st->mode & LX_S_IFMT) && a->type <= FS_TYPE_SYMLINK)
        st->mode |= types[a->type];
    st->uid = st->gid = 0; /* owned by nobody the program is: it is always "others" (docs/fs.md) */
    st->size = (int64_t)a->size;
    st->blksize = 4096;
    st->blocks = (int64_t)((a->size + 511) / 512);
    for (int i = 0; i < 3; i++) {
        st->times[2 * i] = a->mtime;
        st->times[2 * i + 1] = a->mtime_nsec;
    }
}

/* ---- paths ---- */

/* ---- OPEN and what is built on it ---- */

/* Whether the "others" permission bits of mode allow the access mode asks (R_OK, W_OK, X_OK). */
static bool lxaccess_ok(uint32_t mode, uint32_t want)
{
    return ((mode & 07) & want) == want;
}

/* OPEN's reply: the node and its attributes, then what op was made for. */
static void lxop_on_open(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct lxop *op = ctx;
    struct fs_attr a;
    (void)ch;
    handle_t h = 0;
    long r = lxnode_open_reply(l, m, &h, &a);
    if (r < 0) {
        lxop_finish(op, lxnode_errno(r, op->kind == LXOP_OPEN));
        return;
    }
    struct lxproc *p = lxop_proc(op);
    if (op->kind != LXOP_OPEN || !p) {
        warp_handle_close(h); /* only the attributes were wanted (or nobody waits) */
        h = 0;
    }
    int64_t res = 0;
    if (!p) {
        res = LXSYS_NO_REPLY;
    } else if (op->kind == LXOP_OPEN) {
        uint32_t flags = op->arg & (LX_O_ACCMODE | LX_O_APPEND | LX_O_NONBLOCK);
        struct lxfile *f = lxfile_new(&lxfile_pool, LXFILE_NODE, flags | LX_O_LARGEFILE);
        if (!f || loop_add_channel(l, h, &lxnode_handlers, f) < 0) {
            if (f)
                lxfile_free(f);
            warp_handle_close(h);
            res = -LX_ENFILE;
        } else {
            f->node = h;
            f->type = a.type;
            res = lxfd_install(&p->leader->fds, 0, f, op->cloexec);
            lxfile_unref(p, f); /* the table's reference stays, or the node closes (EMFILE) */
        }
    } else if (op->kind == LXOP_STAT) {
        struct lxstat st;
        lxstat_fill(&st, &a);
        res = lxstat_write(p, op->uaddr, &st, op->arg != 0);
    } else if (op->kind == LXOP_ACCESS) {
        if ((op->arg & LX_W_OK) && a.mount == 1)
            res = -LX_EROFS; /* /disk0 is mounted read-only */
        else
            res = lxaccess_ok(a.mode, op->arg) ? 0 : -LX_EACCES;
    } else if (op->kind == LXOP_CHDIR) {
        char *cwd = malloc(op->len + 1);
        if (!cwd) {
            res = -LX_ENOMEM;
        } else {
            memcpy(cwd, op->data, op->len + 1);
            lxpath_normalize(cwd);
            free(p->leader->cwd);
            p->leader->cwd = cwd;
        }
    }
    lxop_finish(op, res);
}

/* Sends the OPEN of the path prepared in op->data (op->len bytes) with fs flags and mode. */
static int64_t lxop_open(struct lxop *op, const struct lxpath *res, uint32_t fsflags, uint32_t mode)
{
    struct fs_open o = {.flags = fsflags, .mode = mode, .path_len = op->len};
    struct warp_msg m;
    msg_init(&m, MSG_OPEN, MSG_CALL);
    msg_set_data(&m, &o, sizeof(o));
    msg_add_buf(&m, op->data, op->len, BUF_READ);
    if (!lxnode_session() && !res->dir) {
        lxop_finish(op, LXSYS_NO_REPLY);
        return -LX_ENOENT; /* no file system at all */
    }
    return lxop_call(op, lxpath_channel(res), &m, lxop_on_open);
}

/*
 * The mode fs is asked to give a node a Linux process creates. fs has no owners yet: every client
 * is "others" to it (docs/fs.md), so a program would lose the rights it gave itself as the owner
 * (a file made 0644 could not be opened for writing again). The others bits get the owner's added:
 * 0644 becomes 0646, which is what stat shows (docs/linux-compat.md, Files).
 */
static uint32_t lxfile_create_mode(const struct lxproc *p, uint64_t mode)
{
    uint32_t m = (uint32_t)mode & 07777 & ~p->leader->umask;
    return m | ((m >> 6) & 07);
}

/* Whether an absolute path (len bytes) names /dev/null, the one device the server has (fs has no /dev). */
static bool lxpath_is_null(const char *path, uint32_t len)
{
    static char norm[LXPATH_MAX + 2];
    if (len > LXPATH_MAX)
        return false;
    memcpy(norm, path, len + 1);
    lxpath_normalize(norm);
    return strcmp(norm, "/dev/null") == 0;
}

/* What stat says of /dev/null, by its path or a descriptor: a character device 1:3, one inode. */
static void lxstat_null(struct lxstat *st)
{
    memset(st, 0, sizeof(*st));
    st->ino = 1;
    st->nlink = 1;
    st->mode = LX_S_IFCHR | 0666;
    st->uid = st->gid = LXLOAD_UID;
    st->rdev = (1u << 8) | 3;
    st->blksize = 4096;
}

/*
 * /dev/null by its path: the server's null description, the one fd 0 starts with.
 * Returns the fd, -errno, or 1 when path is not /dev/null (then fs is asked). Linux's refusals of a
 * character device: O_DIRECTORY is ENOTDIR, O_CREAT|O_EXCL EEXIST.
 */
static int64_t lxfile_open_null(struct lxproc *p, const struct lxpath *res, char *path, uint64_t flags)
{
    if (res->dir || res->dir_only || !lxpath_is_null(path, res->len))
        return 1;
    if (flags & LX_O_DIRECTORY)
        return -LX_ENOTDIR;
    if ((flags & (LX_O_CREAT | LX_O_EXCL)) == (LX_O_CREAT | LX_O_EXCL))
        return -LX_EEXIST;
    uint32_t keep = (uint32_t)flags & (LX_O_ACCMODE | LX_O_APPEND | LX_O_NONBLOCK);
    if (flags & LX_O_PATH)
        keep = LX_O_ACCMODE; /* neither read nor write: both are EBADF */
    struct lxfile *f = lxfile_new(&lxfile_pool, LXFILE_NULL, keep);
    if (!f)
        return -LX_ENFILE;
    int64_t fd = lxfd_install(&p->leader->fds, 0, f, (flags & LX_O_CLOEXEC) != 0);
    lxfile_unref(p, f); /* the table holds it now, or nothing does */
    return fd;
}

/* open and openat: Linux's flags onto fs's (creation, truncation, directory, no-follow). */
static int64_t lxfile_open(struct lxproc *p, uint64_t dirfd, uint64_t path, uint64_t flags, uint64_t mode)
{
    struct lxpath res;
    struct lxop *op;
    if (flags & LX_O_TMPFILE)
        return -LX_EOPNOTSUPP; /* O_TMPFILE: fs opens named nodes only */
    if ((flags & (LX_O_CREAT | LX_O_DIRECTORY)) == (LX_O_CREAT | LX_O_DIRECTORY))
        return -LX_EINVAL; /* as Linux since 6.4 */
    int64_t r = lxop_path(p, LXOP_OPEN, dirfd, path, false, &res, &op);
    if (r < 0)
        return r;
    if (lxfd_count(&p->leader->fds) ==
        LXFD_MAX) { /* Linux takes a number after the path, before the lookup */
        lxop_finish(op, LXSYS_NO_REPLY);
        return -LX_EMFILE;
    }
    if ((r = lxfile_open_null(p, &res, (char *)op->data, flags)) != 1) {
        lxop_finish(op, LXSYS_NO_REPLY);
        return r;
    }
    uint32_t acc = (uint32_t)flags & LX_O_ACCMODE;
    uint32_t fsflags = 0;
    if (!(flags & LX_O_PATH)) {
        if (acc == LX_O_RDONLY || acc == LX_O_RDWR)
            fsflags |= FS_O_READ;
        if (acc == LX_O_WRONLY || acc == LX_O_RDWR)
            fsflags |= FS_O_WRITE;
    }
    if (flags & LX_O_CREAT) {
        if (res.dir_only) {
            lxop_finish(op, LXSYS_NO_REPLY);
            return -LX_EISDIR; /* "name/" cannot be created as a file */
        }
        fsflags |= FS_O_CREATE;
        if (flags & LX_O_EXCL)
            fsflags |= FS_O_EXCL;
    }
    if ((flags & LX_O_TRUNC) && (fsflags & FS_O_WRITE))
        fsflags |= FS_O_TRUNC;
    if ((flags & LX_O_DIRECTORY) || res.dir_only)
        fsflags |= FS_O_DIRECTORY;
    if ((flags & LX_O_NOFOLLOW) && !(flags & LX_O_PATH))
        fsflags |= FS_O_NOFOLLOW;
    op->arg = (uint32_t)flags;
    if (flags & LX_O_PATH)
        op->arg |= LX_O_ACCMODE; /* neither read nor write: both are EBADF */
    op->cloexec = (flags & LX_O_CLOEXEC) != 0;
    return lxop_open(op, &res, fsflags, lxfile_create_mode(p, mode));
}

int64_t lxsys_open(struct lxproc *p, const struct trap_info *t)
{
    return lxfile_open(p, (uint64_t)(int64_t)LX_AT_FDCWD, t->args[0], t->args[1], t->args[2]);
}

int64_t lxsys_openat(struct lxproc *p, const struct trap_info *t)
{
    return lxfile_open(p, t->args[0], t->args[1], t->args[2], t->args[3]);
}

static int64_t lxfile_fstat(struct lxproc *p, uint64_t fd, uint64_t buf, bool x);

/* stat, lstat, newfstatat and (x) statx: an OPEN that reads or writes nothing, for its attributes. */
static int64_t lxfile_stat(struct lxproc *p, uint64_t dirfd, uint64_t path, uint64_t buf, uint64_t flags,
                           bool x)
{
    struct lxpath res;
    struct lxop *op;
    char first;
    if (flags &
        ~(uint64_t)(LX_AT_SYMLINK_NOFOLLOW | LX_AT_EMPTY_PATH | LX_AT_NO_AUTOMOUNT | LX_AT_STATX_SYNC))
        return -LX_EINVAL;
    if ((flags & LX_AT_EMPTY_PATH) && (int32_t)dirfd != LX_AT_FDCWD) { /* an empty path: dirfd itself */
        if (lxmem_read(p, path, &first, 1) < 0)
            return -LX_EFAULT;
        if (first == '\0')
            return lxfile_fstat(p, (uint32_t)dirfd, buf, x);
    }
    int64_t r = lxop_path(p, LXOP_STAT, dirfd, path, (flags & LX_AT_EMPTY_PATH) != 0, &res, &op);
    if (r < 0)
        return r;
    if (!res.dir && lxpath_is_null((char *)op->data, op->len)) {
        lxop_finish(op, LXSYS_NO_REPLY);
        struct lxstat st;
        lxstat_null(&st);
        return lxstat_write(p, buf, &st, x);
    }
    if (op->len == 0) { /* AT_EMPTY_PATH and AT_FDCWD: the cwd */
        op->len = (uint32_t)strlen(p->leader->cwd);
        memcpy(op->data, p->leader->cwd, op->len + 1);
    }
    op->uaddr = buf;
    op->arg = x;
    /* lstat of a symlink is not told apart: fs cannot open a link itself (docs/linux-compat.md). */
    return lxop_open(op, &res, res.dir_only ? FS_O_DIRECTORY : 0, 0);
}

int64_t lxsys_stat(struct lxproc *p, const struct trap_info *t)
{
    return lxfile_stat(p, (uint64_t)(int64_t)LX_AT_FDCWD, t->args[0], t->args[1], 0, false);
}

int64_t lxsys_lstat(struct lxproc *p, const struct trap_info *t)
{
    return lxfile_stat(p, (uint64_t)(int64_t)LX_AT_FDCWD, t->args[0], t->args[1], LX_AT_SYMLINK_NOFOLLOW,
                       false);
}

int64_t lxsys_newfstatat(struct lxproc *p, const struct trap_info *t)
{
    return lxfile_stat(p, t->args[0], t->args[1], t->args[2], t->args[3], false);
}

/* statx: newfstatat's answer in struct statx; the mask asked for is not needed (every basic field
 * is there), only its reserved bit and both sync flags at once are refused, as Linux does. */
int64_t lxsys_statx(struct lxproc *p, const struct trap_info *t)
{
    if ((t->args[3] & LX_STATX_RESERVED) || (t->args[2] & LX_AT_STATX_SYNC) == LX_AT_STATX_SYNC)
        return -LX_EINVAL;
    return lxfile_stat(p, t->args[0], t->args[1], t->args[4], t->args[2], true);
}

/* access, faccessat, faccessat2: the node must exist and its "others" bits allow mode. */
static int64_t lxfile_access(struct lxproc *p, uint64_t dirfd, uint64_t path, uint64_t mode, uint64_t flags)
{
    struct lxpath res;
    struct lxop *op;
    if (mode & ~(uint64_t)(LX_R_OK | LX_W_OK | LX_X_OK))
        return -LX_EINVAL;
    if (flags & ~(uint64_t)(LX_AT_EACCESS | LX_AT_SYMLINK_NOFOLLOW | LX_AT_EMPTY_PATH))
        return -LX_EINVAL;
    int64_t r = lxop_path(p, LXOP_ACCESS, dirfd, path, (flags & LX_AT_EMPTY_PATH) != 0, &res, &op);
    if (r < 0)
        return r;
    if (op->len == 0) { /* AT_EMPTY_PATH: "." of dirfd (or the cwd) */
        op->len = 1;
        memcpy(op->data, ".", 2);
        if (!res.dir) {
            op->len = (uint32_t)strlen(p->leader->cwd);
            memcpy(op->data, p->leader->cwd, op->len + 1);
        }
    }
    op->arg = (uint32_t)mode;
    return lxop_open(op, &res, res.dir_only ? FS_O_DIRECTORY : 0, 0);
}

int64_t lxsys_access(struct lxproc *p, const struct trap_info *t)
{
    return lxfile_access(p, (uint64_t)(int64_t)LX_AT_FDCWD, t->args[0], t->args[1], 0);
}

int64_t lxsys_faccessat(struct lxproc *p, const struct trap_info *t)
{
    return lxfile_access(p, t->args[0], t->args[1], t->args[2], 0);
}

int64_t lxsys_faccessat2(struct lxproc *p, const struct trap_info *t)
{
    return lxfile_access(p, t->args[0], t->args[1], t->args[2], t->args[3]);
}

/* mkdir and mkdirat: an OPEN that creates a directory and must not find one. */
static int64_t lxfile_mkdir(struct lxproc *p, uint64_t dirfd, uint64_t path, uint64_t mode)
{
    struct lxpath res;
    struct lxop *op;
    int64_t r = lxop_path(p, LXOP_MKDIR, dirfd, path, false, &res, &op);
    if (r < 0)
        return r;
    op->len = lxpath_trim((char *)op->data, op->len);
    return lxop_open(op, &res, FS_O_CREATE | FS_O_EXCL | FS_O_DIRECTORY, lxfile_create_mode(p, mode));
}

int64_t lxsys_mkdir(struct lxproc *p, const struct trap_info *t)
{
    return lxfile_mkdir(p, (uint64_t)(int64_t)LX_AT_FDCWD, t->args[0], t->args[1]);
}

int64_t lxsys_mkdirat(struct lxproc *p, const struct trap_info *t)
{
    return lxfile_mkdir(p, t->args[0], t->args[1], t->args[2]);
}

/* chdir: the directory must open as one; the cwd becomes its absolute path, lexically normal. */
int64_t lxsys_chdir(struct lxproc *p, const struct trap_info *t)
{
    struct lxpath res;
    struct lxop *op;
    int64_t r = lxop_path(p, LXOP_CHDIR, (uint64_t)(int64_t)LX_AT_FDCWD, t->args[0], false, &res, &op);
    if (r < 0)
        return r;
    return lxop_open(op, &res, FS_O_DIRECTORY, 0);
}

/* getcwd: the path and its NUL; ERANGE if size cannot hold them. Returns the length with the NUL,
 * as the system call does (the C function returns the buffer). */
int64_t lxsys_getcwd(struct lxproc *p, const struct trap_info *t)
{
    uint64_t len = strlen(p->leader->cwd) + 1;
    if (t->args[1] < len)
        return -LX_ERANGE;
    int64_t r = lxmem_write(p, t->args[0], p->leader->cwd, len);
    return r < 0 ? r : (int64_t)len;
}

/* ---- calls on a node ---- */

/* GETATTR's reply: the attributes, for fstat, lseek(SEEK_END) or an O_APPEND write's offset. */
static int64_t lxop_write_at(struct lxop *op, uint64_t at);
static void lxop_on_attr(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct lxop *op = ctx;
    struct fs_attr a;
    (void)ch;
    loop_close_handles(l, m, 0);
    long r = msg_result(m, MSG_GETATTR);
    if (r >= 0 && m->data_len < sizeof(a))
        r = ERR_BAD_FORMAT;
    struct lxproc *p = lxop_proc(op);
    if (r < 0 || !p) {
        lxop_finish(op, r < 0 ? lxnode_errno(r, false) : LXSYS_NO_REPLY);
        return;
    }
    memcpy(&a, m->data, sizeof(a));
    int64_t res = 0;
    if (op->kind == LXOP_FSTAT) {
        struct lxstat st;
        lxstat_fill(&st, &a);
        res = lxstat_write(p, op->uaddr, &st, op->arg != 0);
    } else if (op->kind == LXOP_SEEK_END) {
        if (a.size > INT64_MAX || (op->offset > 0 && (int64_t)a.size > INT64_MAX - op->offset) ||
            (int64_t)a.size + op->offset < 0)
            res = -LX_EINVAL;
        else
            res = op->file->offset = (uint64_t)((int64_t)a.size + op->offset);
    } else { /* LXOP_APPEND: the write goes at the end */
        uint64_t trap = op->trap;
        op->kind = LXOP_WRITE;
        res = lxop_write_at(op, a.size); /* op goes on, or was freed */
        if (res != LXSYS_NO_REPLY)
            lxsig_reply(p, trap, res);
        return;
    }
    lxop_finish(op, res);
}

/* Sends GETATTR "attr" on op's node. */
static int64_t lxop_getattr(struct lxop *op)
{
    struct warp_msg m;
    msg_getattr(&m, FS_ATTR_NODE);
    return lxop_call(op, lxnode_channel(op->file), &m, lxop_on_attr);
}

/* fstat: fd 0 at the start is a character device (as /dev/null), the log streams and pipes are
 * pipes, an fs node is what fs says. */
static int64_t lxfile_fstat(struct lxproc *p, uint64_t fd, uint64_t buf, bool x)
{
    struct lxfile *f = lxfd_get(&p->leader->fds, fd);
    struct lxstat st;
    if (!f)
        return -LX_EBADF;
    if (f->kind == LXFILE_NODE) {
        struct lxop *op = lxop_new(p, LXOP_FSTAT, f, 0);
        if (!op)
            return -LX_ENOMEM;
        op->uaddr = buf;
        op->arg = x;
        return lxop_getattr(op);
    }
    if (f->kind == LXFILE_NULL) {
        lxstat_null(&st);
        return lxstat_write(p, buf, &st, x);
    }
    memset(&st, 0, sizeof(st));
    st.ino = (uint64_t)(f - lxfile_pool.files) + 1;
    if (f->pipe)
        st.ino = ((uint64_t)(uintptr_t)f->pipe >> 4) & 0xffffffffull; /* both ends of a pipe alike */
    st.nlink = 1;
    st.mode = LX_S_IFIFO | 0600;
    if (f->kind == LXFILE_SOCKET || f->kind == LXFILE_EPOLL) /* a socket inode; epoll's anonymous one */
        st.mode = f->kind == LXFILE_SOCKET ? 0140000 | 0777 : 0600;
    st.uid = st.gid = LXLOAD_UID;
    st.blksize = 4096;
    return lxstat_write(p, buf, &st, x);
}

int64_t lxsys_fstat(struct lxproc *p, const struct trap_info *t)
{
    return lxfile_fstat(p, t->args[0], t->args[1], false);
}

/* lseek: files by SEEK_SET, SEEK_CUR, SEEK_END (a GETATTR for the size); directories back to a
 * cookie getdents64 gave (SEEK_SET) or where they are (SEEK_CUR 0); /dev/null always 0; pipes ESPIPE. */
int64_t lxsys_lseek(struct lxproc *p, const struct trap_info *t)
{
    struct lxfile *f = lxfd_get(&p->leader->fds, t->args[0]);
    int64_t off = (int64_t)t->args[1];
    uint64_t whence = t->args[2];
    if (!f)
        return -LX_EBADF;
    if (f->kind == LXFILE_NULL)
        return whence <= LX_SEEK_END ? 0 : -LX_EINVAL;
    if (f->kind != LXFILE_NODE)
        return -LX_ESPIPE;
    if (whence > LX_SEEK_END)
        return -LX_EINVAL; /* SEEK_DATA and SEEK_HOLE are not offered */
    if (f->type == FS_TYPE_DIR && !(whence == LX_SEEK_SET || (whence == LX_SEEK_CUR && off == 0)))
        return -LX_EINVAL;
    if (whence == LX_SEEK_SET) {
        if (off < 0)
            return -LX_EINVAL;
        f->offset = (uint64_t)off;
        return off;
    }
    if (whence == LX_SEEK_CUR) {
        int64_t cur = (int64_t)f->offset;
        if ((off > 0 && cur > INT64_MAX - off) || cur + off < 0)
            return -LX_EINVAL;
        f->offset = (uint64_t)(cur + off);
        return cur + off;
    }
    struct lxop *op = lxop_new(p, LXOP_SEEK_END, f, 0);
    if (!op)
        return -LX_ENOMEM;
    op->offset = off;
    return lxop_getattr(op);
}

/* Turns a directory READ's fs_dirent records (n bytes in op->data) into linux_dirent64s at the
 * process's buffer; the bytes written, -EIO for a malformed record, -EFAULT. The description's
 * cookie moves past the records given. */
static int64_t lxdents_convert(struct lxproc *p, struct lxop *op, uint64_t n)
{
    static uint8_t out[LXXFER_MAX];
    uint64_t in = 0, o = 0, next = op->file->offset;
    while (in < n) {
        struct fs_dirent d;
        if (n - in < sizeof(d))
            return -LX_EIO;
        memcpy(&d, op->data + in, sizeof(d));
        if (d.name_len == 0 || d.reclen < FS_DIRENT_SIZE(d.name_len) || d.reclen > n - in)
            return -LX_EIO;
        /* d_ino, d_off, d_reclen, d_type, the name and its NUL, padded to 8 bytes: never longer
         * than fs's record, so the records fit the buffer fs filled. */
        uint16_t reclen = (uint16_t)((19 + d.name_len + 1 + 7) & ~7u);
        uint8_t type = d.type == FS_TYPE_FILE      ? LX_DT_REG
                       : d.type == FS_TYPE_DIR     ? LX_DT_DIR
                       : d.type == FS_TYPE_SYMLINK ? LX_DT_LNK
                                                   : LX_DT_UNKNOWN;
        memset(out + o, 0, reclen);
        memcpy(out + o, &d.ino, 8);
        memcpy(out + o + 8, &d.next, 8);
        memcpy(out + o + 16, &reclen, 2);
        out[o + 18] = type;
        memcpy(out + o + 19, op->data + in + sizeof(d), d.name_len);
        o += reclen;
        in += d.reclen;
        next = d.next;
    }
    if (o && lxmem_write(p, op->uaddr, out, o) < 0)
        return -LX_EFAULT;
    op->file->offset = next;
    return (int64_t)o;
}

/* READ's reply: a file's bytes to the process, or a directory's records as linux_dirent64s. */
static void lxop_on_read(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct lxop *op = ctx;
    (void)ch;
    loop_close_handles(l, m, 0);
    long r = msg_result(m, MSG_READ);
    if (r > (long)op->len)
        r = ERR_BAD_FORMAT; /* more than asked */
    struct lxproc *p = lxop_proc(op);
    if (r < 0 || !p) {
        lxop_finish(op, r < 0 ? lxnode_errno(r, false) : LXSYS_NO_REPLY);
        return;
    }
    int64_t res;
    if (op->kind == LXOP_GETDENTS) {
        res = lxdents_convert(p, op, (uint64_t)r);
    } else {
        res = lxxfer_scatter(p, &op->x, op->data, (uint64_t)r);
        if (res == 0) {
            res = r;
            if (op->offset < 0)
                op->file->offset += (uint64_t)r;
        }
    }
    lxop_finish(op, res);
}

/* Sends a READ of op->len bytes at offset into op->data. */
static int64_t lxop_read(struct lxop *op, uint64_t offset)
{
    struct fs_io io = {.offset = offset};
    struct warp_msg m;
    msg_read(&m, op->data, op->len);
    msg_set_data(&m, &io, sizeof(io));
    return lxop_call(op, lxnode_channel(op->file), &m, lxop_on_read);
}

int64_t lxsys_file_read(struct lxproc *p, struct lxfile *f, const struct lxxfer *x, int64_t offset)
{
    uint64_t at = offset >= 0 ? (uint64_t)offset : f->offset;
    if (at > INT64_MAX)
        return 0;
    struct lxop *op = lxop_new(p, LXOP_READ, f, x->len);
    if (!op)
        return -LX_ENOMEM;
    op->x = *x;
    op->len = x->len;
    op->offset = offset;
    return lxop_read(op, at);
}

/* WRITE's reply: the bytes written; the description's offset moves past them. */
static void lxop_on_write(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct lxop *op = ctx;
    (void)ch;
    loop_close_handles(l, m, 0);
    long r = msg_result(m, MSG_WRITE);
    if (r > (long)op->len)
        r = ERR_BAD_FORMAT;
    if (r < 0) {
        lxop_finish(op, lxnode_errno(r, false));
        return;
    }
    if (op->offset < 0 && lxop_proc(op))
        op->file->offset = op->at + (uint64_t)r;
    lxop_finish(op, r);
}

/* Sends the WRITE of op's data at at. */
static int64_t lxop_write_at(struct lxop *op, uint64_t at)
{
    struct fs_io io = {.offset = at};
    struct warp_msg m;
    if (at > INT64_MAX - op->len) {
        lxop_finish(op, LXSYS_NO_REPLY);
        return -LX_EFBIG;
    }
    op->at = at;
    msg_write(&m, op->data, op->len);
    msg_set_data(&m, &io, sizeof(io));
    return lxop_call(op, lxnode_channel(op->file), &m, lxop_on_write);
}

int64_t lxsys_file_write(struct lxproc *p, struct lxfile *f, const struct lxxfer *x, int64_t offset)
{
    if (f->type == FS_TYPE_DIR)
        return -LX_EISDIR; /* not reached: a directory never opens for writing */
    struct lxop *op = lxop_new(p, LXOP_WRITE, f, x->len);
    if (!op)
        return -LX_ENOMEM;
    int64_t n = lxxfer_gather(p, x, op->data);
    if (n < 0) {
        lxop_finish(op, LXSYS_NO_REPLY);
        return n;
    }
    op->len = (uint64_t)n;
    op->offset = offset;
    if (f->flags & LX_O_APPEND) { /* at the end, even for pwrite64 (as Linux) */
        op->kind = LXOP_APPEND;
        return lxop_getattr(op);
    }
    return lxop_write_at(op, offset >= 0 ? (uint64_t)offset : f->offset);
}

/* getdents64: the directory's entries from where the description stands, as many as fit. */
int64_t lxsys_getdents64(struct lxproc *p, const struct trap_info *t)
{
    struct lxfile *f = lxfd_get(&p->leader->fds, t->args[0]);
    uint32_t count = (uint32_t)t->args[2]; /* an unsigned int */
    if (!f)
        return -LX_EBADF;
    if (f->kind != LXFILE_NODE || f->type != FS_TYPE_DIR)
        return -LX_ENOTDIR;
    uint64_t len = count < LXXFER_MAX ? count : LXXFER_MAX;
    struct lxop *op = lxop_new(p, LXOP_GETDENTS, f, len);
    if (!op)
        return -LX_ENOMEM;
    op->uaddr = t->args[1];
    op->len = len;
    return lxop_read(op, f->offset);
}

/* ftruncate: a regular file open for writing is cut or grown to length (SETATTR size). */
int64_t lxsys_ftruncate(struct lxproc *p, const struct trap_info *t)
{
    int64_t length = (int64_t)t->args[1];
    char value[24];
    struct warp_msg m;
    if (length < 0)
        return -LX_EINVAL;
    struct lxfile *f = lxfd_get(&p->leader->fds, t->args[0]);
    if (!f)
        return -LX_EBADF;
    uint32_t acc = f->flags & LX_O_ACCMODE;
    if (f->kind != LXFILE_NODE || f->type != FS_TYPE_FILE || (acc != LX_O_WRONLY && acc != LX_O_RDWR))
        return -LX_EINVAL;
    struct lxop *op = lxop_new(p, LXOP_TRUNCATE, f, 0);
    if (!op)
        return -LX_ENOMEM;
    fmt_snprintf(value, sizeof(value), "%lld", (long long)length);
    msg_setattr(&m, FS_ATTR_SIZE, value);
    return lxop_call(op, lxnode_channel(f), &m, lxop_on_status);
}

/*
 * fsync and fdatasync: fs's SETATTR sync= on the node, answered once what was written is as durable
 * as its mount makes it (docs/fs.md); on a pipe, socket, the console or /dev/null they are EINVAL,
 * as Linux says for a file that cannot be synced.
 */
int64_t lxsys_fsync(struct lxproc *p, const struct trap_info *t)
{
    struct lxfile *f = lxfd_get(&p->leader->fds, t->args[0]);
    if (!f || (f->flags & LX_O_ACCMODE) == LX_O_ACCMODE) /* none, or an O_PATH one */
        return -LX_EBADF;
    if (f->kind != LXFILE_NODE)
        return -LX_EINVAL;
    struct lxop *op = lxop_new(p, LXOP_SYNC, f, 0);
    if (!op)
        return -LX_ENOMEM;
    struct warp_msg m;
    msg_setattr(&m, FS_ATTR_SYNC, "");
    return lxop_call(op, lxnode_channel(f), &m, lxop_on_status);
}
