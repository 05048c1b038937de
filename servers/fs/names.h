/* names.h: the calls that change names: SETATTR unlink=, rmdir=, rename= (warp/proto/fs.h). */
#pragma once

#include "vfs.h"

#include <warp/ipc.h>

/* Whether SETATTR's attribute name is one of the name calls. */
bool names_is_call(const char *name);
/*
 * Carries out the name call name (names_is_call) with value (empty, or rename's "noreplace") of
 * message m on channel ch, whose paths start at base (NULL: a session, the root): reads the paths
 * from m's buffers and changes v. 0 or the protocol's error.
 */
int names_call(struct vfs *v, handle_t ch, const struct warp_msg *m, const struct vfs_node *base,
               const char *name, const char *value);
