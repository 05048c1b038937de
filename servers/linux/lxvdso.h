/* lxvdso.h: the vDSO (servers/linux/vdso) and the kernel's clock page, mapped into a Linux process. */
#pragma once

#include <warp/abi.h>

#include "lxstate.h"

/* Where every process gets them: the clock page, then the vDSO image in the pages above it (the
 * image reads the page at a fixed offset below itself). Below the kernel-chosen mmap area, far
 * above any binary's segments and heap. */
#define LXVDSO_CLOCK (USER_VM_BASE - 0x10000ull)
#define LXVDSO_BASE (LXVDSO_CLOCK + 4096)

/* Maps the clock page and the vDSO image (written, then made read-execute) into p; 0 or a Warp
 * error. The image's pages are an ordinary mapping of p's (munmap may take them, as on Linux); the
 * clock page is the kernel's and stays for p's life. */
long lxvdso_map(struct lxproc *p);
