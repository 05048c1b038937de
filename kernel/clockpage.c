/* clockpage.c: one page describing the monotonic clock (warp/abi.h, struct clock_page), filled at
 * boot from the port's description and shared read-only by every process that maps it. */
#include <arch.h>
#include <clockpage.h>
#include <log.h>
#include <mm/mm.h>
#include <warp/abi.h>

static paddr_t clock_frame;

void clock_page_init(void)
{
    if (pmm_alloc(1, &clock_frame) < 0)
        PANIC("clock page: no memory");
    struct clock_page *page = arch_phys_to_virt(clock_frame);
    arch_clock_describe(page);
}

long clock_page_map(struct vm_space *vs, uaddr_t addr)
{
    return vm_map_phys(vs, addr, clock_frame, 1, PROT_READ, VM_SHARED, NULL);
}
