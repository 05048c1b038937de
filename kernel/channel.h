/* channel.h: channel ends, messages in flight, and calls awaiting replies. */
#pragma once

#include <object.h>

struct handle_table;
struct proc;
struct quota;

/* A message queued in the kernel; moved handles travel as object references. */
struct kmsg {
    struct kmsg *next;
    struct warp_msg m; /* as sent; m.handles is unused here */
    struct kobj *objs[MSG_HANDLES_MAX];
    uint32_t rights[MSG_HANDLES_MAX];
    uint32_t nends;        /* of objs, channel ends: channel_gc passes over messages carrying none */
    struct call *call;     /* the call record when m is a call */
    struct quota *charged; /* the sender's account (LIMIT_MESSAGES) while queued; else NULL */
};

/* A call from its sending to the delivery of its reply. */
struct call {
    uint64_t id;              /* the caller's id */
    struct endpoint *caller;  /* the end the reply goes to; NULL once it closed */
    struct proc *caller_proc; /* referenced: its memory holds the buffers */
    struct call *out_next;    /* in caller->out while unanswered */
    struct call *in_next;     /* in callee->in while received, then in caller->replies */
    uint32_t nbufs;
    struct msg_buf bufs[MSG_BUFS_MAX];
    struct kmsg req;   /* the call message itself, while queued at the callee */
    struct kmsg reply; /* reserved at send time so a reply never fails for memory */
};

struct endpoint {
    struct kobj obj;
    struct endpoint *peer;        /* NULL once the peer closed */
    struct kmsg *q_head, *q_tail; /* incoming messages and calls */
    uint32_t q_len;
    struct call *out; /* calls this end sent, unanswered */
    uint32_t n_out;
    struct call *in;                          /* calls this end received, unanswered */
    struct call *replies_head, *replies_tail; /* answered calls of ours, reply not yet taken */
    struct call *spare_call;                  /* the record of our last finished call, for the next */
    bool peer_closed;
    bool peer_closed_reported;
    bool gc_live;                               /* channel_gc: reachable from some handle table */
    uint32_t gc_inner;                          /* channel_gc: references from unheld ends' queues */
    struct endpoint *gc_work;                   /* channel_gc's work list */
    struct endpoint *unheld_prev, *unheld_next; /* on the list of ends no handle table names */
    struct quota *charged;                      /* the creator's account (LIMIT_CHANNELS), held by one end */
    struct eq_link link;
};

/* Two connected ends, one reference each; ERR_NO_MEMORY. */
long channel_create(struct endpoint **a, struct endpoint **b);
/* Send a message, call or reply from process p (m validated here, handles moved on success). */
long channel_send(struct proc *p, struct endpoint *ep, const struct warp_msg *m);
/* Next reply or message (its handles installed in t); ERR_WOULD_BLOCK, ERR_PEER_CLOSED, ERR_NO_RESOURCES. */
long channel_recv(struct endpoint *ep, struct handle_table *t, struct warp_msg *out);
/*
 * Close the ends nobody can ever read again: ends reachable from no handle table, only from the queues
 * of other such ends (a channel end sent into the channel that carries the other end, and longer
 * cycles). The sweep of channel ends (obj_sweep) after handles to them were closed.
 */
void channel_gc(void);
/* Copy the used parts of a message: header, data[0..data_len), bufs[0..nbufs) (counts trusted). */
void msg_copy(struct warp_msg *dst, const struct warp_msg *src);
/* Copy a message from user memory, reading only what its counts cover; ERR_INVALID_ARG, ERR_BAD_ADDRESS. */
long msg_copy_from_user(struct warp_msg *m, uaddr_t u);
/* Copy a message to user memory at u, writing only what its counts cover, preceded by the bytes from
 * base up to m (an event's head; base == m for none): the head, header and data go in one copy. */
long msg_copy_to_user(uaddr_t u, const void *base, const struct warp_msg *m);
/* SYS_CALL_READ / SYS_CALL_WRITE: copy between p's memory and a pending call's buffer. */
long channel_copy(struct proc *p, struct endpoint *ep, uint64_t call_id, uint32_t buf, uint64_t offset,
                  uaddr_t uaddr, uint64_t len, bool to_caller);
