/* ioapic.c: I/O APICs (Intel 82093AA datasheet): found through ACPI, every input masked until a driver asks. */
#include <log.h>
#include "x64.h"

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define REDIR_MASKED (1u << 16)

/* Read an I/O APIC register through its index/data window. */
static uint32_t ioapic_read(volatile uint32_t *regs, uint32_t reg) {
    regs[IOAPIC_REGSEL / 4] = reg;
    return regs[IOAPIC_WINDOW / 4];
}

/* Write an I/O APIC register through its index/data window. */
static void ioapic_write(volatile uint32_t *regs, uint32_t reg, uint32_t v) {
    regs[IOAPIC_REGSEL / 4] = reg;
    regs[IOAPIC_WINDOW / 4] = v;
}

/* Map an I/O APIC and mask all of its inputs. */
void ioapic_add(uint32_t id, paddr_t base, uint32_t gsi_base) {
    volatile uint32_t *regs = mmio_map(base, 4096);
    uint32_t pins = ((ioapic_read(regs, IOAPIC_VER) >> 16) & 0xff) + 1;
    for (uint32_t i = 0; i < pins; i++) {
        ioapic_write(regs, IOAPIC_REDTBL(i), REDIR_MASKED);
        ioapic_write(regs, IOAPIC_REDTBL(i) + 1, 0);
    }
    log_printf("apic: I/O APIC %u at %#lx, GSIs %u-%u, all masked", id, base, gsi_base, gsi_base + pins - 1);
}
