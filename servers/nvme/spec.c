/* spec.c: NVMe data the driver builds and reads (NVM Express Base Specification 1.4): no device access, host-tested. */
#include "spec.h"

#include <warp/error.h>
#include <warp/string.h>

/* Identify Controller (§5.15.2.2, figure 251) byte offsets. */
#define ID_CTRL_SN 4
#define ID_CTRL_MN 24
#define ID_CTRL_MDTS 77
#define ID_CTRL_SQES 512
#define ID_CTRL_CQES 513
#define ID_CTRL_NN 516
#define ID_CTRL_VWC 525

/* Identify Namespace (§6.1.5, figure 245) byte offsets. */
#define ID_NS_NSZE 0
#define ID_NS_NLBAF 25
#define ID_NS_FLBAS 26
#define ID_NS_DPS 29
#define ID_NS_NSATTR 99
#define ID_NS_LBAF 128 /* 16 formats of 4 bytes: MS (15:0), LBADS (23:16), RP (25:24) */
#define ID_NS_LBAF_MAX 16

#define SQE_SIZE_LOG2 6 /* the entry sizes the driver uses */
#define CQE_SIZE_LOG2 4

/* The little-endian number of n (<= 8) bytes at p. */
static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    while (n-- > 0)
        v = v << 8 | p[n];
    return v;
}

/* An identify text field of n bytes (ASCII, space-padded; NULs taken as spaces) as a C string in
 * out (n + 1 bytes), trailing spaces cut, other unprintable bytes as '?'. */
static void id_text(char *out, const uint8_t *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        out[i] = p[i] == 0 ? ' ' : p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

/* Submission (tail) doorbell 2 qid, completion (head) doorbell 2 qid + 1, each 4 << dstrd apart (§3.1.24). */
uint32_t nvme_doorbell(unsigned qid, bool cq, unsigned dstrd)
{
    return NVME_REG_DOORBELLS + (2u * qid + (cq ? 1u : 0u)) * (4u << dstrd);
}

/* Nothing in a completion is used before it passed these checks. */
bool nvme_cqe_ok(const struct nvme_cqe *e, unsigned qid, unsigned sq_entries, uint32_t out)
{
    return e->sqid == qid && e->sqhd < sq_entries && e->cid < 32 && (out >> e->cid & 1u);
}

/* True if an entry size byte (required log2 in 3:0, maximum in 7:4) allows 2^want. */
static bool entry_size_ok(uint8_t sizes, unsigned want)
{
    return (sizes & 0xf) <= want && (sizes >> 4) >= want;
}

/* Model, serial, transfer limit, namespaces, write cache; checks the queue entry sizes. */
long nvme_parse_ctrl(const uint8_t *d, unsigned mpsmin, struct nvme_ctrl_id *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    id_text(out->model, d + ID_CTRL_MN, NVME_MODEL_LEN);
    id_text(out->serial, d + ID_CTRL_SN, NVME_SERIAL_LEN);
    unsigned shift = 12 + mpsmin + d[ID_CTRL_MDTS];
    out->max_xfer = d[ID_CTRL_MDTS] == 0 || shift >= 32 ? 0 : 1u << shift;
    out->namespaces = (uint32_t)le(d + ID_CTRL_NN, 4);
    out->vwc = (d[ID_CTRL_VWC] & 1) != 0;
    if (!entry_size_ok(d[ID_CTRL_SQES], SQE_SIZE_LOG2) || !entry_size_ok(d[ID_CTRL_CQES], CQE_SIZE_LOG2)) {
        *why = "queue entries of 64 and 16 bytes are not allowed";
        return ERR_NOT_SUPPORTED;
    }
    if (out->namespaces == 0) {
        *why = "the controller has no namespace";
        return ERR_NOT_SUPPORTED;
    }
    return 0;
}

/* Size, sector size of the format in use and write protection; refuses what the driver cannot serve. */
long nvme_parse_ns(const uint8_t *d, struct nvme_ns_id *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    out->sectors = le(d + ID_NS_NSZE, 8);
    out->read_only = (d[ID_NS_NSATTR] & 1) != 0;
    unsigned format = d[ID_NS_FLBAS] & 0xf;
    if (out->sectors == 0) {
        *why = "namespace 1 is not active";
        return ERR_NOT_FOUND;
    }
    if (format > d[ID_NS_NLBAF] || format >= ID_NS_LBAF_MAX) {
        *why = "the LBA format in use is not one the namespace lists";
        return ERR_NOT_SUPPORTED;
    }
    const uint8_t *lbaf = d + ID_NS_LBAF + 4 * format;
    unsigned lbads = lbaf[2];
    if (le(lbaf, 2) != 0) {
        *why = "the LBA format carries metadata";
        return ERR_NOT_SUPPORTED;
    }
    if (d[ID_NS_DPS] & 7) {
        *why = "the namespace has end-to-end protection information";
        return ERR_NOT_SUPPORTED;
    }
    if (lbads < 9 || lbads > 12) {
        *why = "the sector size is not 512 to 4096 bytes";
        return ERR_NOT_SUPPORTED;
    }
    out->sector_size = 1u << lbads;
    if (out->sectors > UINT64_MAX >> lbads) {
        *why = "the namespace size overflows";
        return ERR_NOT_SUPPORTED;
    }
    return 0;
}

/* One status code's name. */
struct status_name {
    uint16_t sf; /* SCT << 8 | SC */
    const char *name;
};

/* §4.6.1.2: the generic (type 0), command specific (type 1) and media (type 2) codes an I/O or the
 * bring-up may meet. */
static const struct status_name status_names[] = {
    {0x000, "success"},
    {0x001, "invalid command opcode"},
    {0x002, "invalid field in command"},
    {0x003, "command ID conflict"},
    {0x004, "data transfer error"},
    {0x005, "aborted: power loss"},
    {0x006, "internal error"},
    {0x007, "aborted by request"},
    {0x008, "aborted: submission queue deleted"},
    {0x00b, "invalid namespace or format"},
    {0x00c, "command sequence error"},
    {0x00f, "invalid SGL or PRP offset"},
    {0x013, "invalid PRP offset"},
    {0x020, "namespace is write protected"},
    {0x080, "LBA out of range"},
    {0x081, "capacity exceeded"},
    {0x082, "namespace not ready"},
    {0x083, "reservation conflict"},
    {0x100, "completion queue invalid"},
    {0x101, "invalid queue identifier"},
    {0x102, "invalid queue size"},
    {0x108, "invalid interrupt vector"},
    {0x182, "write to a read-only range"},
    {0x280, "write fault"},
    {0x281, "unrecovered read error"},
    {0x282, "end-to-end guard check error"},
    {0x283, "end-to-end application tag check error"},
    {0x284, "end-to-end reference tag check error"},
    {0x285, "compare failure"},
    {0x286, "access denied"},
    {0x287, "deallocated or unwritten logical block"},
};

/* Looks the code up in status_names. */
const char *nvme_status_name(uint16_t sf)
{
    uint16_t code = (uint16_t)(NVME_SF_SCT(sf) << 8 | NVME_SF_SC(sf));
    for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
        if (status_names[i].sf == code)
            return status_names[i].name;
    return "unknown status";
}

/* Success, then the two codes a caller can act on; everything else is an I/O error. */
long nvme_status_error(uint16_t sf)
{
    uint16_t code = (uint16_t)(NVME_SF_SCT(sf) << 8 | NVME_SF_SC(sf));
    if (code == 0)
        return 0;
    if (code == 0x001)
        return ERR_NOT_SUPPORTED;
    if (code == 0x020 || code == 0x182)
        return ERR_PERMISSION;
    return ERR_IO;
}

/* PRP1 is the first byte (any offset); PRP2 the second page, or a list of every page after the first. */
long nvme_prp(uint64_t phys, uint32_t len, uint64_t *list, unsigned list_max, uint64_t list_phys,
              uint64_t *prp1, uint64_t *prp2)
{
    uint64_t first_end = (phys & ~(uint64_t)(NVME_PAGE - 1)) + NVME_PAGE; /* where the first page ends */
    uint64_t end = phys + len;
    *prp1 = phys;
    *prp2 = 0;
    if (end <= first_end)
        return 0;
    uint64_t pages = (end - first_end + NVME_PAGE - 1) / NVME_PAGE; /* after the first */
    if (pages == 1) {
        *prp2 = first_end;
        return 0;
    }
    if (pages > list_max)
        return ERR_TOO_LARGE;
    for (uint64_t i = 0; i < pages; i++)
        list[i] = first_end + i * NVME_PAGE;
    *prp2 = list_phys;
    return (long)pages;
}
