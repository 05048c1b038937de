/* blk.c: service/block:N: sessions whose READ, WRITE and flush calls become requests of a disk backend (blkdev.h). */
#include "blk.h"
#include "blkdev.h"

#include <warp/msg.h>
#include <warp/service.h>
#include <warp/sessions.h>
#include <warp/string.h>
#include <warp/user.h>

/*
 * A valid READ, WRITE or flush takes a free disk slot (a WRITE first copies the caller's data into the
 * slot's bounce buffer with SYS_CALL_READ) and is answered when the device finishes it (a READ's
 * data goes back with SYS_CALL_WRITE). While every slot is in flight, calls wait in one FIFO of
 * BLK_WAIT_MAX, at most BLK_WAIT_PER_SESSION of each session (one more gets ERR_QUEUE_FULL, so a
 * flooding session never takes another's room), and take slots as they come free.
 *
 * A session that ends with requests in flight: the slots stay busy until the device is done (the
 * DMA must finish), but their calls are forgotten, so no answer goes to a channel number that a
 * later session may hold.
 *
 * Deadlines (when the backend can reset its device): every BLK_WATCH_NS a timeout looks for a request
 * submitted over BLKDEV_DEADLINE_NS ago. Then the backend answers what the device finished, resets it
 * and brings it up empty, and every request still in flight is submitted again with a fresh deadline:
 * a WRITE's data is still in its slot's bounce buffer, a READ is simply read again, so no call is
 * answered twice or with another's bytes. A request in flight at its BLKDEV_RESETS_MAX-th reset is
 * answered ERR_TIMED_OUT instead.
 */
#define BLK_SESSIONS_MAX 8
#define BLK_SESSIONS_PER_CLIENT 4 /* so one client cannot hold every session */
#define BLK_WAIT_MAX 64
#define BLK_WAIT_PER_SESSION (BLK_WAIT_MAX / BLK_SESSIONS_MAX) /* no session fills the FIFO for others */
#define BLK_WATCH_NS 1000000000ull /* how often requests are checked against their deadline */

/* A READ, WRITE or flush (SETATTR) call that passed the checks. */
struct blk_call {
    handle_t ch; /* 0: nobody waits for the answer (its session ended) */
    uint64_t call_id;
    uint32_t type;      /* MSG_READ, MSG_WRITE, or MSG_SETATTR for "flush" */
    struct block_io io; /* {0, 0} for a flush */
    bool busy;          /* in flight (in inflight[]) */
    uint64_t started;   /* warp_clock() of the last submission */
    unsigned resets;    /* device resets while it was in flight */
};

/* A session: its channel (0: free) and its count in blk_counts. */
struct blk_session {
    handle_t ch;
    long count_slot;
};

static struct blk_session sessions[BLK_SESSIONS_MAX];
static struct sessions blk_counts; /* sessions per client (warp/sessions.h) */
static struct blk_call inflight[BLKDEV_SLOTS_MAX];
static struct blk_call waiting[BLK_WAIT_MAX];
static unsigned wait_head, nwaiting;
static uint64_t waited, forgotten; /* calls that waited for a slot; answers dropped at a session's end */
static char blk_service[sizeof("block:9")]; /* our name: block:N */
static struct loop *blk_loop;
static uint16_t free_slots[BLKDEV_SLOTS_MAX]; /* stack of the backend's free slot numbers */
static unsigned nfree;
static uint8_t *slot_buffers; /* BLOCK_IO_MAX bytes of bounce buffer per slot */
static struct loop_timeout watch_timeout;

/* Every one of the backend's slots free. */
static void slots_init(const struct blkdev_info *d)
{
    slot_buffers = d->buffers;
    for (nfree = 0; nfree < d->nslots; nfree++)
        free_slots[nfree] = (uint16_t)(d->nslots - 1 - nfree);
}

/* A free slot's number (precondition: nfree > 0). */
static unsigned slot_get(void)
{
    return free_slots[--nfree];
}

/* Slot's bounce buffer. */
static uint8_t *slot_data(unsigned slot)
{
    return slot_buffers + (size_t)slot * BLOCK_IO_MAX;
}

/* Gives slot back (after its request ended). */
static void slot_put(unsigned slot)
{
    free_slots[nfree++] = (uint16_t)slot;
}

/* Replies status to call_id on ch as type, or ERROR when status is an ERR_*. */
static void blk_reply(handle_t ch, uint64_t call_id, uint32_t type, long status)
{
    struct warp_msg m;
    if (status < 0)
        msg_reply_error(&m, call_id, status);
    else
        msg_reply(&m, type, call_id, status);
    service_send(blk_loop, ch, &m);
}

/* The disk operation of call type. */
static enum blkdev_op blk_request_op(uint32_t type)
{
    if (type == MSG_SETATTR)
        return BLKDEV_FLUSH;
    return type == MSG_WRITE ? BLKDEV_WRITE : BLKDEV_READ;
}

/* Starts c in a free slot (precondition: one is free); a WRITE whose data cannot be read is answered. */
static void blk_issue(const struct blk_call *c)
{
    unsigned slot = slot_get();
    if (c->type == MSG_WRITE) {
        long n = warp_call_read(c->ch, c->call_id, 0, 0, slot_data(slot), c->io.len);
        if (n != (long)c->io.len) {
            slot_put(slot);
            blk_reply(c->ch, c->call_id, MSG_WRITE, n < 0 ? n : ERR_BAD_ADDRESS);
            return;
        }
    }
    inflight[slot] = *c;
    inflight[slot].busy = true;
    inflight[slot].started = warp_clock();
    inflight[slot].resets = 0;
    blkdev_submit(slot, blk_request_op(c->type), c->io.sector, (uint32_t)c->io.len);
}

/* Starts waiting calls, oldest first, while slots are free. */
static void blk_drain(void)
{
    while (nwaiting > 0 && nfree > 0) {
        struct blk_call c = waiting[wait_head];
        wait_head = (wait_head + 1) % BLK_WAIT_MAX;
        nwaiting--;
        blk_issue(&c);
    }
}

/* Answers slot's call (a READ's data copied out first), frees the slot, starts a waiting call. */
void blk_done(unsigned slot, long result)
{
    struct blk_call *c = &inflight[slot];
    if (c->ch && result == 0 && c->type == MSG_READ) {
        long n = warp_call_write(c->ch, c->call_id, 0, 0, slot_data(slot), c->io.len);
        if (n < 0)
            result = n;
    }
    if (c->ch)
        blk_reply(c->ch, c->call_id, c->type, result < 0 ? result : (long)c->io.len);
    memset(c, 0, sizeof(*c));
    slot_put(slot);
    blk_drain();
}

/* Checks a READ or WRITE: its struct block_io, its buffer, the range. 0 or the ERR_* to answer. */
static long blk_check(const struct warp_msg *m, bool write, struct block_io *io)
{
    if (m->data_len != sizeof(*io))
        return ERR_BAD_FORMAT;
    memcpy(io, m->data, sizeof(*io));
    long buf = msg_get_buf(m, 0, write ? BUF_READ : BUF_WRITE);
    const struct blkdev_info *d = blkdev_info();
    uint32_t size = d->sector_size;
    if (buf < 0)
        return buf;
    if (io->len == 0 || io->len % size != 0 || (uint64_t)buf < io->len)
        return ERR_INVALID_ARG;
    if (io->len > BLOCK_IO_MAX)
        return ERR_TOO_LARGE;
    if (io->sector >= d->sectors || io->len / size > d->sectors - io->sector)
        return ERR_INVALID_ARG; /* past the end */
    if (write && d->read_only)
        return ERR_PERMISSION;
    return 0;
}

/* Calls of session ch waiting for a slot. */
static unsigned blk_waiting_of(handle_t ch)
{
    unsigned n = 0;
    for (unsigned i = 0; i < nwaiting; i++)
        n += waiting[(wait_head + i) % BLK_WAIT_MAX].ch == ch;
    return n;
}

/* Starts c now or queues it for a slot; ERR_QUEUE_FULL if its session has its share waiting. */
static void blk_start_or_wait(struct blk_call *c)
{
    if (nwaiting == 0 && nfree > 0)
        blk_issue(c);
    else if (blk_waiting_of(c->ch) == BLK_WAIT_PER_SESSION)
        blk_reply(c->ch, c->call_id, c->type, ERR_QUEUE_FULL);
    else {
        waiting[(wait_head + nwaiting++) % BLK_WAIT_MAX] = *c;
        waited++;
    }
}

/* READ or WRITE on session ch: checked, then started now or queued for a slot. */
static void blk_io(handle_t ch, const struct warp_msg *m, bool write)
{
    struct blk_call c = {.ch = ch, .call_id = m->call_id, .type = m->type};
    long r = blk_check(m, write, &c.io);
    if (r < 0)
        blk_reply(ch, m->call_id, m->type, r);
    else
        blk_start_or_wait(&c);
}

/* SETATTR "flush=..." on session ch: a device flush, answered 0 when the device has written back
 * every WRITE it answered before; ERR_NOT_SUPPORTED if the disk cannot flush or for another name. */
static void blk_setattr(handle_t ch, const struct warp_msg *m)
{
    char name[MSG_DATA_MAX + 1], value[MSG_DATA_MAX + 1];
    struct blk_call c = {.ch = ch, .call_id = m->call_id, .type = MSG_SETATTR};
    long r = msg_get_setattr(m, name, sizeof(name), value, sizeof(value));
    if (r >= 0 && (strcmp(name, BLOCK_FLUSH) != 0 || !blkdev_info()->can_flush))
        r = ERR_NOT_SUPPORTED;
    if (r < 0)
        blk_reply(ch, m->call_id, MSG_SETATTR, r);
    else
        blk_start_or_wait(&c);
}

/* GETATTR "geometry": struct block_geometry; "stats": counters as text, and the slots in flight now. */
static void blk_getattr(handle_t ch, const struct warp_msg *m)
{
    char name[MSG_DATA_MAX + 1], text[MSG_DATA_MAX + 1];
    const struct blkdev_info *d = blkdev_info();
    struct warp_msg r;
    long n = msg_get_attr_name(m, name, sizeof(name));
    if (n < 0) {
        msg_reply_error(&r, m->call_id, n);
    } else if (strcmp(name, "geometry") == 0) {
        struct block_geometry g = {d->sectors, d->sector_size, d->read_only ? 1u : 0u};
        msg_reply_data(&r, MSG_GETATTR, m->call_id, &g, sizeof(g));
    } else if (strcmp(name, "stats") == 0) {
        blkdev_stats(text, sizeof(text));
        size_t len = strlen(text);
        fmt_snprintf(text + len, sizeof(text) - len, " waited %llu forgotten %llu busy %u",
                     (unsigned long long)waited, (unsigned long long)forgotten, d->nslots - nfree);
        msg_reply_text(&r, MSG_GETATTR, m->call_id, text);
    } else {
        msg_reply_error(&r, m->call_id, ERR_NOT_FOUND);
    }
    service_send(blk_loop, ch, &r);
}

/* Forgets session s: its waiting calls go, its calls in flight lose their answer; closes it. */
static void blk_session_end(struct blk_session *s)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < nwaiting; i++) {
        struct blk_call c = waiting[(wait_head + i) % BLK_WAIT_MAX];
        if (c.ch != s->ch)
            waiting[(wait_head + kept++) % BLK_WAIT_MAX] = c;
    }
    forgotten += nwaiting - kept;
    nwaiting = kept;
    for (unsigned i = 0; i < BLKDEV_SLOTS_MAX; i++)
        if (inflight[i].ch == s->ch) {
            inflight[i].ch = 0;
            forgotten++;
        }
    loop_close(blk_loop, s->ch);
    sessions_put(&blk_counts, s->count_slot);
    memset(s, 0, sizeof(*s));
}

/* A message on a session: calls are served or refused; one-way messages are ignored. */
static void blk_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    service_drop_handles(l, m); /* we take no handles */
    if (!msg_is_call(m))
        return;
    switch (m->type) {
    case MSG_READ: blk_io(ch, m, false); break;
    case MSG_WRITE: blk_io(ch, m, true); break;
    case MSG_GETATTR: blk_getattr(ch, m); break;
    case MSG_SETATTR: blk_setattr(ch, m); break;
    case MSG_CLOSE:
        blk_reply(ch, m->call_id, MSG_CLOSE, 0);
        blk_session_end(ctx);
        break;
    default: blk_reply(ch, m->call_id, m->type, ERR_NOT_SUPPORTED); break;
    }
}

/* The client went away. */
static void blk_on_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)l;
    (void)ch;
    blk_session_end(ctx);
}

static const struct loop_channel_handlers blk_session_handlers = {
    .on_message = blk_on_message,
    .on_peer_closed = blk_on_closed,
};

/* A new client, handed over by init: a free session within the client's cap, or ch is refused. */
static void blk_session_start(struct loop *l, handle_t ch, void *ctx)
{
    (void)ctx;
    struct blk_session *s = NULL;
    for (unsigned i = 0; i < BLK_SESSIONS_MAX && !s; i++)
        if (!sessions[i].ch)
            s = &sessions[i];
    long count_slot = s ? sessions_take(&blk_counts, service_grant()->client) : ERR_NO_RESOURCES;
    if (count_slot < 0 || loop_add_channel(l, ch, &blk_session_handlers, s) < 0) {
        printf("%s: refusing a session of '%s': %s\n", blkdev_info()->driver, service_grant()->client,
               count_slot < 0 ? "too many sessions of it or in all" : "cannot watch its channel");
        sessions_put(&blk_counts, count_slot);
        service_refuse(l, ch, ERR_NO_RESOURCES);
        return;
    }
    s->ch = ch;
    s->count_slot = count_slot;
}

/*
 * Resets the device (a request missed its deadline) and submits again what was in flight. Slots at
 * their BLKDEV_RESETS_MAX-th reset fail instead, after the others are resubmitted: their answers may
 * start waiting calls in the fresh queue. The fresh deadlines count from the end of the reset: a
 * device may take seconds to finish or cancel the stalled request before it reads back as reset.
 */
static long blk_recover(const struct blkdev_info *d)
{
    bool fail[BLKDEV_SLOTS_MAX] = {false};
    printf("%s: a request is not done after %llu s; resetting the device\n", d->driver,
           (unsigned long long)(BLKDEV_DEADLINE_NS / 1000000000ull));
    long r = d->reset();
    if (r < 0)
        return r;
    uint64_t now = warp_clock();
    for (unsigned i = 0; i < d->nslots; i++) {
        struct blk_call *c = &inflight[i];
        if (!c->busy)
            continue;
        if (++c->resets >= BLKDEV_RESETS_MAX) {
            fail[i] = true;
            continue;
        }
        c->started = now;
        blkdev_submit(i, blk_request_op(c->type), c->io.sector, (uint32_t)c->io.len);
    }
    for (unsigned i = 0; i < d->nslots; i++)
        if (fail[i])
            blk_done(i, ERR_TIMED_OUT);
    return 0;
}

/* Every BLK_WATCH_NS: a request past its deadline resets the device; if it does not come back, the
 * driver exits (with 1: its manifest's restart = on-failure has init start it again). */
static void blk_watch(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)ctx;
    const struct blkdev_info *d = blkdev_info();
    uint64_t now = warp_clock();
    for (unsigned i = 0; i < d->nslots; i++) {
        if (inflight[i].busy && now - inflight[i].started > BLKDEV_DEADLINE_NS) {
            if (blk_recover(d) < 0) {
                printf("%s: the device did not come back after a reset; exiting\n", d->driver);
                warp_exit(1);
            }
            break;
        }
    }
    loop_timeout_after(l, t, BLK_WATCH_NS);
}

/* Registers service/block:N, N the instance number init gave as main's arg (init takes only the
 * manifest's name for the instance); watches deadlines if the backend can reset its device. */
long blk_start(struct loop *l, uint64_t instance)
{
    if (instance > 9)
        return ERR_INVALID_ARG;
    fmt_snprintf(blk_service, sizeof(blk_service), "block:%u", (unsigned)instance);
    const struct blkdev_info *d = blkdev_info();
    blk_loop = l;
    slots_init(d);
    sessions_init(&blk_counts, BLK_SESSIONS_MAX, BLK_SESSIONS_PER_CLIENT);
    long r = service_start(l, blk_service, blk_session_start, NULL);
    if (r >= 0 && d->reset) {
        loop_timeout_init(&watch_timeout, blk_watch, NULL);
        loop_timeout_after(l, &watch_timeout, BLK_WATCH_NS);
    }
    return r;
}

/* The service's name, block:N (blk_start set it). */
const char *blk_name(void)
{
    return blk_service;
}
