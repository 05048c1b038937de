/* fsroot.h: http_server's document root in service/fs: the session, the root directory's node, reopening. */
#pragma once

#include <warp/ipc.h>
#include <warp/loop.h>

/*
 * The documents come from FS_DISK_MOUNT through service/fs (libs/proto/include/warp/proto/fs.h)
 * when there is one. http_fs_start OPENs FS_URI through init and then FS_DISK_MOUNT (a directory) on
 * the session, both through the loop: nothing blocks the server.
 *
 *   CONNECTING ──session and root open──▶ READY ──the root's node closes (fs restarted)──▶ CONNECTING
 *       │
 *       └─ no service/fs (ERR_NOT_FOUND from init, or ERR_PERMISSION: not in `uses`), or no
 *          FS_DISK_MOUNT in it, or one that cannot be opened (ERR_IO: its root directory is
 *          corrupt, ...) ──▶ OFF: the embedded page and the initfs's www/ (for good)
 *
 * Transient failures (init or fs going away while we ask, ERR_WOULD_BLOCK, a table full for now:
 * fs_transient) try again after HTTP_FS_RETRY_NS. One line
 * is logged at each change of what is served. While CONNECTING after a restart, requests get 503.
 * The session closing alone changes nothing: the root's node outlives it (fs.h), and closing the
 * node then would drop the OPENs pending on it without an answer; when fs ends, the node closes too.
 */

#define HTTP_FS_RETRY_NS 200000000ull /* 200 ms between attempts after a transient failure */

enum http_fs_state {
    HTTP_FS_CONNECTING, /* OPENs on the way: requests get 503 */
    HTTP_FS_READY,      /* files come from the root node */
    HTTP_FS_OFF,        /* no service/fs or no FS_DISK_MOUNT: the initfs is served */
};

struct http_fs {
    struct loop *loop;
    enum http_fs_state state;
    handle_t init_ch;    /* init's channel (handle 1), on the loop while not paused */
    handle_t session;    /* the session channel, 0 when none */
    handle_t root;       /* FS_DISK_MOUNT's node channel, 0 when none */
    bool paused;         /* init_ch is off the loop (main's blocking OPENs use it) */
    bool keep_session;   /* uploads use the session: OFF without FS_DISK_MOUNT keeps it */
    bool init_call;      /* our OPEN of FS_URI is pending on init_ch */
    unsigned reconnects; /* sessions (or roots) lost and reopened */
    unsigned readies;    /* times it became READY: a new count means a new root (maybe another disk) */
    struct loop_timeout retry;
};

/* Prepares fs (OFF, nothing open: the initfs is served until http_fs_start). */
void http_fs_init(struct http_fs *fs, struct loop *l);

/* Puts init_ch on the loop and starts opening service/fs and its FS_DISK_MOUNT. */
void http_fs_start(struct http_fs *fs, handle_t init_ch);

/* Takes init_ch off the loop for a blocking call on it (a pending OPEN is dropped: resume sends it
 * again), and puts it back. */
void http_fs_pause(struct http_fs *fs);
void http_fs_resume(struct http_fs *fs);
