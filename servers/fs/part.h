/* part.h: finds a disk's Linux file system partitions (GPT or MBR); pure, reads through a callback. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * A GCE image made with a site (tools/mkgce --site) is one disk: the boot ISO with its GPT, plus a
 * partition of type "Linux file system" holding the site's ext4. The fs server mounts a whole disk
 * that holds ext4 directly (make run SITE=dir), and otherwise looks here for such partitions.
 *
 * GPT (UEFI 2.x, chapter 5): the header at LBA 1 (signature, size, CRC32, its own LBA), the entry
 * array (count and entry size bounded, CRC32 checked), entries of type 0FC63DAF-8483-4772-8E79-
 * 3D69D8477DE4 within the header's usable range. A protective MBR (type 0xEE) leads to the GPT; an
 * MBR without one lists its partitions of type 0x83. Every value read is checked against the disk's
 * size before it is used.
 */
#define PART_MAX 8                /* Linux partitions reported at most */
#define PART_GPT_ENTRIES_MAX 1024 /* larger entry arrays are refused */

/* Reads len bytes at byte offset off of the disk: 0 or a negative ERR_*. */
typedef int (*part_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);

/* One partition, in bytes. */
struct part {
    uint64_t offset;
    uint64_t size;
};

/*
 * Lists the Linux file system partitions of a disk of disk_bytes bytes and sector_size bytes a
 * sector (512 or 4096): their count (0 when the disk has no partition table or none of that type),
 * at most PART_MAX in out. ERR_BAD_FORMAT (with *why) for a table that is present but broken, or
 * the read's error.
 */
int part_find_linux(part_read_fn read, void *ctx, uint64_t disk_bytes, uint32_t sector_size,
                    struct part out[PART_MAX], const char **why);
