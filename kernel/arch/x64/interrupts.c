/* interrupts.c: the x86-64 side of device interrupts: MSI messages, legacy INTx routing, port grants. */
#include <arch.h>
#include <cpu.h>
#include <mm/mm.h>
#include <warp/error.h>
#include <warp/string.h>
#include "x64.h"

/* Intel SDM vol. 3, 11.11: the address selects the destination APIC (8 bits, physical mode), the
 * data word the vector; fixed delivery and edge trigger are the zero fields. */
void arch_msi_message(uint32_t vector, uint64_t *address, uint32_t *data)
{
    *address = 0xfee00000ull | ((uint64_t)cpus[0].arch.apic_id << 12); /* physical destination */
    *data = vector;                                                    /* fixed delivery, edge */
}

/* Legacy line -> GSI, trigger and polarity through the MADT's overrides, from the bus's defaults
 * (*level, *low) where an override keeps them; then routed to vector, masked. */
static long intx_route(uint8_t line, uint32_t vector, bool level, bool low, uint32_t *gsi_out)
{
    uint32_t gsi = line;
    for (uint32_t i = 0; i < platform.noverrides; i++)
        /* MPS INTI flags (MP spec 1.4, table 4-10, reused by the MADT): polarity bits 1:0, trigger
         * bits 3:2; 01 high/edge, 11 low/level, 00 conforms to the bus: keep its default. */
        if (platform.overrides[i].irq == line) {
            uint16_t f = platform.overrides[i].flags;
            gsi = platform.overrides[i].gsi;
            if ((f & 3) == 1 || (f & 3) == 3)
                low = (f & 3) == 3;
            if (((f >> 2) & 3) == 1 || ((f >> 2) & 3) == 3)
                level = ((f >> 2) & 3) == 3;
        }
    long err = ioapic_route(gsi, vector, level, low, cpus[0].arch.apic_id);
    if (err == 0)
        *gsi_out = gsi;
    return err;
}

/* PCI lines default to level, active low. */
long arch_intx_route(uint8_t line, uint32_t vector, uint32_t *gsi_out)
{
    return intx_route(line, vector, true, true, gsi_out);
}

/* ISA lines default to edge, active high. */
long isa_irq_route(uint8_t irq, uint32_t vector, uint32_t *gsi_out)
{
    return intx_route(irq, vector, false, false, gsi_out);
}

/* gsi is what arch_intx_route reported. */
void arch_intx_mask(uint32_t gsi, bool masked)
{
    ioapic_mask(gsi, masked);
}

/* The local APIC's EOI, whichever way the interrupt came (MSI or I/O APIC). */
void arch_irq_eoi(void)
{
    lapic_eoi();
}

/* The bitmap is made at the first grant (8 KiB, all denied) and opened port by port; the TSS gets
 * a copy whenever the process runs (cpu_load_io_bitmap). Not IOPL 3: that would open every port. */
long arch_io_grant(struct arch_vm *avm, uint32_t port, uint32_t count)
{
    if (port + count > 65536 || count == 0)
        return ERR_INVALID_ARG;
    if (!avm->io_bitmap) {
        if (!(avm->io_bitmap = kmalloc(IO_BITMAP_BYTES)))
            return ERR_NO_MEMORY;
        memset(avm->io_bitmap, 0xff, IO_BITMAP_BYTES);
    }
    for (uint32_t p = port; p < port + count; p++)
        avm->io_bitmap[p / 8] &= (uint8_t) ~(1u << (p % 8));
    cpu_load_io_bitmap(avm); /* the grantee is the running process */
    return 0;
}
