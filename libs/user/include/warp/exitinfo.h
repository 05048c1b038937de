/* exitinfo.h: human-readable descriptions of how a process ended (struct exit_info). */
#pragma once

#include <warp/abi.h>

/* Name of a portable fault kind (enum fault_kind: "memory fault", "illegal instruction", ...). */
const char *exitinfo_kind_name(uint32_t kind);

/*
 * Describes an ended process in buf (always NUL-terminated), as the rest of a sentence starting with
 * its name: "exited with code 0", "faulted: memory fault at rip 0x401000 addr 0x0 (vector 14, error 0x6)",
 * "was killed". Returns the length snprintf would have produced.
 */
int exitinfo_describe(char *buf, size_t size, const struct exit_info *info);
