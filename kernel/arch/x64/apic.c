/* apic.c: local APIC (xAPIC MMIO or x2APIC MSRs, Intel SDM vol. 3 ch. 11), its timer, the 8259s. */
#include <log.h>
#include "x64.h"

#define LAPIC_ID 0x20
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)

static volatile uint32_t *lapic_mmio; /* NULL in x2APIC mode */

/* Read a local APIC register by its xAPIC offset. */
static uint32_t lapic_read(uint32_t reg)
{
    if (!lapic_mmio)
        return (uint32_t)rdmsr(0x800 + (reg >> 4));
    return lapic_mmio[reg / 4];
}

/* Write a local APIC register by its xAPIC offset. */
static void lapic_write(uint32_t reg, uint32_t v)
{
    if (!lapic_mmio)
        wrmsr(0x800 + (reg >> 4), v);
    else
        lapic_mmio[reg / 4] = v;
}

/* Remap the 8259 pair away from the exception vectors (ICW1-ICW4, Intel 8259A datasheet), then
 * mask every line. Remapped first, so that a stray interrupt from them (a spurious IRQ 7 or 15)
 * lands on vectors of its own, never on a CPU exception's. */
void pic_disable(void)
{
    static const uint8_t init[2][4] = {{0x11, VEC_PIC_BASE, 4, 1}, {0x11, VEC_PIC_BASE + 8, 2, 1}};
    for (int i = 0; i < 2; i++) {
        uint16_t cmd = i ? 0xa0 : 0x20;
        outb(cmd, init[i][0]);
        for (int w = 1; w < 4; w++)
            outb(cmd + 1, init[i][w]);
    }
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

/* Enable this CPU's local APIC, in x2APIC mode when the CPU has it. */
void lapic_init(paddr_t base)
{
    uint64_t msr = rdmsr(MSR_APIC_BASE) | (1u << 11); /* global enable */
    if (cpu_features.x2apic) {
        wrmsr(MSR_APIC_BASE, msr | (1u << 10));
        lapic_mmio = NULL;
    } else {
        wrmsr(MSR_APIC_BASE, msr);
        lapic_mmio = mmio_map(base, 4096);
    }
    lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS); /* software enable */
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
}

/* 0, as x2APIC mode requires: a non-zero write to its EOI register faults. */
void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

/* xAPIC keeps the 8-bit id in bits 31:24; x2APIC reads the whole 32-bit id. */
uint32_t lapic_id(void)
{
    uint32_t id = lapic_read(LAPIC_ID);
    return lapic_mmio ? id >> 24 : id;
}

/* Calibrate the timer against the TSC over 5 ms, then start it periodic at hz. */
void lapic_timer_start(uint32_t hz)
{
    lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
    lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
    uint64_t until = rdtsc() + tsc_ticks_per_ms() * 5;
    while (rdtsc() < until)
        ;
    uint32_t per_5ms = 0xffffffff - lapic_read(LAPIC_TIMER_CUR);
    uint32_t count = (uint32_t)((uint64_t)per_5ms * 200 / hz);
    if (count == 0)
        count = 1;
    lapic_write(LAPIC_TIMER_INIT, 0);
    lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
    lapic_write(LAPIC_TIMER_INIT, count);
    log_printf("apic: local APIC id %u (%s), timer %u Hz (%u bus ticks/ms)", lapic_id(),
               lapic_mmio ? "xAPIC" : "x2APIC", hz, per_5ms / 5 * 16);
}
