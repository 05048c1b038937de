/* clockpage.h: the clock page, which lets user mode read the monotonic clock (SYS_CLOCK_MAP). */
#pragma once

#include <vm.h>

/* Allocate and fill the page (after the page allocator is up); panics if there is no page. */
void clock_page_init(void);
/* Map it read-only at addr (page-aligned, free) in vs; the page tables it adds are charged to vs's
 * quota: ERR_NO_MEMORY, or ERR_NO_RESOURCES when the region table is full. */
long clock_page_map(struct vm_space *vs, uaddr_t addr);
