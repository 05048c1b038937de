/* conring.c: the console's output ring: kernel and process output queued for the port's transmit interrupt. */
#include <arch.h>
#include <conring.h>

/*
 * Why 16 KiB: at 115200 baud a UART sends some 11,500 bytes a second, so a full ring is about 1.4 s
 * of output. That absorbs the bursts the kernel and its processes write (a boot's worth of service
 * lines, a test program's results) while keeping the time a line waits behind others, and the
 * polled flush a panic does first, near a second. A bigger ring would only queue a flood for longer
 * before dropping it. It is static: the console works before, and whatever happens to, the heap.
 *
 * The ring is protected by the kernel lock (every writer holds it, and the port's interrupt handler
 * runs under it), except against an NMI, which logs without the lock: a write that finds the ring
 * in the middle of a change (busy) goes out polled instead, possibly ahead of older queued bytes.
 */
static char ring[CONRING_SIZE];
static uint32_t head, tail; /* free-running; head - tail bytes queued, the oldest at tail */
static bool irq_mode;       /* the port's transmit interrupt drains the ring; else writes are polled */
static bool busy;           /* the ring is being changed */

/* Pre: interrupts off. */
bool conring_write(const char *s, size_t n, bool kernel)
{
    if (!irq_mode || busy) {
        arch_console_write(s, n);
        return true;
    }
    uint32_t used = head - tail, cap = kernel ? CONRING_SIZE : CONRING_USER_MAX;
    if (used > cap || n > cap - used)
        return false;
    busy = true;
    for (size_t i = 0; i < n; i++)
        ring[(head + i) & (CONRING_SIZE - 1)] = s[i];
    head += (uint32_t)n;
    busy = false;
    /* A non-empty ring has a transmission under way whose interrupt will take the rest: only an
     * empty one may have an idle transmitter to start. */
    if (used == 0 && n)
        arch_console_kick();
    return true;
}

/* Pre: interrupts off. */
size_t conring_peek(char *out, size_t max)
{
    uint32_t used = head - tail;
    size_t n = used < max ? used : max;
    for (size_t i = 0; i < n; i++)
        out[i] = ring[(tail + i) & (CONRING_SIZE - 1)];
    return n;
}

/* Pre: interrupts off. Never past head: a port that overstated would otherwise make the ring
 * read as holding 4 GiB. (No ASSERT here: a panic writes through this ring.) */
void conring_consume(size_t n)
{
    tail += (uint32_t)(n < head - tail ? n : head - tail);
}

/* Pre: the boot, kernel lock held; the ring is empty (everything so far was polled). */
bool conring_start(void)
{
    irq_mode = arch_console_irq_start();
    return irq_mode;
}

/* The polled writes wait for the transmitter, so they follow whatever it still holds, in order. A
 * sync that interrupts a change of the ring (busy: a fault inside it) leaves its bytes queued. */
void conring_sync(void)
{
    irq_mode = false;
    char chunk[64];
    size_t n;
    while (!busy && (n = conring_peek(chunk, sizeof(chunk))) > 0) {
        arch_console_write(chunk, n);
        conring_consume(n);
    }
}
