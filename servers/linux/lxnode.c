/* lxnode.c: the linux server's session with service/fs, the node channels of open files, and
 * fs's errors as Linux's errno. */
#include "lxnode.h"

#include <warp/msg.h>
#include <warp/proto/fs.h>
#include <warp/service.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"

static struct loop *lxnode_loop_;
static handle_t lxnode_session_; /* 0: no service/fs (or it ended) */

long lxnode_open_reply(struct loop *l, struct warp_msg *m, handle_t *node, struct fs_attr *a)
{
    long r = msg_result(m, MSG_OPEN);
    handle_t h = r >= 0 && m->nhandles >= 1 ? m->handles[0] : 0;
    loop_close_handles(l, m, h ? 1 : 0);
    if (r >= 0 && (!h || m->data_len < sizeof(*a)))
        r = ERR_BAD_FORMAT;
    if (r < 0) {
        if (h)
            warp_handle_close(h);
        return r;
    }
    memcpy(a, m->data, sizeof(*a));
    *node = h;
    return r;
}

int64_t lxnode_errno(long err, bool what_open)
{
    switch (err) {
    case ERR_NOT_FOUND: return -LX_ENOENT;
    case ERR_NOT_DIR: return -LX_ENOTDIR;
    case ERR_IS_DIR: return -LX_EISDIR;
    case ERR_PERMISSION: return -LX_EACCES;
    case ERR_NAME_TOO_LONG: return -LX_ENAMETOOLONG;
    case ERR_LOOP: return -LX_ELOOP;
    case ERR_ALREADY_EXISTS: return -LX_EEXIST;
    case ERR_NOT_EMPTY: return -LX_ENOTEMPTY;
    case ERR_CROSS_DEVICE: return -LX_EXDEV;
    case ERR_READ_ONLY: return -LX_EROFS;
    case ERR_INVALID_ARG: return -LX_EINVAL;
    case ERR_TOO_LARGE: return -LX_EINVAL;
    case ERR_NO_MEMORY: return -LX_ENOMEM;
    case ERR_NO_RESOURCES: return what_open ? -LX_ENFILE : -LX_ENOSPC; /* fs's node table, tmpfs full */
    case ERR_NOT_SUPPORTED: return what_open ? -LX_ENXIO : -LX_EINVAL; /* a device, fifo or socket */
    default: return -LX_EIO; /* the device, a corrupt image, fs gone (ERR_PEER_CLOSED) */
    }
}

/* Messages fs sends unasked on the session: none are expected. */
static void lxnode_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ctx;
    loop_close_handles(l, m, 0);
    if (msg_is_call(m))
        loop_reply_error(l, ch, m->call_id, ERR_NOT_SUPPORTED);
}

/* fs ended: its calls in flight fail (the loop answers them ERR_PEER_CLOSED: EIO), new opens get
 * ENOENT. (Reopening a restarted fs is not done yet: docs/linux-compat.md.) */
static void lxnode_on_session_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)ctx;
    loop_close(l, ch);
    lxnode_session_ = 0;
    printf("linux: %s closed: Linux programs see no files from now on\n", FS_URI);
}

static const struct loop_channel_handlers lxnode_session__handlers = {
    .on_message = lxnode_on_message,
    .on_peer_closed = lxnode_on_session_closed,
};

/* A node's fs end closed (fs ended): out of the loop; the handle stays until the description goes. */
static void lxnode_on_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)ctx;
    loop_remove(l, ch);
}

const struct loop_channel_handlers lxnode_handlers = {
    .on_message = lxnode_on_message,
    .on_peer_closed = lxnode_on_closed,
};

void lxnode_init(struct loop *l)
{
    lxnode_loop_ = l;
    long r = ipc_open_sync(SERVICE_INIT_CH, FS_URI);
    if (r < 0) {
        printf("linux: no %s (%s): Linux programs see no files\n", FS_URI, err_str(r));
        return;
    }
    handle_t s = (handle_t)r;
    r = loop_add_channel(l, s, &lxnode_session__handlers, NULL);
    if (r < 0) {
        warp_handle_close(s);
        printf("linux: %s: %s: Linux programs see no files\n", FS_URI, err_str(r));
        return;
    }
    lxnode_session_ = s;
}

void lxnode_release(struct lxfile *f)
{
    if (!f->node)
        return;
    if (loop_has(lxnode_loop_, f->node))
        loop_close(lxnode_loop_, f->node);
    else
        warp_handle_close(f->node);
    f->node = 0;
}

struct loop *lxnode_loop(void)
{
    return lxnode_loop_;
}

handle_t lxnode_session(void)
{
    return lxnode_session_;
}

handle_t lxnode_channel(const struct lxfile *f)
{
    return f && f->node && loop_has(lxnode_loop_, f->node) ? f->node : 0;
}
