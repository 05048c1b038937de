/* pool.c: the fuzzer's bookkeeping of what it holds (pool.h). Every handle the kernel hands back
 * is recorded here, so at the end everything can be closed and nothing is left to chance. */
#include "pool.h"

#include <warp/syscall.h>

struct pool pool;

void pool_add(handle_t h, uint32_t type, uint32_t rights, uint32_t flags)
{
    if (h <= 0)
        return;
    if (pool.nh == POOL_HANDLES) {
        warp_handle_close(h);
        return;
    }
    pool.h[pool.nh++] = (struct pool_handle){.h = h, .type = type, .rights = rights, .flags = flags};
}

void pool_learn(handle_t h)
{
    struct handle_info info;
    if (h > 0 && warp_handle_info(h, &info) == 0)
        pool_add(h, info.type, info.rights, 0);
}

struct pool_handle *pool_find(handle_t h)
{
    for (unsigned i = 0; i < pool.nh; i++)
        if (pool.h[i].h == h)
            return &pool.h[i];
    return NULL;
}

void pool_forget(handle_t h)
{
    struct pool_handle *e = pool_find(h);
    if (!e)
        return;
    *e = pool.h[--pool.nh];
    for (unsigned i = 0; i < pool.ncalls;)
        if (pool.calls[i].ch == h)
            pool.calls[i] = pool.calls[--pool.ncalls];
        else
            i++;
    if (pool.nstale == POOL_STALE)
        pool.nstale--;
    for (unsigned i = pool.nstale; i > 0; i--)
        pool.stale[i] = pool.stale[i - 1];
    pool.stale[0] = h;
    pool.nstale++;
}

bool pool_resync(handle_t h)
{
    struct handle_info info;
    if (!pool_find(h) || warp_handle_info(h, &info) != ERR_BAD_HANDLE)
        return false;
    pool_forget(h);
    return true;
}

unsigned pool_live(const handle_t *hs, unsigned n)
{
    struct handle_info info;
    unsigned live = 0;
    for (unsigned i = 0; i < n; i++)
        if (pool_find(hs[i]) && warp_handle_info(hs[i], &info) == 0)
            live |= 1u << i;
    return live;
}

void pool_resync_all(void)
{
    for (unsigned i = pool.nh; i > 0; i--)
        pool_resync(pool.h[i - 1].h);
}

void pool_add_map(uint64_t addr, uint64_t len)
{
    if (pool.nmaps == POOL_MAPS) {
        warp_vm_unmap((const void *)addr, len);
        return;
    }
    pool.maps[pool.nmaps++] = (struct pool_map){addr, len};
}

void pool_drop_map(unsigned i)
{
    pool.unmapped[pool.nunmapped++ % POOL_UNMAPPED] = pool.maps[i].addr;
    pool.maps[i] = pool.maps[--pool.nmaps];
}

void pool_add_call(handle_t ch, uint64_t id, uint32_t nbufs)
{
    unsigned i = pool.ncalls < POOL_CALLS ? pool.ncalls++ : id % POOL_CALLS;
    pool.calls[i] = (struct pool_call){.ch = ch, .id = id, .nbufs = nbufs};
}

void pool_take_msg(handle_t ch, const struct warp_msg *m)
{
    for (unsigned i = 0; i < m->nhandles && i < MSG_HANDLES_MAX; i++)
        pool_learn(m->handles[i]);
    if (m->flags & MSG_CALL)
        pool_add_call(ch, m->call_id, m->nbufs);
}

/* Kills keeper k's child, waits for its end (a kill makes every process end), closes the keeper. */
static unsigned end_child(unsigned k)
{
    struct exit_info ei;
    handle_t h = pool.keepers[k];
    pool.keepers[k] = pool.keepers[--pool.nkeepers];
    unsigned bad = warp_kill(h) != 0;
    bad += warp_wait(h, &ei) != 0;
    return bad + (warp_handle_close(h) != 0);
}

void pool_make_room_for_child(void)
{
    if (pool.nkeepers == POOL_KEEPERS)
        end_child(0);
}

void pool_add_child(handle_t h, uint32_t flags)
{
    long k = warp_handle_reduce(h, RIGHT_READ | RIGHT_WRITE);
    if (k <= 0) { /* no room in the handle table: the child may not outlive our knowing of it */
        struct exit_info ei;
        warp_kill(h);
        warp_wait(h, &ei);
        warp_handle_close(h);
        return;
    }
    pool.keepers[pool.nkeepers++] = (handle_t)k;
    pool_add(h, OBJ_PROCESS, RIGHTS_ALL, flags);
}

unsigned pool_release_all(void)
{
    unsigned bad = 0;
    while (pool.nballast)
        bad += warp_handle_close(pool.ballast[--pool.nballast]) != 0;
    while (pool.nkeepers)
        bad += end_child(pool.nkeepers - 1);
    while (pool.nh) {
        handle_t h = pool.h[pool.nh - 1].h;
        bad += warp_handle_close(h) != 0;
        pool_forget(h);
    }
    while (pool.nmaps) {
        bad +=
            warp_vm_unmap((const void *)pool.maps[pool.nmaps - 1].addr, pool.maps[pool.nmaps - 1].len) != 0;
        pool_drop_map(pool.nmaps - 1);
    }
    pool.ncalls = 0;
    return bad;
}
