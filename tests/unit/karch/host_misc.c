/* host_misc.c: the rest of the host port: per-CPU data, console (a log buffer behind a UART that can stall), clock, randomness, halts. */
#include "karch.h"

#include <arch.h>
#include <conring.h>
#include <cpu.h>
#include <stdio.h>
#include <warp/abi.h>
#include <stdlib.h>
#include <string.h>

struct cpu cpus[MAX_CPUS];
struct cpu *host_cpu = &cpus[0];
uint64_t karch_now_ns;
static char log_buf[1 << 16];
static size_t log_len;

/* The polled write, and the simulated UART's transmission of what it takes from the ring. */
void arch_console_write(const char *s, size_t len)
{
    if (getenv("KARCH_LOG"))
        fwrite(s, 1, len, stderr);
    if (len > sizeof(log_buf) - 1 - log_len) { /* keep the newest half */
        memmove(log_buf, log_buf + log_len / 2, log_len - log_len / 2);
        log_len -= log_len / 2;
    }
    if (len > sizeof(log_buf) - 1 - log_len)
        len = sizeof(log_buf) - 1 - log_len;
    memcpy(log_buf + log_len, s, len);
    log_len += len;
    log_buf[log_len] = 0;
}

bool karch_console_stalled;

/* The simulated transmit interrupt: the UART takes everything queued at once (unless stalled). */
void karch_console_drain(void)
{
    char chunk[256];
    size_t n;
    while (!karch_console_stalled && (n = conring_peek(chunk, sizeof(chunk))) > 0) {
        arch_console_write(chunk, n);
        conring_consume(n);
    }
}

bool arch_console_irq_start(void)
{
    return true;
}
void arch_console_kick(void)
{
    karch_console_drain();
}

bool karch_log_has(const char *text)
{
    return strstr(log_buf, text) != NULL;
}
void karch_log_clear(void)
{
    log_len = 0, log_buf[0] = 0;
}
const char *karch_log(void)
{
    return log_buf;
}

uint64_t arch_time_ns(void)
{
    return karch_now_ns;
}
/* Simulated time jumps and no counter follows it: user mode calls SYS_CLOCK. */
void arch_clock_describe(struct clock_page *out)
{
    *out = (struct clock_page){.version = CLOCK_PAGE_VERSION, .source = CLOCK_SOURCE_NONE};
}
uint64_t arch_cycles_per_ms(void)
{
    return 3000000; /* arch_cycles counts three per simulated nanosecond */
}

/* A deterministic "hardware" source, so that the generator's hardware path runs too. */
bool arch_random_hw(uint64_t *out)
{
    static uint64_t x = 0x9e3779b97f4a7c15ull;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    *out = x;
    return true;
}

void arch_idle(void)
{
}

/* Interrupts that "arrive" at a preemption point: a test's hook (a kill, say), run with the lock free. */
long karch_irq_windows;
void (*karch_irq_window_hook)(long n);
void arch_irq_window(void)
{
    karch_irq_windows++;
    karch_console_drain();
    if (karch_irq_window_hook)
        karch_irq_window_hook(karch_irq_windows);
}
void arch_irq_eoi(void)
{
}

_Noreturn void arch_halt(void)
{
    fprintf(stderr, "kernel halted; its log:\n%s\n", log_buf);
    abort();
}

_Noreturn void arch_poweroff(int code)
{
    fprintf(stderr, "kernel powered off with code %d\n", code);
    arch_halt();
}

void arch_backtrace_here(void)
{
}

paddr_t arch_virt_to_phys(const void *va)
{
    return (paddr_t)((const uint8_t *)va - host_ram);
}
