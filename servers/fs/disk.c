/* disk.c: the fs server's disk: geometry and synchronous READs on service/block:0 (disk.h, warp/proto/block.h). */
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
