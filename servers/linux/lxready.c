/* lxready.c: readiness of open file descriptions as Linux's poll methods report it, and epoll's
 * interest lists with their level, edge and one-shot rules (pure; docs/linux-compat.md, Readiness). */
#include "lxready.h"

#include <warp/malloc.h>
#include <warp/string.h>

#include "lxabi.h"
#include "lxsock.h"

#define LXREADY_IN (LX_EPOLLIN | LX_EPOLLRDNORM)
#define LXREADY_OUT (LX_EPOLLOUT | LX_EPOLLWRNORM)

static struct lxepoll *lxepoll_all; /* every instance (lxepoll_forget) */
static uint32_t lxepoll_watches;    /* their entries together */

uint32_t lxsock_tx_space(const struct lxsock *s)
{
    return s->tx ? LXSOCK_TX_SIZE - s->txoff - s->txlen : 0;
}

/* A socket's mask, as tcp_poll: a listener is readable with a connection waiting; a connection
 * readable with bytes, at the peer's FIN (with RDHUP) or an error; writable with room. */
static uint32_t lxready_sock(const struct lxsock *s)
{
    uint32_t m = 0;
    if (s->error)
        m |= LX_EPOLLERR;
    if (s->state == LXSOCK_LISTEN)
        return m | (s->qlen ? LXREADY_IN : 0);
    if (s->state == LXSOCK_DIAL)
        return m; /* SYN_SENT: nothing yet; writable once connected, or hung up with the error */
    if (s->state == LXSOCK_NEW)
        return m | LXREADY_OUT | LX_EPOLLHUP; /* TCP_CLOSE: hung up, and "writable" (to fail at once) */
    bool rd_done = s->rx_eof || s->shut_rd || s->reset;
    bool wr_done = s->shut_wr || s->reset;
    if (rd_done && wr_done)
        m |= LX_EPOLLHUP;
    if (rd_done)
        m |= LXREADY_IN | LX_EPOLLRDHUP;
    if (s->rxlen)
        m |= LXREADY_IN;
    if (wr_done || lxsock_tx_space(s) > 0)
        m |= LXREADY_OUT; /* a write fails at once: EPIPE */
    return m;
}

uint32_t lxready_mask(const struct lxfile *f)
{
    switch (f->kind) {
    case LXFILE_NULL:
    case LXFILE_NODE: return LXREADY_IN | LXREADY_OUT; /* files never wait */
    case LXFILE_CONSOLE: return LXREADY_OUT;
    case LXFILE_PIPE_R: return (f->pipe->len ? LXREADY_IN : 0) | (f->pipe->writers == 0 ? LX_EPOLLHUP : 0);
    case LXFILE_PIPE_W:
        /* Linux's pipe is writable with a free page slot: a PIPE_BUF's room here. */
        return (lxpipe_space(f->pipe) >= LXPIPE_ATOMIC ? LXREADY_OUT : 0) |
               (f->pipe->readers == 0 ? LX_EPOLLERR : 0);
    case LXFILE_SOCKET: return lxready_sock(f->sock);
    case LXFILE_EPOLL: return lxepoll_any(f->epoll) ? LXREADY_IN : 0;
    default: return 0;
    }
}

uint32_t lxready_gen(const struct lxfile *f)
{
    if (f->kind == LXFILE_SOCKET)
        return f->sock->gen;
    if (f->kind == LXFILE_PIPE_R || f->kind == LXFILE_PIPE_W)
        return f->pipe->head + 2 * f->pipe->len; /* moves as bytes come and go */
    return 0;
}

bool lxready_pollable(const struct lxfile *f)
{
    return f->kind != LXFILE_NODE && f->kind != LXFILE_NULL;
}

struct lxepoll *lxepoll_new(void)
{
    struct lxepoll *ep = malloc(sizeof(*ep));
    if (!ep)
        return NULL;
    memset(ep, 0, sizeof(*ep));
    ep->next = lxepoll_all;
    if (lxepoll_all)
        lxepoll_all->prev = ep;
    lxepoll_all = ep;
    return ep;
}

void lxepoll_free(struct lxepoll *ep)
{
    if (ep->prev)
        ep->prev->next = ep->next;
    else
        lxepoll_all = ep->next;
    if (ep->next)
        ep->next->prev = ep->prev;
    lxepoll_watches -= ep->n;
    free(ep->ents);
    free(ep);
}

/* The entry for (fd, file), or NULL. */
static struct lxepent *lxepoll_find(struct lxepoll *ep, int32_t fd, const struct lxfile *file)
{
    for (uint32_t i = 0; i < ep->n; i++)
        if (ep->ents[i].fd == fd && ep->ents[i].file == file)
            return &ep->ents[i];
    return NULL;
}

int64_t lxepoll_add(struct lxepoll *ep, int32_t fd, struct lxfile *file, uint32_t events, uint64_t data)
{
    if (lxepoll_find(ep, fd, file))
        return -LX_EEXIST;
    if (ep->n >= LXEPOLL_MAX_ENTRIES || lxepoll_watches >= LXEPOLL_MAX_WATCHES)
        return -LX_ENOSPC;
    if (ep->n == ep->cap) {
        uint32_t cap = ep->cap ? ep->cap * 2 : 8;
        struct lxepent *e = realloc(ep->ents, cap * sizeof(*e));
        if (!e)
            return -LX_ENOMEM;
        ep->ents = e;
        ep->cap = cap;
    }
    struct lxepent *e = &ep->ents[ep->n++];
    lxepoll_watches++;
    memset(e, 0, sizeof(*e));
    e->fd = fd;
    e->file = file;
    e->events = events;
    e->data = data;
    return 0;
}

int64_t lxepoll_mod(struct lxepoll *ep, int32_t fd, struct lxfile *file, uint32_t events, uint64_t data)
{
    struct lxepent *e = lxepoll_find(ep, fd, file);
    if (!e)
        return -LX_ENOENT;
    if ((e->events | events) & LX_EPOLLEXCLUSIVE)
        return -LX_EINVAL; /* an exclusive entry cannot be modified, nor one made exclusive */
    e->events = events;
    e->data = data;
    e->disabled = false;
    e->seen_mask = 0; /* re-armed: what is ready now is reported, as Linux's ep_modify */
    return 0;
}

/* Removes entry i (the last moves into its place). */
static void lxepoll_remove_at(struct lxepoll *ep, uint32_t i)
{
    ep->ents[i] = ep->ents[--ep->n];
    lxepoll_watches--;
    if (ep->cursor > ep->n)
        ep->cursor = 0;
}

int64_t lxepoll_del(struct lxepoll *ep, int32_t fd, struct lxfile *file)
{
    struct lxepent *e = lxepoll_find(ep, fd, file);
    if (!e)
        return -LX_ENOENT;
    lxepoll_remove_at(ep, (uint32_t)(e - ep->ents));
    return 0;
}

/* What entry e would report now (0: nothing); edge entries only on a change since the last report. */
static uint32_t lxepoll_due(const struct lxepent *e)
{
    if (e->disabled)
        return 0;
    uint32_t ready = lxready_mask(e->file) & (e->events | LX_EPOLLERR | LX_EPOLLHUP);
    if (!ready)
        return 0;
    if ((e->events & LX_EPOLLET) && (ready & ~e->seen_mask) == 0 && lxready_gen(e->file) == e->seen_gen)
        return 0;
    return ready;
}

uint32_t lxepoll_collect(struct lxepoll *ep, struct lx_epoll_event *out, uint32_t max)
{
    uint32_t got = 0, n = ep->n, start = ep->cursor < n ? ep->cursor : 0;
    for (uint32_t k = 0; k < n && got < max; k++) {
        uint32_t i = (start + k) % n;
        struct lxepent *e = &ep->ents[i];
        uint32_t ready = lxepoll_due(e);
        if (!ready)
            continue;
        e->seen_mask = ready;
        e->seen_gen = lxready_gen(e->file);
        if (e->events & LX_EPOLLONESHOT)
            e->disabled = true;
        out[got].events = ready;
        out[got].data = e->data;
        got++;
        ep->cursor = (i + 1) % n;
    }
    /* Edge entries not ready now forget what they saw, so their next readiness is an edge. */
    for (uint32_t i = 0; i < n; i++)
        if ((ep->ents[i].events & LX_EPOLLET) && !(lxready_mask(ep->ents[i].file) & ep->ents[i].events))
            ep->ents[i].seen_mask = 0;
    return got;
}

bool lxepoll_any(const struct lxepoll *ep)
{
    for (uint32_t i = 0; i < ep->n; i++)
        if (lxepoll_due(&ep->ents[i]))
            return true;
    return false;
}

void lxepoll_forget(const struct lxfile *f)
{
    for (struct lxepoll *ep = lxepoll_all; ep; ep = ep->next)
        for (uint32_t i = 0; i < ep->n;)
            if (ep->ents[i].file == f)
                lxepoll_remove_at(ep, i);
            else
                i++;
}
