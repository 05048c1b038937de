/* irq.c: device interrupts: vector allocation, MSI-X/MSI programming, masking until the driver acks. */
#include <arch.h>
#include <eventq.h>
#include <irq.h>
#include <log.h>
#include <mm/mm.h>
#include <pci.h>
#include <random.h>
#include <warp/error.h>

#define MSIX_ENTRY_WORDS 4 /* address low, address high, data, vector control */
#define MSIX_CTRL_ENABLE (1u << 15)
#define MSIX_CTRL_FUNCTION_MASK (1u << 14)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)

static struct irq *vector_owner[IRQ_VECTOR_END]; /* protected by the kernel lock */

static void irq_destroy(struct kobj *o);
static long irq_take_event(struct kobj *o, struct handle_table *receiver, struct warp_event *ev, bool *more);

static const struct obj_ops irq_ops = {
    .type = OBJ_IRQ,
    .name = "interrupt",
    .destroy = irq_destroy,
    .link_offset = __builtin_offsetof(struct irq, link),
    .take_event = irq_take_event,
};

/* A free device vector, or 0. */
static uint32_t vector_alloc(void)
{
    for (uint32_t v = IRQ_VECTOR_FIRST; v < IRQ_VECTOR_END; v++)
        if (!vector_owner[v])
            return v;
    return 0;
}

/* The kernel's mapping of dev's MSI-X table, made on first use; NULL if it cannot be mapped. */
/* Entries are 16 bytes (PCI Local Bus 3.0, 6.8.2); the whole table must lie inside its BAR. */
static volatile uint32_t *msix_table(struct pci_dev *d)
{
    if (!d->msix_table) {
        const struct device_bar *b = &d->info.bars[d->msix_bar];
        if (!b->size || (b->flags & BAR_IO) || d->msix_offset + (uint64_t)d->info.msix_entries * 16 > b->size)
            return NULL; /* the capability points outside its BAR */
        d->msix_table = arch_mmio_map(b->base + d->msix_offset, (size_t)d->info.msix_entries * 16);
    }
    return d->msix_table;
}

/* Set or clear the mask bit of one MSI-X entry. */
static void msix_mask(struct irq *irq, bool masked)
{
    volatile uint32_t *e = msix_table(irq->dev) + irq->index * MSIX_ENTRY_WORDS;
    e[3] = masked ? 1 : 0;
}

/* Point the source at our vector and enable its delivery, unmasked: it may interrupt from here on
 * (the device itself raises nothing until its driver enables that). */
static void irq_program(struct irq *irq)
{
    struct pci_dev *d = irq->dev;
    uint64_t addr;
    uint32_t data;
    arch_msi_message(irq->vector, &addr, &data);
    if (irq->mode == IRQ_MSIX) {
        volatile uint32_t *e = msix_table(d) + irq->index * MSIX_ENTRY_WORDS;
        /* Address and data before the vector control word: the entry goes live only once complete. */
        e[0] = (uint32_t)addr;
        e[1] = (uint32_t)(addr >> 32);
        e[2] = data;
        e[3] = 0;
        uint16_t ctrl = pci_read(d, d->msix_cap + 2, 2);
        pci_write(d, d->msix_cap + 2, 2, (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_FUNCTION_MASK);
        pci_write(d, 0x04, 2, pci_read(d, 0x04, 2) | PCI_COMMAND_INTX_DISABLE);
    } else if (irq->mode == IRQ_MSI) {
        /* MSI capability (PCI Local Bus 3.0, 6.8.1): control at +2 (bit 7: 64-bit address), address
         * at +4, data after the address. Legacy INTx goes off so the line cannot fire as well. */
        uint16_t ctrl = pci_read(d, d->msi_cap + 2, 2);
        bool is64 = ctrl & (1u << 7);
        pci_write(d, d->msi_cap + 4, 4, (uint32_t)addr);
        if (is64)
            pci_write(d, d->msi_cap + 8, 4, (uint32_t)(addr >> 32));
        pci_write(d, d->msi_cap + (is64 ? 12 : 8), 2, data);
        pci_write(d, d->msi_cap + 2, 2, (ctrl & ~(7u << 4)) | 1); /* one vector, enabled */
        pci_write(d, 0x04, 2, pci_read(d, 0x04, 2) | PCI_COMMAND_INTX_DISABLE);
    } else {
        arch_intx_mask(irq->index, false);
    }
}

/* Choose how dev interrupts: MSI-X entry index, else MSI, else its legacy line. */
static long irq_choose(struct pci_dev *d, uint32_t index, struct irq *irq)
{
    if (d->msix_cap) {
        if (index >= d->info.msix_entries)
            return ERR_INVALID_ARG;
        for (uint32_t v = IRQ_VECTOR_FIRST; v < IRQ_VECTOR_END; v++)
            if (vector_owner[v] && vector_owner[v]->dev == d && vector_owner[v]->index == index)
                return ERR_ALREADY_EXISTS;
        irq->mode = IRQ_MSIX;
        irq->index = index;
        return 0;
    }
    /* MSI (as programmed here) and INTx give a function one interrupt: any irq of d blocks another. */
    if (index != 0)
        return ERR_INVALID_ARG;
    for (uint32_t v = IRQ_VECTOR_FIRST; v < IRQ_VECTOR_END; v++)
        if (vector_owner[v] && vector_owner[v]->dev == d)
            return ERR_ALREADY_EXISTS;
    if (d->msi_cap) {
        irq->mode = IRQ_MSI;
        return 0;
    }
    if (d->info.irq_line == 0 || d->info.irq_line == 0xff)
        return ERR_NOT_SUPPORTED;
    irq->mode = IRQ_INTX;
    return 0;
}

/* Choose, then allocate; the vector is claimed (vector_owner) and the source programmed only once
 * nothing can fail, so a failure leaves nothing behind. */
long irq_create(struct pci_dev *dev, uint32_t index, struct kobj *grant, struct irq **out)
{
    struct irq tmp = {.dev = dev, .grant = grant};
    long err = irq_choose(dev, index, &tmp);
    if (err < 0)
        return err;
    if (tmp.mode == IRQ_MSIX && !msix_table(dev))
        return ERR_NO_MEMORY; /* the kernel could not map the table (window full or memory out) */
    uint32_t vector = vector_alloc();
    if (!vector)
        return ERR_NO_RESOURCES;
    struct irq *irq = kzalloc(sizeof(*irq));
    if (!irq)
        return ERR_NO_MEMORY;
    if (tmp.mode == IRQ_INTX && arch_intx_route(dev->info.irq_line, vector, &tmp.index) < 0) {
        kfree(irq);
        return ERR_NOT_SUPPORTED;
    }
    *irq = tmp;
    obj_ref(grant);
    obj_init(&irq->obj, &irq_ops);
    irq->link.obj = &irq->obj;
    irq->vector = vector;
    vector_owner[vector] = irq;
    irq_program(irq);
    *out = irq;
    return 0;
}

/* Silence the source (used while an interrupt is unacknowledged, and at destruction). */
static void irq_mask(struct irq *irq, bool masked)
{
    if (irq->mode == IRQ_MSIX)
        msix_mask(irq, masked);
    else if (irq->mode == IRQ_INTX)
        arch_intx_mask(irq->index, masked);
    /* MSI without per-vector masking: edges are counted as one pending event until the ack. */
}

/* The last reference went: silence the source for good (MSI, which has no mask here, is switched
 * off), free its vector, and let go of the grant. */
static void irq_destroy(struct kobj *o)
{
    struct irq *irq = container_of(o, struct irq, obj);
    irq_mask(irq, true);
    if (irq->mode == IRQ_MSI)
        pci_write(irq->dev, irq->dev->msi_cap + 2, 2, pci_read(irq->dev, irq->dev->msi_cap + 2, 2) & ~1u);
    vector_owner[irq->vector] = NULL;
    eventq_unlink(&irq->link);
    struct kobj *grant = irq->grant;
    kfree(irq);
    obj_unref(grant);
}

/* Re-opens the event; a source masked while it was pending is unmasked (an MSI-X entry then sends
 * what its pending bit kept). */
void irq_ack(struct irq *irq)
{
    irq->pending = false;
    if (!irq->masked)
        return;
    irq->masked = false;
    irq_mask(irq, false);
}

/*
 * Reports the interrupt, masking its source only where that is needed. A level-triggered INTx line
 * would fire again at once after the EOI: masked now. An edge (MSI-X, MSI) folds into the pending
 * event, and an MSI-X entry is masked when a second edge comes before the ack: a driver that acks
 * before its device speaks again costs no register write per interrupt (each an exit to the
 * hypervisor, two per interrupt when masking always), and a slow driver still sees one pending
 * event, not a storm. The first interrupt's time is kept until reported.
 */
void irq_dispatch(uint32_t vector)
{
    struct irq *irq = vector < IRQ_VECTOR_END ? vector_owner[vector] : NULL;
    random_mix(arch_cycles() ^ vector);
    if (irq) {
        if ((irq->mode == IRQ_INTX || irq->pending) && !irq->masked) {
            irq->masked = true;
            irq_mask(irq, true);
        }
        irq->pending = true;
        if (!irq->fired_at)
            irq->fired_at = arch_time_ns();
        eventq_notify(&irq->link);
    }
    arch_irq_eoi();
}

/* Event-queue side: report an interrupt; 1 produced, 0 none. */
static long irq_take_event(struct kobj *o, struct handle_table *receiver, struct warp_event *ev, bool *more)
{
    struct irq *irq = container_of(o, struct irq, obj);
    (void)receiver;
    *more = false;
    if (!irq->fired_at)
        return 0;
    ev->type = EV_IRQ;
    ev->u.deadline = irq->fired_at;
    irq->fired_at = 0;
    return 1;
}
