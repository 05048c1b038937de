/* cdb.c: the SCSI bytes virtio_scsi builds and reads (SPC-4 sense data §4.5, mode parameter header §7.5.5; SBC-3 READ CAPACITY(16) data §5.16.2, WP §6.5.1). */
#include "cdb.h"

#include <warp/error.h>

/* Most significant byte first. */
void cdb_put_be(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Most significant byte first. */
uint64_t cdb_get_be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Descriptor format keeps key, ASC, ASCQ in bytes 1-3; fixed format in bytes 2, 12 and 13. */
void cdb_sense(const uint8_t *s, uint32_t len, struct cdb_sense *out)
{
    *out = (struct cdb_sense){0, 0, 0};
    if (len < 4)
        return;
    unsigned code = s[0] & 0x7f;
    if (code == 0x72 || code == 0x73)
        *out = (struct cdb_sense){s[1] & 0xfu, s[2], s[3]};
    else if ((code == 0x70 || code == 0x71) && len >= 14)
        *out = (struct cdb_sense){s[2] & 0xfu, s[12], s[13]};
}

/* Bytes 0-7: the last LBA; 8-11: the logical block length. */
long cdb_capacity(const uint8_t *d, uint64_t *sectors, uint32_t *size)
{
    uint64_t last = cdb_get_be(d, 8);
    uint32_t len = (uint32_t)cdb_get_be(d + 8, 4);
    if (len < 512 || len > 4096 || (len & (len - 1)) != 0 || last == UINT64_MAX)
        return ERR_NOT_SUPPORTED;
    *sectors = last + 1;
    *size = len;
    return 0;
}

/* Byte 2 of the mode parameter header(6) is the device-specific parameter; SBC-3 puts WP in bit 7. */
bool cdb_mode_wp(const uint8_t *d, uint32_t len)
{
    return len >= 3 && (d[2] & 0x80) != 0;
}
