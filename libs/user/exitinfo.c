/* exitinfo.c: names of CPU exception vectors and one-line descriptions of a process's end. */
#include <warp/exitinfo.h>
#include <warp/fmt.h>

/* x86-64 exception names by vector (Intel SDM vol. 3, table 6-1). */
static const char *const exitinfo_vectors[] = {
    [0] = "divide error",          [1] = "debug exception",
    [2] = "NMI",                   [3] = "breakpoint",
    [4] = "overflow",              [5] = "bound range exceeded",
    [6] = "invalid opcode",        [7] = "device not available",
    [8] = "double fault",          [10] = "invalid TSS",
    [11] = "segment not present",  [12] = "stack-segment fault",
    [13] = "general protection fault", [14] = "page fault",
    [16] = "x87 floating-point error", [17] = "alignment check",
    [18] = "machine check",        [19] = "SIMD floating-point exception",
    [20] = "virtualization exception", [21] = "control protection exception",
};

/* Returns the exception's name, or "exception" for vectors without one. */
const char *exitinfo_vector_name(uint32_t vector)
{
    size_t n = sizeof(exitinfo_vectors) / sizeof(exitinfo_vectors[0]);
    if (vector < n && exitinfo_vectors[vector])
        return exitinfo_vectors[vector];
    return "exception";
}

/* Describes a fault: page faults carry the address, the others the vector and error code. */
static int exitinfo_fault(char *buf, size_t size, const struct exit_info *info)
{
    const char *name = exitinfo_vector_name(info->vector);
    if (info->vector == 14)
        return fmt_snprintf(buf, size, "faulted: %s at rip 0x%llx addr 0x%llx (error 0x%llx)", name,
                            (unsigned long long)info->rip, (unsigned long long)info->fault_addr,
                            (unsigned long long)info->error_code);
    return fmt_snprintf(buf, size, "faulted: %s (vector %u) at rip 0x%llx (error 0x%llx)", name,
                        info->vector, (unsigned long long)info->rip,
                        (unsigned long long)info->error_code);
}

/* Describes how a process ended, for log lines such as "init: hello exited with code 0". */
int exitinfo_describe(char *buf, size_t size, const struct exit_info *info)
{
    switch (info->reason) {
    case EXIT_NORMAL:
        return fmt_snprintf(buf, size, "exited with code %d", info->code);
    case EXIT_FAULT:
        return exitinfo_fault(buf, size, info);
    case EXIT_KILLED:
        return fmt_snprintf(buf, size, "was killed");
    default:
        return fmt_snprintf(buf, size, "ended for an unknown reason %d", info->reason);
    }
}
