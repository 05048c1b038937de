/* session.h: the fs server's channels: sessions (service/fs) and node channels (warp/proto/fs.h). */
#pragma once

#include "vfs.h"

#include <warp/loop.h>

#define FS_SESSIONS_MAX 64
#define FS_SESSIONS_PER_CLIENT 16
#define FS_NODES_MAX 1024       /* node channels open at once, all clients together */
#define FS_NODES_PER_CLIENT 512 /* so one client cannot take them all */

/* The server's counters beside the cache's. */
struct session_stats {
    unsigned sessions;
    unsigned nodes;
    uint64_t opens, reads, writes, names, errors; /* names: the name calls done (unlink, rmdir, rename) */
};
extern struct session_stats session_stats;

struct pgfs;

/* Sets up the tables: the tree v serves, and the text GETATTR "stats" answers (stats_fn). */
void session_init(struct vfs *v, int (*stats_fn)(char *buf, size_t size));
/* The persistent mount, once it is served (its calls may then wait for the database). */
void session_set_pg(struct pgfs *pg);
/* service_start's on_connect: a new session, or its refusal past a cap. */
void session_accept(struct loop *l, handle_t ch, void *ctx);
