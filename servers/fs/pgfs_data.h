/* pgfs_data.h: the persistent mount's bytes: chunks read on demand into the mirror, dirty chunks
 * committed, clean ones dropped least recently used first (pgfs_data.c). */
#pragma once

#include "pgfs_req.h"

/* Adds entry e of a readdir to directory dir of the mirror (a file gets its record): the node, or
 * NULL (logged: the mirror is full, or no memory). */
struct tmpfs_node *pgfs_add_node(struct pgfs *f, struct tmpfs_node *dir, const struct pgs_dirent *e);
/* Adds directory d (held) to the list of directories a load or refresh reads next: 0 or ERR_NO_MEMORY. */
long pgfs_dir_push(struct pgfs *f, struct tmpfs_node *d);
/* Makes [off, off + len) of file n readable (for_write: the chunks a write covers only in part):
 * 0 at once, PGFS_PENDING (fn(ctx, result) follows), or an error. */
long pgfs_ready(struct pgfs *f, struct tmpfs_node *n, uint64_t off, uint64_t len, bool for_write,
                pgfs_done_fn fn, void *ctx);
/* Whether [off, off + len) of file n can be read now, without waiting. */
bool pgfs_cached(const struct pgfs *f, const struct tmpfs_node *n, uint64_t off, uint64_t len);
/* After a write of [off, off + len) into file n: its chunks are dirty (a commit may start). */
void pgfs_wrote(struct pgfs *f, struct tmpfs_node *n, uint64_t off, uint64_t len);
/* After a truncate of file n: its size is to be committed. */
void pgfs_truncated(struct pgfs *f, struct tmpfs_node *n);
/* Commits what was written to n: 0 if nothing waits, PGFS_PENDING (fn follows), or an error. */
long pgfs_sync(struct pgfs *f, struct tmpfs_node *n, pgfs_done_fn fn, void *ctx);
/* Node n of the mirror is going (removed and released): the mount ctx drops what it kept of it. */
void pgfs_node_gone(void *ctx, struct tmpfs_node *n);
/* Chunks a file of size bytes has. */
uint64_t pgfs_chunks(uint64_t size);
/* Makes room in file's state for chunk index: 0 or an error. */
long pgfs_state_grow(struct pgfs_file *file, uint64_t index);
/* Gives a file node its record, committed at size bytes: 0 or ERR_NO_MEMORY. */
long pgfs_file_new(struct tmpfs_node *n, uint64_t size);
/* The LRU list of files with clean chunks: out of it, or to its tail (the most recently used). */
void pgfs_lru_out(struct pgfs *f, struct pgfs_file *file);
void pgfs_lru_touch(struct pgfs *f, struct pgfs_file *file);
/* The answers of a chunk's read, a commit and a change of names. */
void pgfs_on_load(struct pgfs *f, struct pgfs_op *op, const struct pgs_result *res);
void pgfs_on_commit(struct pgfs *f, struct pgfs_op *op, long status);
