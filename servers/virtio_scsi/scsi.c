/* scsi.c: the virtio-scsi host (virtio 1.1 §5.6) and its first disk (SPC-4 INQUIRY, TEST UNIT READY; SBC-3 READ CAPACITY(16), READ(16), WRITE(16), SYNCHRONIZE CACHE(10)). */
#include "scsi.h"

#include "blk.h"
#include "cdb.h"

#include <warp/devcall.h>
#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

struct scsi_host scsi_g;

/* §5.6.6: struct virtio_scsi_req_cmd up to its CDB (no T10 PI), and struct virtio_scsi_resp_cmd. */
struct scsi_req_hdr {
    uint8_t lun[8];
    uint64_t id;
    uint8_t task_attr; /* VIRTIO_SCSI_S_SIMPLE = 0 */
    uint8_t prio;
    uint8_t crn;
    uint8_t cdb[SCSI_CDB_SIZE];
} __attribute__((packed));

struct scsi_resp {
    uint32_t sense_len;
    uint32_t residual;
    uint16_t status_qualifier;
    uint8_t status;   /* SAM status: SCSI_GOOD, SCSI_CHECK_CONDITION, ... */
    uint8_t response; /* VIRTIO_SCSI_S_*: did the command reach the LUN */
    uint8_t sense[SCSI_SENSE_SIZE];
} __attribute__((packed));

_Static_assert(sizeof(struct scsi_req_hdr) <= SCSI_RESP_OFF, "request header fits before the response");
_Static_assert(SCSI_RESP_OFF + sizeof(struct scsi_resp) <= SCSI_META, "response fits in the slot");

#define VIRTIO_SCSI_S_OK 0
#define VIRTIO_SCSI_S_BAD_TARGET 3
#define SCSI_GOOD 0
#define SCSI_CHECK_CONDITION 2

/* SPC-4 §4.5.6: sense keys we act on. */
#define SENSE_NOT_READY 2
#define SENSE_MEDIUM_ERROR 3
#define SENSE_ILLEGAL_REQUEST 5
#define SENSE_UNIT_ATTENTION 6
#define SENSE_DATA_PROTECT 7

/* Operation codes. */
#define SCSI_TEST_UNIT_READY 0x00
#define SCSI_INQUIRY 0x12
#define SCSI_MODE_SENSE_6 0x1a
#define SCSI_SYNC_CACHE_10 0x35
#define SCSI_READ_16 0x88
#define SCSI_WRITE_16 0x8a
#define SCSI_SERVICE_IN_16 0x9e /* with service action 0x10: READ CAPACITY(16) */
#define SCSI_READ_CAPACITY_16 0x10

#define SCSI_INQUIRY_LEN 36
#define SCSI_CAPACITY_LEN 32
#define SCSI_MODE_LEN 4    /* MODE SENSE(6): the mode parameter header alone */
#define SCSI_MODE_DBD 0x08 /* MODE SENSE: disable block descriptors */
#define SCSI_MODE_ALL 0x3f /* MODE SENSE: every page (the header is what we want) */
#define SCSI_RETRY 1       /* scsi_result: a UNIT ATTENTION (or NOT READY): send the command again */

/* Cookies are slot numbers + 1 (a cookie may not be NULL). */
static void *scsi_cookie(unsigned slot)
{
    return (void *)(uintptr_t)(slot + 1);
}

/* Slot's request header, response. */
static struct scsi_req_hdr *scsi_hdr(unsigned slot)
{
    return (struct scsi_req_hdr *)(scsi_g.slots + (size_t)slot * SCSI_META);
}

static struct scsi_resp *scsi_resp(unsigned slot)
{
    return (struct scsi_resp *)(scsi_g.slots + (size_t)slot * SCSI_META + SCSI_RESP_OFF);
}

/*
 * Posts slot's CDB (already in its header) to target, LUN 0 (§5.6.6.1: byte 0 is 1, byte 1 the
 * target, bytes 2-3 the LUN in flat space), moving len bytes of the slot's buffer out (write) or in.
 */
static void scsi_post(unsigned slot, unsigned target, uint32_t len, bool write)
{
    struct scsi_req_hdr *h = scsi_hdr(slot);
    paddr_t meta = scsi_g.slots_phys + (paddr_t)slot * SCSI_META;
    paddr_t data = scsi_g.data_phys + (paddr_t)slot * BLOCK_IO_MAX;
    memset(h->lun, 0, sizeof(h->lun));
    h->lun[0] = 1;
    h->lun[1] = (uint8_t)target;
    h->lun[2] = 0x40;
    h->id = scsi_g.requests++;
    h->task_attr = h->prio = h->crn = 0;
    memset(scsi_resp(slot), 0, sizeof(struct scsi_resp));
    scsi_resp(slot)->response = 0xff; /* not a response the device writes: a short completion shows */
    struct virtq_buf bufs[3] = {{meta, sizeof(*h), false}};
    unsigned n = 1;
    if (len && write)
        bufs[n++] = (struct virtq_buf){data, len, false};
    bufs[n++] = (struct virtq_buf){meta + SCSI_RESP_OFF, sizeof(struct scsi_resp), true};
    if (len && !write)
        bufs[n++] = (struct virtq_buf){data, len, true};
    virtq_add(&scsi_g.vq, bufs, n, scsi_cookie(slot)); /* cannot fail: 3 descriptors per slot */
    if (virtq_publish(&scsi_g.vq))
        virtio_notify(&scsi_g.vdev, &scsi_g.vq);
}

/* The outcome of slot's finished command: 0, SCSI_RETRY (UNIT ATTENTION or NOT READY, worth
 * another try), or an ERR_*: ERR_NOT_FOUND for no such target, ERR_PERMISSION for DATA PROTECT (a
 * write to a write-protected disk), ERR_NOT_SUPPORTED for a flush the disk refuses, ERR_IO for the
 * rest. */
static long scsi_result(unsigned slot)
{
    const struct scsi_resp *r = scsi_resp(slot);
    struct cdb_sense sense;
    if (r->response == VIRTIO_SCSI_S_BAD_TARGET)
        return ERR_NOT_FOUND;
    if (r->response == VIRTIO_SCSI_S_OK && r->status == SCSI_GOOD)
        return 0;
    if (r->response != VIRTIO_SCSI_S_OK || r->status != SCSI_CHECK_CONDITION) {
        printf("virtio_scsi: command %#x: response %u, status %#x\n", scsi_hdr(slot)->cdb[0], r->response,
               r->status);
        return ERR_IO;
    }
    cdb_sense(r->sense, r->sense_len < SCSI_SENSE_SIZE ? r->sense_len : SCSI_SENSE_SIZE, &sense);
    unsigned key = sense.key;
    bool retry = key == SENSE_UNIT_ATTENTION || key == SENSE_NOT_READY;
    printf("virtio_scsi: command %#x: check condition, sense key %#x, ASC/ASCQ %#x/%#x%s\n",
           scsi_hdr(slot)->cdb[0], key, sense.asc, sense.ascq,
           retry                       ? " (unit attention or not ready: sent again)"
           : key == SENSE_MEDIUM_ERROR ? " (medium error)"
           : key == SENSE_DATA_PROTECT ? " (data protect)"
                                       : "");
    if (retry)
        return SCSI_RETRY;
    if (key == SENSE_DATA_PROTECT)
        return ERR_PERMISSION;
    return key == SENSE_ILLEGAL_REQUEST && scsi_hdr(slot)->cdb[0] == SCSI_SYNC_CACHE_10 ? ERR_NOT_SUPPORTED
                                                                                        : ERR_IO;
}

/* Writes slot's CDB for its recorded request: READ(16), WRITE(16) (LBA and block count
 * big-endian) or SYNCHRONIZE CACHE(10) of the whole disk; then posts it. */
static void scsi_post_req(unsigned slot)
{
    const struct scsi_req *q = &scsi_g.reqs[slot];
    uint8_t *cdb = scsi_hdr(slot)->cdb;
    memset(cdb, 0, SCSI_CDB_SIZE);
    if (q->op == BLKDEV_FLUSH) {
        cdb[0] = SCSI_SYNC_CACHE_10;
    } else {
        cdb[0] = q->op == BLKDEV_WRITE ? SCSI_WRITE_16 : SCSI_READ_16;
        cdb_put_be(cdb + 2, q->lba, 8);
        cdb_put_be(cdb + 10, q->len / scsi_g.sector_size, 4);
    }
    scsi_post(slot, scsi_g.target, q->len, q->op == BLKDEV_WRITE);
}

/* Records slot's request and posts it. */
void blkdev_submit(unsigned slot, enum blkdev_op op, uint64_t sector, uint32_t len)
{
    scsi_g.reqs[slot] = (struct scsi_req){op, len, sector, 0};
    scsi_post_req(slot);
}

/*
 * Answers every command the device finished; one that met a UNIT ATTENTION goes again, up to
 * SCSI_RETRIES_MAX times; one that moved less than asked (a residual) fails. The first command to
 * reach the disk after a device reset (scsi_reset) meets the UNIT ATTENTION "power on, reset"
 * (ASC 0x29): the disk did not run it, so sending it again as it was is right, and a READ's buffer
 * is only handed on once the command that fills it ended GOOD with no residual.
 */
static void scsi_collect(void)
{
    void *cookie;
    uint32_t len;
    long r;
    while ((r = virtq_pop(&scsi_g.vq, &cookie, &len)) != 0) {
        unsigned slot = (unsigned)(uintptr_t)cookie - 1;
        if (r < 0 || slot >= scsi_g.nslots) {
            printf("virtio_scsi: the device returned a bad descriptor\n");
            continue;
        }
        long result = scsi_result(slot);
        if (result == SCSI_RETRY && scsi_g.reqs[slot].retries++ < SCSI_RETRIES_MAX) {
            scsi_g.retries++;
            scsi_post_req(slot);
            continue;
        }
        if (result == 0 && scsi_resp(slot)->residual != 0) {
            printf("virtio_scsi: command %#x moved %u bytes short\n", scsi_hdr(slot)->cdb[0],
                   scsi_resp(slot)->residual);
            result = ERR_IO; /* a READ's buffer would hold stale bytes */
        }
        if (result != 0)
            scsi_g.errors++;
        blk_done(slot, result == SCSI_RETRY ? ERR_IO : result);
    }
}

/* One interrupt: ISR first with INTx (it lowers the line), ack, then drain (as in virtio_blk). */
void scsi_on_irq(struct loop *l, handle_t irq, void *ctx)
{
    (void)l;
    (void)ctx;
    scsi_g.irqs++;
    if (!scsi_g.msix)
        virtio_isr(&scsi_g.vdev);
    warp_irq_ack(irq);
    scsi_collect();
}

/*
 * A scan command: slot 0's CDB to target with len bytes in, waited for on eq up to SCSI_SYNC_NS.
 * Precondition: nothing else is in flight (the sessions are not served yet). 0, SCSI_RETRY or ERR_*.
 */
static long scsi_sync(handle_t eq, unsigned target, uint32_t len)
{
    uint64_t deadline = warp_clock() + SCSI_SYNC_NS;
    void *cookie;
    uint32_t used;
    scsi_post(0, target, len, false);
    for (;;) {
        long r = virtq_pop(&scsi_g.vq, &cookie, &used);
        if (r == 1 && cookie == scsi_cookie(0))
            return scsi_result(0);
        if (r != 0)
            return ERR_IO;
        struct warp_event ev;
        if ((r = warp_eventq_wait(eq, &ev, deadline)) < 0)
            return r;
        if (ev.type == EV_IRQ) {
            if (!scsi_g.msix)
                virtio_isr(&scsi_g.vdev);
            warp_irq_ack(ev.handle);
        }
    }
}

/* Slot 0's CDB zeroed with opcode op, its length byte(s) set by the caller. */
static uint8_t *scsi_cdb(uint8_t op)
{
    uint8_t *cdb = scsi_hdr(0)->cdb;
    memset(cdb, 0, SCSI_CDB_SIZE);
    cdb[0] = op;
    return cdb;
}

/* Copies n bytes of INQUIRY text at s into out without trailing blanks. */
static void scsi_trim(char *out, const uint8_t *s, unsigned n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == 0))
        n--;
    memcpy(out, s, n);
    out[n] = 0;
}

/* INQUIRY of target, LUN 0: 1 if a connected disk (peripheral qualifier 0, type 0) answers, and
 * keeps its vendor and product; 0 if not; ERR_TIMED_OUT if the host did not answer. */
static long scsi_inquiry(handle_t eq, unsigned target)
{
    scsi_cdb(SCSI_INQUIRY)[4] = SCSI_INQUIRY_LEN;
    long r = scsi_sync(eq, target, SCSI_INQUIRY_LEN);
    if (r == ERR_TIMED_OUT)
        return r;
    const uint8_t *d = scsi_g.data;
    if (r != 0 || d[0] != 0)
        return 0;
    scsi_trim(scsi_g.vendor, d + 8, 8);
    scsi_trim(scsi_g.product, d + 16, 16);
    return 1;
}

/* TEST UNIT READY until it passes, retrying a UNIT ATTENTION (the power-on one) a few times. */
static long scsi_ready(handle_t eq)
{
    long r = SCSI_RETRY;
    for (unsigned i = 0; i <= SCSI_RETRIES_MAX && r == SCSI_RETRY; i++) {
        scsi_cdb(SCSI_TEST_UNIT_READY);
        r = scsi_sync(eq, scsi_g.target, 0);
    }
    return r == SCSI_RETRY ? ERR_IO : r;
}

/* READ CAPACITY(16): sectors and the logical block length (a power of two 512..4096 that divides
 * BLOCK_IO_MAX), else ERR_NOT_SUPPORTED. */
static long scsi_capacity(handle_t eq)
{
    uint8_t *cdb = scsi_cdb(SCSI_SERVICE_IN_16);
    cdb[1] = SCSI_READ_CAPACITY_16;
    cdb_put_be(cdb + 10, SCSI_CAPACITY_LEN, 4);
    long r = scsi_sync(eq, scsi_g.target, SCSI_CAPACITY_LEN);
    if (r != 0)
        return r == SCSI_RETRY ? ERR_IO : r;
    return cdb_capacity(scsi_g.data, &scsi_g.sectors, &scsi_g.sector_size);
}

/* MODE SENSE(6) of the mode parameter header: its WP bit makes the disk read-only. A disk that
 * refuses the command is served writable (a write then meets DATA PROTECT if it is not); ERR_TIMED_OUT
 * if the host did not answer. */
static long scsi_write_protect(handle_t eq)
{
    uint8_t *cdb = scsi_cdb(SCSI_MODE_SENSE_6);
    cdb[1] = SCSI_MODE_DBD;
    cdb[2] = SCSI_MODE_ALL;
    cdb[4] = SCSI_MODE_LEN;
    long r = scsi_sync(eq, scsi_g.target, SCSI_MODE_LEN);
    if (r == ERR_TIMED_OUT)
        return r;
    if (r != 0)
        printf("virtio_scsi: MODE SENSE failed (%s); serving the disk writable\n",
               r == SCSI_RETRY ? "unit attention" : err_str(r));
    uint32_t residual = scsi_resp(0)->residual;
    uint32_t got = residual < SCSI_MODE_LEN ? SCSI_MODE_LEN - residual : 0; /* bytes the disk sent */
    scsi_g.read_only = r == 0 && cdb_mode_wp(scsi_g.data, got);
    return 0;
}

/* Targets 0..max_target (at most SCSI_TARGETS_MAX) of bus 0, LUN 0: the first disk, made ready and
 * measured. ERR_NOT_FOUND if there is none; ERR_TIMED_OUT as soon as a command is not answered (it
 * still holds slot 0: the driver gives up, and its restart resets the device). */
static long scsi_scan(handle_t eq)
{
    unsigned max = virtio_config_read(&scsi_g.vdev, SCSI_CFG_MAX_TARGET, 2);
    for (unsigned t = 0; t <= max && t < SCSI_TARGETS_MAX; t++) {
        long r = scsi_inquiry(eq, t);
        if (r <= 0) {
            if (r == ERR_TIMED_OUT)
                return r;
            continue;
        }
        scsi_g.target = t;
        r = scsi_ready(eq);
        if (r == 0)
            r = scsi_capacity(eq);
        if (r == 0)
            r = scsi_write_protect(eq);
        if (r == 0 || r == ERR_TIMED_OUT)
            return r;
        printf("virtio_scsi: disk at target %u is not usable: %s\n", t, err_str(r));
    }
    return ERR_NOT_FOUND;
}

static long scsi_reset(void);

/* The disk scsi_scan found; the host can be reset after a missed deadline. */
const struct blkdev_info *blkdev_info(void)
{
    static struct blkdev_info info;
    info = (struct blkdev_info){"virtio_scsi", scsi_g.sectors, scsi_g.sector_size, scsi_g.read_only,
                                true,          scsi_g.nslots,  scsi_g.data,        scsi_reset};
    return &info;
}

/* The host's counters. */
void blkdev_stats(char *buf, size_t n)
{
    fmt_snprintf(buf, n, "requests %llu errors %llu irqs %llu retries %llu resets %llu",
                 (unsigned long long)scsi_g.requests, (unsigned long long)scsi_g.errors,
                 (unsigned long long)scsi_g.irqs, (unsigned long long)scsi_g.retries,
                 (unsigned long long)scsi_g.resets);
}

/* One DMA allocation for the ring, the slots' headers and responses, and their bounce buffers. */
static long scsi_alloc_queue(handle_t dev)
{
    uint16_t n = virtio_queue_size(&scsi_g.vdev, SCSI_REQQ, SCSI_QUEUE_WANT);
    if (n < 4) /* a slot takes 3 descriptors */
        return ERR_NOT_SUPPORTED;
    scsi_g.nslots = n / 3 < SCSI_SLOTS_MAX ? n / 3 : SCSI_SLOTS_MAX;
    size_t ring = virtq_bytes(n), meta = (size_t)scsi_g.nslots * SCSI_META;
    paddr_t phys;
    long addr = warp_dma_alloc(dev, ring + meta + (size_t)scsi_g.nslots * BLOCK_IO_MAX, &phys);
    void **cookies = malloc(n * sizeof(void *));
    if (addr < 0 || !cookies) {
        free(cookies);
        return addr < 0 ? addr : ERR_NO_MEMORY;
    }
    uint8_t *mem = (uint8_t *)addr;
    scsi_g.ring = mem;
    scsi_g.ring_phys = phys;
    scsi_g.cookies = cookies;
    scsi_g.qsize = n;
    scsi_g.slots = mem + ring;
    scsi_g.slots_phys = phys + ring;
    scsi_g.data = mem + ring + meta;
    scsi_g.data_phys = phys + ring + meta;
    return virtq_init(&scsi_g.vq, SCSI_REQQ, n, mem, phys, cookies);
}

/* The request queue's MSI-X vector 0 (no config vector) when MSI-X is in use; then hands the queue
 * to the device. Also after a reset, which forgets both. The control and event queues stay off: we
 * send no task management and take no events. */
static long scsi_setup_queue(void)
{
    if (scsi_g.msix) {
        long r = virtio_config_vector(&scsi_g.vdev, VIRTIO_MSI_NO_VECTOR);
        if (r == 0)
            r = virtio_queue_vector(&scsi_g.vdev, SCSI_REQQ, 0);
        if (r < 0)
            return r;
    }
    return virtio_queue_setup(&scsi_g.vdev, &scsi_g.vq);
}

/* MSI-X vector 0 for the request queue when the function has MSI-X, else one INTx or MSI
 * interrupt; then hands the queue to the device. */
static long scsi_setup_irq(handle_t dev)
{
    long irq = warp_irq_create(dev, 0);
    if (irq < 0)
        return irq;
    scsi_g.irq = (handle_t)irq;
    scsi_g.msix = scsi_g.vdev.msix_entries >= 1;
    return scsi_setup_queue();
}

/* Logs which bring-up step failed, marks the device FAILED, returns r. */
static long scsi_failed(const char *step, long r)
{
    printf("virtio_scsi: %s failed: %s\n", step, err_str(r));
    virtio_fail(&scsi_g.vdev);
    return r;
}

/* §3.1.1 for a SCSI host: reset, features (none of §5.6.3's), the request queue, its interrupt,
 * the config's CDB and sense sizes checked, DRIVER_OK; then the scan. */
static long scsi_bring_up(handle_t dev, struct loop *l)
{
    long r;
    if ((r = virtio_reset(&scsi_g.vdev)) < 0)
        return scsi_failed("reset", r);
    if ((r = virtio_negotiate(&scsi_g.vdev, 0, &scsi_g.features)) < 0)
        return scsi_failed("feature negotiation", r);
    if ((r = scsi_alloc_queue(dev)) < 0)
        return scsi_failed("queue memory", r);
    if ((r = scsi_setup_irq(dev)) < 0)
        return scsi_failed("interrupt and queue setup", r);
    if ((r = loop_add_irq(l, scsi_g.irq, scsi_on_irq, NULL)) < 0)
        return scsi_failed("waiting for interrupts", r);
    if (virtio_config_read(&scsi_g.vdev, SCSI_CFG_CDB_SIZE, 4) != SCSI_CDB_SIZE ||
        virtio_config_read(&scsi_g.vdev, SCSI_CFG_SENSE_SIZE, 4) != SCSI_SENSE_SIZE)
        return scsi_failed("config check (CDB and sense sizes other than 32 and 96)", ERR_NOT_SUPPORTED);
    virtio_driver_ok(&scsi_g.vdev);
    if ((r = scsi_scan(l->eq)) < 0)
        return scsi_failed("scan for a disk", r);
    return 0;
}

/* Checks the handle is a virtio-scsi host and brings it up. */
long scsi_init(handle_t dev, struct loop *l)
{
    long r = warp_device_check(dev, "virtio_scsi");
    if (r < 0)
        return r;
    if ((r = virtio_pci_open(&scsi_g.vdev, dev)) < 0 ||
        virtio_device_type(&scsi_g.vdev) != VIRTIO_SCSI_TYPE) {
        printf("virtio_scsi: not a virtio SCSI host I can drive: %s\n",
               r < 0 ? err_str(r) : "wrong device type");
        return r < 0 ? r : ERR_NOT_SUPPORTED;
    }
    return scsi_bring_up(dev, l);
}

/*
 * §3.1.1 again after a reset: the same features, the request queue laid out anew in its memory (its
 * MSI-X vector too), DRIVER_OK. The interrupt handle stays: a reset changes neither the MSI-X table,
 * which the kernel owns, nor the INTx line.
 */
static long scsi_restart(void)
{
    uint64_t accepted;
    long r = virtio_reset(&scsi_g.vdev);
    if (r == 0)
        r = virtio_negotiate(&scsi_g.vdev, scsi_g.features, &accepted);
    if (r == 0 && accepted != scsi_g.features)
        r = ERR_NOT_SUPPORTED;
    if (r == 0)
        r = virtq_init(&scsi_g.vq, SCSI_REQQ, scsi_g.qsize, scsi_g.ring, scsi_g.ring_phys, scsi_g.cookies);
    if (r == 0)
        r = scsi_setup_queue();
    if (r < 0)
        return scsi_failed("reset after a timeout", r);
    virtio_driver_ok(&scsi_g.vdev);
    return 0;
}

/*
 * blkdev_info's reset, after a command missed its deadline: answers what the host finished, resets
 * it (§4.1.4.3.2: modern waits until the status reads back 0; from then on the host touches none
 * of the old queue's buffers) and sets it up again, empty; blk.c resubmits what is still in flight. The disk
 * reports the reset to the first command that reaches it as a UNIT ATTENTION, which scsi_collect
 * sends again.
 */
static long scsi_reset(void)
{
    scsi_collect();
    scsi_g.resets++;
    return scsi_restart();
}
