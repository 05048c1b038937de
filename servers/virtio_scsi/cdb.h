/* cdb.h: the SCSI bytes virtio_scsi builds and reads (cdb.c, pure, host-tested): big-endian fields, sense, capacity, write protection. */
#pragma once

#include <warp/types.h>

/* A CHECK CONDITION's sense key and additional sense code and qualifier (SPC-4 §4.5). */
struct cdb_sense {
    unsigned key, asc, ascq;
};

/* Stores v big-endian in the n bytes at p. */
void cdb_put_be(uint8_t *p, uint64_t v, unsigned n);
/* The big-endian number in the n bytes at p (n <= 8). */
uint64_t cdb_get_be(const uint8_t *p, unsigned n);
/* Key, ASC and ASCQ of the len valid sense bytes at s, fixed (0x70/0x71) or descriptor (0x72/0x73)
 * format; all 0 when too short to say. */
void cdb_sense(const uint8_t *s, uint32_t len, struct cdb_sense *out);
/* READ CAPACITY(16) data at d: sectors (last LBA + 1) and the logical block length, a power of two
 * from 512 to 4096; ERR_NOT_SUPPORTED for another length or a capacity that overflows. */
long cdb_capacity(const uint8_t *d, uint64_t *sectors, uint32_t *size);
/* The WP bit of the len bytes of MODE SENSE(6) data at d (the mode parameter header's device-specific
 * parameter, bit 7, for a direct-access device); false when too short to say. */
bool cdb_mode_wp(const uint8_t *d, uint32_t len);
