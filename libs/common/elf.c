/* elf.c: ELF64 executable validation (System V gABI and the x86-64 psABI) for loading user programs. */
#include <warp/elf.h>
#include <warp/error.h>
#include <warp/string.h>

#define ELF_PAGE 4096u

/* e_ident indexes and values. */
#define ELF_EI_CLASS 4
#define ELF_EI_DATA 5
#define ELF_EI_VERSION 6
#define ELF_CLASS64 2
#define ELF_DATA_LSB 1
#define ELF_EV_CURRENT 1
#define ELF_ET_EXEC 2
#define ELF_EM_X86_64 62
#define ELF_PT_LOAD 1
#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

/* Checks the identification bytes and fixed header fields. */
static bool elf_header_ok(const struct elf_ehdr *eh)
{
    const uint8_t *id = eh->e_ident;

    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
        return false;
    if (id[ELF_EI_CLASS] != ELF_CLASS64 || id[ELF_EI_DATA] != ELF_DATA_LSB ||
        id[ELF_EI_VERSION] != ELF_EV_CURRENT || eh->e_version != ELF_EV_CURRENT)
        return false;
    return eh->e_type == ELF_ET_EXEC && eh->e_machine == ELF_EM_X86_64 &&
           eh->e_phentsize == sizeof(struct elf_phdr);
}

/* Translates p_flags into PROT_* bits. */
static uint32_t elf_prot(uint32_t flags)
{
    return ((flags & ELF_PF_R) ? PROT_READ : 0) | ((flags & ELF_PF_W) ? PROT_WRITE : 0) |
           ((flags & ELF_PF_X) ? PROT_EXEC : 0);
}

/* Checks one PT_LOAD header on its own: file range, sizes, address range, alignment, W^X. */
static bool elf_segment_ok(const struct elf_phdr *ph, uint64_t len, uint64_t user_min, uint64_t user_max)
{
    if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
        return false;
    if (ph->p_filesz > ph->p_memsz)
        return false;
    if (ph->p_memsz > UINT64_MAX - ph->p_vaddr)
        return false;
    if (ph->p_vaddr < user_min || ph->p_vaddr + ph->p_memsz > user_max)
        return false;
    if (ph->p_vaddr % ELF_PAGE != ph->p_offset % ELF_PAGE)
        return false;
    return (ph->p_flags & (ELF_PF_W | ELF_PF_X)) != (ELF_PF_W | ELF_PF_X);
}

/* True if the pages touched by segments a and b overlap (both non-empty). */
static bool elf_pages_overlap(const struct elf_segment *a, const struct elf_segment *b)
{
    /* Inclusive page numbers: no rounding up, so no overflow. */
    uint64_t a_first = a->vaddr / ELF_PAGE, a_last = (a->vaddr + a->memsz - 1) / ELF_PAGE;
    uint64_t b_first = b->vaddr / ELF_PAGE, b_last = (b->vaddr + b->memsz - 1) / ELF_PAGE;

    return a_first <= b_last && b_first <= a_last;
}

/*
 * Validates one PT_LOAD header and appends it to img; false if it is bad or one
 * too many. Empty segments (p_memsz 0, which a PHDRS linker script can produce
 * for an empty output section) map nothing and are skipped.
 */
static bool elf_add_segment(struct elf_image *img, const struct elf_phdr *ph, uint64_t len, uint64_t user_min,
                            uint64_t user_max)
{
    if (ph->p_memsz == 0 && ph->p_filesz == 0)
        return true;
    if (img->nsegs == ELF_MAX_SEGMENTS || !elf_segment_ok(ph, len, user_min, user_max))
        return false;
    struct elf_segment seg = {
        .vaddr = ph->p_vaddr,
        .memsz = ph->p_memsz,
        .offset = ph->p_offset,
        .filesz = ph->p_filesz,
        .prot = elf_prot(ph->p_flags),
    };
    for (uint32_t i = 0; i < img->nsegs; i++) {
        if (elf_pages_overlap(&img->segs[i], &seg))
            return false;
    }
    img->segs[img->nsegs++] = seg;
    return true;
}

/* True if entry lies inside an executable segment. */
static bool elf_entry_ok(const struct elf_image *img)
{
    for (uint32_t i = 0; i < img->nsegs; i++) {
        const struct elf_segment *s = &img->segs[i];
        if ((s->prot & PROT_EXEC) && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
            return true;
    }
    return false;
}

/* Validates an executable and fills *out with its entry point and PT_LOAD segments. */
int elf_parse(const void *image, uint64_t len, uint64_t user_min, uint64_t user_max, struct elf_image *out)
{
    const uint8_t *bytes = image;
    struct elf_ehdr eh;
    struct elf_image img = {.entry = 0, .nsegs = 0};

    if (len < sizeof(eh))
        return ERR_BAD_FORMAT;
    memcpy(&eh, bytes, sizeof(eh)); /* copies: the image may be unaligned */
    if (!elf_header_ok(&eh))
        return ERR_BAD_FORMAT;
    /* e_phnum is 16 bits, so the product cannot overflow. */
    if (eh.e_phoff > len || (uint64_t)eh.e_phnum * sizeof(struct elf_phdr) > len - eh.e_phoff)
        return ERR_BAD_FORMAT;
    img.entry = eh.e_entry;
    for (uint32_t i = 0; i < eh.e_phnum; i++) {
        struct elf_phdr ph;
        memcpy(&ph, bytes + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
        if (ph.p_type == ELF_PT_LOAD && !elf_add_segment(&img, &ph, len, user_min, user_max))
            return ERR_BAD_FORMAT;
    }
    if (img.nsegs == 0 || !elf_entry_ok(&img))
        return ERR_BAD_FORMAT;
    *out = img;
    return 0;
}
