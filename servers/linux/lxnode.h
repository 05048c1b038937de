/* lxnode.h: the session with service/fs and the node channels of open files (lxnode.c). */
#pragma once

#include <warp/loop.h>
#include <warp/proto/fs.h>

#include "lxfd.h"

/* Opens the session with service/fs (at start, before the loop runs); logs and goes on without. */
void lxnode_init(struct loop *l);
/* The server's loop, and the session (0: no service/fs, or it ended). */
struct loop *lxnode_loop(void);
handle_t lxnode_session(void);
/* A node description's channel if fs still serves it, else 0. */
handle_t lxnode_channel(const struct lxfile *f);
/* The handlers of a node channel (added to the loop with the description as ctx). */
extern const struct loop_channel_handlers lxnode_handlers;
/* Releases a node description's channel (its last reference went). */
void lxnode_release(struct lxfile *f);
/* An OPEN reply taken apart: its result, with the node (ours now) in *node and its attributes in *a
 * when it is >= 0 (ERR_BAD_FORMAT for a reply without them); every other handle it brought is
 * closed, and on an error the node too. */
long lxnode_open_reply(struct loop *l, struct warp_msg *m, handle_t *node, struct fs_attr *a);
/* fs's error as the errno Linux gives for the same failure (what_open: an open, not I/O). */
int64_t lxnode_errno(long err, bool what_open);
