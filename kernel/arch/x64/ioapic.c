/* ioapic.c: I/O APICs (Intel 82093AA datasheet): found through ACPI, every input masked until a driver asks. */
#include <log.h>
#include <warp/error.h>
#include "x64.h"

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define REDIR_MASKED (1u << 16)

/* Read an I/O APIC register through its index/data window. */
static uint32_t ioapic_read(volatile uint32_t *regs, uint32_t reg)
{
    regs[IOAPIC_REGSEL / 4] = reg;
    return regs[IOAPIC_WINDOW / 4];
}

/* Write an I/O APIC register through its index/data window. */
static void ioapic_write(volatile uint32_t *regs, uint32_t reg, uint32_t v)
{
    regs[IOAPIC_REGSEL / 4] = reg;
    regs[IOAPIC_WINDOW / 4] = v;
}

static struct {
    volatile uint32_t *regs;
    uint32_t gsi_base, pins;
} ioapics[PLATFORM_MAX_IOAPICS];
static uint32_t nioapics;

/* The I/O APIC serving gsi, with the pin index in *pin; NULL if none. */
static volatile uint32_t *ioapic_for(uint32_t gsi, uint32_t *pin)
{
    for (uint32_t i = 0; i < nioapics; i++)
        if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].pins) {
            *pin = gsi - ioapics[i].gsi_base;
            return ioapics[i].regs;
        }
    return NULL;
}

/* Destination word first, then the low word with the mask set (82093AA datasheet, 3.2.4): the
 * entry is never live half written, and it stays masked until the interrupt object unmasks it. */
long ioapic_route(uint32_t gsi, uint32_t vector, bool level, bool active_low, uint32_t apic_id)
{
    uint32_t pin;
    volatile uint32_t *regs = ioapic_for(gsi, &pin);
    if (!regs)
        return ERR_NOT_FOUND;
    ioapic_write(regs, IOAPIC_REDTBL(pin) + 1, apic_id << 24);
    ioapic_write(regs, IOAPIC_REDTBL(pin),
                 vector | (level ? 1u << 15 : 0) | (active_low ? 1u << 13 : 0) | REDIR_MASKED);
    return 0;
}

/* Read-modify-write of the low word: vector, trigger and polarity stay as routed. */
void ioapic_mask(uint32_t gsi, bool masked)
{
    uint32_t pin;
    volatile uint32_t *regs = ioapic_for(gsi, &pin);
    if (!regs)
        return;
    uint32_t v = ioapic_read(regs, IOAPIC_REDTBL(pin));
    ioapic_write(regs, IOAPIC_REDTBL(pin), masked ? v | REDIR_MASKED : v & ~REDIR_MASKED);
}

/* Map an I/O APIC and mask all of its inputs. */
void ioapic_add(uint32_t id, paddr_t base, uint32_t gsi_base)
{
    volatile uint32_t *regs = mmio_map(base, 4096);
    /* IOAPICVER bits 23:16 hold the highest entry's index (3.2.2). */
    uint32_t pins = ((ioapic_read(regs, IOAPIC_VER) >> 16) & 0xff) + 1;
    if (nioapics < PLATFORM_MAX_IOAPICS)
        ioapics[nioapics++] = (typeof(ioapics[0])){regs, gsi_base, pins};
    for (uint32_t i = 0; i < pins; i++) {
        ioapic_write(regs, IOAPIC_REDTBL(i), REDIR_MASKED);
        ioapic_write(regs, IOAPIC_REDTBL(i) + 1, 0);
    }
    log_printf("apic: I/O APIC %u at %#lx, GSIs %u-%u, all masked", id, base, gsi_base, gsi_base + pins - 1);
}
