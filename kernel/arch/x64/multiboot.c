/* multiboot.c: reads the multiboot2 information structure (Multiboot2 spec 1.0, section 3.6). */
#include <arch.h>
#include <boot.h>
#include <log.h>
#include <warp/string.h>
#include "x64.h"

#define MB2_BOOT_MAGIC 0x36d76289
#define TAG_END 0
#define TAG_CMDLINE 1
#define TAG_MODULE 3
#define TAG_MMAP 6
#define TAG_ACPI_OLD 14
#define TAG_ACPI_NEW 15

struct mb2_tag {
    uint32_t type, size;
};

/* Add a memory-map entry (type 1 = available RAM). */
static void mb2_mmap(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
    uint32_t esize;
    /* Step by the entry size the tag gives, not our struct's: later loaders may append fields. */
    memcpy(&esize, tag + 8, 4);
    if (esize < 24)
        return;
    for (uint32_t off = 16; off + 24 <= size && bi->nmem < BOOT_MAX_RANGES; off += esize) {
        uint64_t base, len;
        uint32_t type;
        memcpy(&base, tag + off, 8);
        memcpy(&len, tag + off + 8, 8);
        memcpy(&type, tag + off + 16, 4);
        bi->mem[bi->nmem++] = (struct boot_range){base, len, type == 1};
    }
}

/* Record a module: the first one named "initfs" (or the first of all) is the initfs. */
static void mb2_module(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
    uint32_t start, end;
    memcpy(&start, tag + 8, 4);
    memcpy(&end, tag + 12, 4);
    /* 12: reserved[] holds 16, and x64_boot adds two ranges after parsing. */
    if (end < start || bi->nreserved >= 12)
        return;
    bi->reserved[bi->nreserved++] = (struct boot_range){start, end - start, false};
    const char *name = (const char *)tag + 16;
    bool is_initfs = size > 16 && strncmp(name, "initfs", size - 16) == 0;
    if (!bi->initfs_base || is_initfs) {
        bi->initfs_base = start;
        bi->initfs_size = end - start;
    }
}

/* Copy a string of at most src_max bytes into dst, always NUL-terminated. */
static void copy_str(char *dst, size_t dst_size, const char *src, size_t src_max)
{
    size_t n = 0;
    while (n + 1 < dst_size && n < src_max && src[n])
        dst[n] = src[n], n++;
    dst[n] = 0;
}

/* Copy what the kernel needs out of the boot loader's structure (it lives in usable RAM). */
void multiboot_parse(uint32_t magic, paddr_t mbi, struct boot_info *bi)
{
    if (magic != MB2_BOOT_MAGIC)
        PANIC("not booted by a multiboot2 loader (magic %#x)", magic);
    const uint8_t *p = arch_phys_to_virt(mbi);
    uint32_t total;
    memcpy(&total, p, 4);
    bi->reserved[bi->nreserved++] = (struct boot_range){mbi, total, false};
    for (uint32_t off = 8; off + 8 <= total;) {
        struct mb2_tag tag;
        memcpy(&tag, p + off, sizeof(tag));
        if (tag.type == TAG_END || tag.size < 8 || off + tag.size > total)
            break;
        const uint8_t *t = p + off;
        if (tag.type == TAG_MMAP)
            mb2_mmap(t, tag.size, bi);
        else if (tag.type == TAG_MODULE)
            mb2_module(t, tag.size, bi);
        else if (tag.type == TAG_CMDLINE)
            copy_str(bi->cmdline, sizeof(bi->cmdline), (const char *)t + 8, tag.size - 8);
        /* The ACPI 2.0+ RSDP (with the XSDT) wins over the 1.0 one, in whichever order they come. */
        else if ((tag.type == TAG_ACPI_NEW || (tag.type == TAG_ACPI_OLD && !bi->acpi_rsdp)))
            bi->acpi_rsdp = mbi + off + 8;
        /* Tags start 8-byte aligned; size does not count the padding. */
        off += (tag.size + 7) & ~7u;
    }
}
