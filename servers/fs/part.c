/* part.c: GPT and MBR parsing: the Linux file system partitions of a disk (part.h). */
#include "part.h"

#include <stdbool.h>
#include <warp/error.h>
#include <warp/string.h>

#define MBR_SIGNATURE_OFF 510
#define MBR_ENTRIES_OFF 446
#define MBR_ENTRY_SIZE 16
#define MBR_TYPE_GPT 0xee
#define MBR_TYPE_LINUX 0x83

#define GPT_HEADER_MIN 92
#define GPT_ENTRY_MIN 128
#define GPT_ENTRY_MAX 4096

/* 0FC63DAF-8483-4772-8E79-3D69D8477DE4 as stored: the first three fields little-endian. */
static const uint8_t gpt_linux_fs[16] = {0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
                                         0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4};

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* CRC-32 (IEEE 802.3, reflected, as GPT uses), continuing from crc (0 to start). */
static uint32_t crc32_ieee(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static int bad(const char **why, const char *reason)
{
    *why = reason;
    return ERR_BAD_FORMAT;
}

/* Adds [first_lba, last_lba] (inclusive) to out if it lies on the disk; false if it does not. */
static bool part_add(struct part *out, unsigned *n, uint64_t first, uint64_t last, uint32_t ss,
                     uint64_t disk_bytes)
{
    uint64_t sectors = disk_bytes / ss;
    if (first == 0 || first > last || last >= sectors)
        return false;
    if (*n < PART_MAX)
        out[(*n)++] = (struct part){.offset = first * ss, .size = (last - first + 1) * ss};
    return true;
}

/* The GPT whose header is at LBA 1. */
static int part_gpt(part_read_fn read, void *ctx, uint64_t disk_bytes, uint32_t ss, struct part *out,
                    const char **why)
{
    static uint8_t hdr[4096]; /* static: the server's stack is small, and it has one thread */
    int r = read(ctx, ss, hdr, ss);
    if (r < 0)
        return r;
    if (memcmp(hdr, "EFI PART", 8) != 0)
        return bad(why, "protective MBR but no GPT header at LBA 1");
    uint32_t hsize = get32(hdr + 12);
    if (hsize < GPT_HEADER_MIN || hsize > ss)
        return bad(why, "GPT header size out of range");
    uint32_t want = get32(hdr + 16);
    memset(hdr + 16, 0, 4);
    if (crc32_ieee(0, hdr, hsize) != want)
        return bad(why, "GPT header checksum mismatch");
    uint64_t sectors = disk_bytes / ss;
    uint64_t first_usable = get64(hdr + 40), last_usable = get64(hdr + 48);
    uint64_t entries_lba = get64(hdr + 72);
    uint32_t count = get32(hdr + 80), esize = get32(hdr + 84), ecrc = get32(hdr + 88);
    if (get64(hdr + 24) != 1 || first_usable > last_usable || last_usable >= sectors)
        return bad(why, "GPT header LBAs out of range");
    if (count > PART_GPT_ENTRIES_MAX || esize < GPT_ENTRY_MIN || esize > GPT_ENTRY_MAX || esize % 8)
        return bad(why, "GPT entry count or size out of range");
    uint64_t array = (uint64_t)count * esize;
    if (entries_lba < 2 || entries_lba >= sectors || array > (sectors - entries_lba) * ss)
        return bad(why, "GPT entry array off the disk");
    /* The array is read a sector at a time; its CRC runs over all of it. */
    static uint8_t sec[4096];
    uint32_t crc = 0;
    unsigned n = 0;
    static uint8_t entry[GPT_ENTRY_MAX];
    size_t have = 0; /* bytes of the current entry gathered */
    for (uint64_t done = 0; done < array; done += ss) {
        r = read(ctx, (entries_lba * ss) + done, sec, ss);
        if (r < 0)
            return r;
        size_t take = array - done < ss ? (size_t)(array - done) : ss;
        crc = crc32_ieee(crc, sec, take);
        for (size_t i = 0; i < take;) {
            size_t part = esize - have < take - i ? esize - have : take - i;
            memcpy(entry + have, sec + i, part);
            have += part;
            i += part;
            if (have < esize)
                continue;
            have = 0;
            if (memcmp(entry, gpt_linux_fs, 16) != 0)
                continue;
            uint64_t first = get64(entry + 32), last = get64(entry + 40);
            if (first < first_usable || last > last_usable || !part_add(out, &n, first, last, ss, disk_bytes))
                return bad(why, "GPT partition outside the usable range");
        }
    }
    if (crc != ecrc)
        return bad(why, "GPT entry array checksum mismatch");
    return (int)n;
}

int part_find_linux(part_read_fn read, void *ctx, uint64_t disk_bytes, uint32_t sector_size,
                    struct part out[PART_MAX], const char **why)
{
    uint8_t mbr[512];
    *why = NULL;
    if ((sector_size != 512 && sector_size != 4096) || disk_bytes < 2ull * sector_size)
        return 0;
    int r = read(ctx, 0, mbr, sizeof(mbr));
    if (r < 0)
        return r;
    if (mbr[MBR_SIGNATURE_OFF] != 0x55 || mbr[MBR_SIGNATURE_OFF + 1] != 0xaa)
        return 0;
    unsigned n = 0;
    for (unsigned i = 0; i < 4; i++) {
        const uint8_t *e = mbr + MBR_ENTRIES_OFF + i * MBR_ENTRY_SIZE;
        if (e[4] == MBR_TYPE_GPT)
            return part_gpt(read, ctx, disk_bytes, sector_size, out, why);
    }
    for (unsigned i = 0; i < 4; i++) {
        const uint8_t *e = mbr + MBR_ENTRIES_OFF + i * MBR_ENTRY_SIZE;
        uint32_t first = get32(e + 8), count = get32(e + 12);
        if (e[4] != MBR_TYPE_LINUX || count == 0)
            continue;
        /* MBR counts in 512-byte units whatever the sector size. */
        if (!part_add(out, &n, first, (uint64_t)first + count - 1, 512, disk_bytes))
            return bad(why, "MBR partition off the disk");
    }
    return (int)n;
}
