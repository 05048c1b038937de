/* lxfork.h: new processes (fork, clone without CLONE_THREAD) and what threads share of them. */
#pragma once

#include "lxabi.h"
#include "lxstate.h"

/* The clone flags a process (not a thread) may ask for: the exit signal, the tid writes, TLS, and
 * CLONE_VM only with CLONE_VFORK (posix_spawn's), which is served as a fork. DETACHED and UNTRACED
 * are ignored by Linux too. */
#define LXFORK_FLAGS                                                                        \
    (LX_CSIGNAL | LX_CLONE_VFORK | LX_CLONE_VM | LX_CLONE_SETTLS | LX_CLONE_PARENT_SETTID | \
     LX_CLONE_CHILD_SETTID | LX_CLONE_CHILD_CLEARTID | LX_CLONE_DETACHED | LX_CLONE_UNTRACED)

/* Sets c's registers to p's at its trap with rax 0, stack sp (0: p's) and, with CLONE_SETTLS in
 * flags, TLS tls; and c's FPU state to p's. 0, or a Warp error (a stack or TLS outside the user half). */
long lxfork_registers(struct lxproc *p, struct lxproc *c, uint64_t flags, uint64_t sp, uint64_t tls);

/* A new process for clone (not a thread) or fork: the child of p, started; its pid, or -EAGAIN
 * (tables full), -ENOMEM, -EINVAL (a stack or TLS outside the user half). */
int64_t lxfork_process(struct lxproc *p, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t ctid,
                       uint64_t tls);
