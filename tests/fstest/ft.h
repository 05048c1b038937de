/* ft.h: what fstest's files share: synchronous calls on service/fs and a large buffer (ft.c). */
#pragma once

#include <warp/ipc.h>
#include <warp/proto/fs.h>

extern uint8_t ft_buf[FS_IO_MAX + 4096];

/* OPEN path (len bytes) on ch with flags and mode and an optional prefetch buffer: the status (bytes
 * prefetched) or an error; *node and *attr from the reply (NULL: the node is closed). */
long ft_open_len(handle_t ch, const char *path, size_t len, uint32_t flags, uint32_t mode, void *pre,
                 size_t pre_len, handle_t *node, struct fs_attr *attr);
/* OPEN of a NUL-terminated path with mode 0644, no prefetch. */
long ft_open(handle_t ch, const char *path, uint32_t flags, handle_t *node, struct fs_attr *attr);
/* READ of len bytes at off on node into buf: the status. */
long ft_read(handle_t node, uint64_t off, void *buf, size_t len);
/* WRITE of len bytes at off on node from buf: the status. */
long ft_write(handle_t node, uint64_t off, const void *buf, size_t len);
/* CLOSE of a node (or a session) and its handle: the status. */
long ft_close(handle_t h);
/* GETATTR "attr" on node into *a: the status. */
long ft_attr(handle_t node, struct fs_attr *a);
/* The number after "name=" in the session's text attribute attr ("stats", "pgstats"), 0 if missing. */
uint64_t ft_stat(handle_t session, const char *attr, const char *name);
/* Sends m as a call on ch: its result. */
long ft_raw(handle_t ch, struct warp_msg *m);
/* The name calls (unlink=, rmdir=, rename=) and sync= (names.c). */
void ft_names(handle_t s);
