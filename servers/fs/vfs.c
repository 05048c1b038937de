/* vfs.c: the fs server's tree: mounts, path resolution with permissions, and the calls on nodes (vfs.h). */
#include "vfs.h"

#include <warp/error.h>
#include <warp/malloc.h>
#include <warp/string.h>

/* The protocol's error for an ext4 reader's: what a client can act on passes, the rest is ERR_IO
 * (a corrupt image, a failed device, a format the reader refuses). */
int vfs_ext4_error(int err)
{
    switch (err) {
    case ERR_NOT_FOUND:
    case ERR_NOT_DIR:
    case ERR_NAME_TOO_LONG:
    case ERR_LOOP:
    case ERR_NO_MEMORY: return err;
    default: return err < 0 ? ERR_IO : err;
    }
}

/* Mount m of n. */
static struct vfs_mount *vfs_mount_of(struct vfs *v, const struct vfs_node *n)
{
    return &v->mounts[n->mount];
}

/* Whether mount mt's tree is a tmpfs: tmpfs itself, or the persistent mount's mirror. */
static bool vfs_in_tmpfs(const struct vfs_mount *mt)
{
    return mt->kind == VFS_TMPFS || mt->kind == VFS_PG;
}

/* Whether mount mt takes writes: 0 or ERR_READ_ONLY (ext4; a persistent mount without the lease). */
static int vfs_writable(const struct vfs_mount *mt)
{
    return mt->kind == VFS_TMPFS || (mt->kind == VFS_PG && !mt->read_only) ? 0 : ERR_READ_ONLY;
}

/* The root node of mount m. */
static void vfs_root(struct vfs *v, uint32_t m, struct vfs_node *out)
{
    out->mount = m;
    if (vfs_in_tmpfs(&v->mounts[m])) {
        out->tn = v->mounts[m].tmp->root;
        out->ino = out->tn->ino;
    } else {
        out->tn = NULL;
        out->ino = EXT4_ROOT_INO;
    }
}

/* The inode of an ext4 node: 0 or the protocol's error. */
static int vfs_ext4_inode(struct vfs_mount *mt, const struct vfs_node *n, struct ext4_inode *in)
{
    return vfs_ext4_error(icache_inode(mt->icache, (uint32_t)n->ino, in));
}

/* The node's attributes; see vfs.h. */
int vfs_getattr(struct vfs *v, const struct vfs_node *n, struct fs_attr *attr)
{
    struct vfs_mount *mt = vfs_mount_of(v, n);
    memset(attr, 0, sizeof(*attr));
    attr->mount = n->mount;
    attr->ino = n->ino;
    if (vfs_in_tmpfs(mt)) {
        attr->size = tmpfs_is_dir(n->tn) ? 0 : n->tn->size;
        attr->mode = n->tn->mode;
        attr->type = tmpfs_is_dir(n->tn) ? FS_TYPE_DIR : FS_TYPE_FILE;
        attr->mtime = (int64_t)(n->tn->mtime_ns / 1000000000u);
        attr->mtime_nsec = (uint32_t)(n->tn->mtime_ns % 1000000000u);
        return 0;
    }
    struct ext4_inode in;
    int err = vfs_ext4_inode(mt, n, &in);
    if (err < 0)
        return err;
    attr->size = in.size;
    attr->mode = in.mode;
    attr->type = (uint32_t)in.type; /* enum ext4_type has fs_type's values */
    attr->mtime = in.mtime;
    return 0;
}

/* Looks name up in directory dir, entering the mount whose root covers what it finds. */
static int vfs_lookup(struct vfs *v, const struct vfs_node *dir, const char *name, size_t len,
                      struct vfs_node *out)
{
    struct vfs_mount *mt = vfs_mount_of(v, dir);
    out->mount = dir->mount;
    if (vfs_in_tmpfs(mt)) {
        struct tmpfs_node *tn = tmpfs_lookup(mt->tmp, dir->tn, name, len);
        if (!tn)
            return ERR_NOT_FOUND;
        if (tn->mount) {
            vfs_root(v, tn->mount, out);
            return 0;
        }
        out->tn = tn;
        out->ino = tn->ino;
        return 0;
    }
    struct ext4_inode in;
    int err = vfs_ext4_inode(mt, dir, &in);
    int64_t ino = err < 0 ? err : vfs_ext4_error((int)icache_lookup(mt->icache, &in, name, len));
    if (ino < 0)
        return (int)ino;
    out->tn = NULL;
    out->ino = (uint64_t)ino;
    return 0;
}

/* A symlink's target into buf (FS_PATH_MAX + 1 bytes): its length, or an error. */
static int vfs_readlink(struct vfs *v, const struct vfs_node *n, char *buf)
{
    struct vfs_mount *mt = vfs_mount_of(v, n);
    struct ext4_inode in;
    int err = mt->kind == VFS_EXT4 ? vfs_ext4_inode(mt, n, &in) : ERR_IO; /* tmpfs has none */
    if (err < 0)
        return err;
    err = ext4_readlink(mt->ext4, &in, buf, FS_PATH_MAX + 1);
    if (err == 0)
        return ERR_NOT_FOUND; /* an empty target names nothing */
    return vfs_ext4_error(err);
}

/* Makes the last component name in directory dir (attributes da) for an OPEN with FS_O_CREATE. */
static int vfs_create(struct vfs *v, const struct vfs_node *dir, const struct fs_attr *da, const char *name,
                      size_t len, uint32_t flags, uint32_t mode, struct vfs_node *out)
{
    struct vfs_mount *mt = vfs_mount_of(v, dir);
    if (vfs_writable(mt) < 0)
        return ERR_READ_ONLY;
    if (!(da->mode & VFS_S_IWOTH))
        return ERR_PERMISSION;
    struct tmpfs_node *tn;
    uint32_t type = flags & FS_O_DIRECTORY ? TMPFS_S_IFDIR : TMPFS_S_IFREG;
    if (mt->kind == VFS_PG) { /* the database makes it first */
        v->pending = (struct vfs_pending){
            .what = VFS_PEND_CREATE, .dir = dir->tn, .name = name, .len = len, .type = type, .mode = mode};
        return ERR_WOULD_BLOCK;
    }
    int err = tmpfs_create(mt->tmp, dir->tn, name, len, type | mode, &tn);
    if (err == ERR_INVALID_ARG)
        err = ERR_NOT_FOUND; /* only "." or ".." get here, and they exist: never */
    if (err < 0)
        return err;
    out->mount = dir->mount;
    out->tn = tn;
    out->ino = tn->ino;
    return 0;
}

/* Splices symlink n's target in front of rest: the new path in the other work buffer. */
static int vfs_splice(struct vfs *v, const struct vfs_node *n, const char *rest, unsigned *which,
                      const char **out)
{
    char *dst = v->path[*which ^ 1u];
    int tl = vfs_readlink(v, n, dst);
    if (tl < 0)
        return tl;
    size_t rl = strlen(rest);
    if ((size_t)tl + rl > FS_PATH_MAX)
        return ERR_NAME_TOO_LONG;
    memcpy(dst + tl, rest, rl + 1); /* rest is empty or starts with '/' */
    *which ^= 1u;
    *out = dst;
    return 0;
}

/* The resolution state of one OPEN. */
struct vfs_walk {
    struct vfs_node cur;
    const char *rest;
    unsigned which; /* v->path[which] holds rest */
    unsigned hops;
    bool created;
};

/*
 * One component of w->rest (name, len; last when nothing but slashes follows): a step into
 * w->cur's directory, through a symlink (whose target replaces the component), or a create.
 */
static int vfs_step(struct vfs *v, struct vfs_walk *w, const char *name, size_t len, bool last,
                    uint32_t flags, uint32_t mode)
{
    struct fs_attr da, na;
    if (len > FS_NAME_MAX)
        return ERR_NAME_TOO_LONG;
    int err = vfs_getattr(v, &w->cur, &da);
    if (err < 0)
        return err;
    if (da.type != FS_TYPE_DIR)
        return ERR_NOT_DIR;
    if (!(da.mode & VFS_S_IXOTH))
        return ERR_PERMISSION;
    if (len == 1 && name[0] == '.')
        return 0;
    struct vfs_node next;
    err = vfs_lookup(v, &w->cur, name, len, &next); /* ".." at a mount's root is the root itself */
    if (err == ERR_NOT_FOUND && last && (flags & FS_O_CREATE)) {
        err = vfs_create(v, &w->cur, &da, name, len, flags, mode, &w->cur);
        w->created = err == 0;
        return err;
    }
    if (err == 0)
        err = vfs_getattr(v, &next, &na);
    if (err < 0)
        return err;
    if (na.type != FS_TYPE_SYMLINK) {
        w->cur = next;
        return 0;
    }
    if (last && (flags & FS_O_NOFOLLOW))
        return ERR_LOOP;
    if (++w->hops > FS_SYMLINK_HOPS)
        return ERR_LOOP;
    err = vfs_splice(v, &next, w->rest, &w->which, &w->rest);
    if (err == 0 && w->rest[0] == '/')
        vfs_root(v, w->cur.mount, &w->cur); /* an absolute target starts at its mount's root */
    return err;
}

/* Resolves a path from base (see vfs_open), creating its last component if flags ask. */
static int vfs_resolve(struct vfs *v, const struct vfs_node *base, const char *path, size_t len,
                       uint32_t flags, uint32_t mode, struct vfs_walk *w)
{
    memcpy(v->path[0], path, len);
    v->path[0][len] = '\0';
    w->rest = v->path[0];
    w->which = 0;
    w->hops = 0;
    w->created = false;
    if (!base || path[0] == '/')
        vfs_root(v, VFS_ROOT_MOUNT, &w->cur);
    else
        w->cur = *base;
    for (;;) {
        while (*w->rest == '/')
            w->rest++;
        if (*w->rest == '\0')
            return 0;
        const char *name = w->rest;
        size_t n = 0;
        while (name[n] != '\0' && name[n] != '/')
            n++;
        w->rest = name + n;
        const char *after = w->rest;
        while (*after == '/')
            after++;
        int err = vfs_step(v, w, name, n, *after == '\0', flags, mode);
        if (err < 0)
            return err;
    }
}

/* The checks of an OPEN's arguments that need no lookup. */
static int vfs_open_args(const char *path, size_t len, uint32_t flags, uint32_t mode)
{
    if ((flags & ~(FS_O_ALL | VFS_O_MADE)) || mode > 07777 || len == 0)
        return ERR_INVALID_ARG;
    if (((flags & FS_O_TRUNC) && !(flags & FS_O_WRITE)) || ((flags & FS_O_EXCL) && !(flags & FS_O_CREATE)))
        return ERR_INVALID_ARG;
    if (len > FS_PATH_MAX)
        return ERR_NAME_TOO_LONG;
    if (strnlen(path, len) != len)
        return ERR_INVALID_ARG; /* a NUL inside */
    if ((flags & FS_O_DIRECTORY) && (flags & FS_O_WRITE))
        return ERR_IS_DIR;
    return 0;
}

/* What the opened node allows: 0 or the error. */
static int vfs_open_check(struct vfs *v, const struct vfs_walk *w, uint32_t flags, const struct fs_attr *a)
{
    bool created = w->created || (flags & VFS_O_MADE);
    if ((flags & FS_O_EXCL) && !created)
        return ERR_ALREADY_EXISTS;
    if (a->type == FS_TYPE_OTHER)
        return ERR_NOT_SUPPORTED;
    if ((flags & FS_O_DIRECTORY) && a->type != FS_TYPE_DIR)
        return ERR_NOT_DIR;
    if ((flags & FS_O_WRITE) && a->type == FS_TYPE_DIR)
        return ERR_IS_DIR;
    if ((flags & FS_O_WRITE) && vfs_writable(&v->mounts[w->cur.mount]) < 0)
        return ERR_READ_ONLY;
    if (created) /* its maker may use it as it asked, whatever mode it gave */
        return 0;
    if (((flags & FS_O_READ) && !(a->mode & VFS_S_IROTH)) ||
        ((flags & FS_O_WRITE) && !(a->mode & VFS_S_IWOTH)))
        return ERR_PERMISSION;
    return 0;
}

/* OPEN; see vfs.h. */
int vfs_open(struct vfs *v, const struct vfs_node *base, const char *path, size_t len, uint32_t flags,
             uint32_t mode, struct vfs_node *out, struct fs_attr *attr)
{
    struct vfs_walk w;
    int err = vfs_open_args(path, len, flags, mode);
    if (err == 0)
        err = vfs_resolve(v, base, path, len, flags, mode, &w);
    if (err == 0)
        err = vfs_getattr(v, &w.cur, attr);
    if (err == 0)
        err = vfs_open_check(v, &w, flags, attr);
    if (err == 0 && (flags & FS_O_TRUNC) && !w.created && !(flags & VFS_O_MADE)) {
        err = tmpfs_truncate(v->mounts[w.cur.mount].tmp, w.cur.tn, 0);
        if (err == 0)
            err = vfs_getattr(v, &w.cur, attr);
    }
    if (err < 0)
        return err;
    if (vfs_in_tmpfs(&v->mounts[w.cur.mount]))
        tmpfs_hold(w.cur.tn);
    *out = w.cur;
    return 0;
}

/* Drops OPEN's hold; see vfs.h. */
void vfs_close(struct vfs *v, const struct vfs_node *n)
{
    struct vfs_mount *mt = vfs_mount_of(v, n);
    if (vfs_in_tmpfs(mt))
        tmpfs_release(mt->tmp, n->tn);
}

/* The last name of a path, and the directory that holds it. */
struct vfs_parent {
    struct vfs_node dir;
    uint32_t mode;    /* the directory's */
    const char *name; /* in the caller's path */
    size_t len;
    bool slash; /* the path ended in '/': the name must be a directory */
};

/* Splits path into its directory part and last name and resolves the directory: 0 and *out, or the
 * error. */
static int vfs_parent(struct vfs *v, const struct vfs_node *base, const char *path, size_t len,
                      struct vfs_parent *out)
{
    if (len == 0 || strnlen(path, len) != len)
        return ERR_INVALID_ARG;
    if (len > FS_PATH_MAX)
        return ERR_NAME_TOO_LONG;
    size_t end = len, start;
    while (end > 0 && path[end - 1] == '/')
        end--;
    if (end == 0)
        return ERR_PERMISSION; /* the root: no client changes it */
    for (start = end; start > 0 && path[start - 1] != '/'; start--)
        ;
    if (end - start > FS_NAME_MAX)
        return ERR_NAME_TOO_LONG;
    struct vfs_walk w;
    int err =
        start == 0 ? vfs_resolve(v, base, ".", 1, 0, 0, &w) : vfs_resolve(v, base, path, start, 0, 0, &w);
    struct fs_attr da;
    if (err == 0)
        err = vfs_getattr(v, &w.cur, &da);
    if (err < 0)
        return err;
    if (da.type != FS_TYPE_DIR)
        return ERR_NOT_DIR;
    *out = (struct vfs_parent){
        .dir = w.cur, .mode = da.mode, .name = path + start, .len = end - start, .slash = end < len};
    return 0;
}

/* Whether p's directory may change: a tmpfs one (ERR_READ_ONLY, checked first as Linux does) that
 * others may search and write (ERR_PERMISSION). */
static int vfs_parent_writable(struct vfs *v, const struct vfs_parent *p)
{
    if (vfs_writable(&v->mounts[p->dir.mount]) < 0)
        return ERR_READ_ONLY;
    return (p->mode & (VFS_S_IXOTH | VFS_S_IWOTH)) == (VFS_S_IXOTH | VFS_S_IWOTH) ? 0 : ERR_PERMISSION;
}

/* ERR_NOT_DIR if slash (a path ended in '/') and p names a file, which such a path cannot; else 0. */
static int vfs_slash_check(struct vfs *v, const struct vfs_parent *p, bool slash)
{
    struct tmpfs_node *n = tmpfs_lookup(v->mounts[p->dir.mount].tmp, p->dir.tn, p->name, p->len);
    return slash && n && !tmpfs_is_dir(n) ? ERR_NOT_DIR : 0;
}

/* Removes a name; see vfs.h. */
int vfs_remove(struct vfs *v, const struct vfs_node *base, const char *path, size_t len, bool dir)
{
    struct vfs_parent p;
    int err = vfs_parent(v, base, path, len, &p);
    if (err == 0)
        err = vfs_parent_writable(v, &p);
    if (err == 0)
        err = vfs_slash_check(v, &p, p.slash);
    if (err < 0)
        return err;
    if (v->mounts[p.dir.mount].kind == VFS_PG) { /* the database changes first */
        v->pending = (struct vfs_pending){
            .what = VFS_PEND_REMOVE, .dir = p.dir.tn, .name = p.name, .len = p.len, .dir_wanted = dir};
        return ERR_WOULD_BLOCK;
    }
    return tmpfs_remove(v->mounts[p.dir.mount].tmp, p.dir.tn, p.name, p.len, dir);
}

/* Renames; see vfs.h. */
int vfs_rename(struct vfs *v, const struct vfs_node *base, const char *old, size_t olen, const char *new,
               size_t nlen, bool replace)
{
    struct vfs_parent op, np;
    int err = vfs_parent(v, base, old, olen, &op);
    if (err == 0)
        err = vfs_parent(v, base, new, nlen, &np);
    if (err == 0 && op.dir.mount != np.dir.mount)
        err = ERR_CROSS_DEVICE; /* before read-only and permissions, as Linux does */
    if (err == 0)
        err = vfs_parent_writable(v, &op);
    if (err == 0)
        err = vfs_parent_writable(v, &np);
    if (err == 0)
        err = vfs_slash_check(v, &op, op.slash || np.slash); /* the node moved must be a directory */
    if (err < 0)
        return err;
    if (v->mounts[op.dir.mount].kind == VFS_PG) {
        v->pending = (struct vfs_pending){.what = VFS_PEND_RENAME,
                                          .dir = op.dir.tn,
                                          .name = op.name,
                                          .len = op.len,
                                          .dir2 = np.dir.tn,
                                          .name2 = np.name,
                                          .len2 = np.len,
                                          .replace = replace};
        return ERR_WOULD_BLOCK;
    }
    return tmpfs_rename(v->mounts[op.dir.mount].tmp, op.dir.tn, op.name, op.len, np.dir.tn, np.name, np.len,
                        replace);
}

/* File bytes; see vfs.h. */
int64_t vfs_read(struct vfs *v, const struct vfs_node *n, uint64_t off, void *buf, size_t len)
{
    struct vfs_mount *mt = vfs_mount_of(v, n);
    if (vfs_in_tmpfs(mt))
        return tmpfs_read(mt->tmp, n->tn, off, buf, len);
    struct ext4_inode in;
    int err = vfs_ext4_inode(mt, n, &in);
    if (err < 0)
        return err;
    if (in.type == EXT4_TYPE_DIR)
        return ERR_IS_DIR;
    int64_t r = ext4_read(mt->ext4, &in, off, buf, len);
    return r < 0 ? vfs_ext4_error((int)r) : r;
}

/* Appends one record to a listing at *used; ERR_TOO_LARGE if it does not fit. */
static int vfs_dirent_put(uint8_t *buf, size_t cap, size_t *used, uint64_t ino, uint64_t next, uint32_t type,
                          const char *name, size_t len)
{
    size_t size = FS_DIRENT_SIZE(len);
    if (size > cap - *used)
        return ERR_TOO_LARGE;
    struct fs_dirent d = {
        .ino = ino, .next = next, .reclen = (uint16_t)size, .type = (uint8_t)type, .name_len = (uint8_t)len};
    uint8_t *p = buf + *used;
    memset(p, 0, size);
    memcpy(p, &d, sizeof(d));
    memcpy(p + sizeof(d), name, len);
    *used += size;
    return 0;
}

/* A tmpfs directory's listing from cookie. */
static int64_t vfs_readdir_tmpfs(struct vfs_mount *mt, struct tmpfs_node *dir, uint64_t cookie, uint8_t *buf,
                                 size_t cap)
{
    size_t used = 0;
    const char *name;
    size_t len;
    struct tmpfs_node *tn;
    for (;;) {
        uint64_t at = cookie;
        int r = tmpfs_readdir(mt->tmp, dir, &at, &name, &len, &tn);
        if (r <= 0)
            return r < 0 ? r : (int64_t)used;
        uint32_t type = tmpfs_is_dir(tn) ? FS_TYPE_DIR : FS_TYPE_FILE;
        if (vfs_dirent_put(buf, cap, &used, tn->ino, at, type, name, len) < 0)
            return used ? (int64_t)used : ERR_TOO_LARGE;
        cookie = at;
    }
}

/* An ext4 directory's listing from cookie (a byte position in the directory). */
static int64_t vfs_readdir_ext4(struct vfs_mount *mt, const struct ext4_inode *dir, uint64_t cookie,
                                uint8_t *buf, size_t cap)
{
    size_t used = 0;
    struct ext4_dirent d;
    struct ext4_inode in;
    if (cookie % 4)
        return ERR_INVALID_ARG; /* never a cookie this server gave */
    for (;;) {
        uint64_t at = cookie;
        int r = ext4_readdir(mt->ext4, dir, &at, &d);
        if (r <= 0)
            return r < 0 ? vfs_ext4_error(r) : (int64_t)used;
        r = icache_inode(mt->icache, d.ino, &in);
        if (r < 0)
            return vfs_ext4_error(r);
        if (vfs_dirent_put(buf, cap, &used, d.ino, at, (uint32_t)in.type, d.name, d.name_len) < 0)
            return used ? (int64_t)used : ERR_TOO_LARGE;
        cookie = at;
    }
}

/* A directory listing; see vfs.h. */
int64_t vfs_readdir(struct vfs *v, const struct vfs_node *n, uint64_t cookie, void *buf, size_t cap)
{
    struct vfs_mount *mt = vfs_mount_of(v, n);
    if (vfs_in_tmpfs(mt))
        return tmpfs_is_dir(n->tn) ? vfs_readdir_tmpfs(mt, n->tn, cookie, buf, cap) : ERR_NOT_DIR;
    struct ext4_inode in;
    int err = vfs_ext4_inode(mt, n, &in);
    if (err < 0)
        return err;
    if (in.type != EXT4_TYPE_DIR)
        return ERR_NOT_DIR;
    return vfs_readdir_ext4(mt, &in, cookie, buf, cap);
}

/* File bytes written; see vfs.h. */
int64_t vfs_write(struct vfs *v, const struct vfs_node *n, uint64_t off, const void *buf, size_t len)
{
    struct vfs_mount *mt = vfs_mount_of(v, n);
    int err = vfs_writable(mt);
    return err < 0 ? err : tmpfs_write(mt->tmp, n->tn, off, buf, len);
}

/* Durability; see vfs.h. tmpfs keeps its bytes in memory only and ext4 is read-only: neither has
 * anything to write back. */
int vfs_sync(struct vfs *v, const struct vfs_node *n)
{
    switch (vfs_mount_of(v, n)->kind) {
    case VFS_TMPFS:
    case VFS_EXT4: return 0;
    default: return ERR_NOT_SUPPORTED;
    }
}

/* A file cut or grown; see vfs.h. */
int vfs_truncate(struct vfs *v, const struct vfs_node *n, uint64_t size)
{
    struct vfs_mount *mt = vfs_mount_of(v, n);
    int err = vfs_writable(mt);
    return err < 0 ? err : tmpfs_truncate(mt->tmp, n->tn, size);
}

/* The root tmpfs as mount 0. */
int vfs_init(struct vfs *v, struct tmpfs *root)
{
    memset(v, 0, sizeof(*v));
    v->mounts[VFS_ROOT_MOUNT] = (struct vfs_mount){.kind = VFS_TMPFS, .tmp = root, .path = "/"};
    return 0;
}

/* Adds mount m as number id at /name: a directory of the root tmpfs covered by it. */
static int vfs_mount_add(struct vfs *v, uint32_t id, const char *name, struct vfs_mount m)
{
    if (id == VFS_ROOT_MOUNT || id >= VFS_MOUNTS_MAX || v->mounts[id].kind != VFS_NONE)
        return ERR_INVALID_ARG;
    struct tmpfs *root = v->mounts[VFS_ROOT_MOUNT].tmp;
    struct tmpfs_node *dir;
    int err = tmpfs_create(root, root->root, name, strlen(name), TMPFS_S_IFDIR | 0755, &dir);
    if (err < 0)
        return err;
    dir->mount = id;
    v->mounts[id] = m;
    return 0;
}

/* Mounts the persistent mount's mirror at /name; see vfs.h. */
int vfs_mount_pg(struct vfs *v, uint32_t id, const char *name, struct tmpfs *mirror, bool read_only)
{
    return vfs_mount_add(
        v, id, name, (struct vfs_mount){.kind = VFS_PG, .tmp = mirror, .path = name, .read_only = read_only});
}

/* Mounts a tmpfs at /name. */
int vfs_mount_tmpfs(struct vfs *v, uint32_t id, const char *name, struct tmpfs *t)
{
    return vfs_mount_add(v, id, name, (struct vfs_mount){.kind = VFS_TMPFS, .tmp = t, .path = name});
}

/* Mounts a mounted ext4 reader at /name, read-only. */
int vfs_mount_ext4(struct vfs *v, uint32_t id, const char *name, struct ext4_fs *fs)
{
    struct icache *ic = malloc(sizeof(*ic));
    if (!ic)
        return ERR_NO_MEMORY;
    icache_init(ic, fs);
    int err = vfs_mount_add(v, id, name,
                            (struct vfs_mount){.kind = VFS_EXT4, .ext4 = fs, .icache = ic, .path = name});
    if (err < 0)
        free(ic);
    return err;
}
