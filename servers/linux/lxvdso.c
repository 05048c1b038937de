/* lxvdso.c: maps the vDSO into a Linux process, with the kernel's clock page that it reads. */
#include "lxvdso.h"

#include <warp/user.h>

#include "lxmem.h"

/* The linked vDSO (lxvdso_image.S includes it). */
extern const uint8_t lxvdso_image[], lxvdso_image_end[];

long lxvdso_map(struct lxproc *p)
{
    uint64_t len = (uint64_t)(lxvdso_image_end - lxvdso_image);
    uint64_t span = (len + LXMEM_PAGE - 1) / LXMEM_PAGE * LXMEM_PAGE;
    long r = warp_clock_map(p->proc, LXVDSO_CLOCK);
    if (r < 0)
        return r;
    if (lxmem_map(p, LXVDSO_BASE, span, PROT_READ | PROT_WRITE) < 0)
        return ERR_NO_MEMORY;
    if (lxmem_write(p, LXVDSO_BASE, lxvdso_image, len) < 0)
        return ERR_BAD_ADDRESS;
    return lxmem_protect(p, LXVDSO_BASE, LXVDSO_BASE + span, PROT_READ | PROT_EXEC) < 0 ? ERR_NO_MEMORY : 0;
}
