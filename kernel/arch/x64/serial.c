/* serial.c: COM1 (16550A UART at 0x3f8, ISA IRQ 4), 115200 8N1: the console, also GCE's serial port 1.
 * Registers as in the PC16550D datasheet, section 8 (Registers). */
#include <arch.h>
#include <conring.h>
#include "x64.h"

#define COM1 0x3f8
#define COM1_IRQ 4 /* its ISA line; the MADT may route it to another GSI */
#define REG_IER 1  /* interrupt enable */
#define REG_IIR 2  /* interrupt identification (read), FIFO control (write) */
#define REG_MCR 4  /* modem control */
#define REG_LSR 5  /* line status */
#define IER_THR_EMPTY 0x02
#define IIR_FIFOS_ON 0xc0 /* both bits set: the 16-byte FIFOs work (a 16550A) */
#define MCR_DTR_RTS 0x03
#define MCR_OUT2 0x08      /* on a PC, OUT2 gates the UART's interrupt onto the ISA line */
#define LSR_THR_EMPTY 0x20 /* with the FIFO on: the whole transmit FIFO is empty */
#define UART_FIFO 16

static bool present; /* LSR read other than 0xff: something answers at COM1 */
static bool fifo_on; /* a 16550A: the transmitter takes UART_FIFO bytes at once */

/* Program the UART; its interrupts stay off (polled) until arch_console_irq_start. */
void serial_init(void)
{
    outb(COM1 + REG_IER, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80);       /* DLAB on */
    outb(COM1 + 0, 0x01);       /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);       /* 8N1, DLAB off */
    outb(COM1 + REG_IIR, 0xc7); /* FIFO on, cleared, 14-byte threshold */
    outb(COM1 + REG_MCR, MCR_DTR_RTS);
    present = inb(COM1 + REG_LSR) != 0xff; /* an empty ISA port reads all ones */
    fifo_on = (inb(COM1 + REG_IIR) & IIR_FIFOS_ON) == IIR_FIFOS_ON;
}

/* Send one byte, waiting for room in the transmitter; the wait is bounded, so a machine without
 * a UART at 0x3f8 still boots (silently). */
static void serial_putc(char c)
{
    for (int spins = 0; spins < 100000 && !(inb(COM1 + REG_LSR) & LSR_THR_EMPTY); spins++)
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

static bool thr_irq_on; /* IER's THR-empty bit as last written */

/* Enable the THR-empty interrupt while the ring holds bytes the transmitter has yet to take, and
 * only then: a write that fits in the FIFO at once (most lines under QEMU, whose UART sends
 * instantly) then costs no interrupt at all. Enabled with the FIFO still busy, it comes once the FIFO
 * drains; enabled with it empty, at once (16550 datasheet, IIR priorities). */
static void serial_thr_irq(bool on)
{
    if (on != thr_irq_on) {
        outb(COM1 + REG_IER, on ? IER_THR_EMPTY : 0);
        thr_irq_on = on;
    }
}

/* Move the console ring's oldest bytes into the transmitter if it is empty, as many as its FIFO
 * takes ("\n" as "\r\n", both in the same fill), then ask for the interrupt if bytes are left.
 * Pre: kernel lock held. (Bytes are queued only once arch_console_irq_start said yes.) */
static void serial_fill(void)
{
    char buf[UART_FIFO];
    size_t n = conring_peek(buf, sizeof(buf));
    if (n && (inb(COM1 + REG_LSR) & LSR_THR_EMPTY)) {
        size_t room = UART_FIFO, sent = 0;
        for (; sent < n && room >= (buf[sent] == '\n' ? 2u : 1u); sent++) {
            if (buf[sent] == '\n') {
                outb(COM1, '\r');
                room--;
            }
            outb(COM1, (uint8_t)buf[sent]);
            room--;
        }
        conring_consume(sent);
    }
    serial_thr_irq(conring_peek(buf, 1) > 0);
}

/* Only a 16550A with its FIFO: a FIFO-less UART would need an interrupt per byte, and stays polled.
 * The THR-empty interrupt itself is enabled only while bytes wait (serial_thr_irq). */
bool arch_console_irq_start(void)
{
    uint32_t gsi;
    if (!present || !fifo_on || isa_irq_route(COM1_IRQ, VEC_COM1, &gsi) < 0)
        return false;
    ioapic_mask(gsi, false);
    outb(COM1 + REG_MCR, MCR_DTR_RTS | MCR_OUT2);
    return true;
}

/* The ring was empty: the transmitter may be idle, with no interrupt to come. Pre: kernel lock held. */
void arch_console_kick(void)
{
    serial_fill();
}

/* VEC_COM1. Reading IIR acknowledges a THR-empty interrupt (the only kind enabled); then refill.
 * Pre: kernel lock held. */
void serial_irq(void)
{
    (void)inb(COM1 + REG_IIR);
    serial_fill();
    lapic_eoi();
}

/* Per timer tick: an interrupt lost anyway (a UART that does not raise THR-empty again, an edge
 * the I/O APIC missed) would leave bytes queued for ever; this refills an idle transmitter within
 * a tick. Costs a memory read while the ring is empty. Pre: kernel lock held. */
void serial_tick(void)
{
    char c;
    if (conring_peek(&c, 1))
        serial_fill();
}
