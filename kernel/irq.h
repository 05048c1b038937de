/* irq.h: device interrupts as kernel objects that report events (MSI-X, MSI, or INTx via the I/O APIC). */
#pragma once

#include <object.h>

struct pci_dev;

#define IRQ_VECTOR_FIRST 0x40 /* vectors handed to devices: 0x40..0xef */
#define IRQ_VECTOR_END 0xf0

enum irq_mode { IRQ_MSIX = 1, IRQ_MSI, IRQ_INTX };

struct irq {
    struct kobj obj;
    struct pci_dev *dev;
    struct kobj *grant; /* a reference on the device object: the grant lives while its IRQs do */
    enum irq_mode mode;
    uint32_t vector;
    uint32_t index;    /* MSI-X entry, or the GSI for INTx */
    uint64_t fired_at; /* an interrupt not yet reported (0: none) */
    bool pending;      /* fired and not yet acknowledged */
    bool masked;       /* the source is masked (INTx while pending; MSI-X after a second edge) */
    struct eq_link link;
};

/* A new interrupt object for entry `index` of dev, holding a reference on grant (the device object);
 * ERR_INVALID_ARG, ERR_ALREADY_EXISTS, ERR_NOT_SUPPORTED, ERR_NO_RESOURCES (vectors), ERR_NO_MEMORY. */
long irq_create(struct pci_dev *dev, uint32_t index, struct kobj *grant, struct irq **out);
void irq_ack(struct irq *irq);      /* re-open: the next interrupt is a new event */
void irq_dispatch(uint32_t vector); /* from the arch interrupt entry, kernel lock held */
