/* nvme.h: the NVMe controller (ctrl.c: bring-up, admin queue, reset) and its I/O queue pair (io.c: the blkdev.h backend). */
#pragma once

#include "blkdev.h"
#include "spec.h"

#include <warp/loop.h>

#define NVME_NSID 1                          /* the namespace served */
#define NVME_IO_QID 1                        /* the one I/O queue pair */
#define NVME_ADMIN_ENTRIES 16                /* admin queue entries: one command at a time */
#define NVME_IO_ENTRIES 64                   /* I/O queue entries we want (fewer if CAP.MQES says so) */
#define NVME_PRP_PER_SLOT 16                 /* a slot's PRP list: BLOCK_IO_MAX / NVME_PAGE entries */
#define NVME_ADMIN_NS (5ull * 1000000000ull) /* an admin command not done by then fails */

_Static_assert(BLKDEV_SLOTS_MAX <= 32, "struct nvme's out has a bit per slot");
_Static_assert(NVME_PRP_PER_SLOT *NVME_PAGE >= BLOCK_IO_MAX, "a slot's PRP list covers its buffer");
_Static_assert(NVME_IO_ENTRIES * sizeof(struct nvme_sqe) <= NVME_PAGE, "the I/O SQ fits one page");

/*
 * DMA layout (one allocation, page-aligned parts): admin SQ, admin CQ, I/O SQ, I/O CQ (a page each),
 * the identify buffer (a page), the slots' PRP lists (NVME_PRP_PER_SLOT entries each, a page), then
 * nslots bounce buffers of BLOCK_IO_MAX bytes.
 */
enum {
    NVME_DMA_ASQ,
    NVME_DMA_ACQ,
    NVME_DMA_IOSQ,
    NVME_DMA_IOCQ,
    NVME_DMA_IDENTIFY,
    NVME_DMA_PRPS,
    NVME_DMA_PAGES, /* then the bounce buffers */
};

/* One queue: submission (tail is ours) or completion (head and phase are ours). */
struct nvme_queue {
    uint8_t *mem; /* the entries, in DMA memory */
    paddr_t phys;
    uint16_t entries;
    uint16_t head, tail;
    uint8_t phase;               /* completion queue: the phase tag of entries not seen yet */
    volatile uint32_t *doorbell; /* tail (submission) or head (completion) doorbell */
};

/* A slot's request, as blkdev_submit gave it, moved in parts of at most max_xfer bytes. */
struct nvme_req {
    uint8_t opcode; /* NVME_CMD_* */
    uint64_t lba;
    uint32_t len;  /* bytes in all */
    uint32_t done; /* bytes moved by earlier parts */
    uint32_t part; /* bytes of the command in flight */
};

/* The controller, its queues, the namespace, the slots. */
struct nvme {
    handle_t dev;
    volatile uint8_t *regs; /* BAR0 */
    uint64_t bar_size;
    uint64_t cap;
    struct nvme_queue asq, acq, iosq, iocq;
    uint16_t admin_cid;
    uint8_t *mem; /* the DMA allocation */
    paddr_t phys;
    uint8_t *data; /* bounce buffers */
    paddr_t data_phys;
    uint64_t *prps; /* PRP lists, NVME_PRP_PER_SLOT per slot */
    paddr_t prps_phys;
    uint16_t qentries; /* I/O queue entries */
    unsigned nslots;   /* min(BLKDEV_SLOTS_MAX, qentries - 1) */
    uint32_t max_xfer; /* bytes per command: BLOCK_IO_MAX, or less if MDTS says so */
    struct nvme_ctrl_id id;
    struct nvme_ns_id ns;
    const char *irq_kind; /* "MSI-X", "MSI" or "INTx" */
    bool irq_edge;        /* MSI-X/MSI: ack before draining; INTx: after (the drain lowers the line) */
    handle_t irq;
    struct nvme_req reqs[BLKDEV_SLOTS_MAX];
    uint32_t out;                                 /* bit per slot whose command is with the controller */
    uint64_t requests, errors, irqs, resets, bad; /* bad: completions the driver could not take */
};

extern struct nvme nvme_g;

/* ctrl.c */
/* Brings up the controller behind handle dev: reset, admin queue, identify, interrupt, I/O queues;
 * logs why not and returns an ERR_* on failure. */
long nvme_init(handle_t dev);
/* Disables the controller, then enables it with an empty admin queue and creates the I/O queue pair
 * anew (at bring-up and after a timeout); 0 or an ERR_* (logged). */
long nvme_restart(void);
/* Queue q's entry i. */
void *nvme_entry(const struct nvme_queue *q, unsigned i, size_t size);
/* Copies cmd into submission queue q and rings its tail doorbell. Precondition: q has room. */
void nvme_sq_push(struct nvme_queue *q, const struct nvme_sqe *cmd);
/* Takes completion queue q's next new entry into *out (true), or says there is none (false). */
bool nvme_cq_pop(struct nvme_queue *q, struct nvme_cqe *out);

/* io.c (the blkdev.h interface is the rest) */
/* Handles EV_IRQ of irq: acks and drains the I/O completion queue in the order its kind needs. */
void nvme_on_irq(struct loop *l, handle_t irq, void *ctx);
