/* io.c: the NVMe I/O queue pair as blk.c's disk (blkdev.h): Read, Write, Flush of the NVM command set (NVMe 1.4 §6), PRPs, completions. */
#include "blk.h"
#include "nvme.h"

#include <warp/devcall.h>
#include <warp/string.h>
#include <warp/user.h>

/*
 * A slot's request is one command at a time, its command identifier the slot number, so a
 * completion names its slot and nothing else needs a table. A request longer than the controller's
 * transfer limit (MDTS) goes in parts, each sent when the one before completed. Every completion is
 * checked (nvme_cqe_ok) before it is believed: its queue, its identifier (a slot with a command out), its SQ head
 * (inside the queue); anything else is counted (`bad`) and dropped, so a confused or hostile
 * controller cannot make the driver touch memory outside its tables.
 */

#define NVME_BAD_LOGGED 8 /* bad completions logged; the rest are only counted (no log flood) */

static long nvme_reset(void);

/* The namespace's geometry, the write cache, the slots and their buffers. */
const struct blkdev_info *blkdev_info(void)
{
    static struct blkdev_info info;
    info = (struct blkdev_info){"nvme",        nvme_g.ns.sectors, nvme_g.ns.sector_size, nvme_g.ns.read_only,
                                nvme_g.id.vwc, nvme_g.nslots,     nvme_g.data,           nvme_reset};
    return &info;
}

/* The controller's counters. */
void blkdev_stats(char *buf, size_t n)
{
    fmt_snprintf(buf, n, "requests %llu errors %llu irqs %llu resets %llu bad %llu",
                 (unsigned long long)nvme_g.requests, (unsigned long long)nvme_g.errors,
                 (unsigned long long)nvme_g.irqs, (unsigned long long)nvme_g.resets,
                 (unsigned long long)nvme_g.bad);
}

/* Sends slot's next part: up to max_xfer bytes from where the last part ended (a flush: no data). */
static void nvme_post(unsigned slot)
{
    struct nvme_req *q = &nvme_g.reqs[slot];
    struct nvme_sqe c = {.cdw0 = q->opcode | (uint32_t)slot << 16, .nsid = NVME_NSID};
    if (q->opcode != NVME_CMD_FLUSH) {
        uint32_t part = q->len - q->done < nvme_g.max_xfer ? q->len - q->done : nvme_g.max_xfer;
        uint64_t lba = q->lba + q->done / nvme_g.ns.sector_size;
        size_t list = (size_t)slot * NVME_PRP_PER_SLOT;
        /* cannot fail: part <= BLOCK_IO_MAX, which the list covers */
        nvme_prp(nvme_g.data_phys + (paddr_t)slot * BLOCK_IO_MAX + q->done, part, nvme_g.prps + list,
                 NVME_PRP_PER_SLOT, nvme_g.prps_phys + list * sizeof(uint64_t), &c.prp1, &c.prp2);
        c.cdw10 = (uint32_t)lba;
        c.cdw11 = (uint32_t)(lba >> 32);
        c.cdw12 = part / nvme_g.ns.sector_size - 1; /* number of logical blocks, 0-based */
        q->part = part;
    }
    nvme_g.out |= 1u << slot;
    nvme_g.requests++;
    nvme_sq_push(&nvme_g.iosq, &c); /* room: at most nslots < entries commands are out */
}

/* Records slot's request as NVMe Read, Write or Flush and sends its first part. */
void blkdev_submit(unsigned slot, enum blkdev_op op, uint64_t sector, uint32_t len)
{
    uint8_t opcode = op == BLKDEV_FLUSH   ? NVME_CMD_FLUSH
                     : op == BLKDEV_WRITE ? NVME_CMD_WRITE
                                          : NVME_CMD_READ;
    nvme_g.reqs[slot] = (struct nvme_req){opcode, sector, len, 0, 0};
    nvme_post(slot);
}

/* Logs a failed command by its status's name. */
static void nvme_log_error(const struct nvme_req *q, uint16_t sf)
{
    static const char *const names[] = {
        [NVME_CMD_FLUSH] = "Flush", [NVME_CMD_WRITE] = "Write", [NVME_CMD_READ] = "Read"};
    printf("nvme: %s of %u sectors at %llu: status type %u code 0x%02x (%s)\n", names[q->opcode],
           q->part / nvme_g.ns.sector_size, (unsigned long long)(q->lba + q->done / nvme_g.ns.sector_size),
           NVME_SF_SCT(sf), NVME_SF_SC(sf), nvme_status_name(sf));
}

/* One completion: checked, then its slot's next part, or its answer. */
static void nvme_complete(const struct nvme_cqe *e)
{
    unsigned slot = e->cid;
    if (!nvme_cqe_ok(e, NVME_IO_QID, nvme_g.iosq.entries, nvme_g.out)) {
        if (nvme_g.bad++ < NVME_BAD_LOGGED)
            printf("nvme: ignoring a completion of command %u on queue %u (SQ head %u)\n", e->cid, e->sqid,
                   e->sqhd);
        return;
    }
    struct nvme_req *q = &nvme_g.reqs[slot];
    uint16_t sf = NVME_STATUS_SF(e->status);
    nvme_g.out &= ~(1u << slot);
    if (sf != 0) {
        nvme_g.errors++;
        nvme_log_error(q, sf);
        long r = nvme_status_error(sf);
        blk_done(slot, r < 0 ? r : ERR_IO);
        return;
    }
    q->done += q->part;
    if (q->done < q->len)
        nvme_post(slot);
    else
        blk_done(slot, 0);
}

/* Takes at most one queue's worth of completions (a controller that keeps posting cannot hold the
 * loop), then tells the controller how far we read. */
static void nvme_collect(void)
{
    struct nvme_cqe e;
    unsigned n = 0;
    while (n < nvme_g.iocq.entries && nvme_cq_pop(&nvme_g.iocq, &e)) {
        n++;
        nvme_complete(&e);
    }
    if (n > 0)
        *nvme_g.iocq.doorbell = nvme_g.iocq.head;
}

/*
 * One interrupt. MSI-X and MSI: ack first, then drain, so a completion landing meanwhile raises a new
 * event (as virtio_blk). INTx is a level the controller holds while the queue has entries past our
 * head doorbell: drain (the doorbell lowers it), then ack, or the unmasked line would fire at once.
 */
void nvme_on_irq(struct loop *l, handle_t irq, void *ctx)
{
    (void)l;
    (void)ctx;
    nvme_g.irqs++;
    if (nvme_g.irq_edge)
        warp_irq_ack(irq);
    nvme_collect();
    if (!nvme_g.irq_edge)
        warp_irq_ack(irq);
}

/* blkdev_info's reset, after a request missed its deadline: answers what the controller finished,
 * then disables it (which drops every command) and brings the queues up again, empty. */
static long nvme_reset(void)
{
    nvme_collect();
    nvme_g.resets++;
    nvme_g.out = 0;
    return nvme_restart();
}
