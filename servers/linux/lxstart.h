/* lxstart.h: a Linux process's Warp side: its spawn, its watch in the server's loop, its start and
 * its end (the exit event). */
#pragma once

#include <warp/types.h>

#include "lxstate.h"

/* The handlers of supervision channels (lxtrap.c's, given by main: the traps call back here). */
void lxstart_init(const struct loop_channel_handlers *traps);

/* Spawns the empty supervised process for p (p->proc, p->ch), its quota p->pages. */
long lxstart_spawn(struct lxproc *p);

/* Puts p's supervision channel and process in the loop (traps: lxtrap.c; the end: below). */
long lxstart_watch(struct lxproc *p);

/* Starts p (loaded, watched); logs and kills it on failure (its exit event frees the record). */
long lxstart_go(struct lxproc *p);

/* Kills p's process (spawned, not yet watched) and closes its handles; nothing if none. */
void lxstart_unspawn(struct lxproc *p);

/* Undoes a start that failed before lxstart_go: the process (if spawned) killed and its handles
 * closed, the record's files freed, the record given back. */
void lxstart_abandon(struct lxproc *p);
