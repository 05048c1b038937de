/* http_server: serves the first disk's files through service/fs (else the embedded page and the initfs's www/) on TCP port 80. */
#include "conn.h"

#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/proto/tcpip.h>
#include <warp/tar.h>
#include <warp/user.h>

#define HTTP_INIT_CH 1 /* init's channel, handle 1 (docs/userspace.md) */
#define HTTP_LISTEN_URI TCPIP_LISTEN_PREFIX "0.0.0.0:80"
#define HTTP_RETRY_NS 20000000ull         /* between attempts to listen while tcpip restarts: 20 ms */
#define HTTP_MANIFEST "etc/init.manifest" /* its [http upload] section configures uploads */

static struct loop http_loop;
static struct http_server http_srv; /* large (the connections' buffers): in .bss, not on the stack */

/* Logs why we cannot go on and ends; init's restart policy decides what happens next. */
_Noreturn static void http_die(const char *what, long err)
{
    printf("http_server: %s: %s\n", what, err_str(err));
    warp_exit(1);
}

/* Logs a diagnostic about the manifest's [http upload] section (it never holds the token). */
static void http_upload_log(void *ctx, const char *msg)
{
    (void)ctx;
    printf("http_server: %s; uploads off\n", msg);
}

/* Reads the uploads' configuration from the manifest in the initfs (upload.h) and says what it is. */
static void http_upload_configure(const void *initfs, size_t initfs_size)
{
    struct tar_file f;
    struct http_upload_conf *u = &http_srv.upload;
    if (!initfs || tar_find(initfs, initfs_size, HTTP_MANIFEST, &f) < 0)
        return;
    http_upload_conf_parse(f.data, f.size, u, http_upload_log, NULL);
    if (u->enabled)
        printf(
            "http_server: PUT and DELETE under %s with the manifest's token, into %s (bodies up to %llu bytes)\n",
            u->prefix, u->dir, (unsigned long long)u->max_body);
}

/* Waits ns nanoseconds (on an event queue of its own that nothing will wake). */
static void http_pause(uint64_t ns)
{
    long eq = warp_eventq_create();
    struct warp_event ev;
    if (eq < 0)
        return;
    warp_eventq_wait((handle_t)eq, &ev, warp_clock() + ns);
    warp_handle_close((handle_t)eq);
}

/*
 * A listener on :80 through a fresh control channel of tcpip. init holds our OPEN while tcpip is
 * being (re)started; if tcpip dies again before we listen, we try again after HTTP_RETRY_NS. A
 * refusal that no retry can change (ERR_PERMISSION: the manifest does not let us) ends us.
 */
static handle_t http_connect(void)
{
    for (;;) {
        long tcpip = ipc_open_sync(HTTP_INIT_CH, TCPIP_URI);
        long listener = tcpip < 0 ? tcpip : ipc_open_sync((handle_t)tcpip, HTTP_LISTEN_URI);
        if (tcpip >= 0)
            warp_handle_close((handle_t)tcpip); /* the listener outlives its control channel */
        if (listener >= 0)
            return (handle_t)listener;
        if (listener == ERR_PERMISSION || listener == ERR_NOT_FOUND)
            http_die(tcpip < 0 ? TCPIP_URI : HTTP_LISTEN_URI, listener);
        printf("http_server: cannot listen yet (%s); retrying\n", err_str(listener));
        http_pause(HTTP_RETRY_NS);
    }
}

/*
 * Entry: connect to tcpip through init (which holds us until tcpip is up), find out whether service/fs
 * serves FS_DISK_MOUNT (the loop runs until that is decided, so the first request already knows what
 * is served), listen, serve; when tcpip goes away (it crashed or was restarted: our listener
 * closes), listen again on the new one. The blocking OPENs on init's channel need it off the loop.
 */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    if (!initfs)
        printf("http_server: no initfs (initfs = yes in the manifest?): only / is served\n");
    long r = loop_init(&http_loop);
    if (r < 0)
        http_die("loop_init", r);
    http_server_init(&http_srv, &http_loop, initfs, initfs_size);
    http_upload_configure(initfs, initfs_size);
    http_srv.fs.keep_session = http_srv.upload.enabled;
    handle_t listener = http_connect();
    http_fs_start(&http_srv.fs, HTTP_INIT_CH);
    while (http_srv.fs.state == HTTP_FS_CONNECTING) {
        r = loop_run_once(&http_loop);
        if (r < 0)
            http_die("loop_run_once", r);
    }
    for (bool again = false;; again = true) {
        if (again) {
            http_fs_pause(&http_srv.fs);
            listener = http_connect();
            http_fs_resume(&http_srv.fs);
        }
        r = http_server_listen(&http_srv, listener);
        if (r < 0)
            http_die("loop_add_channel", r);
        printf("http_server: listening on :80%s\n", again ? " again" : "");
        r = loop_run(&http_loop);
        if (!http_srv.listener_closed)
            http_die("loop_run", r);
        printf("http_server: the listener closed (tcpip restarting?); connecting again\n");
    }
}
