/* elfgen.h: tiny hand-made ELF64 executables for the spawn tests, valid or broken on purpose. */
#pragma once

#include <warp/types.h>

/* ELF64 file header (System V gABI), 64 bytes. */
struct elfgen_ehdr {
    uint8_t ident[16];
    uint16_t type;
    uint16_t machine;
    uint32_t version;
    uint64_t entry;
    uint64_t phoff;
    uint64_t shoff;
    uint32_t flags;
    uint16_t ehsize;
    uint16_t phentsize;
    uint16_t phnum;
    uint16_t shentsize;
    uint16_t shnum;
    uint16_t shstrndx;
};

/* ELF64 program header, 56 bytes. */
struct elfgen_phdr {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
};

#define ELFGEN_PT_LOAD 1
#define ELFGEN_PF_X 1u
#define ELFGEN_PF_W 2u
#define ELFGEN_PF_R 4u

#define ELFGEN_BUF_SIZE 4096
#define ELFGEN_TEXT 0x400000ul  /* the code segment (headers included) */
#define ELFGEN_CODE_OFF 0x300ul /* code after the headers: file offset and offset in the segment */
#define ELFGEN_BSS 0x401000ul   /* first RW page; more follow one page apart */

/* The images elfgen_build makes. */
enum elfgen_kind {
    ELFGEN_EXIT = 1, /* one R-X segment whose code exits with `code` */
    ELFGEN_BSS_RW,   /* R-X code plus a RW bss page it reads (must be 0), writes, then exits */
    ELFGEN_EIGHT,    /* as ELFGEN_BSS_RW with six more RW pages: eight segments, the most allowed */
    ELFGEN_NINE,     /* as ELFGEN_EIGHT with one segment too many */
    ELFGEN_BLOCK,    /* one R-X segment whose code blocks forever in SYS_EVENTQ_WAIT (to be killed) */
    ELFGEN_SPARSE,   /* as ELFGEN_BLOCK with seven RW pages ELFGEN_SPARSE_STEP apart: eight pages
                      * that need 18 page-table pages (ELFGEN_EIGHT's need 3) */
};

#define ELFGEN_SPARSE_STEP (128ul << 30) /* each in a GiB of its own, over both 512 GiB halves */

/* Builds an image of the kind into buf (ELFGEN_BUF_SIZE bytes, 8-aligned); returns its length.
 * code (0..127) is the exit status of the program. */
size_t elfgen_build(uint8_t *buf, enum elfgen_kind kind, int code);
/* The header and program header i of an image in buf, for corrupting it. */
struct elfgen_ehdr *elfgen_ehdr(uint8_t *buf);
struct elfgen_phdr *elfgen_phdr(uint8_t *buf, unsigned i);
