/* elfgen.c: builds tiny ELF64 x86-64 executables byte by byte (gABI headers, hand-assembled code). */
#include "elfgen.h"

#include <warp/abi.h>
#include <warp/string.h>

_Static_assert(sizeof(struct elfgen_ehdr) == 64, "Elf64_Ehdr is 64 bytes");
_Static_assert(sizeof(struct elfgen_phdr) == 56, "Elf64_Phdr is 56 bytes");

/* mov edi, code; mov eax, SYS_EXIT (2); syscall; ud2 */
static const uint8_t elfgen_code_exit[] = {
    0xbf, 0,    0, 0, 0, /* mov edi, imm32 (patched) */
    0xb8, 0x02, 0, 0, 0, /* mov eax, 2 */
    0x0f, 0x05,          /* syscall */
    0x0f, 0x0b,          /* ud2 */
};

/* mov rdi, [ELFGEN_BSS]; add rdi, code; mov dword [ELFGEN_BSS], 1; mov eax, 2; syscall; ud2 */
static const uint8_t elfgen_code_bss[] = {
    0x48, 0x8b, 0x3c, 0x25, 0x00, 0x10, 0x40, 0x00,                   /* mov rdi, [0x401000] */
    0x48, 0x83, 0xc7, 0,                                              /* add rdi, imm8 (patched) */
    0xc7, 0x04, 0x25, 0x00, 0x10, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00, /* mov dword [0x401000], 1 */
    0xb8, 0x02, 0,    0,    0,                                        /* mov eax, 2 */
    0x0f, 0x05,                                                       /* syscall */
    0x0f, 0x0b,                                                       /* ud2 */
};

/* eventq_create; eventq_wait(that queue, rsp - 512, DEADLINE_FOREVER); ud2 if it ever returns */
static const uint8_t elfgen_code_block[] = {
    0xb8, SYS_EVENTQ_CREATE,
    0,    0,
    0,          /* mov eax, SYS_EVENTQ_CREATE */
    0x0f, 0x05, /* syscall */
    0x89, 0xc7, /* mov edi, eax */
    0x48, 0x8d,
    0xb4, 0x24,
    0x00, 0xfe,
    0xff, 0xff, /* lea rsi, [rsp - 512] */
    0x48, 0xc7,
    0xc2, 0xff,
    0xff, 0xff,
    0xff, /* mov rdx, -1 */
    0xb8, SYS_EVENTQ_WAIT,
    0,    0,
    0,          /* mov eax, SYS_EVENTQ_WAIT */
    0x0f, 0x05, /* syscall */
    0x0f, 0x0b, /* ud2 */
};

/* The file header at the start of buf. */
struct elfgen_ehdr *elfgen_ehdr(uint8_t *buf)
{
    return (struct elfgen_ehdr *)buf;
}

/* Program header i (they follow the file header). */
struct elfgen_phdr *elfgen_phdr(uint8_t *buf, unsigned i)
{
    return (struct elfgen_phdr *)(buf + sizeof(struct elfgen_ehdr)) + i;
}

/* Fills in a valid x86-64 ET_EXEC header with nph program headers and entry at the code. */
static void elfgen_header(uint8_t *buf, unsigned nph)
{
    struct elfgen_ehdr *eh = elfgen_ehdr(buf);
    static const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* LSB */, 1 /* EV_CURRENT */};
    memcpy(eh->ident, ident, sizeof(ident));
    eh->type = 2;     /* ET_EXEC */
    eh->machine = 62; /* EM_X86_64 */
    eh->version = 1;
    eh->entry = ELFGEN_TEXT + ELFGEN_CODE_OFF;
    eh->phoff = sizeof(struct elfgen_ehdr);
    eh->ehsize = sizeof(struct elfgen_ehdr);
    eh->phentsize = sizeof(struct elfgen_phdr);
    eh->phnum = (uint16_t)nph;
    eh->shentsize = 64;
}

/* Describes a PT_LOAD segment. */
static void elfgen_segment(uint8_t *buf, unsigned i, uint64_t offset, uint64_t vaddr, uint64_t filesz,
                           uint64_t memsz, uint32_t flags)
{
    struct elfgen_phdr *ph = elfgen_phdr(buf, i);
    ph->type = ELFGEN_PT_LOAD;
    ph->flags = flags;
    ph->offset = offset;
    ph->vaddr = vaddr;
    ph->paddr = vaddr;
    ph->filesz = filesz;
    ph->memsz = memsz;
    ph->align = 4096;
}

/* Builds the image; see elfgen.h. */
size_t elfgen_build(uint8_t *buf, enum elfgen_kind kind, int code)
{
    static const unsigned nsegs[] = {[ELFGEN_EXIT] = 1, [ELFGEN_BSS_RW] = 2, [ELFGEN_EIGHT] = 8,
                                     [ELFGEN_NINE] = 9, [ELFGEN_BLOCK] = 1,  [ELFGEN_SPARSE] = 8};
    unsigned n = nsegs[kind];
    bool blocks = kind == ELFGEN_BLOCK || kind == ELFGEN_SPARSE;
    const uint8_t *code_bytes = kind == ELFGEN_EXIT ? elfgen_code_exit
                                : blocks            ? elfgen_code_block
                                                    : elfgen_code_bss;
    size_t code_len = kind == ELFGEN_EXIT ? sizeof(elfgen_code_exit)
                      : blocks            ? sizeof(elfgen_code_block)
                                          : sizeof(elfgen_code_bss);
    size_t len = ELFGEN_CODE_OFF + code_len;

    memset(buf, 0, ELFGEN_BUF_SIZE);
    elfgen_header(buf, n);
    memcpy(buf + ELFGEN_CODE_OFF, code_bytes, code_len);
    if (kind == ELFGEN_EXIT)
        buf[ELFGEN_CODE_OFF + 1] = (uint8_t)code;
    else if (!blocks)
        buf[ELFGEN_CODE_OFF + 11] = (uint8_t)code;
    elfgen_segment(buf, 0, 0, ELFGEN_TEXT, len, len, ELFGEN_PF_R | ELFGEN_PF_X);
    for (unsigned i = 1; i < n; i++) {
        uint64_t va =
            kind == ELFGEN_SPARSE ? ELFGEN_TEXT + i * ELFGEN_SPARSE_STEP : ELFGEN_BSS + (i - 1) * 4096ul;
        elfgen_segment(buf, i, 0, va, 0, 4096, ELFGEN_PF_R | ELFGEN_PF_W);
    }
    return len;
}
