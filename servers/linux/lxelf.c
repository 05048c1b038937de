/* lxelf.c: static Linux ELF64 x86-64 binaries (System V gABI, x86-64 psABI): checks and mapping plan. */
#include "lxelf.h"

#include <warp/abi.h>
#include <warp/elf.h>
#include <warp/error.h>
#include <warp/string.h>

#define LXELF_PAGE 4096ull
#define LXELF_ET_EXEC 2
#define LXELF_ET_DYN 3
#define LXELF_EM_X86_64 62
#define LXELF_PT_LOAD 1
#define LXELF_PT_INTERP 3
#define LXELF_PF_X 1u
#define LXELF_PF_W 2u
#define LXELF_PF_R 4u

/* Rounds down and up to a page. */
static uint64_t lxelf_page_down(uint64_t a)
{
    return a & ~(LXELF_PAGE - 1);
}

static uint64_t lxelf_page_up(uint64_t a)
{
    return (a + LXELF_PAGE - 1) & ~(LXELF_PAGE - 1);
}

/* Checks the identification bytes and fixed fields; sets *pie for ET_DYN. */
static bool lxelf_header_ok(const struct elf_ehdr *eh, uint64_t len, bool *pie)
{
    const uint8_t *id = eh->e_ident;
    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
        return false;
    if (id[4] != 2 || id[5] != 1 || id[6] != 1 || eh->e_version != 1) /* ELF64, LSB, version 1 */
        return false;
    if (id[7] != 0 && id[7] != 3) /* System V or GNU/Linux */
        return false;
    if ((eh->e_type != LXELF_ET_EXEC && eh->e_type != LXELF_ET_DYN) || eh->e_machine != LXELF_EM_X86_64)
        return false;
    if (eh->e_phentsize != sizeof(struct elf_phdr) || eh->e_phnum == 0 || eh->e_phoff > len ||
        (uint64_t)eh->e_phnum * sizeof(struct elf_phdr) > len - eh->e_phoff)
        return false;
    *pie = eh->e_type == LXELF_ET_DYN;
    return true;
}

/* PT_LOAD flags as PROT_* bits (always readable: a segment is loaded to be used). */
static uint32_t lxelf_prot(uint32_t flags)
{
    return PROT_READ | ((flags & LXELF_PF_W) ? PROT_WRITE : 0) | ((flags & LXELF_PF_X) ? PROT_EXEC : 0);
}

/* Checks one PT_LOAD on its own and records it relocated by base; false if it is bad. */
static bool lxelf_add_seg(struct lxelf_image *im, const struct elf_phdr *ph, uint64_t len, uint64_t lo,
                          uint64_t hi)
{
    if (ph->p_memsz == 0)
        return true; /* empty: nothing to map */
    if (im->nsegs == LXELF_SEGS_MAX || ph->p_offset > len || ph->p_filesz > len - ph->p_offset ||
        ph->p_filesz > ph->p_memsz || ph->p_vaddr % LXELF_PAGE != ph->p_offset % LXELF_PAGE)
        return false;
    if ((ph->p_flags & (LXELF_PF_W | LXELF_PF_X)) == (LXELF_PF_W | LXELF_PF_X))
        return false; /* W^X: such a segment is refused, not split */
    if (ph->p_vaddr > hi || ph->p_memsz > hi - ph->p_vaddr || im->base > hi - ph->p_vaddr - ph->p_memsz)
        return false;
    uint64_t va = ph->p_vaddr + im->base;
    if (va < lo || lxelf_page_up(va + ph->p_memsz) > hi)
        return false;
    if (im->nsegs > 0) {
        const struct lxelf_seg *prev = &im->segs[im->nsegs - 1];
        if (va < prev->vaddr + prev->memsz)
            return false; /* out of order, or overlapping */
    }
    im->segs[im->nsegs] =
        (struct lxelf_seg){va, ph->p_memsz, ph->p_offset, ph->p_filesz, lxelf_prot(ph->p_flags)};
    im->nsegs++;
    return true;
}

/* Turns the segments into disjoint page mappings; a page shared by two segments gets a mapping of its
 * own with both protections. False if such a page would be writable and executable. */
static bool lxelf_plan(struct lxelf_image *im)
{
    im->nmaps = 0;
    uint64_t done = 0; /* the pages below this are planned */
    for (uint32_t i = 0; i < im->nsegs; i++) {
        uint64_t start = lxelf_page_down(im->segs[i].vaddr);
        uint64_t end = lxelf_page_up(im->segs[i].vaddr + im->segs[i].memsz);
        if (start < done) { /* its first page is the previous segment's last */
            struct lxelf_map *last = &im->maps[im->nmaps - 1];
            uint32_t both = last->prot | im->segs[i].prot;
            if ((both & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
                return false;
            if (last->prot != both) {
                last->end -= LXELF_PAGE;
                if (last->end == last->start)
                    im->nmaps--;
                im->maps[im->nmaps++] = (struct lxelf_map){start, start + LXELF_PAGE, both};
            }
            start += LXELF_PAGE;
        }
        if (start < end)
            im->maps[im->nmaps++] = (struct lxelf_map){start, end, im->segs[i].prot};
        done = end;
    }
    return true;
}

/* Finds the program headers' address: inside a segment's file bytes. */
static bool lxelf_find_phdr(struct lxelf_image *im, const struct elf_ehdr *eh)
{
    uint64_t size = (uint64_t)eh->e_phnum * sizeof(struct elf_phdr);
    for (uint32_t i = 0; i < im->nsegs; i++) {
        const struct lxelf_seg *s = &im->segs[i];
        if (eh->e_phoff >= s->offset && eh->e_phoff - s->offset <= s->filesz &&
            size <= s->filesz - (eh->e_phoff - s->offset)) {
            im->phdr = s->vaddr + (eh->e_phoff - s->offset);
            return true;
        }
    }
    return false;
}

/* True if addr lies in an executable mapping. */
static bool lxelf_executable(const struct lxelf_image *im, uint64_t addr)
{
    for (uint32_t i = 0; i < im->nmaps; i++)
        if (addr >= im->maps[i].start && addr < im->maps[i].end && (im->maps[i].prot & PROT_EXEC))
            return true;
    return false;
}

int lxelf_parse(const void *image, uint64_t len, uint64_t lo, uint64_t hi, struct lxelf_image *out)
{
    struct elf_ehdr eh;
    struct lxelf_image im;
    bool pie = false;
    if (len < sizeof(eh))
        return ERR_BAD_FORMAT;
    memcpy(&eh, image, sizeof(eh));
    if (!lxelf_header_ok(&eh, len, &pie))
        return ERR_BAD_FORMAT;
    memset(&im, 0, sizeof(im));
    im.pie = pie;
    im.base = pie ? LXELF_PIE_BASE : 0;
    im.phnum = eh.e_phnum;
    for (uint32_t i = 0; i < eh.e_phnum; i++) {
        struct elf_phdr ph;
        memcpy(&ph, (const uint8_t *)image + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type == LXELF_PT_INTERP)
            return ERR_NOT_SUPPORTED;
        if (ph.p_type == LXELF_PT_LOAD && !lxelf_add_seg(&im, &ph, len, lo, hi))
            return ERR_BAD_FORMAT;
    }
    if (im.nsegs == 0 || !lxelf_plan(&im) || !lxelf_find_phdr(&im, &eh))
        return ERR_BAD_FORMAT;
    im.end = im.maps[im.nmaps - 1].end;
    if (im.end - im.maps[0].start > LXELF_SPAN_MAX || eh.e_entry > UINT64_MAX - im.base ||
        !lxelf_executable(&im, eh.e_entry + im.base))
        return ERR_BAD_FORMAT;
    im.entry = eh.e_entry + im.base;
    *out = im;
    return 0;
}
