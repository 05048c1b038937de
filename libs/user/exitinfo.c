/* exitinfo.c: one-line descriptions of how a process ended, in the kernel's portable fault kinds. */
#include <warp/exitinfo.h>
#include <warp/fmt.h>

/* Names of the portable fault kinds (enum fault_kind in warp/abi.h). */
static const char *const exitinfo_kinds[] = {
    [FAULT_MEMORY] = "memory fault",
    [FAULT_PROTECTION] = "protection fault",
    [FAULT_ILLEGAL] = "illegal instruction",
    [FAULT_ARITHMETIC] = "arithmetic fault",
    [FAULT_DEBUG] = "debug trap",
    [FAULT_OTHER] = "fault",
};

/* Returns the kind's name, or "fault" for a kind this program does not know. */
const char *exitinfo_kind_name(uint32_t kind)
{
    size_t n = sizeof(exitinfo_kinds) / sizeof(exitinfo_kinds[0]);
    return kind < n && exitinfo_kinds[kind] ? exitinfo_kinds[kind] : "fault";
}

/* Describes a fault: memory faults carry the address; the architecture's own numbers follow. */
static int exitinfo_fault(char *buf, size_t size, const struct exit_info *info)
{
    const char *name = exitinfo_kind_name(info->kind);
    if (info->kind == FAULT_MEMORY)
        return fmt_snprintf(buf, size, "faulted: %s at rip 0x%llx addr 0x%llx (vector %u, error 0x%llx)",
                            name, (unsigned long long)info->rip, (unsigned long long)info->fault_addr,
                            info->vector, (unsigned long long)info->error_code);
    return fmt_snprintf(buf, size, "faulted: %s at rip 0x%llx (vector %u, error 0x%llx)", name,
                        (unsigned long long)info->rip, info->vector, (unsigned long long)info->error_code);
}

/* Describes how a process ended, for log lines such as "init: hello exited with code 0". */
int exitinfo_describe(char *buf, size_t size, const struct exit_info *info)
{
    switch (info->reason) {
    case EXIT_NORMAL: return fmt_snprintf(buf, size, "exited with code %d", info->code);
    case EXIT_FAULT: return exitinfo_fault(buf, size, info);
    case EXIT_KILLED: return fmt_snprintf(buf, size, "was killed");
    default: return fmt_snprintf(buf, size, "ended for an unknown reason %d", info->reason);
    }
}
