/* time.c: the TSC as monotonic clock, calibrated against PIT channel 2 (Intel 8254 datasheet:
 * control word format, mode 0), gated through the PC/AT system control port 0x61. */
#include <arch.h>
#include <log.h>
#include <warp/abi.h>
#include "x64.h"

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_GATE 0x61 /* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output */

/* The clock: the TSC from its value at boot, at its calibrated rate (a 1 GHz placeholder until
 * then); what SYS_CLOCK_MAP's page describes to user space. */
static struct clock_page tsc_clock = {
    .version = CLOCK_PAGE_VERSION,
    .source = CLOCK_SOURCE_TSC,
    .counter_per_ms = 1000000,
};

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
 * The TSC's rate, measured against PIT channel 2 counting down (mode 0, from 0xffff: 55 ms before it
 * wraps). Both clocks run in real time, so the rate is the TSC's ticks between two readings of the
 * PIT's count divided by the PIT's ticks between them: a pause of the virtual CPU anywhere between the
 * readings lengthens both alike and changes nothing (measuring the TSC across a PIT wait instead,
 * as this did, counted the pause between the terminal count and our seeing it: under a loaded host
 * the clock ran 2x slow and deadlines fired late). Only a pause inside one reading (between the
 * TSC reads around the latch) matters, so each reading is the one with the smallest such spread of
 * a few tries, taken at its midpoint. Three measurements of 2 ms (the PIT's 0.84 us tick keeps the
 * error near 0.04%); the median is kept, so one that a pause over 55 ms made wrap is outvoted. Log
 * lines before this use the 1 GHz guess. Boot time is a feature: this costs about 6 ms.
 */
#define PIT_LATCH_CH2 0x80      /* counter latch command for channel 2 */
#define TSC_CAL_PIT_TICKS 2387u /* 2 ms of the PIT */
#define TSC_CAL_RUNS 3
#define TSC_CAL_TRIES 5

struct pit_reading {
    uint16_t count;
    uint64_t tsc;    /* the TSC at the reading (midpoint of the two around it) */
    uint64_t spread; /* TSC ticks between those two */
};

/* One reading of channel 2's count with the TSC around it. */
static struct pit_reading pit_read(void)
{
    uint64_t t0 = rdtsc();
    outb(PIT_CMD, PIT_LATCH_CH2);
    uint16_t lo = inb(PIT_CH2);
    uint16_t hi = inb(PIT_CH2);
    uint64_t t1 = rdtsc();
    return (struct pit_reading){(uint16_t)(lo | hi << 8), t0 + (t1 - t0) / 2, t1 - t0};
}

/* The reading with the smallest spread of TSC_CAL_TRIES. */
static struct pit_reading pit_read_best(void)
{
    struct pit_reading best = pit_read();
    for (int i = 1; i < TSC_CAL_TRIES; i++) {
        struct pit_reading r = pit_read();
        if (r.spread < best.spread)
            best = r;
    }
    return best;
}

/* TSC ticks per ms over one measurement; 0 if the PIT did not count. */
static uint64_t tsc_measure(void)
{
    outb(PIT_GATE, (inb(PIT_GATE) & ~0x02) | 0x01); /* gate on, speaker off */
    outb(PIT_CMD, 0xb0);                            /* channel 2, lo/hi byte, mode 0 */
    outb(PIT_CH2, 0xff);
    outb(PIT_CH2, 0xff);
    struct pit_reading a = pit_read_best();
    uint16_t ticks = 0;
    for (uint64_t spins = 0; spins < 50000000 && ticks < TSC_CAL_PIT_TICKS; spins++)
        ticks = (uint16_t)(a.count - pit_read().count);
    if (ticks < TSC_CAL_PIT_TICKS)
        return 0;
    struct pit_reading b = pit_read_best();
    ticks = (uint16_t)(a.count - b.count);
    return (b.tsc - a.tsc) * PIT_HZ / ((uint64_t)ticks * 1000);
}

void tsc_calibrate(void)
{
    tsc_clock.counter_at_zero = rdtsc();
    uint64_t m[TSC_CAL_RUNS];
    for (int i = 0; i < TSC_CAL_RUNS; i++)
        m[i] = tsc_measure();
    for (int i = 1; i < TSC_CAL_RUNS; i++) /* sort the few measurements */
        for (int j = i; j > 0 && m[j] < m[j - 1]; j--) {
            uint64_t t = m[j];
            m[j] = m[j - 1];
            m[j - 1] = t;
        }
    uint64_t per_ms = m[TSC_CAL_RUNS / 2];
    if (per_ms < 1000) {
        log_printf("time: PIT calibration failed, assuming a 1 GHz TSC");
        return;
    }
    tsc_clock.counter_per_ms = per_ms;
    log_printf("time: TSC at %llu.%03llu MHz (the PIT's measurements: %llu, %llu, %llu kHz)",
               (unsigned long long)(per_ms / 1000), (unsigned long long)(per_ms % 1000),
               (unsigned long long)m[0], (unsigned long long)m[1], (unsigned long long)m[2]);
}

/* Monotonic as long as the TSC is: one CPU, and a TSC that keeps its rate (invariant TSC). */
uint64_t arch_time_ns(void)
{
    return clock_page_ns(&tsc_clock, rdtsc());
}

void arch_clock_describe(struct clock_page *out)
{
    *out = tsc_clock;
}

uint64_t arch_cycles_per_ms(void)
{
    return tsc_clock.counter_per_ms;
}

/* TSC ticks per millisecond, for calibrating other timers. */
uint64_t tsc_ticks_per_ms(void)
{
    return tsc_clock.counter_per_ms;
}
