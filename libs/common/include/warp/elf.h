/* elf.h: validation of static ELF64 x86-64 executables before the kernel loads them. */
#pragma once

#include <warp/abi.h>
#include <warp/types.h>

#define ELF_MAX_SEGMENTS 8

/* The file header (gABI "ELF Header"), 64 bytes. */
struct elf_ehdr {
    uint8_t e_ident[16];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

/* A program header (gABI "Program Header"), 56 bytes. */
struct elf_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};

_Static_assert(sizeof(struct elf_ehdr) == 64, "Elf64_Ehdr layout");
_Static_assert(sizeof(struct elf_phdr) == 56, "Elf64_Phdr layout");

/* One PT_LOAD segment: file bytes [offset, offset+filesz) go to vaddr, the rest of memsz is zero. */
struct elf_segment {
    uint64_t vaddr;
    uint64_t memsz;
    uint64_t offset;
    uint64_t filesz;
    uint32_t prot; /* PROT_READ | PROT_WRITE | PROT_EXEC (warp/abi.h), never both WRITE and EXEC */
};

/* What a loader needs from a validated executable. */
struct elf_image {
    uint64_t entry;                            /* inside an executable segment */
    uint32_t nsegs;                            /* 1..ELF_MAX_SEGMENTS, all with memsz > 0 */
    struct elf_segment segs[ELF_MAX_SEGMENTS]; /* the PT_LOAD segments in file order */
};

/*
 * Checks the len-byte ELF image and describes its loadable segments. Accepts
 * only ELF64 little-endian ET_EXEC for x86-64 whose PT_LOAD segments (1 to
 * ELF_MAX_SEGMENTS of them) lie inside the file and inside [user_min, user_max),
 * do not share a page with one another, have p_vaddr % 4096 == p_offset % 4096
 * and filesz <= memsz, are never both writable and executable, and whose entry
 * point lies in an executable segment. Other program header types, and empty
 * PT_LOAD segments (memsz 0), are ignored. Returns 0 (with *out filled) or
 * ERR_BAD_FORMAT (*out untouched). Never reads outside the image; the image
 * need not be aligned.
 */
int elf_parse(const void *image, uint64_t len, uint64_t user_min, uint64_t user_max, struct elf_image *out);
