/* http_host.c: http_server's connection code on Linux, with a stand-in for tcpip over real sockets (host testing only). */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "servers/http_server/conn.h"
#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/proto/fs.h>

/*
 * Usage: http_host INITFS.tar PORT [DOCROOT]
 *
 * Serves what http_server serves (conn.c, http.c, the real event loop) on 127.0.0.1:PORT, so the
 * end-to-end checks (tests/e2e/case_http.py --port PORT) can run against it without QEMU. The loop's
 * system calls (struct loop_ops) are played here the way servers/tcpip behaves:
 *
 *   each accepted socket gets a handle and arrives on the listener as a one-way MSG_OPEN;
 *   READ   recv() into the call's buffer once the socket is readable: bytes, 0 at EOF, or an error
 *   WRITE  send() until every byte is taken, then the reply (tcpip answers when lwIP has them all)
 *   CLOSE  the reply, then close(): FIN, or RST when received bytes were never read, exactly like
 *          lwIP's tcp_close; then tcpip's end of the channel closes (pending calls fail,
 *          EV_PEER_CLOSED). With HTTP_HOST_HALF_CLOSE=1 in the environment, CLOSE is
 *          shutdown(SHUT_WR) instead and the channel stays open (the DRAINING path).
 *   closing a handle is close() too.
 *
 * Buffers are plain pointers here: a host process copies into its own memory.
 *
 * It stands in for init and service/fs too, so that conn.c's file serving runs as on Warp. Handle 1
 * is init's channel: OPEN "service/fs" gets a session when DOCROOT is given, ERR_NOT_FOUND
 * otherwise (the server then serves the initfs, as on an image without fs). On the session, OPEN
 * of FS_DISK_MOUNT (or a path under it) opens DOCROOT (or that path); on a directory node, OPEN of
 * a relative path opens it beneath that directory (openat2 RESOLVE_IN_ROOT: ".." stays inside and
 * symlinks resolve there, like fs's mounts), with fs's permission rule on the node opened: a file
 * needs S_IROTH, a directory S_IXOTH (the directories on the way are not checked here). OPEN
 * answers with the node, its struct fs_attr and up to bufs[1]'s length of the file's first bytes;
 * READ with the bytes at fs_io.offset (at most FS_IO_MAX); CLOSE and closing the handle close it.
 * SIGUSR1 plays an fs restart: every session and node closes (EV_PEER_CLOSED), and the next OPEN
 * through init gets a new session.
 */

#define HOST_EQ 0x7fff0000
#define HOST_HANDLES 4096
#define HOST_EVENTS 4096

enum host_kind {
    HOST_SOCKET, /* a TCP connection or the listener (tcpip's side) */
    HOST_INIT,   /* init's channel */
    HOST_FS,     /* an fs session (fd -1) or node (fd: the file or directory) */
};

/* One handle: a socket and its pending calls, or a channel of the init and fs stand-ins. */
struct host_sock {
    bool open; /* the handle exists */
    enum host_kind kind;
    bool dead; /* HOST_FS: the stand-in "restarted": sends fail with ERR_PEER_CLOSED */
    int fd;    /* -1 once tcpip's side closed it (after CLOSE) */
    uint64_t cookie;
    bool read_pending, write_pending;
    uint64_t read_id, write_id;
    uint8_t *read_buf;
    size_t read_len;
    const uint8_t *write_buf;
    size_t write_len, write_off;
};

static struct host_sock host_socks[HOST_HANDLES];
static int host_listen_fd = -1;
static handle_t host_listener; /* the listening socket's handle */
static bool host_half_close;
static const char *host_docroot; /* NULL: no service/fs */
static volatile sig_atomic_t host_fs_restart;
static struct warp_event host_events[HOST_EVENTS]; /* ready, not yet taken: a ring */
static unsigned host_ev_head, host_ev_count;

/* Queues an event for the loop. */
static void host_push(const struct warp_event *ev)
{
    if (host_ev_count == HOST_EVENTS) {
        fprintf(stderr, "http_host: event queue full\n");
        exit(1);
    }
    host_events[(host_ev_head + host_ev_count++) % HOST_EVENTS] = *ev;
}

/* Queues the reply to call_id (of type) on socket h. */
static void host_reply(handle_t h, uint32_t type, uint64_t call_id, int64_t status)
{
    struct warp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_REPLY;
    ev.handle = h;
    ev.cookie = host_socks[h].cookie;
    if (status < 0)
        msg_reply_error(&ev.u.msg, call_id, status);
    else
        msg_reply(&ev.u.msg, type, call_id, status);
    host_push(&ev);
}

/* Listener messages taken while it was off the loop: delivered again when it is back. */
static struct warp_event host_backlog[64];
static unsigned host_nbacklog;

static void host_backlog_push(const struct warp_event *ev)
{
    if (host_nbacklog == sizeof(host_backlog) / sizeof(host_backlog[0])) {
        fprintf(stderr, "http_host: listener backlog full\n");
        exit(1);
    }
    host_backlog[host_nbacklog++] = *ev;
}

static long host_add(handle_t eq, handle_t h, uint64_t cookie)
{
    if (eq != HOST_EQ || h <= 0 || h >= HOST_HANDLES)
        return ERR_BAD_HANDLE;
    host_socks[h].cookie = cookie;
    if (h == host_listener) {
        for (unsigned i = 0; i < host_nbacklog; i++)
            host_push(&host_backlog[i]);
        host_nbacklog = 0;
    }
    return 0;
}

static long host_remove(handle_t eq, handle_t h)
{
    if (eq != HOST_EQ || h <= 0 || h >= HOST_HANDLES || !host_socks[h].cookie)
        return ERR_NOT_FOUND;
    host_socks[h].cookie = 0;
    return 0;
}

/* tcpip's end goes away: the socket closes, pending calls fail, then EV_PEER_CLOSED. */
static void host_peer_close(handle_t h)
{
    struct host_sock *s = &host_socks[h];
    close(s->fd);
    s->fd = -1;
    if (s->read_pending)
        host_reply(h, MSG_READ, s->read_id, ERR_PEER_CLOSED);
    if (s->write_pending)
        host_reply(h, MSG_WRITE, s->write_id, ERR_PEER_CLOSED);
    s->read_pending = s->write_pending = false;
    struct warp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_PEER_CLOSED;
    ev.handle = h;
    ev.cookie = s->cookie;
    host_push(&ev);
}

static long host_fs_send(handle_t ch, const struct warp_msg *m);
static long host_init_send(handle_t ch, const struct warp_msg *m);

/* A call (or message) the server sends on socket ch. */
static long host_send(handle_t ch, const struct warp_msg *m)
{
    if (ch <= 0 || ch >= HOST_HANDLES || !host_socks[ch].open)
        return ERR_BAD_HANDLE;
    struct host_sock *s = &host_socks[ch];
    if (s->kind == HOST_INIT)
        return host_init_send(ch, m);
    if (s->kind == HOST_FS)
        return host_fs_send(ch, m);
    if (s->fd < 0)
        return ERR_PEER_CLOSED;
    if (!msg_is_call(m))
        return 0; /* replies to calls tcpip never makes */
    switch (m->type) {
    case MSG_READ:
        if (s->read_pending)
            return ERR_ALREADY_EXISTS; /* sent as ERROR by tcpip; the server never does this */
        s->read_pending = true;
        s->read_id = m->call_id;
        s->read_buf = (uint8_t *)(uintptr_t)m->bufs[0].addr;
        s->read_len = m->bufs[0].len;
        return 0;
    case MSG_WRITE:
        s->write_pending = true;
        s->write_id = m->call_id;
        s->write_buf = (const uint8_t *)(uintptr_t)m->bufs[0].addr;
        s->write_len = m->bufs[0].len;
        s->write_off = 0;
        return 0;
    case MSG_CLOSE:
        host_reply(ch, MSG_CLOSE, m->call_id, 0);
        if (host_half_close)
            shutdown(s->fd, SHUT_WR);
        else
            host_peer_close(ch);
        return 0;
    default: host_reply(ch, MSG_ERROR, m->call_id, ERR_NOT_SUPPORTED); return 0;
    }
}

/* Drops the queued events of h (its handle is gone). */
static void host_forget(handle_t h)
{
    for (unsigned i = 0; i < host_ev_count; i++) {
        struct warp_event *ev = &host_events[(host_ev_head + i) % HOST_EVENTS];
        if (ev->handle == h)
            ev->cookie = 0; /* the loop drops events whose cookie names no source */
    }
}

static long host_close(handle_t h)
{
    if (h <= 0 || h >= HOST_HANDLES || !host_socks[h].open)
        return ERR_BAD_HANDLE;
    if (host_socks[h].fd >= 0)
        close(host_socks[h].fd);
    memset(&host_socks[h], 0, sizeof(host_socks[h]));
    host_forget(h);
    return 0;
}

static uint64_t host_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A free handle, or 0. */
static handle_t host_new_handle(int fd)
{
    for (handle_t h = 1; h < HOST_HANDLES; h++) {
        if (!host_socks[h].open) {
            host_socks[h] = (struct host_sock){.open = true, .fd = fd};
            return h;
        }
    }
    return 0;
}

/* --- the init and service/fs stand-ins --- */

/* Queues a reply message (data, handles already in it) to call_id on h. */
static void host_reply_msg(handle_t h, struct warp_msg *m)
{
    struct warp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_REPLY;
    ev.handle = h;
    ev.cookie = host_socks[h].cookie;
    ev.u.msg = *m;
    host_push(&ev);
}

/* A new fs channel (session: fd -1; node: its open file), or 0. */
static handle_t host_fs_handle(int fd)
{
    handle_t h = host_new_handle(fd);
    if (h)
        host_socks[h].kind = HOST_FS;
    return h;
}

/* init's channel: OPEN "service/fs" is the only call it answers with something else than an error. */
static long host_init_send(handle_t ch, const struct warp_msg *m)
{
    char uri[MSG_DATA_MAX + 1];
    if (!msg_is_call(m))
        return 0;
    if (m->type != MSG_OPEN || msg_get_uri(m, uri, sizeof(uri)) < 0 || strcmp(uri, FS_URI) != 0 ||
        !host_docroot) {
        host_reply(ch, MSG_ERROR, m->call_id, ERR_NOT_FOUND);
        return 0;
    }
    handle_t session = host_fs_handle(-1);
    struct warp_msg r;
    if (!session) {
        host_reply(ch, MSG_ERROR, m->call_id, ERR_NO_RESOURCES);
        return 0;
    }
    msg_reply_open(&r, m->call_id, session);
    host_reply_msg(ch, &r);
    return 0;
}

/* The fs error for an errno of open or read. */
static long host_fs_errno(int e)
{
    switch (e) {
    case ENOENT:
    case EXDEV: return ERR_NOT_FOUND;
    case ENOTDIR: return ERR_NOT_DIR;
    case EISDIR: return ERR_IS_DIR;
    case EACCES:
    case EPERM: return ERR_PERMISSION;
    case ENAMETOOLONG: return ERR_NAME_TOO_LONG;
    case ELOOP: return ERR_LOOP;
    case EMFILE:
    case ENFILE: return ERR_NO_RESOURCES;
    default: return ERR_IO;
    }
}

/* Opens path beneath directory fd dir (or DOCROOT for dir < 0) as fs would; the fd or an ERR_*. */
static long host_fs_openat(int dir, const char *path, struct stat *st)
{
    int root = dir;
    if (dir < 0 && (root = open(host_docroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return host_fs_errno(errno);
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof(how));
    int e = errno;
    if (dir < 0)
        close(root);
    if (fd < 0)
        return host_fs_errno(e);
    bool ok = fstat(fd, st) == 0;
    bool dir_node = ok && S_ISDIR(st->st_mode);
    if (!ok || (!S_ISREG(st->st_mode) && !dir_node)) {
        close(fd);
        return ok ? ERR_NOT_FOUND : ERR_IO;
    }
    if (!(st->st_mode & (dir_node ? S_IXOTH : S_IROTH))) {
        close(fd);
        return ERR_PERMISSION;
    }
    return fd;
}

/* OPEN on a session (absolute: FS_DISK_MOUNT or beneath it) or a directory node (relative). */
static void host_fs_open(handle_t ch, const struct warp_msg *m)
{
    struct host_sock *s = &host_socks[ch];
    struct fs_open o;
    char path[FS_PATH_MAX + 1];
    if (m->data_len < sizeof(o) || m->nbufs < 1) {
        host_reply(ch, MSG_ERROR, m->call_id, ERR_INVALID_ARG);
        return;
    }
    memcpy(&o, m->data, sizeof(o));
    if (o.path_len == 0 || o.path_len > FS_PATH_MAX || o.path_len > m->bufs[0].len) {
        host_reply(ch, MSG_ERROR, m->call_id, o.path_len > FS_PATH_MAX ? ERR_NAME_TOO_LONG : ERR_INVALID_ARG);
        return;
    }
    memcpy(path, (const void *)(uintptr_t)m->bufs[0].addr, o.path_len);
    path[o.path_len] = '\0';
    const char *rel = path;
    int dir = s->fd;
    if (path[0] == '/' || s->fd < 0) { /* from the top of the tree: only FS_DISK_MOUNT is in it */
        size_t n = strlen(FS_DISK_MOUNT);
        if (strncmp(path, FS_DISK_MOUNT, n) != 0 || (path[n] != '/' && path[n] != '\0')) {
            host_reply(ch, MSG_ERROR, m->call_id, ERR_NOT_FOUND);
            return;
        }
        rel = path + n + (path[n] == '/');
        dir = -1;
    }
    struct stat st;
    long fd = host_fs_openat(dir, rel, &st);
    if (fd >= 0 && (o.flags & FS_O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
        close((int)fd);
        fd = ERR_NOT_DIR;
    }
    handle_t node = fd >= 0 ? host_fs_handle((int)fd) : 0;
    if (fd >= 0 && !node) {
        close((int)fd);
        fd = ERR_NO_RESOURCES;
    }
    if (fd < 0) {
        host_reply(ch, MSG_ERROR, m->call_id, fd);
        return;
    }
    ssize_t pre = 0;
    if (m->nbufs >= 2 && S_ISREG(st.st_mode)) {
        size_t len = m->bufs[1].len < FS_IO_MAX ? m->bufs[1].len : FS_IO_MAX;
        pre = pread((int)fd, (void *)(uintptr_t)m->bufs[1].addr, len, 0);
        if (pre < 0)
            pre = 0;
    }
    struct fs_attr a = {
        .ino = st.st_ino,
        .size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0,
        .mtime = st.st_mtim.tv_sec,
        .mtime_nsec = (uint32_t)st.st_mtim.tv_nsec,
        .mode = st.st_mode,
        .type = S_ISDIR(st.st_mode) ? FS_TYPE_DIR : FS_TYPE_FILE,
        .mount = 1,
    };
    struct warp_msg r;
    msg_reply(&r, MSG_OPEN, m->call_id, pre);
    msg_set_data(&r, &a, sizeof(a));
    msg_add_handle(&r, node);
    host_reply_msg(ch, &r);
}

/* READ on a node: the bytes at fs_io.offset. */
static void host_fs_read(handle_t ch, const struct warp_msg *m)
{
    struct fs_io io;
    struct stat st;
    int fd = host_socks[ch].fd;
    if (m->data_len < sizeof(io) || m->nbufs < 1 || fd < 0) {
        host_reply(ch, MSG_ERROR, m->call_id, ERR_INVALID_ARG);
        return;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        host_reply(ch, MSG_ERROR, m->call_id, ERR_IS_DIR);
        return;
    }
    memcpy(&io, m->data, sizeof(io));
    size_t len = m->bufs[0].len < FS_IO_MAX ? m->bufs[0].len : FS_IO_MAX;
    ssize_t n = pread(fd, (void *)(uintptr_t)m->bufs[0].addr, len, (off_t)io.offset);
    host_reply(ch, MSG_READ, m->call_id, n < 0 ? host_fs_errno(errno) : n);
}

/* A call on an fs session or node. */
static long host_fs_send(handle_t ch, const struct warp_msg *m)
{
    struct host_sock *s = &host_socks[ch];
    if (s->dead)
        return ERR_PEER_CLOSED;
    if (!msg_is_call(m))
        return 0;
    switch (m->type) {
    case MSG_OPEN:
        if (s->fd >= 0) { /* a node: only a directory opens further */
            struct stat st;
            if (fstat(s->fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
                host_reply(ch, MSG_ERROR, m->call_id, ERR_NOT_DIR);
                return 0;
            }
        }
        host_fs_open(ch, m);
        return 0;
    case MSG_READ: host_fs_read(ch, m); return 0;
    case MSG_CLOSE: host_reply(ch, MSG_CLOSE, m->call_id, 0); return 0;
    default: host_reply(ch, MSG_ERROR, m->call_id, ERR_NOT_SUPPORTED); return 0;
    }
}

/* SIGUSR1: fs "restarts": its every channel closes (the server's handles stay until it closes them). */
static void host_fs_kill(void)
{
    for (handle_t h = 1; h < HOST_HANDLES; h++) {
        struct host_sock *s = &host_socks[h];
        if (!s->open || s->kind != HOST_FS || s->dead)
            continue;
        s->dead = true;
        if (s->fd >= 0)
            close(s->fd);
        s->fd = -1;
        struct warp_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = EV_PEER_CLOSED;
        ev.handle = h;
        ev.cookie = s->cookie;
        host_push(&ev);
    }
}

static void host_on_sigusr1(int sig)
{
    (void)sig;
    host_fs_restart = 1;
}

/* Accepts every waiting connection; each becomes a MSG_OPEN on the listener. */
static void host_accept(void)
{
    for (;;) {
        int fd = accept4(host_listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        handle_t h = host_new_handle(fd);
        if (!h) {
            close(fd);
            continue;
        }
        struct warp_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = EV_MESSAGE;
        ev.handle = host_listener;
        ev.cookie = host_socks[host_listener].cookie;
        msg_init(&ev.u.msg, MSG_OPEN, 0);
        msg_add_handle(&ev.u.msg, h);
        host_push(&ev);
    }
}

/* Socket h is readable (or hung up) with a READ pending. */
static void host_do_read(handle_t h)
{
    struct host_sock *s = &host_socks[h];
    ssize_t n = recv(s->fd, s->read_buf, s->read_len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    s->read_pending = false;
    host_reply(h, MSG_READ, s->read_id, n < 0 ? ERR_PEER_CLOSED : n);
}

/* Socket h is writable with a WRITE pending. */
static void host_do_write(handle_t h)
{
    struct host_sock *s = &host_socks[h];
    while (s->write_off < s->write_len) {
        ssize_t n = send(s->fd, s->write_buf + s->write_off, s->write_len - s->write_off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n < 0) {
            s->write_pending = false;
            host_reply(h, MSG_WRITE, s->write_id, ERR_PEER_CLOSED);
            return;
        }
        s->write_off += (size_t)n;
    }
    s->write_pending = false;
    host_reply(h, MSG_WRITE, s->write_id, (int64_t)s->write_len);
}

/* Polls the sockets that wait for something until one is ready or the deadline passes. */
static void host_poll(uint64_t deadline)
{
    static struct pollfd fds[HOST_HANDLES];
    static handle_t owner[HOST_HANDLES];
    nfds_t n = 0;
    /* A listener off the loop (paused) leaves connections waiting, as the channel queue would. */
    if (host_socks[host_listener].cookie) {
        fds[n] = (struct pollfd){.fd = host_listen_fd, .events = POLLIN};
        owner[n++] = host_listener;
    }
    for (handle_t h = 1; h < HOST_HANDLES; h++) {
        struct host_sock *s = &host_socks[h];
        if (h == host_listener || !s->open || s->kind != HOST_SOCKET || s->fd < 0 ||
            !(s->read_pending || s->write_pending))
            continue;
        fds[n] = (struct pollfd){
            .fd = s->fd,
            .events = (short)((s->read_pending ? POLLIN : 0) | (s->write_pending ? POLLOUT : 0))};
        owner[n++] = h;
    }
    int timeout = -1;
    if (deadline != DEADLINE_FOREVER) {
        uint64_t now = host_clock();
        timeout = deadline <= now ? 0 : (int)((deadline - now + 999999) / 1000000);
    }
    if (poll(fds, n, timeout) <= 0)
        return;
    for (nfds_t i = 0; i < n; i++) {
        handle_t h = owner[i];
        if (!fds[i].revents)
            continue;
        if (h == host_listener) {
            host_accept();
            continue;
        }
        if (host_socks[h].read_pending && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            host_do_read(h);
        if (host_socks[h].write_pending && (fds[i].revents & (POLLOUT | POLLHUP | POLLERR)))
            host_do_write(h);
    }
}

static long host_wait(handle_t eq, struct warp_event *out, uint64_t deadline)
{
    if (eq != HOST_EQ)
        return ERR_BAD_HANDLE;
    while (host_ev_count == 0) {
        if (host_fs_restart) {
            host_fs_restart = 0;
            host_fs_kill();
            continue;
        }
        host_poll(deadline);
        if (host_ev_count == 0 && deadline != DEADLINE_FOREVER && host_clock() >= deadline)
            return ERR_TIMED_OUT;
    }
    *out = host_events[host_ev_head];
    host_ev_head = (host_ev_head + 1) % HOST_EVENTS;
    host_ev_count--;
    if (out->handle == host_listener) {
        /* The kernel keeps a message queued while its channel is off the event queue. */
        if (!host_socks[host_listener].cookie) {
            host_backlog_push(out);
            return host_wait(eq, out, deadline);
        }
        out->cookie = host_socks[host_listener].cookie;
    }
    return 0;
}

static const struct loop_ops host_ops = {
    .eventq_add = host_add,
    .eventq_remove = host_remove,
    .eventq_wait = host_wait,
    .channel_send = host_send,
    .handle_close = host_close,
    .clock = host_clock,
};

/* Reads a whole file into memory. */
static void *host_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc(len > 0 ? (size_t)len : 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    *size = (size_t)len;
    return buf;
}

static struct loop host_loop;
static struct http_server host_srv;

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s INITFS.tar PORT [DOCROOT]\n", argv[0]);
        return 2;
    }
    host_docroot = argc == 4 ? argv[3] : NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    size_t size;
    void *initfs = host_read_file(argv[1], &size);
    if (!initfs) {
        perror(argv[1]);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = host_on_sigusr1}; /* no SA_RESTART: poll returns */
    sigaction(SIGUSR1, &sa, NULL);
    host_listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(host_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)atoi(argv[2])),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (host_listen_fd < 0 || bind(host_listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(host_listen_fd, 512) < 0) {
        perror("listen");
        return 1;
    }
    const char *half = getenv("HTTP_HOST_HALF_CLOSE");
    host_half_close = half && strcmp(half, "1") == 0;
    handle_t init = host_new_handle(-1);
    host_socks[init].kind = HOST_INIT;
    host_listener = host_new_handle(host_listen_fd);
    loop_init_ops(&host_loop, HOST_EQ, &host_ops);
    http_server_init(&host_srv, &host_loop, initfs, size);
    http_fs_start(&host_srv.fs, init); /* as main.c does: decided before the first request */
    while (host_srv.fs.state == HTTP_FS_CONNECTING)
        if (loop_run_once(&host_loop) < 0)
            return 1;
    if (http_server_listen(&host_srv, host_listener) < 0)
        return 1;
    printf("http_server: listening on :%s (host stand-in, CLOSE %s)\n", argv[2],
           host_half_close ? "half-closes" : "closes like tcpip");
    fflush(stdout);
    long r = loop_run(&host_loop);
    fprintf(stderr, "http_host: loop_run: %s\n", err_str(r));
    return 1;
}
