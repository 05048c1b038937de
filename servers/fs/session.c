/* session.c: service/fs sessions and node channels: OPEN, READ, WRITE, GETATTR, SETATTR, CLOSE (session.h). */
#include "session.h"
#include "names.h"
#include "pgfs.h"

#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/service.h>
#include <warp/sessions.h>
#include <warp/string.h>
#include <warp/user.h>

/*
 * A session is the channel init handed over; each OPEN through it (or through a directory node)
 * makes a node channel, a channel pair whose server end sits in the loop with a struct fs_node.
 * Node channels belong to the client that opened them and count against its FS_NODES_PER_CLIENT,
 * so a client cannot fill our handle table (which would stop the loop). Every call is checked
 * before anything happens: a malformed one gets an ERROR reply, and the server goes on.
 *
 * Data moves through one bounce buffer of FS_IO_MAX bytes: SYS_CALL_READ from a WRITE's buffer,
 * SYS_CALL_WRITE into a READ's, one copy per call.
 */

/* A session: its client and its place in the counts. */
struct fs_session {
    char client[GRANT_NAME_MAX + 1];
    long slot;
};

/* An opened node. */
struct fs_node {
    struct vfs_node vn;
    uint32_t flags; /* FS_O_* it was opened with */
    bool dir;
    long slot; /* in node_counts */
    char client[GRANT_NAME_MAX + 1];
};

struct session_stats session_stats;

static struct vfs *session_vfs;
static int (*session_stats_text)(char *buf, size_t size);
static struct sessions session_counts, node_counts;
static uint8_t session_bounce[FS_IO_MAX];
static char session_path[FS_PATH_MAX];

/*
 * A call whose answer waits for the persistent mount (pgfs): its message is kept, and when pgfs calls
 * back the call is done again (an OPEN that had the database make its node, a READ or WRITE whose
 * chunks had to be read first) or answered with pgfs's result (a sync, a change of names, a CLOSE
 * that syncs). A node or session that goes drops its parked calls (pgfs_forget).
 */
struct session_park {
    struct session_park *next;
    struct loop *l;
    handle_t ch;
    struct warp_msg m;
    struct fs_node *n; /* the node it came on (NULL: a session) */
    char client[GRANT_NAME_MAX + 1];
    uint32_t extra; /* the OPEN done again: VFS_O_MADE */
    bool answer;    /* pgfs's result is the answer */
    bool close;     /* a CLOSE: the node goes after the answer */
    bool names;     /* a change of names (counted in the stats) */
};

static struct session_park *session_parks;
static struct pgfs *session_pg;

static void node_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx);
static void node_on_closed(struct loop *l, handle_t ch, void *ctx);
static void node_read(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *n);
static void node_write(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *n);
static void node_free(struct loop *l, handle_t ch, struct fs_node *n);
static void session_open_as(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *dir,
                            const char *client, uint32_t extra);
static long session_ask_names(struct session_park *p, void *arg);

static const struct loop_channel_handlers node_handlers = {
    .on_message = node_on_message,
    .on_peer_closed = node_on_closed,
};

/* Sets up the counts; see session.h. */
void session_init(struct vfs *v, int (*stats_fn)(char *buf, size_t size))
{
    session_vfs = v;
    session_stats_text = stats_fn;
    sessions_init(&session_counts, FS_SESSIONS_MAX, FS_SESSIONS_PER_CLIENT);
    sessions_init(&node_counts, FS_NODES_MAX, FS_NODES_PER_CLIENT);
}

/* Replies ERROR(err) and counts it. */
static void session_error(struct loop *l, handle_t ch, const struct warp_msg *m, long err)
{
    session_stats.errors++;
    service_reply_error(l, ch, m, err);
}

/* The persistent mount's; see session.h. */
void session_set_pg(struct pgfs *pg)
{
    session_pg = pg;
}

/* Whether vfs node vn lies in the persistent mount. */
static bool session_in_pg(const struct vfs_node *vn)
{
    return session_pg && session_vfs->mounts[vn->mount].kind == VFS_PG;
}

/* Parks call m on ch (node n, or a session of client): the record, or NULL without memory. */
static struct session_park *session_park(struct loop *l, handle_t ch, const struct warp_msg *m,
                                         struct fs_node *n, const char *client)
{
    struct session_park *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    *p = (struct session_park){.next = session_parks, .l = l, .ch = ch, .m = *m, .n = n};
    memcpy(p->client, client, strnlen(client, GRANT_NAME_MAX) + 1);
    session_parks = p;
    return p;
}

/* Takes p out of the parked calls and frees it. */
static void session_unpark(struct session_park *p)
{
    for (struct session_park **pp = &session_parks; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    free(p);
}

/* Drops the parked calls of node n, or (n NULL) of the session on ch: pgfs forgets them. */
static void session_forget(const struct fs_node *n, handle_t ch)
{
    for (struct session_park **pp = &session_parks; *pp;) {
        struct session_park *p = *pp;
        if (n ? p->n != n : (p->n || p->ch != ch)) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        pgfs_forget(session_pg, p);
        free(p);
    }
}

/* pgfs called back for parked call ctx: it is answered, or done again. */
static void session_on_pg(void *ctx, long result)
{
    struct session_park *p = ctx;
    struct loop *l = p->l;
    handle_t ch = p->ch;
    struct warp_msg m = p->m;
    struct fs_node *n = p->n;
    uint32_t extra = p->extra;
    bool answer = p->answer, close = p->close, ask_names = p->names;
    char client[GRANT_NAME_MAX + 1];
    memcpy(client, p->client, sizeof(client));
    session_unpark(p);
    if (result < 0) {
        session_error(l, ch, &m, result);
    } else if (answer) {
        session_stats.names += m.type == MSG_SETATTR && ask_names;
        service_reply_status(l, ch, &m, 0);
        if (close)
            node_free(l, ch, n);
    } else if (m.type == MSG_OPEN) {
        session_open_as(l, ch, &m, n, client, extra);
    } else if (m.type == MSG_READ) {
        node_read(l, ch, &m, n);
    } else {
        node_write(l, ch, &m, n);
    }
}

/* Asks pgfs through fn for parked call p: true if the call now waits (parked), false if it may go
 * on at once (*err 0) or must be answered with *err. */
static bool session_wait_pg(struct session_park *p, long r, long *err)
{
    if (r == PGFS_PENDING)
        return true;
    session_unpark(p);
    *err = r;
    return false;
}

/* READ or WRITE of [off, off + len) on a persistent-mount file: true if it waits for its chunks
 * (parked), else *err: 0 to go on, or the error to answer. */
static bool session_pg_ready(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *n,
                             uint64_t off, size_t len, bool for_write, long *err)
{
    *err = 0;
    if (!session_in_pg(&n->vn) || n->dir)
        return false;
    struct session_park *p = session_park(l, ch, m, n, n->client);
    if (!p) {
        *err = ERR_NO_RESOURCES;
        return false;
    }
    long r = pgfs_ready(session_pg, n->vn.tn, off, len, for_write, session_on_pg, p);
    return session_wait_pg(p, r, err);
}

/* An answer that is pgfs's result (a sync, a change of names, a CLOSE that syncs): parks m and asks
 * ask; answers now if pgfs needs no wait. */
static void session_pg_answer(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *n,
                              const char *client, bool close, long (*ask)(struct session_park *p, void *arg),
                              void *arg)
{
    long err = 0;
    struct session_park *p = session_park(l, ch, m, n, client);
    if (!p) {
        session_error(l, ch, m, ERR_NO_RESOURCES);
        return;
    }
    bool names = ask == session_ask_names;
    p->answer = true;
    p->close = close;
    p->names = names;
    if (session_wait_pg(p, ask(p, arg), &err))
        return;
    if (err < 0) {
        session_error(l, ch, m, err);
        return;
    }
    session_stats.names += names;
    service_reply_status(l, ch, m, 0);
    if (close)
        node_free(l, ch, n);
}

/* Asks pgfs for the change of names v->pending stands for. */
static long session_ask_names(struct session_park *p, void *arg)
{
    const struct vfs_pending *q = arg;
    switch (q->what) {
    case VFS_PEND_REMOVE:
        return pgfs_remove(session_pg, q->dir, q->name, q->len, q->dir_wanted, session_on_pg, p);
    case VFS_PEND_RENAME:
        return pgfs_rename(session_pg, q->dir, q->name, q->len, q->dir2, q->name2, q->len2, q->replace,
                           session_on_pg, p);
    default: return ERR_INVALID_ARG;
    }
}

/* Asks pgfs to commit node arg. */
static long session_ask_sync(struct session_park *p, void *arg)
{
    struct fs_node *n = arg;
    return pgfs_sync(session_pg, n->vn.tn, session_on_pg, p);
}

/* Copies the prefetch of a file just opened into bufs[1]: the bytes copied, or an error. A
 * persistent-mount file's only when its first chunks are cached (no OPEN waits for them). */
static long session_prefetch(handle_t ch, const struct warp_msg *m, const struct fs_node *n, long cap)
{
    if (cap <= 0 || n->dir || !(n->flags & FS_O_READ))
        return 0;
    size_t len = (size_t)cap < FS_IO_MAX ? (size_t)cap : FS_IO_MAX;
    if (session_in_pg(&n->vn) && !pgfs_cached(session_pg, n->vn.tn, 0, len))
        return 0;
    int64_t r = vfs_read(session_vfs, &n->vn, 0, session_bounce, len);
    if (r <= 0)
        return (long)r;
    long w = warp_call_write(ch, m->call_id, 1, 0, session_bounce, (size_t)r);
    return w < 0 ? w : (long)r;
}

/* Reads and checks OPEN's arguments: the struct fs_open, the path into session_path, bufs[1]'s
 * length (0 without one). 0 or the error to answer. */
static long session_open_args(handle_t ch, const struct warp_msg *m, struct fs_open *o, long *prefetch)
{
    if (m->data_len != sizeof(*o))
        return ERR_INVALID_ARG;
    memcpy(o, m->data, sizeof(*o));
    if (o->pad != 0 || o->path_len == 0 || m->nbufs > 2)
        return ERR_INVALID_ARG;
    if (o->path_len > FS_PATH_MAX)
        return ERR_NAME_TOO_LONG;
    long len = msg_get_buf(m, 0, BUF_READ);
    if (len < 0)
        return len;
    if ((uint64_t)len < o->path_len)
        return ERR_INVALID_ARG;
    *prefetch = 0;
    if (m->nbufs == 2) {
        *prefetch = msg_get_buf(m, 1, BUF_WRITE);
        if (*prefetch < 0)
            return *prefetch;
    }
    long r = warp_call_read(ch, m->call_id, 0, 0, session_path, o->path_len);
    if (r < 0)
        return r;
    return r == (long)o->path_len ? 0 : ERR_BAD_ADDRESS;
}

/* Sends OPEN's reply: the node channel's client end and the node's attributes. */
static void session_open_reply(struct loop *l, handle_t ch, const struct warp_msg *m, handle_t end,
                               long count, const struct fs_attr *a)
{
    struct warp_msg reply;
    msg_reply(&reply, MSG_OPEN, m->call_id, count);
    msg_add_handle(&reply, end);
    msg_set_data(&reply, a, sizeof(*a));
    service_send(l, ch, &reply); /* if the client left, end is closed and the node sees that */
}

/* Makes node n's channel pair, its server end in the loop: the client end, or an error. */
static long session_node_channel(struct loop *l, struct fs_node *n)
{
    handle_t pair[2];
    long r = warp_channel_create(pair);
    if (r < 0)
        return r;
    r = loop_add_channel(l, pair[0], &node_handlers, n);
    if (r < 0) {
        warp_handle_close(pair[0]);
        warp_handle_close(pair[1]);
        return r;
    }
    return pair[1];
}

/* A create in the persistent mount: the database makes the node, then the OPEN is done again
 * (VFS_O_MADE). True if it waits (parked); else *err is the error to answer. */
static bool session_pg_create(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *dir,
                              const char *client, long *err)
{
    struct session_park *p = session_park(l, ch, m, dir, client);
    if (!p) {
        *err = ERR_NO_RESOURCES;
        return false;
    }
    p->extra = VFS_O_MADE;
    const struct vfs_pending *q = &session_vfs->pending;
    long r = pgfs_create(session_pg, q->dir, q->name, q->len, q->type, q->mode, session_on_pg, p);
    return session_wait_pg(p, r, err);
}

/* OPEN on a session (dir NULL) or on directory node dir of client. */
static void session_open(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *dir,
                         const char *client)
{
    session_open_as(l, ch, m, dir, client, 0);
}

/* OPEN, with extra vfs flags (VFS_O_MADE when done again after a persistent-mount create). */
static void session_open_as(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *dir,
                            const char *client, uint32_t extra)
{
    const struct vfs_node *base = dir ? &dir->vn : NULL;
    struct fs_open o;
    struct fs_attr a;
    long prefetch;
    long r = session_open_args(ch, m, &o, &prefetch);
    struct fs_node *n = r < 0 ? NULL : malloc(sizeof(*n));
    if (r == 0 && !n)
        r = ERR_NO_RESOURCES;
    if (r == 0)
        r = n->slot = sessions_take(&node_counts, client);
    if (r >= 0)
        r = vfs_open(session_vfs, base, session_path, o.path_len, o.flags | extra, o.mode, &n->vn, &a);
    bool opened = r >= 0;
    if (r == ERR_WOULD_BLOCK && session_pg && session_vfs->pending.what == VFS_PEND_CREATE) {
        sessions_put(&node_counts, n->slot);
        free(n);
        if (session_pg_create(l, ch, m, dir, client, &r))
            return;
        session_error(l, ch, m, r == ERR_NO_MEMORY ? ERR_NO_RESOURCES : r);
        return;
    }
    if (opened && (o.flags & FS_O_TRUNC) && !extra && session_in_pg(&n->vn))
        pgfs_truncated(session_pg, n->vn.tn);
    long count = 0, end = 0;
    if (r >= 0) {
        n->flags = o.flags;
        n->dir = a.type == FS_TYPE_DIR;
        memcpy(n->client, client, strnlen(client, GRANT_NAME_MAX) + 1);
        r = count = session_prefetch(ch, m, n, prefetch);
    }
    if (r >= 0)
        r = end = session_node_channel(l, n);
    if (r < 0) {
        if (opened)
            vfs_close(session_vfs, &n->vn);
        if (n && n->slot >= 0)
            sessions_put(&node_counts, n->slot);
        free(n);
        session_error(l, ch, m, r == ERR_NO_MEMORY ? ERR_NO_RESOURCES : r);
        return;
    }
    session_stats.opens++;
    session_stats.nodes++;
    session_open_reply(l, ch, m, (handle_t)end, count, &a);
}

/* Replies to GETATTR m with text. */
static void session_reply_text(struct loop *l, handle_t ch, const struct warp_msg *m, const char *text)
{
    struct warp_msg reply;
    if (msg_reply_text(&reply, MSG_GETATTR, m->call_id, text) < 0)
        session_error(l, ch, m, ERR_TOO_LARGE);
    else
        service_send(l, ch, &reply);
}

/* GETATTR on a session: "stats". */
static void session_getattr(struct loop *l, handle_t ch, const struct warp_msg *m)
{
    char name[MSG_DATA_MAX + 1], text[256];
    int r = msg_get_attr_name(m, name, sizeof(name));
    if (r < 0) {
        session_error(l, ch, m, r);
        return;
    }
    if (strcmp(name, FS_ATTR_PG_STATS) == 0 && session_pg) {
        pgfs_stats(session_pg, text, sizeof(text));
    } else if (strcmp(name, FS_ATTR_STATS) == 0) {
        session_stats_text(text, sizeof(text));
    } else {
        session_error(l, ch, m, ERR_NOT_FOUND);
        return;
    }
    text[MSG_DATA_MAX] = '\0'; /* the stats line has all of it */
    session_reply_text(l, ch, m, text);
}

/* SETATTR of a name call (names.h) on a session (dir NULL) of client or on directory node dir; in the
 * persistent mount the database changes first (the answer waits). */
static void session_names(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *dir,
                          const char *client, const char *name, const char *value)
{
    int r = names_call(session_vfs, ch, m, dir ? &dir->vn : NULL, name, value);
    if (r == ERR_WOULD_BLOCK && session_pg) {
        struct vfs_pending q = session_vfs->pending;
        session_pg_answer(l, ch, m, dir, client, false, session_ask_names, &q);
        return;
    }
    if (r < 0) {
        session_error(l, ch, m, r);
        return;
    }
    session_stats.names++;
    service_reply_status(l, ch, m, 0);
}

/* SETATTR on a session of client: the name calls. */
static void session_setattr(struct loop *l, handle_t ch, const struct warp_msg *m, const char *client)
{
    char name[MSG_DATA_MAX + 1], value[MSG_DATA_MAX + 1];
    int r = msg_get_setattr(m, name, sizeof(name), value, sizeof(value));
    if (r >= 0 && !names_is_call(name))
        r = ERR_NOT_FOUND;
    if (r < 0)
        session_error(l, ch, m, r);
    else
        session_names(l, ch, m, NULL, client, name, value);
}

/* Ends session s on ch. */
static void session_end(struct loop *l, handle_t ch, struct fs_session *s)
{
    session_forget(NULL, ch);
    loop_close(l, ch);
    sessions_put(&session_counts, s->slot);
    free(s);
    session_stats.sessions--;
}

/* A call on a session. */
static void session_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct fs_session *s = ctx;
    service_drop_handles(l, m); /* no request here carries handles */
    if (!msg_is_call(m))
        return;
    switch (m->type) {
    case MSG_OPEN: session_open(l, ch, m, NULL, s->client); break;
    case MSG_GETATTR: session_getattr(l, ch, m); break;
    case MSG_SETATTR: session_setattr(l, ch, m, s->client); break;
    case MSG_CLOSE:
        service_reply_status(l, ch, m, 0);
        session_end(l, ch, s);
        break;
    default: session_error(l, ch, m, ERR_NOT_SUPPORTED); break;
    }
}

/* The client closed its session. */
static void session_on_closed(struct loop *l, handle_t ch, void *ctx)
{
    session_end(l, ch, ctx);
}

static const struct loop_channel_handlers session_handlers = {
    .on_message = session_on_message,
    .on_peer_closed = session_on_closed,
};

/* A new session, handed over by init; refused past the client's or everyone's cap. */
void session_accept(struct loop *l, handle_t ch, void *ctx)
{
    (void)ctx;
    const char *client = service_grant()->client;
    struct fs_session *s = malloc(sizeof(*s));
    long r = s ? sessions_take(&session_counts, client) : ERR_NO_RESOURCES;
    if (r >= 0) {
        s->slot = r;
        memcpy(s->client, client, strnlen(client, GRANT_NAME_MAX) + 1);
        r = loop_add_channel(l, ch, &session_handlers, s);
        if (r < 0)
            sessions_put(&session_counts, s->slot);
    }
    if (r < 0) {
        printf("fs: session of '%s' refused: %s\n", client, err_str(r));
        free(s);
        service_refuse(l, ch, r == ERR_NO_MEMORY ? ERR_NO_RESOURCES : r);
        return;
    }
    session_stats.sessions++;
}

/* Reads the struct fs_io of a READ or WRITE: its offset, or ERR_INVALID_ARG (a bad length, an
 * offset past INT64_MAX: a negative one as the client sees it). */
static int64_t node_offset(const struct warp_msg *m)
{
    struct fs_io io;
    if (m->data_len != sizeof(io))
        return ERR_INVALID_ARG;
    memcpy(&io, m->data, sizeof(io));
    return io.offset > (uint64_t)INT64_MAX ? ERR_INVALID_ARG : (int64_t)io.offset;
}

/* READ: file bytes or directory records into bufs[0], through the bounce buffer. */
static void node_read(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *n)
{
    int64_t off = node_offset(m);
    long cap = off < 0 ? (long)off : msg_get_buf(m, 0, BUF_WRITE);
    int64_t r = cap < 0 ? cap : !(n->flags & FS_O_READ) ? ERR_PERMISSION : 0;
    size_t len = r == 0 && (size_t)cap < FS_IO_MAX ? (size_t)cap : FS_IO_MAX;
    long e;
    if (r == 0 && session_pg_ready(l, ch, m, n, (uint64_t)off, len, false, &e))
        return; /* its chunks are being read: done again then */
    if (r == 0 && e < 0)
        r = e;
    if (r == 0)
        r = n->dir ? vfs_readdir(session_vfs, &n->vn, (uint64_t)off, session_bounce, len)
                   : vfs_read(session_vfs, &n->vn, (uint64_t)off, session_bounce, len);
    if (r > 0) {
        long w = warp_call_write(ch, m->call_id, 0, 0, session_bounce, (size_t)r);
        if (w < 0)
            r = w;
    }
    if (r < 0) {
        session_error(l, ch, m, (long)r);
        return;
    }
    session_stats.reads++;
    service_reply_status(l, ch, m, r);
}

/* WRITE: bytes from bufs[0] into a tmpfs file opened for writing. */
static void node_write(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *n)
{
    int64_t off = node_offset(m);
    long cap = off < 0 ? (long)off : msg_get_buf(m, 0, BUF_READ);
    int64_t r = cap < 0 ? cap : n->dir ? ERR_IS_DIR : !(n->flags & FS_O_WRITE) ? ERR_PERMISSION : 0;
    size_t len = r == 0 && (size_t)cap < FS_IO_MAX ? (size_t)cap : FS_IO_MAX;
    long e;
    if (r == 0 && session_pg_ready(l, ch, m, n, (uint64_t)off, len, true, &e))
        return; /* the chunks it covers in part are being read: done again then */
    if (r == 0 && e < 0)
        r = e;
    if (r == 0 && len > 0) {
        long got = warp_call_read(ch, m->call_id, 0, 0, session_bounce, len);
        r = got < 0 ? got : got != (long)len ? ERR_BAD_ADDRESS : 0;
    }
    if (r == 0)
        r = vfs_write(session_vfs, &n->vn, (uint64_t)off, session_bounce, len);
    if (r > 0 && session_in_pg(&n->vn))
        pgfs_wrote(session_pg, n->vn.tn, (uint64_t)off, (uint64_t)r);
    if (r < 0) {
        session_error(l, ch, m, (long)r);
        return;
    }
    session_stats.writes++;
    service_reply_status(l, ch, m, r);
}

/* GETATTR on a node: "attr". */
static void node_getattr(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *n)
{
    char name[MSG_DATA_MAX + 1];
    struct fs_attr a;
    int r = msg_get_attr_name(m, name, sizeof(name));
    if (r >= 0)
        r = strcmp(name, FS_ATTR_NODE) == 0 ? vfs_getattr(session_vfs, &n->vn, &a) : ERR_NOT_FOUND;
    struct warp_msg reply;
    if (r == 0)
        r = msg_reply_data(&reply, MSG_GETATTR, m->call_id, &a, sizeof(a));
    if (r < 0)
        session_error(l, ch, m, r);
    else
        service_send(l, ch, &reply);
}

/* Parses a decimal size (digits only, no overflow): 0 or ERR_INVALID_ARG. */
static int node_parse_size(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return ERR_INVALID_ARG;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return ERR_INVALID_ARG;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* SETATTR "sync=" on a node: its data as durable as its mount makes it. */
static void node_sync(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *n,
                      const char *value)
{
    if (value[0] == '\0' && session_in_pg(&n->vn)) {
        session_pg_answer(l, ch, m, n, n->client, false, session_ask_sync, n);
        return;
    }
    int r = value[0] != '\0' ? ERR_INVALID_ARG : vfs_sync(session_vfs, &n->vn);
    if (r < 0)
        session_error(l, ch, m, r);
    else
        service_reply_status(l, ch, m, 0);
}

/* SETATTR on a node: "size=N" cuts or grows a file opened for writing; "sync="; on a directory,
 * the name calls. */
static void node_setattr(struct loop *l, handle_t ch, const struct warp_msg *m, struct fs_node *n)
{
    char name[MSG_DATA_MAX + 1], value[MSG_DATA_MAX + 1];
    uint64_t size = 0;
    int r = msg_get_setattr(m, name, sizeof(name), value, sizeof(value));
    if (r >= 0 && names_is_call(name)) {
        if (n->dir)
            session_names(l, ch, m, n, n->client, name, value);
        else
            session_error(l, ch, m, ERR_NOT_DIR);
        return;
    }
    if (r >= 0 && strcmp(name, FS_ATTR_SYNC) == 0) {
        node_sync(l, ch, m, n, value);
        return;
    }
    if (r >= 0)
        r = strcmp(name, FS_ATTR_SIZE) != 0 ? ERR_NOT_FOUND : node_parse_size(value, &size);
    if (r >= 0)
        r = n->dir ? ERR_IS_DIR : !(n->flags & FS_O_WRITE) ? ERR_PERMISSION : 0;
    if (r >= 0)
        r = vfs_truncate(session_vfs, &n->vn, size);
    if (r >= 0 && session_in_pg(&n->vn))
        pgfs_truncated(session_pg, n->vn.tn);
    if (r < 0)
        session_error(l, ch, m, r);
    else
        service_reply_status(l, ch, m, 0);
}

/* Frees node n, whose channel is ch. */
static void node_free(struct loop *l, handle_t ch, struct fs_node *n)
{
    session_forget(n, ch);
    loop_close(l, ch);
    vfs_close(session_vfs, &n->vn);
    sessions_put(&node_counts, n->slot);
    free(n);
    session_stats.nodes--;
}

/* A call on a node channel. */
static void node_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct fs_node *n = ctx;
    service_drop_handles(l, m);
    if (!msg_is_call(m))
        return;
    switch (m->type) {
    case MSG_OPEN:
        if (n->dir)
            session_open(l, ch, m, n, n->client);
        else
            session_error(l, ch, m, ERR_NOT_DIR);
        break;
    case MSG_READ: node_read(l, ch, m, n); break;
    case MSG_WRITE: node_write(l, ch, m, n); break;
    case MSG_GETATTR: node_getattr(l, ch, m, n); break;
    case MSG_SETATTR: node_setattr(l, ch, m, n); break;
    case MSG_CLOSE:
        if (session_in_pg(&n->vn) && !n->dir && (n->flags & FS_O_WRITE) && session_pg->conf.sync) {
            session_pg_answer(l, ch, m, n, n->client, true, session_ask_sync, n); /* mount option sync */
            break;
        }
        service_reply_status(l, ch, m, 0);
        node_free(l, ch, n);
        break;
    default: session_error(l, ch, m, ERR_NOT_SUPPORTED); break;
    }
}

/* The client closed a node channel. */
static void node_on_closed(struct loop *l, handle_t ch, void *ctx)
{
    node_free(l, ch, ctx);
}
