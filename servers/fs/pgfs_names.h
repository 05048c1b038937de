/* pgfs_names.h: the persistent mount's changes of names: made in the database first, then in the
 * mirror, then answered (pgfs_names.c). */
#pragma once

#include "pgfs_req.h"

/* Makes name (len bytes) of type (TMPFS_S_IFDIR or TMPFS_S_IFREG) and mode in directory dir:
 * PGFS_PENDING (fn(ctx, 0) once the node is in the tree) or an error. */
long pgfs_create(struct pgfs *f, struct tmpfs_node *dir, const char *name, size_t len, uint32_t type,
                 uint32_t mode, pgfs_done_fn fn, void *ctx);
/* Removes name from dir (dir_wanted: an empty directory): PGFS_PENDING or an error. */
long pgfs_remove(struct pgfs *f, struct tmpfs_node *dir, const char *name, size_t len, bool dir_wanted,
                 pgfs_done_fn fn, void *ctx);
/* Renames odir/oname to ndir/nname (replace: over an existing name): PGFS_PENDING or an error. */
long pgfs_rename(struct pgfs *f, struct tmpfs_node *odir, const char *oname, size_t olen,
                 struct tmpfs_node *ndir, const char *nname, size_t nlen, bool replace, pgfs_done_fn fn,
                 void *ctx);
void pgfs_on_names(struct pgfs *f, struct pgfs_op *op, const struct pgs_result *res);
