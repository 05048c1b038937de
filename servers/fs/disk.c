/* disk.c: the fs server's disk: geometry, synchronous READs and read-ahead READs on service/block:0 (disk.h, warp/proto/block.h). */
#include "disk.h"

#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/proto/block.h>
#include <warp/service.h>
#include <warp/string.h>
#include <warp/user.h>

/* Opens the session and checks the geometry: the page cache reads whole 4 KiB pages, so a sector
 * must divide one. */
long disk_open(struct disk *d, handle_t init_ch)
{
    memset(d, 0, sizeof(*d));
    long r = block_client_open(&d->bc, init_ch);
    if (r < 0)
        return r;
    struct warp_msg m, reply;
    struct block_geometry g;
    msg_getattr(&m, "geometry");
    r = block_call(&d->bc, &m, &reply);
    if (r < 0)
        return r;
    if (r != sizeof(g) || reply.data_len != sizeof(g))
        return ERR_BAD_FORMAT;
    memcpy(&g, reply.data, sizeof(g));
    if (g.sector_size < 512 || g.sector_size > 4096 || (g.sector_size & (g.sector_size - 1)) ||
        g.sectors > UINT64_MAX / g.sector_size)
        return ERR_NOT_SUPPORTED;
    d->sector_size = g.sector_size;
    d->size = g.sectors * g.sector_size;
    long eq = warp_eventq_create();
    if (eq < 0)
        return eq;
    d->ra_eq = (handle_t)eq;
    d->ra_next_id = 1;
    if (block_client_open(&d->ra, init_ch) < 0 || warp_eventq_add(d->ra_eq, d->ra.ch, 0) < 0) {
        if (d->ra.ch)
            warp_handle_close(d->ra.ch);
        d->ra.ch = 0; /* disk_start tries again */
    }
    return 0;
}

/* block_client's open_fn: OPEN uri through init with handle 1 out of the loop meanwhile. */
static long disk_reopen(void *ctx, const char *uri)
{
    struct loop *l = ctx;
    long r = service_init_pause(l);
    if (r < 0)
        return r;
    long ch = ipc_open_sync(SERVICE_INIT_CH, uri);
    r = service_init_resume(l);
    if (r < 0) { /* no client could reach us again: init restarts us */
        printf("fs: cannot watch init's channel again: %s\n", err_str(r));
        warp_exit(1);
    }
    return ch;
}

/* Reopens through disk_reopen from now on. */
void disk_follow_loop(struct disk *d, struct loop *l)
{
    d->bc.open_fn = disk_reopen;
    d->bc.open_ctx = l;
    d->ra.open_fn = disk_reopen;
    d->ra.open_ctx = l;
}

/* Where read-ahead outcomes go. */
void disk_ra_init(struct disk *d, disk_ra_done_fn done, void *ctx)
{
    d->ra_done = done;
    d->ra_ctx = ctx;
}

/* The read-ahead session's driver went away: every READ in flight ends with ERR_PEER_CLOSED, and the
 * session is closed (which takes it out of ra_eq); disk_start opens a new one. */
static void disk_ra_lost(struct disk *d)
{
    warp_handle_close(d->ra.ch);
    d->ra.ch = 0;
    for (unsigned t = 0; t < DISK_RA_MAX; t++) {
        if (d->ra_ids[t]) {
            d->ra_ids[t] = 0;
            d->ra_done(d->ra_ctx, t, ERR_PEER_CLOSED);
        }
    }
}

/* One message received on the read-ahead session: a READ's answer ends its tag (all its bytes, or its
 * error); anything else is dropped. */
static void disk_ra_answer(struct disk *d, struct warp_msg *m)
{
    for (unsigned i = 0; i < m->nhandles && i < MSG_HANDLES_MAX; i++)
        warp_handle_close(m->handles[i]);
    if (!(m->flags & MSG_REPLY))
        return;
    for (unsigned t = 0; t < DISK_RA_MAX; t++) {
        if (d->ra_ids[t] != m->call_id)
            continue;
        long r = m->type == MSG_ERROR ? msg_result(m, MSG_ERROR) : m->status;
        d->ra_ids[t] = 0;
        d->ra_done(d->ra_ctx, t, r < 0 ? (int)r : r == (long)d->ra_lens[t] ? 0 : ERR_IO);
        return;
    }
}

/* READs in flight on the read-ahead session. */
static unsigned disk_ra_busy(const struct disk *d)
{
    unsigned n = 0;
    for (unsigned t = 0; t < DISK_RA_MAX; t++)
        n += d->ra_ids[t] != 0;
    return n;
}

/* Collects read-ahead answers; see disk.h. */
int disk_poll(void *ctx, bool wait)
{
    struct disk *d = ctx;
    if (!d->ra.ch || disk_ra_busy(d) == 0)
        return wait ? ERR_NOT_FOUND : 0; /* nothing to wait for */
    if (wait) {
        struct warp_event ev;
        long r = warp_eventq_wait(d->ra_eq, &ev, DEADLINE_FOREVER);
        if (r < 0)
            return (int)r;
        if (ev.type == EV_PEER_CLOSED) {
            disk_ra_lost(d);
            return 0;
        }
        if (ev.type == EV_REPLY || ev.type == EV_MESSAGE)
            disk_ra_answer(d, &ev.u.msg);
    }
    struct warp_msg m;
    long r;
    while (d->ra.ch && (r = warp_channel_recv(d->ra.ch, &m)) >= 0)
        disk_ra_answer(d, &m);
    if (d->ra.ch && r == ERR_PEER_CLOSED)
        disk_ra_lost(d);
    return 0;
}

/* The read-ahead session, opened again (and put in ra_eq) if it was closed: 0 or an error. */
static long disk_ra_session(struct disk *d)
{
    if (d->ra.ch)
        return 0;
    long r = block_client_reopen(&d->ra);
    if (r == 0 && (r = warp_eventq_add(d->ra_eq, d->ra.ch, 0)) < 0) {
        warp_handle_close(d->ra.ch);
        d->ra.ch = 0;
    }
    return r;
}

/* Sends a read-ahead READ; see disk.h. */
int disk_start(void *ctx, uint64_t off, void *buf, size_t len, unsigned tag)
{
    struct disk *d = ctx;
    if (!d->ra_done || tag >= DISK_RA_MAX || d->ra_ids[tag] || off % d->sector_size || len % d->sector_size ||
        len == 0 || len > BLOCK_IO_MAX)
        return ERR_INVALID_ARG;
    long r = disk_ra_session(d);
    if (r < 0)
        return (int)r;
    struct warp_msg m;
    struct block_io io = {off / d->sector_size, len};
    msg_read(&m, buf, len);
    msg_set_data(&m, &io, sizeof(io));
    m.flags = MSG_CALL;
    m.call_id = d->ra_next_id++;
    r = warp_channel_send(d->ra.ch, &m);
    if (r == ERR_PEER_CLOSED)
        disk_ra_lost(d); /* a READ in flight may have ended here: the cache sees it */
    if (r < 0)
        return (int)r;
    d->ra_ids[tag] = m.call_id;
    d->ra_lens[tag] = len;
    return 0;
}

/* One READ of len bytes at byte off (both whole sectors, len at most BLOCK_IO_MAX); the server waits
 * for it. A restarted driver is opened again by block_call. */
int disk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    struct disk *d = ctx;
    if (off % d->sector_size || len % d->sector_size || len == 0 || len > BLOCK_IO_MAX)
        return ERR_INVALID_ARG;
    struct warp_msg m;
    struct block_io io = {off / d->sector_size, len};
    msg_read(&m, buf, len);
    msg_set_data(&m, &io, sizeof(io));
    long r = block_call(&d->bc, &m, NULL);
    if (r < 0)
        return (int)r;
    return r == (long)len ? 0 : ERR_IO;
}
