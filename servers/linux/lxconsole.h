/* lxconsole.h: the console streams (fds 1 and 2 at a process's start): lines to the log. */
#pragma once

#include "lxstate.h"

/* Adds n bytes to stream 1 or 2: each whole line goes to the log (a line past LXPROC_LINE_MAX in
 * pieces). */
void lxconsole_put(struct lxproc *p, uint32_t stream, const char *data, uint64_t n);
/* Sends what stream 1 or 2 holds of an unfinished line to the log. */
void lxconsole_flush(struct lxproc *p, uint32_t stream);
