/* boot.h: what the boot loader told us, in an architecture-neutral form. */
#pragma once

#include <warp/types.h>

#define BOOT_MAX_RANGES 64
#define BOOT_CMDLINE_MAX 256

/* A range of physical memory from the firmware's map. */
struct boot_range {
    paddr_t base;
    uint64_t len;
    bool usable; /* free RAM the kernel may hand out */
};

struct boot_info {
    struct boot_range mem[BOOT_MAX_RANGES]; /* the firmware memory map */
    uint32_t nmem;
    struct boot_range reserved[16]; /* in-use ranges inside usable RAM: kernel, modules, ... */
    uint32_t nreserved;
    paddr_t initfs_base; /* the initfs archive (boot module), 0 if none */
    uint64_t initfs_size;
    paddr_t acpi_rsdp;              /* copy of the ACPI RSDP, 0 if the loader gave none */
    char cmdline[BOOT_CMDLINE_MAX]; /* kernel command line, NUL-terminated */
};

/* Entry into the portable kernel, once the arch code has a console and a clock. */
_Noreturn void kernel_main(struct boot_info *bi);
/* True when the kernel command line holds the word `opt`. */
bool boot_has_option(const struct boot_info *bi, const char *opt);
