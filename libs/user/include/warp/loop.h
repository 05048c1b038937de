/* loop.h: the event-loop library: one event queue, handlers per source, timeouts, calls. */
#pragma once

#include <warp/error.h>
#include <warp/ipc.h>
#include <warp/pheap.h>

/*
 * A server is one thread running one loop. The loop owns one event queue (SYS_EVENTQ_*); the program
 * registers sources with handlers and a user pointer (ctx):
 *
 *   channel  on_message (a message or call arrived), on_reply (a reply no loop_call claimed),
 *            on_peer_closed (the other end is gone)
 *   timer    on_timer (a SYS_TIMER_* handle fired)
 *   process  on_exit (a process handle ended)
 *   irq      on_irq (a driver's interrupt fired: EV_IRQ)
 *
 * and one-shot timeouts (struct loop_timeout, storage owned by the caller), which cost no handle:
 * loop_run waits on the event queue with the earliest timeout as its deadline.
 *
 * loop_run() dispatches one event at a time until loop_stop(). Handlers may add and remove sources
 * (their own included), arm and cancel timeouts and make calls: dispatch keeps no pointer into its
 * tables across a handler, and each registration's cookie carries a generation, so an event for a
 * source removed meanwhile is dropped (its message's handles closed) rather than delivered to the
 * wrong handler.
 *
 * Ownership: the handles a handler receives in a message are the handler's (close what you do not
 * keep). Where a handler is NULL the loop has a default: a message's handles are closed and a call
 * is answered ERROR(ERR_NOT_SUPPORTED); an unclaimed reply's handles are closed; a peer-closed
 * channel is removed and its handle closed.
 *
 * The loop reaches the kernel only through struct loop_ops: loop_init() uses the real system calls,
 * host unit tests pass fakes to loop_init_ops(). Not thread-safe (servers have one thread).
 */

struct loop;
struct loop_timeout;

typedef void (*loop_msg_fn)(struct loop *l, handle_t ch, struct warp_msg *msg, void *ctx);
typedef void (*loop_closed_fn)(struct loop *l, handle_t ch, void *ctx);
typedef void (*loop_timer_fn)(struct loop *l, handle_t timer, uint64_t deadline, void *ctx);
typedef void (*loop_exit_fn)(struct loop *l, handle_t proc, const struct exit_info *info, void *ctx);
/* A driver's interrupt fired (EV_IRQ); the source stays masked until the handler's SYS_IRQ_ACK. */
typedef void (*loop_irq_fn)(struct loop *l, handle_t irq, void *ctx);
typedef void (*loop_timeout_fn)(struct loop *l, struct loop_timeout *t, void *ctx);

/* A channel's handlers; any may be NULL (see the defaults above). Usually a static const. */
struct loop_channel_handlers {
    loop_msg_fn on_message; /* a message or call arrived */
    loop_msg_fn on_reply;   /* a reply that no loop_call is waiting for */
    loop_closed_fn on_peer_closed;
};

/* The system calls the loop makes; same contracts as the warp_* wrappers of warp/syscall.h. */
struct loop_ops {
    long (*eventq_add)(handle_t eq, handle_t source, uint64_t cookie);
    long (*eventq_remove)(handle_t eq, handle_t source);
    long (*eventq_wait)(handle_t eq, struct warp_event *out, uint64_t deadline);
    long (*channel_send)(handle_t ch, const struct warp_msg *msg);
    long (*handle_close)(handle_t h);
    uint64_t (*clock)(void);
};

/* One-shot timeout. Initialise with loop_timeout_init; the storage must outlive its arming. */
struct loop_timeout {
    struct pheap_node node; /* in the loop's heap of armed timeouts, by (deadline, seq) */
    uint64_t deadline;      /* absolute, SYS_CLOCK nanoseconds */
    uint64_t seq;           /* when it was armed: ties go in arming order, and a pass never fires one
                        * armed during it */
    loop_timeout_fn fn;
    void *ctx;
    bool armed;
};

/* Private: a registered source. */
struct loop_source {
    handle_t handle; /* 0: free slot */
    uint32_t gen;    /* bumped at every removal; part of the cookie */
    uint32_t kind;   /* LOOP_KIND_* (loop.c) */
    union {
        const struct loop_channel_handlers *channel;
        loop_timer_fn timer;
        loop_exit_fn exit;
        loop_irq_fn irq;
    } fn;
    void *ctx;
};

/* Private: a call made with loop_call, waiting for its reply. */
struct loop_call {
    handle_t ch;
    uint64_t call_id;
    loop_msg_fn fn;
    void *ctx;
};

/* A loop. Its fields are private; it is a struct so it can live in static storage. */
struct loop {
    handle_t eq;
    const struct loop_ops *ops;
    struct loop_source *sources; /* grown with realloc; index = cookie's low half - 1 */
    unsigned nsources;           /* slots in use or freed */
    unsigned sources_cap;
    struct loop_call *calls; /* pending loop_calls, unordered */
    unsigned ncalls;
    unsigned calls_cap;
    struct pheap_node *timeouts; /* the root of the armed timeouts' heap (warp/pheap.h): the earliest */
    uint64_t timeout_seq;
    uint64_t next_call_id;
    bool stopped;
};

/* Creates the event queue and starts an empty loop over the real system calls. */
long loop_init(struct loop *l);
/* Starts an empty loop over event queue eq with the given system calls (host tests). */
void loop_init_ops(struct loop *l, handle_t eq, const struct loop_ops *ops);
/* Frees the loop's tables and closes its event queue; the sources' handles stay open. */
void loop_destroy(struct loop *l);

/*
 * Registers a source. ERR_ALREADY_EXISTS if this loop has it (or, from the kernel, another queue
 * has it), ERR_BAD_HANDLE for h <= 0, ERR_INVALID_ARG for a NULL handlers table or callback,
 * ERR_NO_MEMORY, or the kernel's SYS_EVENTQ_ADD error (ERR_BAD_HANDLE, ERR_WRONG_TYPE, ...).
 */
long loop_add_channel(struct loop *l, handle_t ch, const struct loop_channel_handlers *h, void *ctx);
long loop_add_timer(struct loop *l, handle_t timer, loop_timer_fn on_timer, void *ctx);
long loop_add_process(struct loop *l, handle_t proc, loop_exit_fn on_exit, void *ctx);
long loop_add_irq(struct loop *l, handle_t irq, loop_irq_fn on_irq, void *ctx);
/* Unregisters a source (its handle stays open); drops the loop_calls pending on it without calling
 * their callbacks. ERR_NOT_FOUND if it is not registered. */
long loop_remove(struct loop *l, handle_t h);
/* Unregisters h if registered, then closes it; returns SYS_HANDLE_CLOSE's result. */
long loop_close(struct loop *l, handle_t h);
/* loop_closes m's handles from index first on, at most MSG_HANDLES_MAX whatever m->nhandles says. */
void loop_close_handles(struct loop *l, const struct warp_msg *m, unsigned first);
/* True if h is registered. */
bool loop_has(const struct loop *l, handle_t h);
/* Replaces a registered source's ctx; ERR_NOT_FOUND if it is not registered. */
long loop_set_ctx(struct loop *l, handle_t h, void *ctx);

/*
 * Sends msg as a call on ch, which must be a channel registered with l (ERR_NOT_FOUND otherwise):
 * sets msg->flags = MSG_CALL and a fresh msg->call_id, and routes the reply (EV_REPLY with that id)
 * to on_reply instead of the channel's handler. If the peer closes first, on_reply gets a MSG_ERROR
 * reply with status ERR_PEER_CLOSED. Returns 0 or the send's error (then on_reply is never called).
 */
long loop_call(struct loop *l, handle_t ch, struct warp_msg *msg, loop_msg_fn on_reply, void *ctx);
/* Sends msg on ch as it is (a reply, a one-way message); the send's result. */
long loop_send(struct loop *l, handle_t ch, const struct warp_msg *msg);
/* Replies to call_id on ch with ERROR(err); the send's result. */
long loop_reply_error(struct loop *l, handle_t ch, uint64_t call_id, long err);
/* Number of loop_calls waiting for a reply. */
unsigned loop_pending_calls(const struct loop *l);

/*
 * Timeouts are one-shot. A periodic job (lwIP's timers, a stats line) re-arms its timeout from its
 * own callback: the loop fires due timeouts and then waits until the earliest armed one, so a
 * timeout re-armed only outside its callback can be starved by a long wait.
 */

/* Prepares a timeout (disarmed). */
void loop_timeout_init(struct loop_timeout *t, loop_timeout_fn fn, void *ctx);
/* Arms t to fire once at the absolute time deadline (a past one fires at the next pass); re-arming
 * replaces the old deadline. */
void loop_timeout_set(struct loop *l, struct loop_timeout *t, uint64_t deadline);
/* Arms t to fire ns nanoseconds from now. */
void loop_timeout_after(struct loop *l, struct loop_timeout *t, uint64_t ns);
/* Disarms t; harmless if it is not armed. */
void loop_timeout_cancel(struct loop *l, struct loop_timeout *t);
/* Deadline of the earliest armed timeout, DEADLINE_FOREVER if none. */
uint64_t loop_next_deadline(const struct loop *l);
/* Fires the timeouts due at now that were armed before this call, earliest first (one armed during
 * it waits for the next, and with a deadline in the past so do those behind it); how many fired. */
unsigned loop_fire_timeouts(struct loop *l, uint64_t now);

/* Hands one event to its handler (what loop_run does after each wait). */
void loop_dispatch(struct loop *l, struct warp_event *ev);
/* Fires due timeouts, waits for one event (until the next timeout at most) and dispatches it.
 * Returns 0, or the wait's error other than ERR_TIMED_OUT. */
long loop_run_once(struct loop *l);
/* Runs until loop_stop (returns 0) or until a wait fails (returns its error). */
long loop_run(struct loop *l);
/* Makes loop_run return once the current handler is done. */
void loop_stop(struct loop *l);

/*
 * A blocking call for simple clients: sends msg as a call on ch and waits for its reply, which it
 * copies to *reply (if reply is not NULL; otherwise the reply's handles are closed). Returns the
 * reply's status, the ERROR reply's error, or the error of a system call (ERR_PEER_CLOSED if ch's
 * peer closes without answering). Sets msg->flags and msg->call_id.
 *
 * It adds ch for the duration to a private event queue (created on first use, kept), so ch must not
 * belong to another event queue at the time (ERR_ALREADY_EXISTS), e.g. to a loop's. Whatever else
 * arrives on ch meanwhile is consumed and dropped: messages' handles are closed and calls answered
 * ERROR(ERR_WOULD_BLOCK), and a peer-closed event is not seen again. Use it on channels whose peer
 * only answers (a client's connection), or before handing ch to a loop.
 */
long ipc_call_sync(handle_t ch, struct warp_msg *msg, struct warp_msg *reply);
/* OPENs uri as a call on ch with ipc_call_sync (init's channel, a service's control channel): the
 * channel the reply carries, or an error: ipc_call_sync's (an ERROR reply's status among them), or
 * ERR_BAD_FORMAT for a reply that is not an OPEN with one handle. */
long ipc_open_sync(handle_t ch, const char *uri);
