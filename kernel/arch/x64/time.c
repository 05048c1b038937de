/* time.c: the TSC as monotonic clock, calibrated against PIT channel 2 (Intel 8254 datasheet:
 * control word format, mode 0), gated through the PC/AT system control port 0x61. */
#include <arch.h>
#include <log.h>
#include "x64.h"

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_GATE 0x61 /* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output */

static uint64_t tsc_at_boot;
static uint64_t tsc_per_ms = 1000000; /* placeholder until calibrated (1 GHz) */

/* Busy-wait us microseconds (at most ~54 ms) with PIT channel 2 in one-shot mode. */
void pit_wait_us(uint32_t us)
{
    uint32_t count = (uint32_t)((uint64_t)PIT_HZ * us / 1000000);
    if (count > 0xffff)
        count = 0xffff;
    outb(PIT_GATE, (inb(PIT_GATE) & ~0x02) | 0x01); /* gate on, speaker off */
    /* Mode 0 (interrupt on terminal count): OUT2 rises when the count reaches zero; port 0x61
     * shows it in bit 5. */
    outb(PIT_CMD, 0xb0); /* channel 2, lo/hi byte, mode 0 */
    outb(PIT_CH2, count & 0xff);
    outb(PIT_CH2, count >> 8);
    /* Spin until OUT2 rises; bounded so a machine without a PIT cannot hang the boot. */
    for (uint64_t spins = 0; spins < 50000000 && !(inb(PIT_GATE) & 0x20); spins++)
        ;
}

/*
 * Measure the TSC rate against the PIT: TSC ticks across a 2 ms one-shot window, three times, and
 * keep the smallest. Under emulation the host may deschedule the virtual CPU, and a pause between
 * the PIT's terminal count and our seeing it only ever lengthens a window (a 65 ms pause once made
 * the clock run 14x slow and every deadline late); three pauses in a row are far less likely. The
 * PIT's 0.84 us tick keeps the error near 0.04%. Log lines before this use the 1 GHz guess. Boot
 * time is a feature: this costs 6 ms.
 */
#define TSC_CAL_WINDOW_US 2000
#define TSC_CAL_WINDOWS 3
void tsc_calibrate(void)
{
    tsc_at_boot = rdtsc();
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < TSC_CAL_WINDOWS; i++) {
        uint64_t t0 = rdtsc();
        pit_wait_us(TSC_CAL_WINDOW_US);
        uint64_t d = rdtsc() - t0;
        if (d < best)
            best = d;
    }
    uint64_t per_ms = best * 1000 / TSC_CAL_WINDOW_US;
    if (per_ms < 1000) {
        log_printf("time: PIT calibration failed, assuming a 1 GHz TSC");
        return;
    }
    tsc_per_ms = per_ms;
}

/* Monotonic as long as the TSC is: one CPU, and a TSC that keeps its rate (invariant TSC). */
uint64_t arch_time_ns(void)
{
    uint64_t d = rdtsc() - tsc_at_boot;
    /* Split to avoid overflow: whole milliseconds, then the remainder. */
    return d / tsc_per_ms * 1000000 + (d % tsc_per_ms) * 1000000 / tsc_per_ms;
}

uint64_t arch_cycles_per_ms(void)
{
    return tsc_per_ms;
}

/* TSC ticks per millisecond, for calibrating other timers. */
uint64_t tsc_ticks_per_ms(void)
{
    return tsc_per_ms;
}
