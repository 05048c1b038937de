/* pgfs.h: the persistent mount: a volume kept in PostgreSQL (libs/pgstore), mirrored in a tmpfs that
 * holds its tree and caches its files' chunks (docs/persistence.md). pgfs.c starts it (the lease, the
 * tree's load) and takes the store's answers; its bytes are pgfs_data.h's, its names pgfs_names.h's. */
#pragma once

#include "pgfs_data.h"
#include "pgfs_names.h"

/*
 * Starts the mount of conf on loop l: connect, open the volume, take the lease (or stay read-only),
 * read the tree; on_ready runs once it can be served (the caller mounts f->tree then). cache_bytes
 * bounds the tree and the cached chunks.
 */
long pgfs_start(struct pgfs *f, struct loop *l, const struct pgconf *conf, uint64_t cache_bytes,
                void (*on_ready)(struct pgfs *f));
/* The counters as "pg_hits=.. pg_misses=.. ..." into buf. */
void pgfs_stats(const struct pgfs *f, char *buf, size_t size);
