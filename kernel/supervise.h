/* supervise.h: supervised processes: made empty and started by a supervisor, which gets their system
 * calls and CPU exceptions as MSG_TRAP calls and answers them (docs/linux-compat.md). */
#pragma once

#include <warp/types.h>

struct endpoint;
struct eventq;
struct kobj;
struct proc;

enum sup_state {
    SUP_NEW = 1, /* never started: waits (on eq) for SYS_PROC_START before its first user instruction */
    SUP_RUNNING, /* in user mode, or in the kernel for anything but a trap */
    SUP_TRAPPED, /* stopped in a trap until its supervisor replies */
};

/* The supervision of one process (struct proc's sup). */
struct supervision {
    struct endpoint *ep;  /* the kernel's end of the supervision channel (referenced) */
    struct eventq *eq;    /* a queue of the kernel's with ep as its one member (referenced) */
    enum sup_state state; /* meaningful while the process lives */
    uint64_t next_call;   /* the call id of the last trap */
    bool interrupt;       /* SYS_PROC_INTERRUPT asked for a TRAP_INTERRUPT before it next runs */
};

/* A supervision not yet attached (its queue made): NULL when memory is out. */
struct supervision *supervise_new(void);
/* Free one that was never attached (the spawn failed). */
void supervise_free(struct supervision *sv);
/* Make the new process p (not yet run) supervised by sv through channel end `end`, whose reference
 * it takes over; the end was named by one handle only, now taken. Cannot fail. */
void supervise_attach(struct proc *p, struct supervision *sv, struct kobj *end);
/* True when p is supervised and stopped: not started yet, or in a trap. */
bool supervise_stopped(const struct proc *p);
/* SYS_PROC_START: let a new supervised process run; ERR_BAD_STATE if it was started already. */
long supervise_start(struct proc *p);
/* SYS_PROC_INTERRUPT: stop a running supervised process with a TRAP_INTERRUPT before it runs user
 * code again; ERR_BAD_STATE if it is not running (not started, in a trap, or ended). */
long supervise_interrupt(struct proc *p);
