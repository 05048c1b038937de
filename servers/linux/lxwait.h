/* lxwait.h: system calls that wait for readiness (accept, socket reads and writes, sendfile,
 * epoll_wait, poll): the trap stays unanswered and the call is tried again at each change. */
#pragma once

#include "lxsys.h"

/*
 * Called by a handler that cannot finish yet: keeps p's trap unanswered and runs fn(p, t) again
 * whenever something may have become ready (lxwait_wake), until it returns a result (the answer)
 * or goes asynchronous (returns LXSYS_NO_REPLY without calling lxwait_block). A signal that would
 * act ends the wait with -EINTR; deadline (SYS_CLOCK ns, 0: none) ends it with 0. When fn runs again
 * it calls lxwait_block again to go on waiting. Returns LXSYS_NO_REPLY (or -ENOMEM).
 */
int64_t lxwait_block(struct lxproc *p, const struct trap_info *t, lxsys_fn fn, uint64_t deadline);
/* True while p's waiting call is being tried again (the handler keeps its first deadline). */
bool lxwait_retrying(const struct lxproc *p);
/* Something changed (a socket's or pipe's state): every waiting call is tried again. */
void lxwait_wake(void);
/* The process is gone: its wait is dropped. */
void lxwait_end(struct lxproc *p);
