/* lxsig.h: signal delivery: pending signals, handler frames, waits a signal ends, SIGALRM's timer. */
#pragma once

#include <warp/abi.h>

#include "lxstate.h"

#define LXSIG_BIT(sig) (1ull << ((sig)-1))
#define LXSIG_DFL 0 /* sa_handler values */
#define LXSIG_IGN 1
#define LXSIG_UNBLOCKABLE (LXSIG_BIT(9) | LXSIG_BIT(19)) /* SIGKILL, SIGSTOP */

/* p->sig.wait: why a trap stays unanswered */
#define LXSIG_WAIT_NONE 0
#define LXSIG_WAIT_SLEEP 1  /* nanosleep: its timeout or a signal ends it */
#define LXSIG_WAIT_SIGNAL 2 /* pause, rt_sigsuspend: only a signal ends it */

/* True if sig's current disposition ignores it (SIG_IGN, or SIG_DFL with a default of nothing). */
bool lxsig_ignored(const struct lxproc *p, int sig);

/* The thread of p's group that takes a process-directed signal sig: one that does not block it
 * (the leader first), else one still running, else the leader. */
struct lxproc *lxsig_target(struct lxproc *p, int sig);

/* Makes sig (1-64) pending with si_code code; an ignored one that is not blocked is dropped. Acted on at the next
 * answer to a trap (lxsig_reply) or, raised from outside a trap, by lxsig_kick. */
void lxsig_raise(struct lxproc *p, int sig, int32_t code);

/* lxsig_raise with the siginfo's origin: the sender's pid for SI_USER (0: itself), or for CLD_*
 * the child's pid and its exit code or signal. A signal already pending keeps its first siginfo. */
void lxsig_raise_from(struct lxproc *p, int sig, int32_t code, uint32_t from, int32_t status);

/* As the kernel's force_sig: sig is unblocked and, if ignored, set back to SIG_DFL, then raised. */
void lxsig_force(struct lxproc *p, int sig);

/*
 * Answers the system-call trap call_id with result, as Linux returns to user mode: each pending
 * signal the mask lets through is acted on first (dropped if ignored; SIG_DFL ends the process, and
 * then no answer goes; a handler gets a frame, result being the rax it saved).
 */
void lxsig_reply(struct lxproc *p, uint64_t call_id, int64_t result);

/* A CPU exception (TRAP_FAULT call call_id): its handler runs, or (none, blocked or ignored) the
 * signal ends the process, as Linux forces it. */
void lxsig_fault(struct lxproc *p, uint64_t call_id, int sig, const struct trap_info *t);

/* The stop lxsig_kick asked for (TRAP_INTERRUPT call call_id): pending signals are acted on. */
void lxsig_interrupt(struct lxproc *p, uint64_t call_id);

/* After a signal was raised outside a trap (a timer): a process waiting in pause, rt_sigsuspend or
 * nanosleep is answered -EINTR, a running one is stopped (SYS_PROC_INTERRUPT); only when a pending
 * signal would act. */
void lxsig_kick(struct lxproc *p);

/* Keeps the current trap unanswered until a signal acts (kind LXSIG_WAIT_SIGNAL) or, for
 * LXSIG_WAIT_SLEEP, until deadline (then 0); interrupted, nanosleep's time left goes to rem
 * (nonzero). Returns LXSYS_NO_REPLY. */
int64_t lxsig_wait(struct lxproc *p, uint8_t kind, uint64_t deadline, uint64_t rem);

/* The process is gone: its timers stop. */
void lxsig_release(struct lxproc *p);
