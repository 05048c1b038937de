/* serial.c: COM1 (16550 UART at 0x3f8), 115200 8N1: the console, also GCE's serial port 1.
 * Registers as in the PC16550D datasheet, section 8 (Registers). */
#include <arch.h>
#include "x64.h"

#define COM1 0x3f8
#define LSR_THR_EMPTY 0x20

/* Program the UART; interrupts stay off (the console is polled). */
void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80); /* DLAB on */
    outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1, DLAB off */
    outb(COM1 + 2, 0xc7); /* FIFO on, cleared, 14-byte threshold */
    outb(COM1 + 4, 0x03); /* DTR | RTS */
}

/* Send one byte, waiting for room in the transmitter; the wait is bounded, so a machine without
 * a UART at 0x3f8 still boots (silently). */
static void serial_putc(char c)
{
    for (int spins = 0; spins < 100000 && !(inb(COM1 + 5) & LSR_THR_EMPTY); spins++)
        ;
    outb(COM1, (uint8_t)c);
}

/* Write bytes, turning "\n" into "\r\n" for terminals. */
void serial_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}

/* Polled, unbuffered: it works before interrupts are set up, and in a panic. */
void arch_console_write(const char *s, size_t len)
{
    serial_write(s, len);
}
