/* exitinfo.h: human-readable descriptions of how a process ended (struct exit_info). */
#pragma once

#include <warp/abi.h>

/* Name of a CPU exception vector ("page fault", "general protection fault", ...). */
const char *exitinfo_vector_name(uint32_t vector);

/*
 * Describes an ended process in buf (always NUL-terminated), as the rest of a sentence starting with
 * its name: "exited with code 0", "faulted: page fault at rip 0x401000 addr 0x0 (error 0x6)",
 * "was killed". Returns the length snprintf would have produced.
 */
int exitinfo_describe(char *buf, size_t size, const struct exit_info *info);
