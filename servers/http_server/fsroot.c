/* fsroot.c: opening service/fs and its FS_DISK_MOUNT through the loop, and again when fs restarts. */
#include "fsroot.h"

#include <warp/msg.h>
#include <warp/proto/fs.h>
#include <warp/stdio.h>
#include <warp/string.h>

static void fs_open_session(struct http_fs *fs);

/* Messages init or fs send us unasked: close their handles, refuse calls. */
static void fs_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ctx;
    loop_close_handles(l, m, 0);
    if (msg_is_call(m))
        loop_reply_error(l, ch, m->call_id, ERR_NOT_SUPPORTED);
}

/* Closes the session and the root (their pending calls were failed already, or are dropped). */
static void fs_close(struct http_fs *fs)
{
    if (fs->root)
        loop_close(fs->loop, fs->root);
    if (fs->session)
        loop_close(fs->loop, fs->session);
    fs->root = fs->session = 0;
}

/* Gives up on service/fs for good: the initfs is served from now on. */
static void fs_off(struct http_fs *fs, const char *why, long err)
{
    bool keep = fs->keep_session && fs->session;
    if (keep && fs->root)
        loop_close(fs->loop, fs->root);
    if (keep)
        fs->root = 0;
    else
        fs_close(fs);
    fs->state = HTTP_FS_OFF;
    printf("http_server: serving the embedded page and the initfs's www/ (%s: %s)%s\n", why, err_str(err),
           keep ? "; uploads through " FS_URI : "");
}

/* True for the errors a later attempt may not meet (fs or a driver restarting, a table full for
 * now); the others (no /disk0, a disk whose root is corrupt: ERR_IO, ...) stay. */
static bool fs_transient(long err)
{
    return err == ERR_PEER_CLOSED || err == ERR_WOULD_BLOCK || err == ERR_NO_RESOURCES ||
           err == ERR_NO_MEMORY || err == ERR_TIMED_OUT || err == ERR_QUEUE_FULL;
}

/* A transient failure: close what is open and try again after HTTP_FS_RETRY_NS. */
static void fs_retry(struct http_fs *fs, const char *why, long err)
{
    fs_close(fs);
    fs->state = HTTP_FS_CONNECTING;
    printf("http_server: %s: %s; trying again\n", why, err_str(err));
    loop_timeout_after(fs->loop, &fs->retry, HTTP_FS_RETRY_NS);
}

/*
 * The root's node closed: fs ended (init restarts it). The loop has failed the OPENs pending on it
 * already (those requests get 503). Close the session too (nothing of ours waits there) and reopen
 * both.
 */
static void fs_on_root_closed(struct loop *l, handle_t ch, void *ctx)
{
    struct http_fs *fs = ctx;
    (void)l;
    (void)ch;
    fs_close(fs);
    fs->state = HTTP_FS_CONNECTING;
    fs->reconnects++;
    printf("http_server: service/fs closed (restarting?); reopening it\n");
    fs_open_session(fs);
}

/*
 * The session closed. The root's node may live on (a node outlives its session), and closing it
 * here would drop the OPENs pending on it unanswered: it stays, and serves, until it closes too.
 * (While CONNECTING, the OPEN of the root pending here has been failed already: fs_on_root retries.)
 */
static void fs_on_session_closed(struct loop *l, handle_t ch, void *ctx)
{
    struct http_fs *fs = ctx;
    loop_close(l, ch);
    fs->session = 0;
    if (fs->state == HTTP_FS_OFF && fs->keep_session) {
        /* Only uploads used it (no FS_DISK_MOUNT): fs ended; open it again for them. */
        fs->reconnects++;
        printf("http_server: service/fs closed (restarting?); reopening it for uploads\n");
        fs_open_session(fs);
    }
}

/* init's channel: nothing comes unasked; if init ends, the loop's default closes it. */
static const struct loop_channel_handlers fs_init_handlers = {
    .on_message = fs_on_message,
    .on_reply = NULL,
    .on_peer_closed = NULL,
};

static const struct loop_channel_handlers fs_session_handlers = {
    .on_message = fs_on_message,
    .on_reply = NULL,
    .on_peer_closed = fs_on_session_closed,
};

static const struct loop_channel_handlers fs_root_handlers = {
    .on_message = fs_on_message,
    .on_reply = NULL,
    .on_peer_closed = fs_on_root_closed,
};

/* The OPEN of FS_DISK_MOUNT answered: the root node, or no disk. */
static void fs_on_root(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct http_fs *fs = ctx;
    (void)ch;
    long r = msg_result(m, MSG_OPEN);
    handle_t root = m->nhandles >= 1 ? m->handles[0] : 0;
    loop_close_handles(l, m, r >= 0 ? 1 : 0);
    if (r >= 0 && !root)
        r = ERR_BAD_FORMAT;
    if (r < 0 && !fs_transient(r)) {
        fs_off(fs, FS_DISK_MOUNT, r);
        return;
    }
    if (r >= 0)
        r = loop_add_channel(l, root, &fs_root_handlers, fs);
    if (r < 0) {
        if (root)
            loop_close(l, root);
        fs_retry(fs, "cannot open " FS_DISK_MOUNT, r);
        return;
    }
    fs->root = root;
    fs->state = HTTP_FS_READY;
    fs->readies++;
    printf("http_server: serving %s through %s%s\n", FS_DISK_MOUNT, FS_URI, fs->reconnects ? " again" : "");
}

/* Sends the OPEN of FS_DISK_MOUNT (a directory) on the session. */
static void fs_open_root(struct http_fs *fs)
{
    static const char path[] = FS_DISK_MOUNT;
    struct fs_open o = {.flags = FS_O_READ | FS_O_DIRECTORY, .path_len = sizeof(path) - 1};
    struct warp_msg m;
    msg_init(&m, MSG_OPEN, MSG_CALL);
    msg_set_data(&m, &o, sizeof(o));
    msg_add_buf(&m, path, sizeof(path) - 1, BUF_READ);
    long r = loop_call(fs->loop, fs->session, &m, fs_on_root, fs);
    if (r < 0)
        fs_retry(fs, "cannot open " FS_DISK_MOUNT, r);
}

/* init answered our OPEN of FS_URI: the session, or no file system server. */
static void fs_on_session(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct http_fs *fs = ctx;
    (void)ch;
    fs->init_call = false;
    long r = msg_result(m, MSG_OPEN);
    handle_t session = m->nhandles >= 1 ? m->handles[0] : 0;
    loop_close_handles(l, m, r >= 0 ? 1 : 0);
    if (r >= 0 && !session)
        r = ERR_BAD_FORMAT;
    if (r == ERR_NOT_FOUND || r == ERR_PERMISSION) {
        fs_off(fs, FS_URI, r); /* none in the manifest, or not in our `uses` */
        return;
    }
    if (r >= 0)
        r = loop_add_channel(l, session, &fs_session_handlers, fs);
    if (r < 0) {
        if (session)
            loop_close(l, session);
        fs_retry(fs, "cannot open " FS_URI, r);
        return;
    }
    fs->session = session;
    fs_open_root(fs);
}

/* Sends the OPEN of FS_URI to init (which holds it while fs is starting). */
static void fs_open_session(struct http_fs *fs)
{
    struct warp_msg m;
    if (fs->paused)
        return; /* http_fs_resume sends it */
    msg_open(&m, FS_URI);
    long r = loop_call(fs->loop, fs->init_ch, &m, fs_on_session, fs);
    if (r < 0) {
        fs_retry(fs, "cannot ask init for " FS_URI, r);
        return;
    }
    fs->init_call = true;
}

/* The retry timeout fired. */
static void fs_on_retry(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)l;
    (void)t;
    fs_open_session(ctx);
}

/* Prepares fs. */
void http_fs_init(struct http_fs *fs, struct loop *l)
{
    memset(fs, 0, sizeof(*fs));
    fs->loop = l;
    fs->state = HTTP_FS_OFF; /* until http_fs_start: a server without it serves the initfs */
    loop_timeout_init(&fs->retry, fs_on_retry, fs);
}

/* Starts opening service/fs. */
void http_fs_start(struct http_fs *fs, handle_t init_ch)
{
    fs->init_ch = init_ch;
    fs->state = HTTP_FS_CONNECTING;
    long r = loop_add_channel(fs->loop, init_ch, &fs_init_handlers, fs);
    if (r < 0) {
        fs_off(fs, "init's channel", r);
        return;
    }
    fs_open_session(fs);
}

/* init's channel off the loop. */
void http_fs_pause(struct http_fs *fs)
{
    if (!fs->init_ch || fs->paused)
        return;
    loop_remove(fs->loop, fs->init_ch);
    fs->paused = true;
}

/* init's channel back; an OPEN dropped by the pause goes again. */
void http_fs_resume(struct http_fs *fs)
{
    if (!fs->paused)
        return;
    fs->paused = false;
    long r = loop_add_channel(fs->loop, fs->init_ch, &fs_init_handlers, fs);
    if (r < 0 && fs->state == HTTP_FS_CONNECTING) {
        fs_off(fs, "init's channel", r);
        return;
    }
    if (fs->init_call) {
        fs->init_call = false;
        fs_open_session(fs);
    }
}
