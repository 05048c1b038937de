/* ext4.c: the read-only ext4 reader (ext4.h); follows the kernel's ext4 on-disk format documentation. */
#include "ext4.h"

#include <warp/error.h>
#include <warp/string.h>

#define SB_OFFSET 1024 /* the super block's byte offset, whatever the block size */
#define SB_SIZE 1024
#define SB_MAGIC 0xEF53
#define EXT_MAGIC 0xF30A
#define EXT_DEPTH_MAX 5 /* the format's bound on extent tree depth */

/* Incompatible features ("super block" section). */
#define INCOMPAT_FILETYPE 0x2u
#define INCOMPAT_RECOVER 0x4u
#define INCOMPAT_EXTENTS 0x40u
#define INCOMPAT_64BIT 0x80u
#define INCOMPAT_MMP 0x100u
#define INCOMPAT_FLEX_BG 0x200u
#define INCOMPAT_CSUM_SEED 0x2000u
#define INCOMPAT_LARGEDIR 0x4000u
#define INCOMPAT_KNOWN                                                                         \
    (INCOMPAT_FILETYPE | INCOMPAT_EXTENTS | INCOMPAT_64BIT | INCOMPAT_MMP | INCOMPAT_FLEX_BG | \
     INCOMPAT_CSUM_SEED | INCOMPAT_LARGEDIR)
#define RO_COMPAT_GDT_CSUM 0x10u /* uninit_bg: crc16 group descriptor checksums */
#define RO_COMPAT_METADATA_CSUM 0x400u

#define INODE_FLAG_INDEX 0x1000u /* an htree (hashed, indexed) directory */
#define INODE_FLAG_EXTENTS 0x80000u
#define INODE_FLAG_INLINE 0x10000000u
#define DIR_TAIL_TYPE 0xDE /* file_type of the fake entry holding a directory block's checksum */

/* Little-endian loads from on-disk structures. */
static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Loads a little-endian 32-bit value. */
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* crc32c's table: the remainder of each byte value, a byte at a time instead of a bit. */
static uint32_t crc32c_table[256];

/* Fills crc32c_table (the same every time: no harm in filling it again). */
static void crc32c_init(void)
{
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t crc = b;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
        crc32c_table[b] = crc;
    }
}

/* crc32c (Castagnoli, reflected) without the final inversion, as ext4 chains it. Precondition:
 * crc32c_init ran (ext4_mount does it). */
static uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++)
        crc = (crc >> 8) ^ crc32c_table[(crc ^ p[i]) & 0xFF];
    return crc;
}

/* crc32c of one little-endian 32-bit value. */
static uint32_t crc32c_u32(uint32_t crc, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return crc32c(crc, b, sizeof(b));
}

/* crc16 (ANSI polynomial 0x8005, reflected: 0xA001) without a final inversion, as gdt_csum uses it. */
static uint16_t crc16(uint16_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (uint16_t)((crc >> 1) ^ (0xA001u & (0u - (crc & 1u))));
    }
    return crc;
}

/* Records why, and returns err. */
static int fail(struct ext4_fs *fs, int err, const char *why)
{
    fs->why = why;
    return err;
}

/* Reads len bytes at byte offset off, refusing what lies past the file system's end. */
static int dev_read(struct ext4_fs *fs, uint64_t off, void *buf, size_t len)
{
    uint64_t end = fs->blocks_count * fs->block_size;
    if (off > end || len > end - off)
        return fail(fs, ERR_BAD_FORMAT, "a block lies past the end of the file system");
    int err = fs->read(fs->ctx, off, buf, len);
    return err < 0 ? fail(fs, err, "the device refused a read") : 0;
}

/* Reads physical block nr into buf (block_size bytes). */
static int block_read(struct ext4_fs *fs, uint64_t nr, void *buf)
{
    if (nr >= fs->blocks_count)
        return fail(fs, ERR_BAD_FORMAT, "a block number lies past the end of the file system");
    return dev_read(fs, nr * fs->block_size, buf, fs->block_size);
}

/* Checks the super block's fields that decide the layout, and fills fs from them. */
static int sb_layout(struct ext4_fs *fs, const uint8_t *sb)
{
    uint32_t log = le32(sb + 0x18), incompat = le32(sb + 0x60);
    if (log > 6)
        return fail(fs, ERR_BAD_FORMAT, "block size outside 1 KiB..64 KiB");
    fs->block_size = 1024u << log;
    fs->blocks_count = le32(sb + 0x4);
    if (incompat & INCOMPAT_64BIT)
        fs->blocks_count |= (uint64_t)le32(sb + 0x150) << 32;
    fs->inodes_count = le32(sb + 0x0);
    fs->first_data_block = le32(sb + 0x14);
    fs->blocks_per_group = le32(sb + 0x20);
    fs->inodes_per_group = le32(sb + 0x28);
    fs->inode_size = le32(sb + 0x4C) == 0 ? 128 : le16(sb + 0x58);
    fs->desc_size = (incompat & INCOMPAT_64BIT) ? le16(sb + 0xFE) : 32;
    if (fs->blocks_count == 0 || fs->blocks_count > (UINT64_MAX >> 17) || fs->blocks_per_group == 0 ||
        fs->inodes_per_group == 0 || fs->first_data_block >= fs->blocks_count)
        return fail(fs, ERR_BAD_FORMAT, "block or inode counts out of range");
    if (fs->inode_size < 128 || fs->inode_size > fs->block_size || (fs->inode_size & (fs->inode_size - 1)))
        return fail(fs, ERR_BAD_FORMAT, "inode size not a power of two in 128..block size");
    if (fs->desc_size < 32 || fs->desc_size > 1024 || (fs->desc_size & (fs->desc_size - 1)) ||
        ((incompat & INCOMPAT_64BIT) && fs->desc_size < 64))
        return fail(fs, ERR_BAD_FORMAT, "group descriptor size out of range");
    uint64_t groups =
        (fs->blocks_count - fs->first_data_block + fs->blocks_per_group - 1) / fs->blocks_per_group;
    if (groups > UINT32_MAX || (uint64_t)fs->inodes_count > groups * fs->inodes_per_group)
        return fail(fs, ERR_BAD_FORMAT, "group count disagrees with the inode count");
    fs->groups = (uint32_t)groups;
    return 0;
}

/* Refuses features the reader does not know or that make the image unsafe to read as it is. */
static int sb_features(struct ext4_fs *fs, const uint8_t *sb)
{
    uint32_t incompat = le32(sb + 0x60);
    if (incompat & INCOMPAT_RECOVER)
        return fail(fs, ERR_NOT_SUPPORTED, "the journal needs recovery (needs_recovery)");
    if (incompat & ~INCOMPAT_KNOWN)
        return fail(fs, ERR_NOT_SUPPORTED, "unknown or unsupported incompatible features");
    uint32_t ro_compat = le32(sb + 0x64);
    fs->csum = (ro_compat & RO_COMPAT_METADATA_CSUM) != 0;
    /* metadata_csum supersedes gdt_csum when an image has both, as in the kernel */
    fs->gdt_csum = !fs->csum && (ro_compat & RO_COMPAT_GDT_CSUM) != 0;
    fs->gdt_seed = fs->gdt_csum ? crc16(0xFFFF, sb + 0x68, 16) : 0;
    if (!fs->csum)
        return 0;
    if (sb[0x175] != 1)
        return fail(fs, ERR_NOT_SUPPORTED, "checksum type is not crc32c");
    if (crc32c(~0u, sb, 0x3FC) != le32(sb + 0x3FC))
        return fail(fs, ERR_IO, "super block checksum mismatch");
    fs->seed = (incompat & INCOMPAT_CSUM_SEED) ? le32(sb + 0x270) : crc32c(~0u, sb + 0x68, 16);
    return 0;
}

/* Reads and checks the super block into fs; see ext4.h. */
int ext4_mount(struct ext4_fs *fs, ext4_read_fn read, void *ctx)
{
    uint8_t sb[SB_SIZE];
    fs->read = read;
    fs->ctx = ctx;
    fs->why = NULL;
    fs->dir_ino = 0;
    fs->node_ok = false;
    if (crc32c_table[1] == 0)
        crc32c_init();
    int err = read(ctx, SB_OFFSET, sb, sizeof(sb));
    if (err < 0)
        return fail(fs, err, "the device refused the super block read");
    if (le16(sb + 0x38) != SB_MAGIC)
        return fail(fs, ERR_BAD_FORMAT, "no ext2/3/4 magic in the super block");
    err = sb_features(fs, sb);
    if (err < 0)
        return err;
    err = sb_layout(fs, sb);
    if (err < 0)
        return err;
    return 0;
}

/*
 * Checks group g's descriptor d (desc_size bytes): the low 16 bits of a crc32c with metadata_csum,
 * a crc16 seeded with the UUID's with gdt_csum. Both cover the group number and the descriptor
 * without its checksum field (bg_checksum, at 0x1E).
 */
static int group_csum(struct ext4_fs *fs, uint32_t g, const uint8_t *d)
{
    uint16_t want = le16(d + 0x1E);
    if (fs->csum) {
        uint32_t c = crc32c_u32(fs->seed, g);
        c = crc32c(c, d, 0x1E);
        c = crc32c(c, "\0\0", 2);
        c = crc32c(c, d + 0x20, fs->desc_size - 0x20);
        if ((c & 0xFFFF) != want)
            return fail(fs, ERR_IO, "group descriptor checksum mismatch");
    } else if (fs->gdt_csum) {
        uint8_t gle[4] = {(uint8_t)g, (uint8_t)(g >> 8), (uint8_t)(g >> 16), (uint8_t)(g >> 24)};
        uint16_t c = crc16(fs->gdt_seed, gle, sizeof(gle));
        c = crc16(c, d, 0x1E);
        c = crc16(c, d + 0x20, fs->desc_size - 0x20); /* the 64bit half, when there is one */
        if (c != want)
            return fail(fs, ERR_IO, "group descriptor checksum (gdt_csum) mismatch");
    }
    return 0;
}

/* Reads group g's descriptor and returns its inode table's first block in *table. */
static int group_inode_table(struct ext4_fs *fs, uint32_t g, uint64_t *table)
{
    uint8_t d[1024];
    uint64_t gdt = (uint64_t)(fs->first_data_block + 1) * fs->block_size;
    int err = dev_read(fs, gdt + (uint64_t)g * fs->desc_size, d, fs->desc_size);
    if (err < 0 || (err = group_csum(fs, g, d)) < 0)
        return err;
    *table = le32(d + 0x8);
    if (fs->desc_size >= 64)
        *table |= (uint64_t)le32(d + 0x28) << 32;
    return 0;
}

/* Checks an inode's checksum (raw: inode_size bytes, as on disk). */
static int inode_csum(struct ext4_fs *fs, uint32_t ino, uint8_t *raw, uint32_t *seed)
{
    uint32_t extra = fs->inode_size > 128 ? le16(raw + 0x80) : 0;
    if (extra > fs->inode_size - 128)
        return fail(fs, ERR_BAD_FORMAT, "inode extra size past the inode");
    bool hi = extra >= 4; /* i_checksum_hi (0x82) lies within the extra fields */
    uint32_t want = le16(raw + 0x7C) | (hi ? (uint32_t)le16(raw + 0x82) << 16 : 0);
    *seed = crc32c_u32(crc32c_u32(fs->seed, ino), le32(raw + 0x64));
    raw[0x7C] = raw[0x7D] = 0;
    if (hi)
        raw[0x82] = raw[0x83] = 0;
    uint32_t c = crc32c(*seed, raw, fs->inode_size);
    if (!hi)
        c &= 0xFFFF;
    return c == want ? 0 : fail(fs, ERR_IO, "inode checksum mismatch");
}

/* Maps a mode's type bits to enum ext4_type. */
static enum ext4_type mode_type(uint16_t mode)
{
    switch (mode & 0xF000) {
    case 0x8000: return EXT4_TYPE_FILE;
    case 0x4000: return EXT4_TYPE_DIR;
    case 0xA000: return EXT4_TYPE_SYMLINK;
    default: return EXT4_TYPE_OTHER;
    }
}

/* Reads and checks one inode; see ext4.h. */
int ext4_inode_get(struct ext4_fs *fs, uint32_t ino, struct ext4_inode *out)
{
    if (ino == 0 || ino > fs->inodes_count)
        return fail(fs, ERR_BAD_FORMAT, "inode number out of range");
    uint32_t g = (ino - 1) / fs->inodes_per_group, idx = (ino - 1) % fs->inodes_per_group;
    if (g >= fs->groups)
        return fail(fs, ERR_BAD_FORMAT, "inode lies past the last group");
    uint64_t table;
    int err = group_inode_table(fs, g, &table);
    if (err < 0)
        return err;
    if (table >= fs->blocks_count)
        return fail(fs, ERR_BAD_FORMAT, "inode table past the end of the file system");
    uint8_t *raw = fs->inode; /* inode_size <= block_size */
    err = dev_read(fs, table * fs->block_size + (uint64_t)idx * fs->inode_size, raw, fs->inode_size);
    if (err < 0)
        return err;
    out->csum_seed = 0;
    if (fs->csum && (err = inode_csum(fs, ino, raw, &out->csum_seed)) < 0)
        return err;
    out->ino = ino;
    out->mode = le16(raw + 0x0);
    out->type = mode_type(out->mode);
    out->size = le32(raw + 0x4) | (uint64_t)le32(raw + 0x6C) << 32;
    out->mtime = (int32_t)le32(raw + 0x10);
    out->flags = le32(raw + 0x20);
    memcpy(out->block, raw + 0x28, sizeof(out->block));
    return 0;
}

/* Checks an extent node's header (node holds cap bytes) for the depth expected; returns entries. */
static int ext_header(struct ext4_fs *fs, const uint8_t *node, size_t cap, unsigned depth)
{
    uint16_t entries = le16(node + 2), max = le16(node + 4);
    if (le16(node) != EXT_MAGIC || le16(node + 6) != depth)
        return fail(fs, ERR_BAD_FORMAT, "bad extent header");
    if (max == 0 || entries > max || 12 + (size_t)max * 12 > cap)
        return fail(fs, ERR_BAD_FORMAT, "extent node entries out of range");
    return entries;
}

/*
 * Reads an extent tree block into fs->node and checks its tail checksum, unless fs->node still holds
 * that block checked with in's seed: a sequential read maps each of its runs through the same leaf.
 */
static int ext_block(struct ext4_fs *fs, const struct ext4_inode *in, uint64_t nr)
{
    if (fs->node_ok && fs->node_nr == nr && fs->node_seed == in->csum_seed)
        return 0;
    fs->node_ok = false;
    int err = block_read(fs, nr, fs->node);
    if (err < 0)
        return err;
    if (fs->csum) {
        uint16_t max = le16(fs->node + 4);
        size_t tail = 12 + (size_t)max * 12;
        if (tail + 4 > fs->block_size)
            return fail(fs, ERR_BAD_FORMAT, "extent block has no room for its checksum");
        if (crc32c(in->csum_seed, fs->node, tail) != le32(fs->node + tail))
            return fail(fs, ERR_IO, "extent block checksum mismatch");
    }
    fs->node_ok = true;
    fs->node_nr = nr;
    fs->node_seed = in->csum_seed;
    return 0;
}

/* Entry i of an extent node (its logical block in the first four bytes). */
static const uint8_t *ext_entry(const uint8_t *node, int i)
{
    return node + 12 + (size_t)i * 12;
}

/* Index of the entry of node (entries of them) to follow for logical block lblk: the last starting
 * at or before lblk, before the first starting past it; -1 when the first does. */
static int ext_pick(const uint8_t *node, int entries, uint32_t lblk)
{
    int pick = -1;
    for (int i = 0; i < entries && le32(ext_entry(node, i)) <= lblk; i++)
        pick = i;
    return pick;
}

/*
 * Maps lblk through leaf entry e into *phys (left 0 for a hole: lblk past the extent, or an
 * unwritten one, which reads as zeros) and lowers *limit to where the extent ends.
 */
static int ext_leaf(struct ext4_fs *fs, const uint8_t *e, uint32_t lblk, uint64_t *phys, uint64_t *limit)
{
    uint32_t len = le16(e + 4), off = lblk - le32(e);
    if (len > 32768 || off >= len) /* longer: unwritten */
        return 0;
    uint64_t start = (uint64_t)le16(e + 6) << 32 | le32(e + 8);
    if (start == 0)
        return fail(fs, ERR_BAD_FORMAT, "an extent maps physical block 0");
    *phys = start + off;
    if ((uint64_t)le32(e) + len < *limit)
        *limit = (uint64_t)le32(e) + len;
    return 0;
}

/*
 * Maps logical block lblk to a run of *count blocks (at least 1): from physical block *phys on, or
 * a hole when *phys is 0. The run ends where its extent does and where the next entry of each node
 * on the way starts, so each of its blocks maps exactly as it would on its own.
 */
static int ext_map(struct ext4_fs *fs, const struct ext4_inode *in, uint32_t lblk, uint64_t *phys,
                   uint64_t *count)
{
    const uint8_t *node = in->block;
    size_t cap = sizeof(in->block);
    int depth = le16(node + 6);
    if (depth > EXT_DEPTH_MAX)
        return fail(fs, ERR_BAD_FORMAT, "extent tree too deep");
    uint64_t limit = (uint64_t)UINT32_MAX + 1; /* the run's end, lowered on the way down */
    *phys = 0;
    for (;;) {
        int entries = ext_header(fs, node, cap, (unsigned)depth);
        if (entries < 0)
            return entries;
        int i = ext_pick(node, entries, lblk);
        if (i + 1 < entries && le32(ext_entry(node, i + 1)) < limit)
            limit = le32(ext_entry(node, i + 1));
        int err = i >= 0 && depth == 0 ? ext_leaf(fs, ext_entry(node, i), lblk, phys, &limit) : 0;
        if (err < 0)
            return err;
        if (i < 0 || depth == 0) {
            *count = limit - lblk;
            return 0;
        }
        const uint8_t *e = ext_entry(node, i);
        err = ext_block(fs, in, (uint64_t)le16(e + 8) << 32 | le32(e + 4));
        if (err < 0)
            return err;
        node = fs->node;
        cap = fs->block_size;
        depth--;
    }
}

/*
 * Reads len bytes of in at byte off (no end-of-file clamp) into buf, one device read per extent
 * run: the callback takes any byte range, so a run's partial first and last blocks need no bounce
 * buffer. Holes read as zeros.
 */
static int file_bytes(struct ext4_fs *fs, const struct ext4_inode *in, uint64_t off, uint8_t *buf, size_t len)
{
    if (in->flags & INODE_FLAG_INLINE)
        return fail(fs, ERR_NOT_SUPPORTED, "inline data");
    if (!(in->flags & INODE_FLAG_EXTENTS))
        return fail(fs, ERR_NOT_SUPPORTED, "block-mapped (non-extent) file");
    size_t done = 0;
    while (done < len) {
        uint64_t pos = off + done, phys, count;
        uint32_t in_blk = (uint32_t)(pos % fs->block_size);
        int err = ext_map(fs, in, (uint32_t)(pos / fs->block_size), &phys, &count);
        if (err < 0)
            return err;
        uint64_t run = count * fs->block_size - in_blk;
        size_t n = run < len - done ? (size_t)run : len - done;
        if (phys == 0)
            memset(buf + done, 0, n);
        else if (phys >= fs->blocks_count || count > fs->blocks_count - phys)
            return fail(fs, ERR_BAD_FORMAT, "an extent lies past the end of the file system");
        else if ((err = dev_read(fs, phys * fs->block_size + in_blk, buf + done, n)) < 0)
            return err;
        done += n;
    }
    return 0;
}

/* Reads file bytes an extent run at a time; see ext4.h. */
int64_t ext4_read(struct ext4_fs *fs, const struct ext4_inode *in, uint64_t off, void *buf, size_t len)
{
    if (in->type != EXT4_TYPE_FILE && in->type != EXT4_TYPE_DIR && in->type != EXT4_TYPE_SYMLINK)
        return fail(fs, ERR_WRONG_TYPE, "not a file, directory or symlink");
    if (off >= in->size)
        return 0;
    if (len > in->size - off)
        len = (size_t)(in->size - off);
    if (len > INT32_MAX)
        len = INT32_MAX;
    if ((off + len - 1) / fs->block_size > UINT32_MAX)
        return fail(fs, ERR_BAD_FORMAT, "file size past the largest logical block");
    int err = file_bytes(fs, in, off, buf, len);
    return err < 0 ? err : (int64_t)len;
}

/* Decodes a rec_len (64 KiB blocks keep the top bits in the low two, and write 65536 as 0xFFFF). */
static uint32_t rec_len(const struct ext4_fs *fs, const uint8_t *e)
{
    uint32_t r = le16(e + 4);
    if (fs->block_size < 65536)
        return r;
    if (r == 0xFFFF || r == 0)
        return 65536;
    return (r & 65532) | (r & 3) << 16;
}

/*
 * Checks an htree index block's dx_tail (metadata_csum). The root (block 0) holds `.`, `..` (whose
 * rec_len hides the rest) and an 8-byte dx_root_info; an interior node one empty entry as long as
 * the block. Then come limit and count (in the first dx_entry's place) and the dx_entries; the
 * tail sits just past limit entries. Its crc32c covers the block up to the last entry in use, then
 * the tail with its checksum field as zeros.
 */
static int dx_csum(struct ext4_fs *fs, const struct ext4_inode *dir, uint64_t lblk, const uint8_t *b)
{
    size_t at = 8; /* where limit and count sit */
    if (lblk == 0) {
        if (rec_len(fs, b) != 12 || rec_len(fs, b + 12) != fs->block_size - 12 || le32(b + 0x18) != 0 ||
            b[0x1D] != 8)
            return fail(fs, ERR_BAD_FORMAT, "htree root block malformed");
        at = 0x18 + 8;
    }
    uint32_t limit = le16(b + at), count = le16(b + at + 2);
    size_t tail = at + (size_t)limit * 8;
    if (count == 0 || count > limit || tail + 8 > fs->block_size)
        return fail(fs, ERR_BAD_FORMAT, "htree index count or limit out of range");
    uint32_t c = crc32c(dir->csum_seed, b, at + (size_t)count * 8);
    c = crc32c(c, b + tail, 4);
    c = crc32c(c, "\0\0\0\0", 4);
    if (c != le32(b + tail + 4))
        return fail(fs, ERR_IO, "htree index block checksum mismatch");
    return 0;
}

/*
 * Checks directory block lblk's checksum (metadata_csum). In an htree directory block 0 is the
 * index root and a block whose first entry spans it whole an interior node (a leaf's entries stop
 * before its checksum entry): both carry a dx_tail. Other blocks are leaves, checked when they end
 * with a checksum entry.
 */
static int dir_csum(struct ext4_fs *fs, const struct ext4_inode *dir, uint64_t lblk, const uint8_t *b)
{
    if (!fs->csum)
        return 0;
    if ((dir->flags & INODE_FLAG_INDEX) && (lblk == 0 || rec_len(fs, b) == fs->block_size))
        return dx_csum(fs, dir, lblk, b);
    const uint8_t *t = b + fs->block_size - 12;
    if (le32(t) != 0 || le16(t + 4) != 12 || t[6] != 0 || t[7] != DIR_TAIL_TYPE)
        return 0;
    if (crc32c(dir->csum_seed, b, fs->block_size - 12) != le32(t + 8))
        return fail(fs, ERR_IO, "directory block checksum mismatch");
    return 0;
}

/* Loads directory block lblk of dir into fs->dir (cached), checking its checksum. */
static int dir_block(struct ext4_fs *fs, const struct ext4_inode *dir, uint64_t lblk)
{
    if (fs->dir_ino == dir->ino && fs->dir_lblk == lblk)
        return 0;
    fs->dir_ino = 0;
    int err = file_bytes(fs, dir, lblk * fs->block_size, fs->dir, fs->block_size);
    if (err < 0 || (err = dir_csum(fs, dir, lblk, fs->dir)) < 0)
        return err;
    fs->dir_ino = dir->ino;
    fs->dir_lblk = lblk;
    return 0;
}

/* Returns the next live entry of a directory, checking each entry's bounds; see ext4.h. */
int ext4_readdir(struct ext4_fs *fs, const struct ext4_inode *dir, uint64_t *pos, struct ext4_dirent *out)
{
    if (dir->type != EXT4_TYPE_DIR)
        return fail(fs, ERR_NOT_DIR, "not a directory");
    if (dir->size > EXT4_DIR_MAX)
        return fail(fs, ERR_TOO_LARGE, "directory larger than EXT4_DIR_MAX");
    uint64_t blocks = dir->size / fs->block_size;
    while (*pos / fs->block_size < blocks) {
        uint32_t in_blk = (uint32_t)(*pos % fs->block_size);
        int err = dir_block(fs, dir, *pos / fs->block_size);
        if (err < 0)
            return err;
        if (in_blk + 8 > fs->block_size || (in_blk & 3))
            return fail(fs, ERR_BAD_FORMAT, "directory entry out of place");
        const uint8_t *e = fs->dir + in_blk;
        uint32_t rl = rec_len(fs, e), nl = e[6];
        if (rl < 8 || (rl & 3) || rl > fs->block_size - in_blk || nl + 8u > rl)
            return fail(fs, ERR_BAD_FORMAT, "directory entry length out of range");
        *pos += rl;
        uint32_t ino = le32(e);
        if (ino == 0 || nl == 0)
            continue;
        if (ino > fs->inodes_count)
            return fail(fs, ERR_BAD_FORMAT, "directory entry inode out of range");
        out->ino = ino;
        out->name_len = (uint8_t)nl;
        memcpy(out->name, e + 8, nl);
        out->name[nl] = '\0';
        if (strnlen(out->name, nl) != nl || strchr(out->name, '/') != NULL)
            return fail(fs, ERR_BAD_FORMAT, "directory entry name holds a NUL or a slash");
        return 1;
    }
    return 0;
}

/* Finds a name by a linear walk of the directory; see ext4.h. */
int64_t ext4_lookup(struct ext4_fs *fs, const struct ext4_inode *dir, const char *name, size_t len)
{
    struct ext4_dirent d;
    uint64_t pos = 0;
    int r;
    while ((r = ext4_readdir(fs, dir, &pos, &d)) > 0) {
        if (d.name_len == len && memcmp(d.name, name, len) == 0)
            return d.ino;
    }
    return r < 0 ? r : fail(fs, ERR_NOT_FOUND, "no such name");
}

/* Reads a fast or slow symlink's target; see ext4.h. */
int ext4_readlink(struct ext4_fs *fs, const struct ext4_inode *in, char *buf, size_t cap)
{
    if (in->type != EXT4_TYPE_SYMLINK)
        return fail(fs, ERR_WRONG_TYPE, "not a symlink");
    if (in->size == 0 || in->size >= cap || in->size >= EXT4_PATH_MAX)
        return fail(fs, ERR_TOO_LARGE, "symlink target empty or too long");
    size_t n = (size_t)in->size;
    if (!(in->flags & (INODE_FLAG_EXTENTS | INODE_FLAG_INLINE)) && n < sizeof(in->block)) {
        memcpy(buf, in->block, n); /* a fast symlink: the target lives in i_block */
    } else {
        int64_t got = ext4_read(fs, in, 0, buf, n);
        if (got < 0)
            return (int)got;
        if ((size_t)got != n)
            return fail(fs, ERR_BAD_FORMAT, "symlink target short");
    }
    buf[n] = '\0';
    if (strnlen(buf, n) != n)
        return fail(fs, ERR_BAD_FORMAT, "symlink target holds a NUL");
    return (int)n;
}

/* Makes fs->path[0] the link's target (in fs->path[1], tlen bytes) + "/" + what *rest still holds. */
static int splice_link(struct ext4_fs *fs, size_t tlen, const char **rest)
{
    size_t rlen = strlen(*rest);
    if (tlen + 1 + rlen + 1 > EXT4_PATH_MAX)
        return fail(fs, ERR_NAME_TOO_LONG, "path too long after a symlink");
    char *t = fs->path[1];
    t[tlen] = '/';
    memcpy(t + tlen + 1, *rest, rlen + 1);
    memcpy(fs->path[0], t, tlen + 1 + rlen + 1);
    *rest = fs->path[0];
    return 0;
}

/* Follows symlink link met in directory *cur: *cur becomes where its target starts. */
static int follow_link(struct ext4_fs *fs, const struct ext4_inode *link, struct ext4_inode *cur,
                       const char **rest, unsigned *hops)
{
    if (++*hops > EXT4_SYMLINK_HOPS)
        return fail(fs, ERR_LOOP, "too many symlinks (a loop?)");
    int n = ext4_readlink(fs, link, fs->path[1], EXT4_PATH_MAX);
    if (n < 0)
        return n;
    if (fs->path[1][0] == '/') {
        int err = ext4_inode_get(fs, EXT4_ROOT_INO, cur);
        if (err < 0)
            return err;
    }
    return splice_link(fs, (size_t)n, rest);
}

/* Steps from *cur through component name (len bytes); *next is what it names. */
static int step(struct ext4_fs *fs, const struct ext4_inode *cur, const char *name, size_t len,
                struct ext4_inode *next)
{
    if (cur->type != EXT4_TYPE_DIR)
        return fail(fs, ERR_NOT_DIR, "a path component is not a directory");
    if (len > EXT4_NAME_MAX)
        return fail(fs, ERR_NAME_TOO_LONG, "a path component is too long");
    uint32_t ino = cur->ino;
    bool dotdot = len == 2 && name[0] == '.' && name[1] == '.';
    if (!(len == 1 && name[0] == '.') && !(dotdot && cur->ino == EXT4_ROOT_INO)) {
        int64_t r = ext4_lookup(fs, cur, name, len);
        if (r < 0)
            return (int)r;
        ino = (uint32_t)r;
    }
    return ext4_inode_get(fs, ino, next);
}

/* Resolves a path one component at a time, splicing in symlink targets; see ext4.h. */
int ext4_resolve(struct ext4_fs *fs, const char *path, bool follow_last, struct ext4_inode *out)
{
    size_t plen = strnlen(path, EXT4_PATH_MAX);
    if (plen == EXT4_PATH_MAX)
        return fail(fs, ERR_NAME_TOO_LONG, "path too long");
    memcpy(fs->path[0], path, plen + 1);
    const char *rest = fs->path[0];
    unsigned hops = 0;
    struct ext4_inode next;
    int err = ext4_inode_get(fs, EXT4_ROOT_INO, out);
    while (err == 0) {
        while (*rest == '/')
            rest++;
        if (*rest == '\0')
            return 0;
        size_t len = 0;
        while (rest[len] != '\0' && rest[len] != '/')
            len++;
        const char *name = rest;
        rest += len;
        err = step(fs, out, name, len, &next);
        if (err < 0)
            return err;
        const char *after = rest;
        while (*after == '/')
            after++;
        bool last = *after == '\0';
        if (next.type == EXT4_TYPE_SYMLINK && (!last || follow_last))
            err = follow_link(fs, &next, out, &rest, &hops);
        else
            *out = next;
    }
    return err;
}
