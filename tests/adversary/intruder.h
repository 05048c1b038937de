/* intruder.h: the adversary's access-control attacks and its restart request (intruder.c). */
#pragma once

#include <warp/types.h>

/*
 * Serves a command line the adversary did not recognise; the answer ("ok ...\n" or "error ...\n")
 * goes to out:
 *
 *   intrude         every attempt of an undeclared or unprivileged process (intruder.c): each must be
 *                   refused with its error; "ok intrude N refused" or "error intrude: <first miss>"
 *   restart NAME    asks init to restart service NAME (an admin-only request)
 *
 * Anything else: "error unknown command".
 */
void intruder_command(const char *cmd, char *out, size_t size);
