/* lxexec.h: execve: a new image for a Linux process, read from fs (or the initfs), loaded into a
 * fresh supervised process that takes the old one's place under the same pid (lxexec.c). */
#pragma once

#include "lxstack.h"
#include "lxstate.h"

#define LXEXEC_IMAGE_MAX (16u << 20) /* the largest binary execve reads (ENOMEM past it) */

/* A program's argv and envp (the strings are the caller's until lxexec_start copies them). */
struct lxexec_args {
    const char *argv[LXSTACK_STRINGS_MAX];
    uint32_t argc;
    const char *envp[LXSTACK_STRINGS_MAX];
    uint32_t envc;
};

/* The initfs, for binaries named by an initfs path (a manifest's relative `linux =`). */
void lxexec_init(const void *initfs, size_t initfs_size);

/* Starts p (a manifest program's record, not spawned yet) from the fs binary p->exe with args: the
 * binary is read, then spawned, loaded and started; a failure is logged and the record freed. */
void lxexec_start(struct lxproc *p, const struct lxexec_args *args);
