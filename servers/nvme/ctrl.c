/* ctrl.c: an NVMe controller over PCI (NVM Express Base Specification 1.4 §3.1 registers, §7.6.1 initialization): bring-up, admin commands, reset. */
#include "nvme.h"

#include <warp/devcall.h>
#include <warp/string.h>
#include <warp/user.h>

#define NVME_CLASS 0x010802 /* mass storage, non-volatile memory, NVM Express */
#define NVME_BAR 0
#define NVME_ADMIN_SET_FEATURES 0x09
#define NVME_FEAT_NUM_QUEUES 0x07
#define NVME_CQ_IEN 2u /* Create I/O CQ's CDW11: interrupts enabled */
#define NVME_Q_PC 1u   /* Create I/O CQ/SQ's CDW11: physically contiguous */

struct nvme nvme_g;

/* The 32-bit register at off in BAR0. */
static uint32_t reg_read(unsigned off)
{
    return *(volatile uint32_t *)(nvme_g.regs + off);
}

/* Writes the 32-bit register at off. */
static void reg_write(unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(nvme_g.regs + off) = v;
}

/* Writes a 64-bit register as two dwords, low first (ASQ, ACQ; the controller is disabled). */
static void reg_write64(unsigned off, uint64_t v)
{
    reg_write(off, (uint32_t)v);
    reg_write(off + 4, (uint32_t)(v >> 32));
}

/* Queue q's entry i of size bytes. */
void *nvme_entry(const struct nvme_queue *q, unsigned i, size_t size)
{
    return q->mem + (size_t)i * size;
}

/* The entry is complete in memory before the doorbell tells the controller (x86 keeps stores in
 * order; the fence keeps the compiler from moving them). */
void nvme_sq_push(struct nvme_queue *q, const struct nvme_sqe *cmd)
{
    memcpy(nvme_entry(q, q->tail, sizeof(*cmd)), cmd, sizeof(*cmd));
    q->tail = (uint16_t)((q->tail + 1) % q->entries);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *q->doorbell = q->tail;
}

/* An entry is new when its phase tag matches the queue's phase, which flips at each wrap (§4.6).
 * The tag is read first; the rest of the entry only after it. */
bool nvme_cq_pop(struct nvme_queue *q, struct nvme_cqe *out)
{
    volatile struct nvme_cqe *e = nvme_entry(q, q->head, sizeof(*out));
    if ((e->status & 1u) != q->phase)
        return false;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    out->dw0 = e->dw0;
    out->dw1 = e->dw1;
    out->sqhd = e->sqhd;
    out->sqid = e->sqid;
    out->cid = e->cid;
    out->status = e->status;
    if (++q->head == q->entries) {
        q->head = 0;
        q->phase ^= 1;
    }
    return true;
}

/* Waits until CSTS.RDY is ready, within CAP.TO (500 ms at least); a fatal status or a register
 * reading all ones (the function is gone) ends the wait early. */
static long nvme_wait_ready(bool ready)
{
    uint64_t ms = NVME_CAP_TO_MS(nvme_g.cap) < 500 ? 500 : NVME_CAP_TO_MS(nvme_g.cap);
    uint64_t deadline = warp_clock() + ms * 1000000ull;
    for (;;) {
        uint32_t csts = reg_read(NVME_REG_CSTS);
        if (csts == 0xffffffffu || (ready && (csts & NVME_CSTS_CFS)))
            return ERR_IO;
        if (((csts & NVME_CSTS_RDY) != 0) == ready)
            return 0;
        if (warp_clock() > deadline)
            return ERR_TIMED_OUT;
        warp_yield();
    }
}

/* Runs one admin command and polls for its completion (NVME_ADMIN_NS at most, even if the
 * controller keeps posting others); 0 or an ERR_*, logged with what. Stale or foreign completions
 * are counted and skipped. */
static long nvme_admin(struct nvme_sqe *cmd, const char *what)
{
    uint16_t cid = ++nvme_g.admin_cid;
    cmd->cdw0 |= (uint32_t)cid << 16;
    nvme_sq_push(&nvme_g.asq, cmd);
    uint64_t deadline = warp_clock() + NVME_ADMIN_NS;
    struct nvme_cqe e;
    for (;;) {
        if (warp_clock() > deadline) {
            printf("nvme: %s: no completion after %llu s\n", what,
                   (unsigned long long)(NVME_ADMIN_NS / 1000000000ull));
            return ERR_TIMED_OUT;
        }
        if (!nvme_cq_pop(&nvme_g.acq, &e)) {
            warp_yield();
            continue;
        }
        *nvme_g.acq.doorbell = nvme_g.acq.head;
        if (e.cid != cid || e.sqid != 0 || e.sqhd >= nvme_g.asq.entries) {
            nvme_g.bad++;
            continue;
        }
        uint16_t sf = NVME_STATUS_SF(e.status);
        if (sf == 0)
            return 0;
        printf("nvme: %s failed: status type %u code 0x%02x (%s)\n", what, NVME_SF_SCT(sf), NVME_SF_SC(sf),
               nvme_status_name(sf));
        long r = nvme_status_error(sf);
        return r < 0 ? r : ERR_IO;
    }
}

/* Empties queue q's memory and state (the controller is disabled). */
static void nvme_queue_clear(struct nvme_queue *q)
{
    memset(q->mem, 0, NVME_PAGE);
    q->head = q->tail = 0;
    q->phase = 1;
}

/* §7.6.1 steps 2-6: CC.EN 0, wait for RDY 0; the admin queue; CC.EN 1 with our page and entry
 * sizes, wait for RDY 1. */
static long nvme_enable(void)
{
    reg_write(NVME_REG_CC, 0);
    long r = nvme_wait_ready(false);
    if (r < 0) {
        printf("nvme: the controller did not stop: %s\n", err_str(r));
        return r;
    }
    nvme_queue_clear(&nvme_g.asq);
    nvme_queue_clear(&nvme_g.acq);
    nvme_queue_clear(&nvme_g.iosq);
    nvme_queue_clear(&nvme_g.iocq);
    reg_write(NVME_REG_AQA, (uint32_t)(nvme_g.acq.entries - 1) << 16 | (uint32_t)(nvme_g.asq.entries - 1));
    reg_write64(NVME_REG_ASQ, nvme_g.asq.phys);
    reg_write64(NVME_REG_ACQ, nvme_g.acq.phys);
    reg_write(NVME_REG_CC, NVME_CC_IOCQES | NVME_CC_IOSQES | NVME_CC_EN);
    if ((r = nvme_wait_ready(true)) < 0)
        printf("nvme: the controller did not become ready: %s\n", err_str(r));
    return r;
}

/* §7.6.1 steps 9-11: one I/O queue pair; the completion queue interrupts on vector 0. */
static long nvme_create_io_queues(void)
{
    uint32_t qsize = (uint32_t)(nvme_g.qentries - 1) << 16 | NVME_IO_QID;
    struct nvme_sqe c = {.cdw0 = NVME_ADMIN_SET_FEATURES, .cdw10 = NVME_FEAT_NUM_QUEUES, .cdw11 = 0};
    long r = nvme_admin(&c, "Set Features (number of queues)");
    if (r < 0)
        return r;
    c = (struct nvme_sqe){.cdw0 = NVME_ADMIN_CREATE_CQ,
                          .prp1 = nvme_g.iocq.phys,
                          .cdw10 = qsize,
                          .cdw11 = NVME_CQ_IEN | NVME_Q_PC}; /* interrupt vector 0 in 31:16 */
    if ((r = nvme_admin(&c, "Create I/O Completion Queue")) < 0)
        return r;
    c = (struct nvme_sqe){.cdw0 = NVME_ADMIN_CREATE_SQ,
                          .prp1 = nvme_g.iosq.phys,
                          .cdw10 = qsize,
                          .cdw11 = (uint32_t)NVME_IO_QID << 16 | NVME_Q_PC};
    return nvme_admin(&c, "Create I/O Submission Queue");
}

/* Disable, enable, I/O queues: at bring-up and after a timeout. */
long nvme_restart(void)
{
    long r = nvme_enable();
    return r < 0 ? r : nvme_create_io_queues();
}

/* Identify with CNS cns (and nsid) into the identify page. */
static long nvme_identify(uint32_t cns, uint32_t nsid, const char *what)
{
    memset(nvme_g.mem + NVME_DMA_IDENTIFY * NVME_PAGE, 0, NVME_IDENTIFY_LEN);
    struct nvme_sqe c = {.cdw0 = NVME_ADMIN_IDENTIFY,
                         .nsid = nsid,
                         .prp1 = nvme_g.phys + NVME_DMA_IDENTIFY * NVME_PAGE,
                         .cdw10 = cns};
    return nvme_admin(&c, what);
}

/* Identify Controller and Namespace 1: model, serial, transfer limit, cache; size and sector size. */
static long nvme_read_identity(void)
{
    const uint8_t *page = nvme_g.mem + NVME_DMA_IDENTIFY * NVME_PAGE;
    const char *why = "";
    long r = nvme_identify(NVME_CNS_CONTROLLER, 0, "Identify Controller");
    if (r == 0 && (r = nvme_parse_ctrl(page, NVME_CAP_MPSMIN(nvme_g.cap), &nvme_g.id, &why)) < 0)
        printf("nvme: cannot use the controller: %s\n", why);
    if (r < 0)
        return r;
    nvme_g.max_xfer = BLOCK_IO_MAX;
    if (nvme_g.id.max_xfer != 0 && nvme_g.id.max_xfer < BLOCK_IO_MAX)
        nvme_g.max_xfer = nvme_g.id.max_xfer;
    r = nvme_identify(NVME_CNS_NAMESPACE, NVME_NSID, "Identify Namespace 1");
    if (r == 0 && (r = nvme_parse_ns(page, &nvme_g.ns, &why)) < 0)
        printf("nvme: cannot serve namespace 1: %s\n", why);
    if (r == 0 && nvme_g.max_xfer < nvme_g.ns.sector_size) {
        printf("nvme: a command moves %u bytes at most, less than a sector\n", nvme_g.max_xfer);
        r = ERR_NOT_SUPPORTED;
    }
    return r;
}

/* Reads CAP and checks what the driver relies on: the NVM command set, 4 KiB pages, queues of two
 * entries at least, and the I/O queue's doorbells inside the BAR (a hostile stride must not make
 * us write past it). Picks the I/O queue size and the number of slots. */
static long nvme_check_cap(void)
{
    nvme_g.cap = reg_read(NVME_REG_CAP) | (uint64_t)reg_read(NVME_REG_CAP + 4) << 32;
    uint64_t cap = nvme_g.cap;
    const char *why = NULL;
    if (!NVME_CAP_CSS_NVM(cap))
        why = "no NVM command set";
    else if (NVME_CAP_MPSMIN(cap) != 0)
        why = "4 KiB memory pages are not allowed";
    else if (NVME_CAP_MQES(cap) < 2)
        why = "queues of fewer than 2 entries";
    else if (nvme_doorbell(NVME_IO_QID, true, NVME_CAP_DSTRD(cap)) + 4 > nvme_g.bar_size)
        why = "the doorbells lie past BAR0";
    if (why) {
        printf("nvme: cannot drive this controller: %s (CAP %llx)\n", why, (unsigned long long)cap);
        return ERR_NOT_SUPPORTED;
    }
    uint32_t mqes = NVME_CAP_MQES(cap);
    nvme_g.qentries = (uint16_t)(mqes < NVME_IO_ENTRIES ? mqes : NVME_IO_ENTRIES);
    nvme_g.nslots = nvme_g.qentries - 1u < BLKDEV_SLOTS_MAX ? nvme_g.qentries - 1u : BLKDEV_SLOTS_MAX;
    return 0;
}

/* Sets queue q up at DMA page index page with entries entries and its doorbell. */
static void nvme_queue_place(struct nvme_queue *q, unsigned page, uint16_t entries, unsigned qid, bool cq)
{
    q->mem = nvme_g.mem + (size_t)page * NVME_PAGE;
    q->phys = nvme_g.phys + (paddr_t)page * NVME_PAGE;
    q->entries = entries;
    q->doorbell = (volatile uint32_t *)(nvme_g.regs + nvme_doorbell(qid, cq, NVME_CAP_DSTRD(nvme_g.cap)));
}

/* One DMA allocation for queues, identify page, PRP lists and bounce buffers (nvme.h). */
static long nvme_alloc(void)
{
    size_t len = NVME_DMA_PAGES * NVME_PAGE + (size_t)nvme_g.nslots * BLOCK_IO_MAX;
    paddr_t phys;
    long addr = warp_dma_alloc(nvme_g.dev, len, &phys);
    if (addr < 0)
        return addr;
    nvme_g.mem = (uint8_t *)addr;
    nvme_g.phys = phys;
    nvme_queue_place(&nvme_g.asq, NVME_DMA_ASQ, NVME_ADMIN_ENTRIES, 0, false);
    nvme_queue_place(&nvme_g.acq, NVME_DMA_ACQ, NVME_ADMIN_ENTRIES, 0, true);
    nvme_queue_place(&nvme_g.iosq, NVME_DMA_IOSQ, nvme_g.qentries, NVME_IO_QID, false);
    nvme_queue_place(&nvme_g.iocq, NVME_DMA_IOCQ, nvme_g.qentries, NVME_IO_QID, true);
    nvme_g.prps = (uint64_t *)(nvme_g.mem + NVME_DMA_PRPS * NVME_PAGE);
    nvme_g.prps_phys = phys + NVME_DMA_PRPS * NVME_PAGE;
    nvme_g.data = nvme_g.mem + NVME_DMA_PAGES * NVME_PAGE;
    nvme_g.data_phys = phys + NVME_DMA_PAGES * NVME_PAGE;
    return 0;
}

/* The function must be an NVMe controller with a memory BAR0; decoding and DMA on, BAR0 mapped. */
static long nvme_open(handle_t dev)
{
    struct device_info info;
    long r = warp_device_check(dev, "nvme");
    if (r < 0)
        return r;
    if ((r = warp_device_info(dev, &info)) < 0 || info.class_code != NVME_CLASS ||
        !(info.bars[NVME_BAR].flags & BAR_MEM)) {
        printf("nvme: not an NVMe controller with a memory BAR0: %s\n", r < 0 ? err_str(r) : "class or BAR");
        return r < 0 ? r : ERR_NOT_SUPPORTED;
    }
    nvme_g.dev = dev;
    nvme_g.bar_size = info.bars[NVME_BAR].size;
    nvme_g.irq_kind = info.msix_entries ? "MSI-X" : info.has_msi ? "MSI" : "INTx";
    nvme_g.irq_edge = info.msix_entries || info.has_msi;
    if ((r = warp_device_enable(dev, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) < 0)
        return r;
    long bar = warp_device_map_bar(dev, NVME_BAR);
    if (bar < 0)
        return bar;
    nvme_g.regs = (volatile uint8_t *)bar;
    return 0;
}

/* Logs which bring-up step failed; returns r. */
static long nvme_failed(const char *step, long r)
{
    printf("nvme: %s failed: %s\n", step, err_str(r));
    return r;
}

/* §7.6.1: the controller behind dev from reset to an I/O queue pair, and namespace 1's identity. */
long nvme_init(handle_t dev)
{
    long r = nvme_open(dev);
    if (r < 0)
        return nvme_failed("opening the controller", r);
    if ((r = nvme_check_cap()) < 0)
        return r;
    if ((r = nvme_alloc()) < 0)
        return nvme_failed("queue memory", r);
    long irq = warp_irq_create(dev, 0); /* MSI-X entry 0 (MSI, INTx without) */
    if (irq < 0)
        return nvme_failed("interrupt setup", irq);
    nvme_g.irq = (handle_t)irq;
    if ((r = nvme_enable()) < 0 || (r = nvme_read_identity()) < 0 || (r = nvme_create_io_queues()) < 0)
        return nvme_failed("bring-up", r);
    return 0;
}
