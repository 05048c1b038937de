/* pool.h: what the fuzzer holds and feeds back into later calls: live handles by type, values it
 * closed (stale), memory mappings, calls received and not yet answered, and its children. */
#pragma once

#include <warp/ipc.h>

#define POOL_HANDLES 96          /* live handles tracked; a new one past this is closed at once */
#define POOL_STALE 32            /* handle values that named something once (closed or moved away) */
#define POOL_MAPS 24             /* SYS_VM_MAP mappings (the kernel allows 32 per process) */
#define POOL_UNMAPPED 8          /* addresses of mappings since unmapped */
#define POOL_CALLS 16            /* calls received and not answered */
#define POOL_KEEPERS 12          /* children alive at once */
#define POOL_BALLAST HANDLES_MAX /* copies of a handle that only fill the table */

#define PH_ENDS 1u   /* a process that ends by itself (SYS_WAIT on it returns) */
#define PH_KILLED 2u /* a process this handle killed */

struct pool_handle {
    handle_t h;
    uint32_t type;   /* OBJ_* */
    uint32_t rights; /* RIGHT_* */
    uint32_t flags;  /* PH_* */
};

struct pool_map {
    uint64_t addr, len;
};

struct pool_call {
    handle_t ch; /* the channel end it arrived on */
    uint64_t id;
    uint32_t nbufs;
};

struct pool {
    struct pool_handle h[POOL_HANDLES];
    unsigned nh;
    handle_t stale[POOL_STALE];
    unsigned nstale;
    struct pool_map maps[POOL_MAPS];
    unsigned nmaps;
    uint64_t unmapped[POOL_UNMAPPED];
    unsigned nunmapped;
    struct pool_call calls[POOL_CALLS];
    unsigned ncalls;
    /* A reduced copy (read and write, no transfer) of every child's process handle, never handed
     * out: whatever the fuzzing does with the other handles, the child can be killed at the end. */
    handle_t keepers[POOL_KEEPERS];
    unsigned nkeepers;
    /* Handles that only take up slots, so that calls meet a full handle table. */
    handle_t ballast[POOL_BALLAST];
    unsigned nballast;
};

extern struct pool pool;

/* Starts tracking a handle the kernel gave us; closes it at once if the pool is full. */
void pool_add(handle_t h, uint32_t type, uint32_t rights, uint32_t flags);
/* Starts tracking a handle of unknown type (received in a message), asking the kernel what it is. */
void pool_learn(handle_t h);
/* The entry of live handle h, or NULL. */
struct pool_handle *pool_find(handle_t h);
/* h no longer names anything of ours (closed or moved): drop it and remember it as stale. */
void pool_forget(handle_t h);
/* After a call that may have moved h: forget it if the kernel no longer knows it. True if gone. */
bool pool_resync(handle_t h);
/* Bit i set if hs[i] is ours and the kernel knows it now (asked before a call that lists them, so
 * a handle that left earlier, unnoticed, is not blamed on that call). */
unsigned pool_live(const handle_t *hs, unsigned n);
/* Asks the kernel about every handle of the pool, after a call that may have moved any of them (a
 * message or spawn list made of whatever was in memory). */
void pool_resync_all(void);
/* A mapping the kernel made for us; unmapped at once if the pool is full. */
void pool_add_map(uint64_t addr, uint64_t len);
/* Mapping i was unmapped. */
void pool_drop_map(unsigned i);
/* A call received on ch (EV_MESSAGE or SYS_CHANNEL_RECV with MSG_CALL). */
void pool_add_call(handle_t ch, uint64_t id, uint32_t nbufs);
/* Every handle a received message carries, taken into the pool. */
void pool_take_msg(handle_t ch, const struct warp_msg *m);
/* Room for one more child: the oldest is killed, waited for and its keeper closed when full. */
void pool_make_room_for_child(void);
/* A child spawned as process handle h (self-ending or not): tracked, and a keeper made. */
void pool_add_child(handle_t h, uint32_t flags);
/* Kills every child, closes every handle, unmaps every mapping. Returns how many closes or unmaps
 * of things the pool believed live failed (0 when the bookkeeping matched the kernel's). */
unsigned pool_release_all(void);
