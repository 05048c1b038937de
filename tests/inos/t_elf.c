/* t_elf.c: tests of the ELF checks of SYS_SPAWN: hand-made images, valid and broken, and patched copies. */
#include "elfgen.h"
#include "tests.h"

#include <warp/string.h>

static uint8_t elf_buf[ELFGEN_BUF_SIZE] __attribute__((aligned(16)));

/* Ways to break the valid two-segment image, one field each. */
enum elf_break {
    ELF_BAD_MAGIC = 1,
    ELF_CLASS32,
    ELF_BIG_ENDIAN,
    ELF_MACHINE_386,
    ELF_TYPE_REL,
    ELF_TYPE_DYN,
    ELF_PHENTSIZE,
    ELF_PHDRS_PAST_END,
    ELF_NO_SEGMENTS,
    ELF_DATA_PAST_END,
    ELF_OFFSET_WRAPS,
    ELF_FILESZ_OVER_MEMSZ,
    ELF_TEXT_RWX,
    ELF_TEXT_WX,
    ELF_BELOW_IMAGE_MIN,
    ELF_ABOVE_IMAGE_MAX,
    ELF_KERNEL_HALF,
    ELF_VADDR_WRAPS,
    ELF_OVERLAP,
    ELF_SHARED_PAGE,
    ELF_MISALIGNED,
    ELF_ENTRY_OUTSIDE,
    ELF_ENTRY_NOT_EXEC,
    ELF_TRUNCATED_HEADER,
    ELF_TRUNCATED_PHDRS,
    ELF_BREAK_COUNT
};

static const char *const elf_break_names[ELF_BREAK_COUNT] = {
    [ELF_BAD_MAGIC] = "a wrong magic number",
    [ELF_CLASS32] = "ELFCLASS32",
    [ELF_BIG_ENDIAN] = "big-endian data",
    [ELF_MACHINE_386] = "e_machine EM_386",
    [ELF_TYPE_REL] = "e_type ET_REL",
    [ELF_TYPE_DYN] = "e_type ET_DYN",
    [ELF_PHENTSIZE] = "e_phentsize 32",
    [ELF_PHDRS_PAST_END] = "program headers past the end of the file",
    [ELF_NO_SEGMENTS] = "no PT_LOAD segment",
    [ELF_DATA_PAST_END] = "segment data past the end of the file",
    [ELF_OFFSET_WRAPS] = "p_offset + p_filesz wrapping around 2^64",
    [ELF_FILESZ_OVER_MEMSZ] = "p_filesz > p_memsz",
    [ELF_TEXT_RWX] = "a read-write-execute segment",
    [ELF_TEXT_WX] = "a write+execute segment",
    [ELF_BELOW_IMAGE_MIN] = "a segment below USER_IMAGE_MIN",
    [ELF_ABOVE_IMAGE_MAX] = "a segment reaching past USER_IMAGE_MAX",
    [ELF_KERNEL_HALF] = "a segment in the kernel half",
    [ELF_VADDR_WRAPS] = "p_vaddr + p_memsz wrapping around 2^64",
    [ELF_OVERLAP] = "two segments on the same addresses",
    [ELF_SHARED_PAGE] = "two segments sharing a page",
    [ELF_MISALIGNED] = "p_vaddr and p_offset differing modulo 4096",
    [ELF_ENTRY_OUTSIDE] = "the entry point outside every segment",
    [ELF_ENTRY_NOT_EXEC] = "the entry point in a non-executable segment",
    [ELF_TRUNCATED_HEADER] = "the file cut inside the ELF header (63 bytes)",
    [ELF_TRUNCATED_PHDRS] = "the file cut inside the program headers (100 bytes)",
};

/* Applies one break to the image in buf (text = segment 0, bss = segment 1); may shorten *len. */
static void elf_apply(uint8_t *buf, enum elf_break b, size_t *len)
{
    struct elfgen_ehdr *eh = elfgen_ehdr(buf);
    struct elfgen_phdr *text = elfgen_phdr(buf, 0), *bss = elfgen_phdr(buf, 1);
    switch (b) {
    case ELF_BAD_MAGIC: eh->ident[1] = 'e'; break;
    case ELF_CLASS32: eh->ident[4] = 1; break;
    case ELF_BIG_ENDIAN: eh->ident[5] = 2; break;
    case ELF_MACHINE_386: eh->machine = 3; break;
    case ELF_TYPE_REL: eh->type = 1; break;
    case ELF_TYPE_DYN: eh->type = 3; break;
    case ELF_PHENTSIZE: eh->phentsize = 32; break;
    case ELF_PHDRS_PAST_END: eh->phoff = *len - sizeof(struct elfgen_phdr); break;
    case ELF_NO_SEGMENTS: eh->phnum = 0; break;
    case ELF_DATA_PAST_END: text->filesz = text->memsz = *len + 1; break;
    case ELF_OFFSET_WRAPS: text->offset = 0xfffffffffffff000; break;
    case ELF_FILESZ_OVER_MEMSZ:
        bss->filesz = 16;
        bss->memsz = 8;
        break;
    case ELF_TEXT_RWX: text->flags = ELFGEN_PF_R | ELFGEN_PF_W | ELFGEN_PF_X; break;
    case ELF_TEXT_WX: text->flags = ELFGEN_PF_W | ELFGEN_PF_X; break;
    case ELF_BELOW_IMAGE_MIN:
        text->vaddr = 0x10000;
        eh->entry = 0x10000 + ELFGEN_CODE_OFF;
        break;
    case ELF_ABOVE_IMAGE_MAX:
        bss->vaddr = USER_IMAGE_MAX - PAGE_SIZE;
        bss->memsz = 2 * PAGE_SIZE;
        break;
    case ELF_KERNEL_HALF: bss->vaddr = 0xffff800000000000; break;
    case ELF_VADDR_WRAPS:
        bss->vaddr = 0xfffffffffffff000;
        bss->memsz = 2 * PAGE_SIZE;
        break;
    case ELF_OVERLAP: bss->vaddr = ELFGEN_TEXT; break;
    case ELF_SHARED_PAGE:
        bss->vaddr = ELFGEN_TEXT + 0x800;
        bss->offset = 0x800;
        break;
    case ELF_MISALIGNED:
        text->vaddr += 0x10;
        eh->entry += 0x10;
        break;
    case ELF_ENTRY_OUTSIDE: eh->entry = 0x500000; break;
    case ELF_ENTRY_NOT_EXEC: eh->entry = ELFGEN_BSS; break;
    case ELF_TRUNCATED_HEADER: *len = 63; break;
    case ELF_TRUNCATED_PHDRS: *len = 100; break;
    case ELF_BREAK_COUNT: break;
    }
}

/* The hand-made images that must run, including the eight-segment maximum. */
static void elf_valid_images(void)
{
    struct exit_info ei;
    tests_run_image(elf_buf, elfgen_build(elf_buf, ELFGEN_EXIT, 7), &ei);
    tap_exit(&ei, EXIT_NORMAL, 7, "a hand-made one-segment ELF runs and exits 7");
    tests_run_image(elf_buf, elfgen_build(elf_buf, ELFGEN_BSS_RW, 9), &ei);
    tap_exit(&ei, EXIT_NORMAL, 9, "a hand-made ELF with a zeroed, writable bss segment exits 9");
    tests_run_image(elf_buf, elfgen_build(elf_buf, ELFGEN_EIGHT, 11), &ei);
    tap_exit(&ei, EXIT_NORMAL, 11, "a hand-made ELF with 8 segments (the most allowed) exits 11");
    size_t len = elfgen_build(elf_buf, ELFGEN_NINE, 13);
    tap_eq(tests_spawn_image("elf", elf_buf, len, 0, 0), ERR_BAD_FORMAT,
           "spawn of an ELF with 9 segments gives ERR_BAD_FORMAT");
}

/* Each single break of the valid image is refused with ERR_BAD_FORMAT. */
static void elf_broken_images(void)
{
    for (int b = 1; b < ELF_BREAK_COUNT; b++) {
        size_t len = elfgen_build(elf_buf, ELFGEN_BSS_RW, 0);
        elf_apply(elf_buf, (enum elf_break)b, &len);
        long r = tests_spawn_image("elf", elf_buf, len, 0, 0);
        struct exit_info ei;
        if (r > 0)
            tests_wait_close(r, &ei);
        tap_eq(r, ERR_BAD_FORMAT, "spawn of an ELF with %s gives ERR_BAD_FORMAT", elf_break_names[b]);
    }
}

/* Spawns the copy of our image at img (len bytes) and expects ERR_BAD_FORMAT. */
static void elf_expect_refused(const uint8_t *img, size_t len, const char *what)
{
    long r = tests_spawn_image("copy", img, len, TESTS_ARG(TESTS_EXIT_42, 0), 0);
    struct exit_info ei;
    if (r > 0)
        tests_wait_close(r, &ei);
    tap_eq(r, ERR_BAD_FORMAT, "spawn of %s %s gives ERR_BAD_FORMAT", TESTS_SELF_PATH, what);
}

/* Program header i of a linker-made image (wherever e_phoff puts them). */
static struct elfgen_phdr *elf_phdr_at(uint8_t *img, unsigned i)
{
    return (struct elfgen_phdr *)(img + elfgen_ehdr(img)->phoff) + i;
}

/* End of the file data of the last PT_LOAD segment of an image. */
static size_t elf_load_end(uint8_t *img)
{
    size_t end = 0;
    for (unsigned i = 0; i < elfgen_ehdr(img)->phnum; i++) {
        struct elfgen_phdr *ph = elf_phdr_at(img, i);
        if (ph->type == ELFGEN_PT_LOAD && ph->offset + ph->filesz > end)
            end = ph->offset + ph->filesz;
    }
    return end;
}

/* The first PT_LOAD whose flags include flag, or NULL. */
static struct elfgen_phdr *elf_find_load(uint8_t *img, uint32_t flag)
{
    for (unsigned i = 0; i < elfgen_ehdr(img)->phnum; i++) {
        struct elfgen_phdr *ph = elf_phdr_at(img, i);
        if (ph->type == ELFGEN_PT_LOAD && (ph->flags & flag))
            return ph;
    }
    return NULL;
}

/* Adds add to a segment's flags, expects the spawn refused, and restores them. */
static void elf_refuse_flags(uint8_t *img, size_t len, uint32_t has, uint32_t add, const char *what)
{
    struct elfgen_phdr *ph = elf_find_load(img, has);
    if (!ph) {
        tap_ok(false, "%s has a segment with flags 0x%x", TESTS_SELF_PATH, has);
        return;
    }
    uint32_t saved = ph->flags;
    ph->flags |= add;
    elf_expect_refused(img, len, what);
    ph->flags = saved;
}

/* Patches of a writable copy of bin/tests: each one refused, the unpatched copy accepted. */
static void elf_patched_self(uint8_t *img, size_t len)
{
    memcpy(img, tests_env.self, len);
    struct exit_info ei;
    tests_wait_close(tests_spawn_image("copy", img, len, TESTS_ARG(TESTS_EXIT_42, 0), 0), &ei);
    tap_exit(&ei, EXIT_NORMAL, 42, "an unmodified copy of %s in vm_map memory runs", TESTS_SELF_PATH);
    elf_expect_refused(img, 100, "cut to 100 bytes");
    elf_expect_refused(img, elf_load_end(img) - 1, "cut one byte short of its last segment's data");
    img[0] ^= 0xff;
    elf_expect_refused(img, len, "with its magic flipped");
    img[0] ^= 0xff;
    elf_refuse_flags(img, len, ELFGEN_PF_X, ELFGEN_PF_W, "with its text segment made writable (W+X)");
    elf_refuse_flags(img, len, ELFGEN_PF_W, ELFGEN_PF_X, "with its data segment made executable (W+X)");
}

/* Hand-made and patched images; no process is left over from the refused ones. */
void test_spawn_images(void)
{
    uint64_t nprocs = tests_nprocs();
    elf_valid_images();
    elf_broken_images();
    size_t len = tests_env.self_len;
    long buf = warp_vm_map(len, PROT_READ | PROT_WRITE);
    if (buf < 0)
        tap_eq(buf, 0, "vm_map of a buffer for a copy of %s", TESTS_SELF_PATH);
    else
        elf_patched_self((uint8_t *)buf, len);
    if (buf >= 0)
        warp_vm_unmap((void *)buf, len);
    tap_eq((long)tests_nprocs(), (long)nprocs, "no process is left over from the refused images");
}
