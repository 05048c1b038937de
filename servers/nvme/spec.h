/* spec.h: the NVMe bytes the nvme driver builds and reads (spec.c, pure, host-tested): registers, commands, identify data, status, PRPs. */
#pragma once

#include <warp/types.h>

/* NVM Express Base Specification 1.4 §3.1: controller registers, offsets in BAR0. */
#define NVME_REG_CAP 0x00  /* capabilities (64 bits) */
#define NVME_REG_CC 0x14   /* controller configuration */
#define NVME_REG_CSTS 0x1c /* controller status */
#define NVME_REG_AQA 0x24  /* admin queue sizes */
#define NVME_REG_ASQ 0x28  /* admin submission queue base (64 bits) */
#define NVME_REG_ACQ 0x30  /* admin completion queue base (64 bits) */
#define NVME_REG_DOORBELLS 0x1000

/* §3.1.1 CAP fields. */
#define NVME_CAP_MQES(cap) ((uint32_t)((cap)&0xffff) + 1)            /* entries per I/O queue at most */
#define NVME_CAP_TO_MS(cap) ((uint32_t)(((cap) >> 24) & 0xff) * 500) /* CSTS.RDY change takes at most */
#define NVME_CAP_DSTRD(cap) ((unsigned)(((cap) >> 32) & 0xf))        /* doorbell stride: 4 << DSTRD bytes */
#define NVME_CAP_CSS_NVM(cap) (((cap) >> 37) & 1)                    /* the NVM command set */
#define NVME_CAP_MPSMIN(cap) ((unsigned)(((cap) >> 48) & 0xf))       /* memory page 4096 << MPSMIN at least */
#define NVME_CAP_MPSMAX(cap) ((unsigned)(((cap) >> 52) & 0xf))

/* §3.1.5 CC: enable, NVM command set, 4 KiB pages, round robin; entries of 64 (2^6) and 16 (2^4) bytes. */
#define NVME_CC_EN 1u
#define NVME_CC_IOSQES (6u << 16)
#define NVME_CC_IOCQES (4u << 20)
/* §3.1.6 CSTS. */
#define NVME_CSTS_RDY 1u
#define NVME_CSTS_CFS 2u /* controller fatal status */

#define NVME_PAGE 4096u /* the memory page size we set (CC.MPS 0) */

/* §5 admin and §6 NVM command opcodes. */
#define NVME_ADMIN_CREATE_SQ 0x01
#define NVME_ADMIN_CREATE_CQ 0x05
#define NVME_ADMIN_IDENTIFY 0x06
#define NVME_CMD_FLUSH 0x00
#define NVME_CMD_WRITE 0x01
#define NVME_CMD_READ 0x02
#define NVME_CNS_NAMESPACE 0x00 /* Identify's CDW10: the namespace named by NSID */
#define NVME_CNS_CONTROLLER 0x01
#define NVME_IDENTIFY_LEN 4096

/* §4.2: a submission queue entry. CDW0: opcode (7:0), command identifier (31:16). */
struct nvme_sqe {
    uint32_t cdw0;
    uint32_t nsid;
    uint64_t reserved;
    uint64_t mptr;
    uint64_t prp1;
    uint64_t prp2;
    uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

/* §4.6: a completion queue entry; status bit 0 is the phase tag, bits 15:1 the status field. */
struct nvme_cqe {
    uint32_t dw0;
    uint32_t dw1;
    uint16_t sqhd; /* how far the controller has consumed the submission queue */
    uint16_t sqid;
    uint16_t cid;
    uint16_t status;
};

_Static_assert(sizeof(struct nvme_sqe) == 64, "a submission queue entry is 64 bytes");
_Static_assert(sizeof(struct nvme_cqe) == 16, "a completion queue entry is 16 bytes");

#define NVME_STATUS_SF(status) ((uint16_t)((status) >> 1)) /* the status field of a CQE's status */
#define NVME_SF_SCT(sf) (((sf) >> 8) & 7u)                 /* status code type */
#define NVME_SF_SC(sf) ((sf)&0xffu)                        /* status code */

#define NVME_MODEL_LEN 40
#define NVME_SERIAL_LEN 20

/* What the driver uses of Identify Controller (§5.15.2.2). */
struct nvme_ctrl_id {
    char model[NVME_MODEL_LEN + 1]; /* trailing spaces cut, unprintable bytes as '?' */
    char serial[NVME_SERIAL_LEN + 1];
    uint32_t max_xfer; /* bytes one command may move (MDTS); 0: no limit */
    uint32_t namespaces;
    bool vwc; /* a volatile write cache: Flush means something */
};

/* What the driver uses of Identify Namespace (§6.1.5). */
struct nvme_ns_id {
    uint64_t sectors;     /* NSZE */
    uint32_t sector_size; /* of the LBA format in use: 512..4096 */
    bool read_only;       /* NSATTR's write protection */
};

/* Whether completion e can be believed: it names I/O queue qid, whose submission queue has
 * sq_entries entries (its SQ head must lie inside), and a command identifier whose bit is set in out
 * (identifiers are slot numbers below 32, a bit set while the slot has a command out). */
bool nvme_cqe_ok(const struct nvme_cqe *e, unsigned qid, unsigned sq_entries, uint32_t out);
/* The doorbell offset in BAR0 of queue qid's submission tail (cq false) or completion head (cq true). */
uint32_t nvme_doorbell(unsigned qid, bool cq, unsigned dstrd);
/* Identify Controller data d (NVME_IDENTIFY_LEN bytes) into *out, MDTS in pages of 4096 << mpsmin
 * bytes; ERR_NOT_SUPPORTED (with *why) for entry sizes other than 64/16 or no namespace. */
long nvme_parse_ctrl(const uint8_t *d, unsigned mpsmin, struct nvme_ctrl_id *out, const char **why);
/* Identify Namespace data d into *out; ERR_NOT_FOUND for an inactive namespace (size 0),
 * ERR_NOT_SUPPORTED (with *why) for a format with metadata or protection information, a sector size
 * outside 512..4096, or a size whose bytes overflow 64 bits. */
long nvme_parse_ns(const uint8_t *d, struct nvme_ns_id *out, const char **why);
/* The name of status field sf (SCT and SC), or "unknown status". */
const char *nvme_status_name(uint16_t sf);
/* The ERR_* of status field sf: 0 for success, ERR_NOT_SUPPORTED for an invalid opcode,
 * ERR_PERMISSION for a write to a read-only range or namespace, else ERR_IO. */
long nvme_status_error(uint16_t sf);
/* §4.3: PRP entries of len (> 0) bytes at physical address phys, contiguous: *prp1 and *prp2, and
 * when they span more than two pages, the entries after the first in list (at most list_max; its
 * physical address list_phys goes in *prp2). The number of list entries, or ERR_TOO_LARGE. */
long nvme_prp(uint64_t phys, uint32_t len, uint64_t *list, unsigned list_max, uint64_t list_phys,
              uint64_t *prp1, uint64_t *prp2);
