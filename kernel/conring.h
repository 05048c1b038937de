/* conring.h: the console's output ring: kernel and process output queued for the port's transmit interrupt. */
#pragma once

#include <warp/types.h>

/*
 * Until conring_start, and again after conring_sync, every write goes straight to the port's polled
 * arch_console_write. In between, writes are copied into a ring of CONRING_SIZE bytes and the port
 * drains it from its transmit interrupt (conring_peek, conring_consume), so no output holds the CPU
 * for longer than the copy. Process output may fill the ring only up to CONRING_USER_MAX: the rest
 * is kept for kernel lines, which a flood of process output can therefore never push out.
 */
#define CONRING_SIZE 16384u                     /* bytes; a power of two (indices wrap by masking) */
#define CONRING_USER_MAX (CONRING_SIZE - 4096u) /* process output stops at this fill */

/* Queue s[0..n) whole, or nothing of it: false when it does not fit (process output: past
 * CONRING_USER_MAX; kernel output: past CONRING_SIZE). Polled, always true, outside interrupt-driven
 * mode. Pre: interrupts off (the kernel lock held, or the boot, or an NMI). */
bool conring_write(const char *s, size_t n, bool kernel);
/* Port side: copy up to max of the oldest queued bytes to out, leaving them queued; how many. */
size_t conring_peek(char *out, size_t max);
/* Port side: the n oldest bytes went to the device. Pre: n at most what conring_peek gave. */
void conring_consume(size_t n);
/* Boot, once its log is out: switch to interrupt-driven output if the port can
 * (arch_console_irq_start); whether it did. */
bool conring_start(void);
/* Fatal paths and power-off: send what is queued, polled, and stay polled from here on. */
void conring_sync(void);
