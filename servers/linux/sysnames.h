/* sysnames.h: Linux x86-64 system-call names, for the log line of an unimplemented call. */
#pragma once

#include <warp/types.h>

#define LX_SYSCALLS 451 /* numbers 0..450 (Linux 6.1's table) */

/* The call's name ("read", "exit_group", ...), or "unknown" for a number Linux does not assign. */
const char *sysnames_name(uint64_t nr);
