/* ops_ipc.c: the fuzzer's generators for handles, channels, calls, event queues and timers (ops.h). */
#include "msg.h"
#include "ops.h"
#include "pool.h"
#include "report.h"

#include <warp/syscall.h>

static struct warp_msg out_msg; /* what we send: built here, the kernel reads it */

/* A deadline that never blocks for long: none, one past, or a little from now (now and then a few
 * ms, so that a worker killed by the main process is sometimes killed while it waits). */
static uint64_t short_deadline(void)
{
    switch (gen_below(8)) {
    case 0: return 1;
    case 1: return warp_clock() + (gen_one_in(32) ? gen_below(5000000) : gen_below(100000));
    default: return DEADLINE_NONE;
    }
}

/* A pointer for a struct of len bytes the kernel reads (msg) or writes (out): ours or broken. */
static uint64_t struct_ptr(const void *ours, uint64_t len, bool write, enum gen_kind *kind)
{
    if (ours && gen_below(8)) {
        *kind = GEN_VALID;
        return (uint64_t)ours;
    }
    return gen_ptr(len, write, kind);
}

static void op_close(void)
{
    enum gen_kind kind;
    handle_t h = gen_handle(0, 0, &kind);
    long r = fz_sys(SYS_HANDLE_CLOSE, (uint64_t)h, 0, 0, 0, 0, 0);
    fz_check(kind != GEN_BAD || r == ERR_BAD_HANDLE, "closing a handle we do not hold is ERR_BAD_HANDLE");
    if (r == 0)
        pool_forget(h);
}

static void op_info(void)
{
    enum gen_kind kind, pkind;
    handle_t h = gen_handle(0, 0, &kind);
    uint64_t out = gen_ptr(sizeof(struct handle_info), true, &pkind);
    long r = fz_sys(SYS_HANDLE_INFO, (uint64_t)h, out, 0, 0, 0, 0);
    fz_check(r < 0 || (kind != GEN_BAD && pkind != GEN_BAD), "SYS_HANDLE_INFO refuses what is not ours");
    const struct pool_handle *e = pool_find(h);
    if (r == 0 && e) {
        const struct handle_info *info = (const void *)out;
        fz_check(info->type == e->type && info->rights == e->rights,
                 "a handle's type and rights are those it was made with");
    }
}

static void op_reduce(void)
{
    enum gen_kind kind;
    handle_t h = gen_handle(0, 0, &kind);
    uint64_t rights = gen_one_in(6) ? gen_edge() : gen_below(16);
    long r = fz_sys(SYS_HANDLE_REDUCE, (uint64_t)h, rights, 0, 0, 0, 0);
    fz_check(r < 0 || (kind != GEN_BAD && rights && !(rights & ~(uint64_t)RIGHTS_KNOWN)),
             "SYS_HANDLE_REDUCE refuses bad handles and rights");
    const struct pool_handle *e = pool_find(h);
    if (r > 0 && e)
        pool_add((handle_t)r, e->type, e->rights & (uint32_t)rights, e->flags & PH_ENDS);
    else if (r > 0)
        pool_learn((handle_t)r);
}

static void op_channel_create(void)
{
    enum gen_kind kind;
    uint64_t out = gen_ptr(2 * sizeof(handle_t), true, &kind);
    long r = fz_sys(SYS_CHANNEL_CREATE, out, 0, 0, 0, 0, 0);
    fz_check(r < 0 || kind != GEN_BAD, "SYS_CHANNEL_CREATE refuses a bad out pointer");
    if (r == 0) {
        const handle_t *ends = (const handle_t *)out;
        fz_check(ends[0] > 0 && ends[1] > 0 && ends[0] != ends[1], "two distinct handles");
        pool_add(ends[0], OBJ_CHANNEL, RIGHTS_ALL, 0);
        pool_add(ends[1], OBJ_CHANNEL, RIGHTS_ALL, 0);
    }
}

static void op_send(void)
{
    enum gen_kind kind, mkind;
    handle_t ch = gen_handle(OBJ_CHANNEL, RIGHT_WRITE, &kind);
    bool refused = msg_build(&out_msg, ch) || kind == GEN_BAD;
    uint64_t m = struct_ptr(&out_msg, sizeof(out_msg), false, &mkind);
    unsigned live = msg_live(&out_msg);
    long r = fz_sys(SYS_CHANNEL_SEND, (uint64_t)ch, m, 0, 0, 0, 0);
    if (m == (uint64_t)&out_msg) {
        fz_check(r < 0 || !refused, "SYS_CHANNEL_SEND refuses a message that breaks its rules");
        msg_after_send(&out_msg, ch, r == 0, true, live);
    } else if (r == 0) {
        pool_resync_all();
    }
    fz_check(r < 0 || mkind != GEN_BAD, "SYS_CHANNEL_SEND refuses a bad message pointer");
}

static void op_recv(void)
{
    enum gen_kind kind, okind;
    handle_t ch = gen_handle(OBJ_CHANNEL, RIGHT_READ, &kind);
    uint64_t out = gen_ptr(sizeof(struct warp_msg), true, &okind);
    long r = fz_sys(SYS_CHANNEL_RECV, (uint64_t)ch, out, 0, 0, 0, 0);
    fz_check(r < 0 || (kind != GEN_BAD && okind != GEN_BAD), "SYS_CHANNEL_RECV refuses bad arguments");
    if (r == 0)
        pool_take_msg(ch, (const struct warp_msg *)out);
}

/* SYS_CALL_READ (write = the kernel writes our memory) or SYS_CALL_WRITE. */
static void call_copy(long nr, bool write)
{
    enum gen_kind kind, pkind;
    handle_t ch;
    uint64_t id;
    unsigned buf = (unsigned)gen_below(MSG_BUFS_MAX + 1);
    if (pool.ncalls && gen_below(4)) {
        const struct pool_call *c = &pool.calls[gen_below(pool.ncalls)];
        ch = c->ch, id = c->id, kind = GEN_VALID;
        buf = (unsigned)gen_below(c->nbufs + 1);
    } else {
        ch = gen_handle(OBJ_CHANNEL, RIGHT_READ, &kind);
        id = gen_edge();
    }
    uint64_t len = gen_len(2 * PAGE_SIZE), off = gen_one_in(4) ? gen_edge() : gen_below(2 * PAGE_SIZE);
    uint64_t ptr = gen_ptr(len, write, &pkind);
    long r = fz_sys(nr, (uint64_t)ch, id, buf, off, ptr, len);
    fz_check(r < 0 || ((uint64_t)r <= len && kind != GEN_BAD),
             "a call copy moves at most len bytes, on a call");
}

static void op_call_read(void)
{
    call_copy(SYS_CALL_READ, true);
}

static void op_call_write(void)
{
    call_copy(SYS_CALL_WRITE, false);
}

static void op_eventq_create(void)
{
    long r = fz_sys(SYS_EVENTQ_CREATE, gen_edge(), 0, 0, 0, 0, 0);
    pool_add((handle_t)r, OBJ_EVENTQ, RIGHTS_ALL, 0);
}

static void op_timer_create(void)
{
    long r = fz_sys(SYS_TIMER_CREATE, gen_edge(), 0, 0, 0, 0, 0);
    pool_add((handle_t)r, OBJ_TIMER, RIGHTS_ALL, 0);
}

static void op_eventq_add(void)
{
    enum gen_kind kind, skind;
    handle_t eq = gen_handle(OBJ_EVENTQ, RIGHT_WRITE, &kind), src = gen_handle(0, 0, &skind);
    long r = fz_sys(SYS_EVENTQ_ADD, (uint64_t)eq, (uint64_t)src, gen_next(), 0, 0, 0);
    fz_check(r < 0 || (kind != GEN_BAD && (skind != GEN_BAD || pool_find(src))),
             "SYS_EVENTQ_ADD refuses handles that are not ours");
}

static void op_eventq_remove(void)
{
    enum gen_kind kind, skind;
    handle_t eq = gen_handle(OBJ_EVENTQ, 0, &kind), src = gen_handle(0, 0, &skind);
    long r = fz_sys(SYS_EVENTQ_REMOVE, (uint64_t)eq, (uint64_t)src, 0, 0, 0, 0);
    fz_check(r < 0 || (kind != GEN_BAD && pool_find(src)), "SYS_EVENTQ_REMOVE refuses handles not ours");
}

static void op_eventq_wait(void)
{
    enum gen_kind kind, okind;
    handle_t eq = gen_handle(OBJ_EVENTQ, RIGHT_READ, &kind);
    uint64_t out = gen_ptr(sizeof(struct warp_event), true, &okind);
    long r = fz_sys(SYS_EVENTQ_WAIT, (uint64_t)eq, out, short_deadline(), 0, 0, 0);
    fz_check(r < 0 || (kind != GEN_BAD && okind != GEN_BAD), "SYS_EVENTQ_WAIT refuses bad arguments");
    if (r == 0)
        msg_take_event((const struct warp_event *)out);
}

static void op_timer_set(void)
{
    enum gen_kind kind;
    handle_t t = gen_handle(OBJ_TIMER, RIGHT_WRITE, &kind);
    uint64_t deadline = gen_below(2) ? warp_clock() + gen_below(2000000) : gen_edge();
    long r = fz_sys(SYS_TIMER_SET, (uint64_t)t, deadline, 0, 0, 0, 0);
    fz_check(r < 0 || kind != GEN_BAD, "SYS_TIMER_SET refuses what is not one of our timers");
}

static void op_send_wait(void)
{
    enum gen_kind kind, mkind, qkind, okind;
    handle_t ch = gen_handle(OBJ_CHANNEL, RIGHT_WRITE, &kind);
    msg_build(&out_msg, ch);
    uint64_t m = struct_ptr(&out_msg, sizeof(out_msg), false, &mkind);
    handle_t eq = gen_handle(OBJ_EVENTQ, RIGHT_READ, &qkind);
    uint64_t out = gen_ptr(sizeof(struct warp_event), true, &okind);
    unsigned live = msg_live(&out_msg);
    long r = fz_sys(SYS_SEND_WAIT, (uint64_t)ch, m, (uint64_t)eq, out, short_deadline(), 0);
    fz_check(r < 0 || (kind != GEN_BAD && mkind != GEN_BAD && qkind != GEN_BAD && okind != GEN_BAD),
             "SYS_SEND_WAIT refuses bad arguments");
    if (m == (uint64_t)&out_msg)
        msg_after_send(&out_msg, ch, r == 0, false, live);
    else
        pool_resync_all(); /* the send may have gone through even if the wait failed */
    if (r == 0)
        msg_take_event((const struct warp_event *)out);
}

/* Fills our handle table to the last slot with copies of one handle, once per worker, or frees them
 * all again: the calls in between meet ERR_NO_RESOURCES where they install handles, with state half
 * made. The copies are set-up, not fuzzing: made with the plain wrappers, and not counted. */
static void op_ballast(void)
{
    if (pool.nballast) {
        while (pool.nballast)
            fz_check(warp_handle_close(pool.ballast[--pool.nballast]) == 0, "a copy of a handle closes");
        return;
    }
    static bool filled; /* once per worker: thousands of slots are thousands of calls */
    if (!pool.nh || filled)
        return;
    filled = true;
    long r = 0;
    while (pool.nballast < POOL_BALLAST && (r = warp_handle_reduce(pool.h[0].h, RIGHT_READ)) > 0)
        pool.ballast[pool.nballast++] = (handle_t)r;
    fz_check(r == ERR_NO_RESOURCES || r == ERR_NO_MEMORY || pool.nballast == POOL_BALLAST ||
                 (r == ERR_BAD_HANDLE && !pool.nballast),
             "copies of a handle run out only when the table is full (or memory for it)");
}

const struct fz_op fz_ops_ipc[] = {
    {"handle_close", 5, op_close},          {"handle_info", 2, op_info},
    {"handle_reduce", 2, op_reduce},        {"channel_create", 4, op_channel_create},
    {"channel_send", 8, op_send},           {"channel_recv", 5, op_recv},
    {"call_read", 3, op_call_read},         {"call_write", 3, op_call_write},
    {"eventq_create", 2, op_eventq_create}, {"timer_create", 2, op_timer_create},
    {"eventq_add", 4, op_eventq_add},       {"eventq_remove", 2, op_eventq_remove},
    {"eventq_wait", 4, op_eventq_wait},     {"timer_set", 3, op_timer_set},
    {"send_wait", 3, op_send_wait},         {"ballast", 1, op_ballast},
};
const unsigned fz_nops_ipc = sizeof(fz_ops_ipc) / sizeof(fz_ops_ipc[0]);
