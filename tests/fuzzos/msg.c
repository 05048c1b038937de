/* msg.c: random messages and the pool's view of handles moved by them (msg.h). */
#include "msg.h"

#include "gen.h"
#include "pool.h"
#include "report.h"

#include <warp/string.h>

static uint64_t next_call_id;

/* A call id for a reply: mostly one we received on ch, else any. */
static uint64_t reply_id(handle_t ch)
{
    for (unsigned i = 0; i < pool.ncalls; i++)
        if (pool.calls[i].ch == ch && gen_below(4))
            return pool.calls[i].id;
    return pool.ncalls && gen_below(2) ? pool.calls[gen_below(pool.ncalls)].id : gen_edge();
}

/* Buffer descriptors for a call: each a range of ours, or a broken one. */
static void msg_bufs(struct warp_msg *m)
{
    for (unsigned i = 0; i < m->nbufs && i < MSG_BUFS_MAX; i++) {
        enum gen_kind kind;
        uint32_t access = gen_one_in(8) ? (uint32_t)gen_edge() : (uint32_t)gen_below(4);
        uint64_t len = gen_len(2 * PAGE_SIZE);
        m->bufs[i] =
            (struct msg_buf){.addr = gen_ptr(len, access & BUF_WRITE, &kind), .len = len, .access = access};
    }
}

bool msg_build(struct warp_msg *m, handle_t ch)
{
    memset(m, 0, sizeof(*m));
    m->type = gen_one_in(4) ? (uint32_t)gen_next() : (uint32_t)gen_below(10);
    unsigned f = (unsigned)gen_below(16);
    m->flags = f < 7 ? 0 : f < 12 ? MSG_CALL : f < 15 ? MSG_REPLY : (uint32_t)gen_edge();
    m->call_id = m->flags == MSG_REPLY ? reply_id(ch) : gen_one_in(8) ? gen_edge() : ++next_call_id;
    m->status = (int64_t)gen_edge();
    uint64_t data_len = gen_len(MSG_DATA_MAX), nhandles = gen_below(3) ? 0 : gen_len(MSG_HANDLES_MAX),
             nbufs = m->flags & MSG_CALL ? gen_len(MSG_BUFS_MAX) : gen_one_in(16);
    m->data_len = (uint32_t)data_len;
    m->nhandles = (uint16_t)nhandles;
    m->nbufs = (uint16_t)nbufs;
    bool refused = m->data_len > MSG_DATA_MAX || m->nhandles > MSG_HANDLES_MAX || m->nbufs > MSG_BUFS_MAX;
    for (unsigned i = 0; i < m->data_len && i < MSG_DATA_MAX; i++)
        m->data[i] = (uint8_t)gen_next();
    for (unsigned i = 0; i < m->nhandles && i < MSG_HANDLES_MAX; i++) {
        enum gen_kind kind;
        m->handles[i] = gen_handle(0, RIGHT_TRANSFER, &kind);
        refused |= kind == GEN_BAD;
    }
    msg_bufs(m);
    return refused;
}

unsigned msg_live(const struct warp_msg *m)
{
    return pool_live(m->handles, m->nhandles < MSG_HANDLES_MAX ? m->nhandles : MSG_HANDLES_MAX);
}

void msg_after_send(const struct warp_msg *m, handle_t ch, bool sent, bool refusal_moves_nothing,
                    unsigned live)
{
    for (unsigned i = 0; i < m->nhandles && i < MSG_HANDLES_MAX; i++)
        if (pool_resync(m->handles[i]) && (live & 1u << i) && !sent && refusal_moves_nothing)
            fz_check(false, "a refused send moved none of the handles it listed");
    if (sent && m->flags == MSG_REPLY)
        for (unsigned i = 0; i < pool.ncalls; i++)
            if (pool.calls[i].ch == ch && pool.calls[i].id == m->call_id) {
                pool.calls[i] = pool.calls[--pool.ncalls];
                break;
            }
}

void msg_take_event(const struct warp_event *ev)
{
    if (ev->type == EV_MESSAGE || ev->type == EV_REPLY)
        pool_take_msg(ev->handle, &ev->u.msg);
}
