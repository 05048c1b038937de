/* lxload.h: loading a static Linux binary into an empty supervised process. */
#pragma once

#include "lxstate.h"

#define LXLOAD_STACK_SIZE (1ull << 20)  /* the main stack: 1 MiB, mapped at once (no lazy memory) */
#define LXLOAD_STACK_TOP USER_STACK_TOP /* its top; the page above stays unmapped */
#define LXLOAD_UID 1000                 /* the uid and gid a Linux process sees (no users yet) */

/*
 * Checks the binary (len bytes at image), maps its segments into p's process (read-write, written,
 * then protected as the segments ask), maps the stack with argv (argc strings), envp (envc strings)
 * and the auxv, and sets the registers for its entry. Returns 0, ERR_BAD_FORMAT or ERR_NOT_SUPPORTED
 * (lxelf_parse), ERR_TOO_LARGE (arguments over the stack's first page), or a mapping's or copy's
 * error as a Warp code. On failure the caller kills the process (what was mapped goes with it).
 */
long lxload(struct lxproc *p, const void *image, uint64_t len, const char *const *argv, uint32_t argc,
            const char *const *envp, uint32_t envc);
