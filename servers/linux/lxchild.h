/* lxchild.h: the Linux process tree: parents, zombies until reaped, SIGCHLD, process groups and
 * sessions, signals between processes (lxchild.c; docs/linux-compat.md, Processes). */
#pragma once

#include "lxstate.h"

#define LXCHILD_TREE_MAX 32 /* processes (live and zombies) one manifest program's tree may hold */

/* True if p may make one more process (its tree's and the server's tables have room). */
bool lxchild_room(const struct lxproc *p);

/* p ends with wait status status: its parent gets its exit signal and keeps it as a zombie (unless
 * it reaps automatically: SIGCHLD ignored or SA_NOCLDWAIT), its children become orphans (reaped by
 * nobody's wait: at their end), its zombies go. Waits that may now finish are tried again. */
void lxchild_end(struct lxproc *p, int32_t status);

/* kill's delivery: sig (0: only the checks) from p to pid as kill reads it (> 0 a process, 0 p's
 * group, -1 every other process of p's tree, < -1 the group -pid). 0 or -ESRCH; only p's tree is seen. */
int64_t lxchild_kill(struct lxproc *p, int32_t pid, int sig);
