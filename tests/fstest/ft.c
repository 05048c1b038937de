/* ft.c: fstest's calls on service/fs, each synchronous (ft.h). */
#include "ft.h"

#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/string.h>
#include <warp/user.h>

uint8_t ft_buf[FS_IO_MAX + 4096];

/* OPEN path (len bytes) on ch with flags and mode and an optional prefetch buffer: the status (bytes
 * prefetched) or an error; *node and *attr from the reply. */
long ft_open_len(handle_t ch, const char *path, size_t len, uint32_t flags, uint32_t mode, void *pre,
                 size_t pre_len, handle_t *node, struct fs_attr *attr)
{
    struct warp_msg m, reply;
    struct fs_open o = {flags, mode, (uint32_t)len, 0};
    msg_init(&m, MSG_OPEN, MSG_CALL);
    msg_set_data(&m, &o, sizeof(o));
    msg_add_buf(&m, path, len, BUF_READ);
    if (pre)
        msg_add_buf(&m, pre, pre_len, BUF_WRITE);
    long r = ipc_call_sync(ch, &m, &reply);
    if (r < 0)
        return r;
    if (reply.nhandles != 1 || reply.data_len != sizeof(struct fs_attr))
        return ERR_BAD_FORMAT;
    if (attr)
        memcpy(attr, reply.data, sizeof(*attr));
    if (node)
        *node = reply.handles[0];
    else
        warp_handle_close(reply.handles[0]);
    return r;
}

/* OPEN of a NUL-terminated path, no prefetch. */
long ft_open(handle_t ch, const char *path, uint32_t flags, handle_t *node, struct fs_attr *attr)
{
    return ft_open_len(ch, path, strlen(path), flags, 0644, NULL, 0, node, attr);
}

/* READ of len bytes at off on node into buf: the status. */
long ft_read(handle_t node, uint64_t off, void *buf, size_t len)
{
    struct warp_msg m;
    struct fs_io io = {off};
    msg_read(&m, buf, len);
    msg_set_data(&m, &io, sizeof(io));
    return ipc_call_sync(node, &m, NULL);
}

/* WRITE of len bytes at off on node from buf: the status. */
long ft_write(handle_t node, uint64_t off, const void *buf, size_t len)
{
    struct warp_msg m;
    struct fs_io io = {off};
    msg_write(&m, buf, len);
    msg_set_data(&m, &io, sizeof(io));
    return ipc_call_sync(node, &m, NULL);
}

/* CLOSE of a node (or a session) and its handle: the status. */
long ft_close(handle_t h)
{
    struct warp_msg m;
    msg_close(&m);
    long r = ipc_call_sync(h, &m, NULL);
    warp_handle_close(h);
    return r;
}

/* GETATTR "attr" on node into *a: the status. */
long ft_attr(handle_t node, struct fs_attr *a)
{
    struct warp_msg m, reply;
    msg_getattr(&m, FS_ATTR_NODE);
    long r = ipc_call_sync(node, &m, &reply);
    if (r == sizeof(*a))
        memcpy(a, reply.data, sizeof(*a));
    return r;
}

/* Sends m as a call on ch: its result. */
long ft_raw(handle_t ch, struct warp_msg *m)
{
    return ipc_call_sync(ch, m, NULL);
}

/* The number after "name=" in the session's text attribute attr (0 if missing). */
uint64_t ft_stat(handle_t session, const char *attr, const char *name)
{
    struct warp_msg m, reply;
    char text[MSG_DATA_MAX + 1];
    msg_getattr(&m, attr);
    if (ipc_call_sync(session, &m, &reply) < 0 || msg_get_text(&reply, text, sizeof(text)) < 0)
        return 0;
    size_t n = strlen(name);
    for (const char *p = text; *p; p++) {
        if ((p == text || p[-1] == ' ') && strncmp(p, name, n) == 0 && p[n] == '=') {
            uint64_t v = 0;
            for (p += n + 1; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (uint64_t)(*p - '0');
            return v;
        }
    }
    return 0;
}
