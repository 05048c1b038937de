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
 *   openflood NAME  many OPENs of service/NAME at init at once; "ok openflood NAME sent N opened N
 *                   refused N full N other N waiting N" (refused: ERR_NO_RESOURCES, full:
 *                   ERR_QUEUE_FULL, waiting: not answered within a second)
 *   open NAME       one OPEN of service/NAME, timed: "ok open NAME in T ms" or "error open NAME: ..."
 *
 * Anything else: "error unknown command".
 */
void intruder_command(const char *cmd, char *out, size_t size);
