/* tmpfs.c: directories and sparse files in the heap, under a byte limit (tmpfs.h). */
#include "tmpfs.h"

#include <warp/error.h>
#include <warp/malloc.h>
#include <warp/string.h>

#define TMPFS_FIRST_COOKIE 2 /* 0 is ".", 1 is ".." */

/* Charges n bytes to the limit: 0, or ERR_NO_RESOURCES (nothing charged). */
static int tmpfs_charge(struct tmpfs *t, uint64_t n)
{
    if (n > t->bytes_max - t->bytes_used)
        return ERR_NO_RESOURCES;
    t->bytes_used += n;
    return 0;
}

/* Stamps n as changed now. */
static void tmpfs_touch(struct tmpfs *t, struct tmpfs_node *n)
{
    n->mtime_ns = t->clock ? t->clock() : 0;
}

/* A new node of mode under parent (NULL: it is the root); charged. */
static struct tmpfs_node *tmpfs_node_new(struct tmpfs *t, struct tmpfs_node *parent, uint32_t mode)
{
    if (tmpfs_charge(t, sizeof(struct tmpfs_node)) < 0)
        return NULL;
    struct tmpfs_node *n = calloc(1, sizeof(*n));
    if (!n) {
        t->bytes_used -= sizeof(struct tmpfs_node);
        return NULL;
    }
    n->ino = t->next_ino++;
    n->mode = mode;
    n->parent = parent ? parent : n;
    n->next_cookie = TMPFS_FIRST_COOKIE;
    tmpfs_touch(t, n);
    return n;
}

/* An empty tmpfs; see tmpfs.h. */
int tmpfs_init(struct tmpfs *t, uint64_t bytes_max, uint32_t mode, uint64_t (*clock)(void))
{
    memset(t, 0, sizeof(*t));
    t->bytes_max = bytes_max;
    t->file_max = bytes_max;
    t->next_ino = 1;
    t->clock = clock;
    t->root = tmpfs_node_new(t, NULL, TMPFS_S_IFDIR | (mode & 07777));
    return t->root ? 0 : ERR_NO_MEMORY;
}

/* Frees n and everything under it; no recursion: children are spliced onto a work list. */
static void tmpfs_free_tree(struct tmpfs *t, struct tmpfs_node *n)
{
    struct tmpfs_node *work = n;
    n->parent = NULL;
    while (work) {
        struct tmpfs_node *cur = work;
        work = cur->parent; /* the work list reuses parent */
        if (t->node_gone)
            t->node_gone(t->gone_ctx, cur);
        for (struct tmpfs_entry *e = cur->first, *next; e; e = next) {
            next = e->next;
            e->node->parent = work;
            work = e->node;
            free(e);
        }
        for (size_t i = 0; i < cur->npages; i++)
            free(cur->pages[i]);
        free(cur->pages);
        free(cur);
    }
}

/* Frees every node, the orphans too. */
void tmpfs_destroy(struct tmpfs *t)
{
    if (t->root)
        tmpfs_free_tree(t, t->root);
    t->root = NULL;
    while (t->orphans) {
        struct tmpfs_node *n = t->orphans;
        t->orphans = n->next_orphan;
        tmpfs_free_tree(t, n); /* removed directories are empty: just n */
    }
}

/* Frees one detached node (a file, or an empty directory) and gives back what it was charged. */
static void tmpfs_node_free(struct tmpfs *t, struct tmpfs_node *n)
{
    for (size_t i = 0; i < n->npages; i++)
        if (n->pages[i])
            t->bytes_used -= TMPFS_PAGE;
    t->bytes_used -= sizeof(struct tmpfs_node);
    n->first = n->last = NULL;
    tmpfs_free_tree(t, n);
}

/* n has lost its last name: freed now, or kept on the orphans list for its holders. */
static void tmpfs_detach(struct tmpfs *t, struct tmpfs_node *n)
{
    n->removed = true;
    n->parent = n;
    if (n->holds == 0) {
        tmpfs_node_free(t, n);
        return;
    }
    n->next_orphan = t->orphans;
    t->orphans = n;
}

/* A hold on n; see tmpfs.h. */
void tmpfs_hold(struct tmpfs_node *n)
{
    n->holds++;
}

/* Drops a hold; an orphan's last one frees it. */
void tmpfs_release(struct tmpfs *t, struct tmpfs_node *n)
{
    if (--n->holds > 0 || !n->removed)
        return;
    struct tmpfs_node **pp = &t->orphans;
    while (*pp != n)
        pp = &(*pp)->next_orphan;
    *pp = n->next_orphan;
    tmpfs_node_free(t, n);
}

/* Looks a name up in a directory; see tmpfs.h. */
struct tmpfs_node *tmpfs_lookup(struct tmpfs *t, struct tmpfs_node *dir, const char *name, size_t len)
{
    (void)t;
    if (!tmpfs_is_dir(dir))
        return NULL;
    if (len == 1 && name[0] == '.')
        return dir;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        return dir->parent;
    for (struct tmpfs_entry *e = dir->first; e; e = e->next)
        if (e->name_len == len && memcmp(e->name, name, len) == 0)
            return e->node;
    return NULL;
}

/* Checks a name a create would add: 0 or the error. */
static int tmpfs_name_check(const char *name, size_t len)
{
    if (len > TMPFS_NAME_MAX)
        return ERR_NAME_TOO_LONG;
    if (len == 0 || (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return ERR_INVALID_ARG;
    for (size_t i = 0; i < len; i++)
        if (name[i] == '/' || name[i] == '\0')
            return ERR_INVALID_ARG;
    return 0;
}

/* Makes a file or a directory; see tmpfs.h. */
int tmpfs_create(struct tmpfs *t, struct tmpfs_node *dir, const char *name, size_t len, uint32_t mode,
                 struct tmpfs_node **out)
{
    if (!tmpfs_is_dir(dir))
        return ERR_NOT_DIR;
    int err = tmpfs_name_check(name, len);
    if (err < 0)
        return err;
    if (dir->removed)
        return ERR_NOT_FOUND;
    if (tmpfs_lookup(t, dir, name, len))
        return ERR_ALREADY_EXISTS;
    uint32_t type = (mode & TMPFS_S_IFMT) == TMPFS_S_IFDIR ? TMPFS_S_IFDIR : TMPFS_S_IFREG;
    if (tmpfs_charge(t, sizeof(struct tmpfs_entry)) < 0)
        return ERR_NO_RESOURCES;
    struct tmpfs_entry *e = malloc(sizeof(*e));
    struct tmpfs_node *n = e ? tmpfs_node_new(t, dir, type | (mode & 07777)) : NULL;
    if (!n) {
        free(e);
        t->bytes_used -= sizeof(struct tmpfs_entry);
        return ERR_NO_RESOURCES;
    }
    e->next = NULL;
    e->cookie = dir->next_cookie++;
    e->node = n;
    e->name_len = (uint8_t)len;
    memcpy(e->name, name, len);
    e->name[len] = '\0';
    if (dir->last)
        dir->last->next = e;
    else
        dir->first = e;
    dir->last = e;
    tmpfs_touch(t, dir);
    *out = n;
    return 0;
}

/* The link pointing at dir's entry named name (the one to rewrite to unlink it), or NULL. */
static struct tmpfs_entry **tmpfs_entry_find(struct tmpfs_node *dir, const char *name, size_t len)
{
    for (struct tmpfs_entry **pp = &dir->first; *pp; pp = &(*pp)->next)
        if ((*pp)->name_len == len && memcmp((*pp)->name, name, len) == 0)
            return pp;
    return NULL;
}

/* Takes the entry *pp points at out of dir's list. */
static struct tmpfs_entry *tmpfs_entry_unlink(struct tmpfs_node *dir, struct tmpfs_entry **pp)
{
    struct tmpfs_entry *e = *pp;
    *pp = e->next;
    if (dir->last == e) {
        dir->last = NULL;
        for (struct tmpfs_entry *x = dir->first; x; x = x->next)
            dir->last = x;
    }
    e->next = NULL;
    return e;
}

/* Whether "." or "..". */
static bool tmpfs_is_dot(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

/* Whether node n may lose the name it has, to become (dir_wanted) a removed directory or a removed
 * file: 0 or the error. */
static int tmpfs_removable(const struct tmpfs_node *n, bool dir_wanted)
{
    if (n->mount)
        return ERR_PERMISSION;
    if (tmpfs_is_dir(n) != dir_wanted)
        return dir_wanted ? ERR_NOT_DIR : ERR_IS_DIR;
    return tmpfs_is_dir(n) && n->first ? ERR_NOT_EMPTY : 0;
}

/* Removes a name; see tmpfs.h. */
int tmpfs_remove(struct tmpfs *t, struct tmpfs_node *dir, const char *name, size_t len, bool dir_wanted)
{
    if (!tmpfs_is_dir(dir))
        return ERR_NOT_DIR;
    if (tmpfs_is_dot(name, len))
        return ERR_INVALID_ARG;
    struct tmpfs_entry **pp = tmpfs_entry_find(dir, name, len);
    if (!pp)
        return ERR_NOT_FOUND;
    int err = tmpfs_removable((*pp)->node, dir_wanted);
    if (err < 0)
        return err;
    struct tmpfs_entry *e = tmpfs_entry_unlink(dir, pp);
    tmpfs_detach(t, e->node);
    free(e);
    t->bytes_used -= sizeof(struct tmpfs_entry);
    tmpfs_touch(t, dir);
    return 0;
}

/* Whether directory d is n or lies below it. */
static bool tmpfs_within(const struct tmpfs_node *d, const struct tmpfs_node *n)
{
    for (;;) {
        if (d == n)
            return true;
        if (d->parent == d)
            return false;
        d = d->parent;
    }
}

/* The checks of a rename of node n over the entry tgt (NULL: none) in ndir: 0 or the error. */
static int tmpfs_rename_check(const struct tmpfs_node *n, const struct tmpfs_node *ndir,
                              const struct tmpfs_entry *tgt)
{
    if (n->mount)
        return ERR_PERMISSION;
    if (tmpfs_is_dir(n) && tmpfs_within(ndir, n))
        return ERR_INVALID_ARG;
    if (!tgt || tgt->node == n)
        return 0;
    if (tgt->node->mount)
        return ERR_PERMISSION;
    if (tmpfs_is_dir(n) && !tmpfs_is_dir(tgt->node))
        return ERR_NOT_DIR;
    return tmpfs_removable(tgt->node, tmpfs_is_dir(n));
}

/* Renames atomically; see tmpfs.h. */
int tmpfs_rename(struct tmpfs *t, struct tmpfs_node *odir, const char *oname, size_t olen,
                 struct tmpfs_node *ndir, const char *nname, size_t nlen, bool replace)
{
    if (!tmpfs_is_dir(odir) || !tmpfs_is_dir(ndir))
        return ERR_NOT_DIR;
    if (tmpfs_is_dot(oname, olen))
        return ERR_INVALID_ARG;
    int err = tmpfs_name_check(nname, nlen);
    if (err < 0)
        return err;
    struct tmpfs_entry **opp = tmpfs_entry_find(odir, oname, olen);
    if (!opp || ndir->removed)
        return ERR_NOT_FOUND;
    struct tmpfs_node *n = (*opp)->node;
    struct tmpfs_entry **tpp = tmpfs_entry_find(ndir, nname, nlen);
    if (tpp && !replace)
        return ERR_ALREADY_EXISTS;
    err = tmpfs_rename_check(n, ndir, tpp ? *tpp : NULL);
    if (err < 0 || (tpp && (*tpp)->node == n))
        return err;
    /* Nothing fails past this point. */
    struct tmpfs_entry *e = tmpfs_entry_unlink(odir, opp);
    if (tpp) { /* the old entry goes; the target's keeps its place and cookie and names n now */
        tpp = tmpfs_entry_find(ndir, nname, nlen); /* the unlink may have moved the link */
        tmpfs_detach(t, (*tpp)->node);
        (*tpp)->node = n;
        free(e);
        t->bytes_used -= sizeof(struct tmpfs_entry);
    } else {
        e->cookie = ndir->next_cookie++;
        e->name_len = (uint8_t)nlen;
        memcpy(e->name, nname, nlen);
        e->name[nlen] = '\0';
        if (ndir->last)
            ndir->last->next = e;
        else
            ndir->first = e;
        ndir->last = e;
    }
    n->parent = ndir;
    tmpfs_touch(t, odir);
    tmpfs_touch(t, ndir);
    return 0;
}

/* Copies file bytes out, zeros where no page was written; see tmpfs.h. */
int64_t tmpfs_read(struct tmpfs *t, struct tmpfs_node *f, uint64_t off, void *buf, size_t len)
{
    (void)t;
    if (tmpfs_is_dir(f))
        return ERR_IS_DIR;
    if (off >= f->size)
        return 0;
    if (len > f->size - off)
        len = (size_t)(f->size - off);
    uint8_t *out = buf;
    for (size_t done = 0; done < len;) {
        uint64_t pos = off + done;
        size_t pi = (size_t)(pos / TMPFS_PAGE), in = (size_t)(pos % TMPFS_PAGE);
        size_t n = TMPFS_PAGE - in < len - done ? TMPFS_PAGE - in : len - done;
        if (pi < f->npages && f->pages[pi])
            memcpy(out + done, f->pages[pi] + in, n);
        else
            memset(out + done, 0, n);
        done += n;
    }
    return (int64_t)len;
}

/* Makes the page table of f hold at least n slots: 0 or ERR_NO_RESOURCES. */
static int tmpfs_slots(struct tmpfs_node *f, size_t n)
{
    if (n <= f->npages)
        return 0;
    uint8_t **p = realloc(f->pages, n * sizeof(*p));
    if (!p)
        return ERR_NO_RESOURCES;
    memset(p + f->npages, 0, (n - f->npages) * sizeof(*p));
    f->pages = p;
    f->npages = n;
    return 0;
}

/* Frees f's pages from page index from on (a cut), and zeros the tail of the page the cut lands in. */
static void tmpfs_cut(struct tmpfs *t, struct tmpfs_node *f, uint64_t size)
{
    size_t keep = (size_t)((size + TMPFS_PAGE - 1) / TMPFS_PAGE);
    for (size_t i = keep; i < f->npages; i++) {
        if (f->pages[i]) {
            free(f->pages[i]);
            t->bytes_used -= TMPFS_PAGE;
        }
        f->pages[i] = NULL;
    }
    if (size % TMPFS_PAGE && keep <= f->npages && f->pages[keep - 1])
        memset(f->pages[keep - 1] + size % TMPFS_PAGE, 0, TMPFS_PAGE - size % TMPFS_PAGE);
}

/* Writes into file f, making its pages as needed; see tmpfs.h. */
int64_t tmpfs_write(struct tmpfs *t, struct tmpfs_node *f, uint64_t off, const void *buf, size_t len)
{
    if (tmpfs_is_dir(f))
        return ERR_IS_DIR;
    if (off > t->file_max || len > t->file_max - off)
        return ERR_NO_RESOURCES;
    if (len == 0)
        return 0;
    size_t first = (size_t)(off / TMPFS_PAGE), last = (size_t)((off + len - 1) / TMPFS_PAGE);
    uint64_t need = 0;
    for (size_t i = first; i <= last; i++)
        if (i >= f->npages || !f->pages[i])
            need += TMPFS_PAGE;
    if (tmpfs_charge(t, need) < 0)
        return ERR_NO_RESOURCES;
    if (tmpfs_slots(f, last + 1) < 0) {
        t->bytes_used -= need;
        return ERR_NO_RESOURCES;
    }
    for (size_t i = first; i <= last; i++) {
        if (f->pages[i])
            continue;
        f->pages[i] = calloc(1, TMPFS_PAGE);
        if (!f->pages[i]) { /* the pages made so far stay (zeros, charged); the rest is given back */
            for (size_t j = i; j <= last; j++)
                if (!f->pages[j])
                    t->bytes_used -= TMPFS_PAGE;
            return ERR_NO_RESOURCES;
        }
    }
    const uint8_t *in = buf;
    for (size_t done = 0; done < len;) {
        uint64_t pos = off + done;
        size_t pi = (size_t)(pos / TMPFS_PAGE), at = (size_t)(pos % TMPFS_PAGE);
        size_t n = TMPFS_PAGE - at < len - done ? TMPFS_PAGE - at : len - done;
        memcpy(f->pages[pi] + at, in + done, n);
        done += n;
    }
    if (off + len > f->size)
        f->size = off + len;
    tmpfs_touch(t, f);
    return (int64_t)len;
}

/* Drops whole pages of a range; see tmpfs.h. */
void tmpfs_drop(struct tmpfs *t, struct tmpfs_node *f, uint64_t off, uint64_t len)
{
    uint64_t first = (off + TMPFS_PAGE - 1) / TMPFS_PAGE, end = (off + len) / TMPFS_PAGE;
    for (uint64_t i = first; i < end && i < f->npages; i++) {
        if (f->pages[i]) {
            free(f->pages[i]);
            f->pages[i] = NULL;
            t->bytes_used -= TMPFS_PAGE;
        }
    }
}

/* Cuts or grows a file; see tmpfs.h. */
int tmpfs_truncate(struct tmpfs *t, struct tmpfs_node *f, uint64_t size)
{
    if (tmpfs_is_dir(f))
        return ERR_IS_DIR;
    if (size > t->file_max)
        return ERR_NO_RESOURCES;
    if (size < f->size)
        tmpfs_cut(t, f, size);
    f->size = size;
    tmpfs_touch(t, f);
    return 0;
}

/* The entry at a cookie; see tmpfs.h. */
int tmpfs_readdir(struct tmpfs *t, struct tmpfs_node *dir, uint64_t *cookie, const char **name, size_t *len,
                  struct tmpfs_node **node)
{
    (void)t;
    if (!tmpfs_is_dir(dir))
        return ERR_NOT_DIR;
    if (*cookie < TMPFS_FIRST_COOKIE) {
        *name = *cookie == 0 ? "." : "..";
        *len = (size_t)*cookie + 1;
        *node = *cookie == 0 ? dir : dir->parent;
        (*cookie)++;
        return 1;
    }
    for (struct tmpfs_entry *e = dir->first; e; e = e->next) {
        if (e->cookie >= *cookie) {
            *name = e->name;
            *len = e->name_len;
            *node = e->node;
            *cookie = e->cookie + 1;
            return 1;
        }
    }
    return 0;
}
