/* pgfs_scan.c: a read-only mount's refresh: the volume's tree read again and the mirror made to match
 * it, so a replica sees the writer's changes within the refresh interval plus one scan (pgfs_scan.h). */
#include "pgfs_data.h"
#include "pgfs_scan.h"

#include <warp/fmt.h>
#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

/*
 * One directory at a time, depth first: its entries are gathered over as many readdir batches as it
 * takes (f->scan), then compared with the mirror's: a name the database no longer has (or that names
 * another inode now) goes from the mirror with everything under it, a new name comes in, a file whose
 * size or mtime changed loses its cached chunks (they are read again on demand), and every directory
 * the database lists is scanned next. Nodes open on a client survive their removal (tmpfs holds).
 */

static struct pgs_dirent pgfs_scan_batch[PGS_READDIR_MAX];

/* Asks for directory dir's entries after cookie. */
static void pgfs_scan_readdir(struct pgfs *f, struct tmpfs_node *dir, uint64_t cookie)
{
    if (pgfs_readdir_submit(f, PGFS_OP_SCAN, dir, cookie, pgfs_scan_batch) < 0)
        f->scanning = false; /* the next refresh starts over */
}

/* Starts a refresh unless one runs; see pgfs_scan.h. */
void pgfs_scan_start(struct pgfs *f)
{
    if (f->scanning || f->state != PGFS_READY)
        return;
    f->scanning = true;
    f->nscan = 0;
    pgfs_scan_readdir(f, f->tree.root, 0);
}

/* The database's entry named name in the gathered listing, or NULL. */
static const struct pgs_dirent *pgfs_scan_find(const struct pgfs *f, const char *name, size_t len)
{
    for (uint32_t i = 0; i < f->nscan; i++)
        if (strlen(f->scan[i].name) == len && memcmp(f->scan[i].name, name, len) == 0)
            return &f->scan[i];
    return NULL;
}

/* Removes name from dir in the mirror with everything under it, leaves first. */
static void pgfs_scan_drop(struct pgfs *f, struct tmpfs_node *dir, const char *name, size_t len)
{
    for (;;) {
        struct tmpfs_node *parent = dir, *n = tmpfs_lookup(&f->tree, dir, name, len);
        const char *leaf = name;
        size_t leaf_len = len;
        while (n && tmpfs_is_dir(n) && n->first) { /* down to an empty directory or a file */
            parent = n;
            leaf = n->first->name;
            leaf_len = n->first->name_len;
            n = n->first->node;
        }
        if (!n || tmpfs_remove(&f->tree, parent, leaf, leaf_len, tmpfs_is_dir(n)) < 0 || parent == dir)
            return;
    }
}

/* A file the writer changed: its size and mtime from the database, its cached chunks dropped. */
static void pgfs_scan_file(struct pgfs *f, struct tmpfs_node *n, const struct pgs_dirent *e)
{
    struct pgfs_file *file = pgfs_file_of(n);
    if (!file || (file->committed_size == e->size && n->mtime_ns == (uint64_t)e->mtime_ns))
        return;
    tmpfs_drop(&f->tree, n, 0, n->size + TMPFS_PAGE);
    memset(file->state, 0, file->nstate);
    file->committed_size = e->size;
    n->size = e->size;
    n->mtime_ns = (uint64_t)e->mtime_ns;
    pgfs_lru_out(f, file);
}

/* Makes directory dir of the mirror match the gathered listing; its directories are scanned next. */
static void pgfs_scan_apply(struct pgfs *f, struct tmpfs_node *dir)
{
    for (struct tmpfs_entry *e = dir->first, *next; e; e = next) {
        next = e->next;
        const struct pgs_dirent *d = pgfs_scan_find(f, e->name, e->name_len);
        if (!d || d->ino != e->node->ext_ino || (d->type == PGS_DIR) != tmpfs_is_dir(e->node))
            pgfs_scan_drop(f, dir, e->name, e->name_len);
    }
    for (uint32_t i = 0; i < f->nscan; i++) {
        const struct pgs_dirent *d = &f->scan[i];
        struct tmpfs_node *n = tmpfs_lookup(&f->tree, dir, d->name, strlen(d->name));
        if (!n)
            n = pgfs_add_node(f, dir, d);
        if (!n)
            continue;
        n->mode = (n->mode & TMPFS_S_IFMT) | (d->mode & 07777);
        if (d->type == PGS_DIR)
            pgfs_dir_push(f, n);
        else
            pgfs_scan_file(f, n, d);
    }
    f->nscan = 0;
}

/* A batch of the refresh came; see pgfs_scan.h. */
void pgfs_on_scan(struct pgfs *f, struct pgfs_op *op, const struct pgs_result *res)
{
    struct tmpfs_node *dir = op->node;
    if (res->status < 0 || dir->removed || f->writer) { /* gone meanwhile, or the writer now: stop */
        while (f->ndirs > 0)
            tmpfs_release(&f->tree, f->dirs[--f->ndirs]);
        f->scanning = false;
        return;
    }
    if (f->nscan + res->count > f->scan_cap) {
        uint32_t cap = (f->nscan + res->count) * 2;
        struct pgs_dirent *a = realloc(f->scan, cap * sizeof(*a));
        if (!a) {
            pgfs_log(f, "no memory to refresh the tree; it is tried again later");
            f->scanning = false;
            return;
        }
        f->scan = a;
        f->scan_cap = cap;
    }
    memcpy(f->scan + f->nscan, pgfs_scan_batch, res->count * sizeof(*f->scan));
    f->nscan += res->count;
    if (!res->end && res->count > 0) {
        pgfs_scan_readdir(f, dir, pgfs_scan_batch[res->count - 1].cookie);
        return;
    }
    pgfs_scan_apply(f, dir);
    if (f->ndirs > 0) {
        struct tmpfs_node *next = f->dirs[--f->ndirs];
        pgfs_scan_readdir(f, next, 0);
        tmpfs_release(&f->tree, next);
        return;
    }
    f->scanning = false;
    f->c.refreshes++;
}
