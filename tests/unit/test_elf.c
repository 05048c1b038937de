/* test_elf.c: unit tests for ELF64 executable validation, on images crafted in memory. */
#include <elf.h> /* the host's definitions, as an independent check of elf.c's own */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <warp/abi.h>
#include <warp/elf.h>
#include <warp/error.h>

#define IMG_LEN 0x3000
#define TEXT_VADDR 0x401000ull
#define DATA_VADDR 0x403000ull
#define ENTRY 0x401010ull

/* The image under test; 8-byte aligned so the test can poke its headers directly. */
static _Alignas(8) uint8_t img[IMG_LEN];

/* The file header of img. */
static Elf64_Ehdr *eh(void)
{
    return (Elf64_Ehdr *)img;
}

/* Program header i of img (the table starts right after the file header). */
static Elf64_Phdr *ph(int i)
{
    return (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr)) + i;
}

/* Fills program header i. */
static void set_ph(int i, uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr, uint64_t filesz,
                   uint64_t memsz)
{
    *ph(i) = (Elf64_Phdr){.p_type = type,
                          .p_flags = flags,
                          .p_offset = off,
                          .p_vaddr = vaddr,
                          .p_paddr = vaddr,
                          .p_filesz = filesz,
                          .p_memsz = memsz,
                          .p_align = 0x1000};
}

/* Builds a valid executable: text (R+X) at 0x401000, data+bss (R+W) at 0x403000, a GNU_STACK. */
static void build(void)
{
    memset(img, 0, sizeof(img));
    memcpy(eh()->e_ident, ELFMAG, SELFMAG);
    eh()->e_ident[EI_CLASS] = ELFCLASS64;
    eh()->e_ident[EI_DATA] = ELFDATA2LSB;
    eh()->e_ident[EI_VERSION] = EV_CURRENT;
    eh()->e_type = ET_EXEC;
    eh()->e_machine = EM_X86_64;
    eh()->e_version = EV_CURRENT;
    eh()->e_entry = ENTRY;
    eh()->e_phoff = sizeof(Elf64_Ehdr);
    eh()->e_ehsize = sizeof(Elf64_Ehdr);
    eh()->e_phentsize = sizeof(Elf64_Phdr);
    eh()->e_phnum = 3;
    set_ph(0, PT_LOAD, PF_R | PF_X, 0x1000, TEXT_VADDR, 0x100, 0x100);
    set_ph(1, PT_LOAD, PF_R | PF_W, 0x2000, DATA_VADDR, 0x10, 0x2000);
    set_ph(2, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
    memset(img + 0x1000, 0xcc, 0x100);
}

/* Parses the first len bytes of img from an exact-size heap copy (so ASan sees any overread). */
static int parse_len(uint64_t len, struct elf_image *out)
{
    uint8_t *copy = malloc(len ? len : 1);

    assert_non_null(copy);
    memcpy(copy, img, len);
    int r = elf_parse(copy, len, USER_IMAGE_MIN, USER_IMAGE_MAX, out);
    free(copy);
    return r;
}

/* Parses all of img. */
static int parse(void)
{
    struct elf_image out;

    return parse_len(IMG_LEN, &out);
}

/* The reference image parses into its two PT_LOAD segments. */
static void test_valid(void **state)
{
    struct elf_image out;

    (void)state;
    build();
    assert_int_equal(parse_len(IMG_LEN, &out), 0);
    assert_int_equal(out.entry, ENTRY);
    assert_int_equal(out.nsegs, 2);
    assert_int_equal(out.segs[0].vaddr, TEXT_VADDR);
    assert_int_equal(out.segs[0].memsz, 0x100);
    assert_int_equal(out.segs[0].offset, 0x1000);
    assert_int_equal(out.segs[0].filesz, 0x100);
    assert_int_equal(out.segs[0].prot, PROT_READ | PROT_EXEC);
    assert_int_equal(out.segs[1].vaddr, DATA_VADDR);
    assert_int_equal(out.segs[1].memsz, 0x2000);
    assert_int_equal(out.segs[1].offset, 0x2000);
    assert_int_equal(out.segs[1].filesz, 0x10);
    assert_int_equal(out.segs[1].prot, PROT_READ | PROT_WRITE);
}

/* The image may sit at any alignment (it comes out of a tar archive or user memory). */
static void test_unaligned_buffer(void **state)
{
    struct elf_image out;
    uint8_t *buf = malloc(IMG_LEN + 1);

    (void)state;
    build();
    assert_non_null(buf);
    memcpy(buf + 1, img, IMG_LEN);
    assert_int_equal(elf_parse(buf + 1, IMG_LEN, USER_IMAGE_MIN, USER_IMAGE_MAX, &out), 0);
    assert_int_equal(out.nsegs, 2);
    free(buf);
}

/* On failure *out is left alone. */
static void test_out_untouched_on_error(void **state)
{
    struct elf_image out, before;

    (void)state;
    build();
    eh()->e_machine = EM_386;
    memset(&out, 0xab, sizeof(out));
    before = out;
    assert_int_equal(parse_len(IMG_LEN, &out), ERR_BAD_FORMAT);
    assert_memory_equal(&out, &before, sizeof(out));
}

/* Images cut short anywhere before the end of the last segment's file bytes are refused. */
static void test_truncated(void **state)
{
    struct elf_image out;
    static const uint64_t lens[] = {0, 1, 4, 63, 64, 64 + 56, 0x1000, 0x10ff, 0x2000, 0x200f};

    (void)state;
    build();
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        assert_int_equal(parse_len(lens[i], &out), ERR_BAD_FORMAT);
    assert_int_equal(parse_len(0x2010, &out), 0); /* just enough */
}

/* Wrong magic, class, byte order, version, type, machine or phentsize. */
static void test_bad_header(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) {
        build();
        eh()->e_ident[i] ^= 0x20;
        assert_int_equal(parse(), ERR_BAD_FORMAT);
    }
    build();
    eh()->e_ident[EI_CLASS] = ELFCLASS32;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    eh()->e_ident[EI_DATA] = ELFDATA2MSB;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    eh()->e_ident[EI_VERSION] = EV_NONE;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    eh()->e_version = 2;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    eh()->e_type = ET_DYN;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    eh()->e_type = ET_REL;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    eh()->e_machine = EM_386;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    eh()->e_machine = EM_AARCH64;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    eh()->e_phentsize = sizeof(Elf64_Phdr) - 1;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
}

/* Program header tables that leave the file, however the numbers overflow. */
static void test_phdrs_outside_file(void **state)
{
    static const uint64_t offs[] = {IMG_LEN,    IMG_LEN - 56,    IMG_LEN - 3 * 56 + 1,
                                    UINT64_MAX, UINT64_MAX - 55, 1ull << 63};

    (void)state;
    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        build();
        eh()->e_phoff = offs[i];
        assert_int_equal(parse(), ERR_BAD_FORMAT);
    }
    build();
    eh()->e_phnum = 0xffff; /* 3.5 MiB of headers in a 12 KiB file */
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    eh()->e_phnum = 0; /* no PT_LOAD at all */
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    memcpy(img + IMG_LEN - 3 * 56, ph(0), 3 * 56); /* the table may sit at the very end */
    eh()->e_phoff = IMG_LEN - 3 * 56;
    assert_int_equal(parse(), 0);
}

/* File ranges of segments past the end of the file or overflowing. */
static void test_segment_file_range(void **state)
{
    (void)state;
    build();
    ph(0)->p_filesz = UINT64_MAX;
    ph(0)->p_memsz = UINT64_MAX;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_offset = UINT64_MAX - 0xfff; /* congruent with the vaddr, wraps when added */
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_offset = IMG_LEN + 0x1000;
    ph(1)->p_filesz = 0;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_filesz = 0x1001; /* 0x2000 + 0x1001 > IMG_LEN */
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_filesz = 0x1000; /* ends exactly at the end of the file */
    assert_int_equal(parse(), 0);
}

/* Sizes: filesz above memsz is refused; empty segments are skipped, wherever they claim to be. */
static void test_segment_sizes(void **state)
{
    struct elf_image out;

    (void)state;
    build();
    ph(1)->p_memsz = 0xf;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_memsz = 0;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_filesz = 0;
    ph(1)->p_memsz = 0;
    ph(1)->p_vaddr = TEXT_VADDR; /* would overlap text if it counted */
    assert_int_equal(parse_len(IMG_LEN, &out), 0);
    assert_int_equal(out.nsegs, 1);
    ph(0)->p_memsz = ph(0)->p_filesz = 0; /* now nothing is loadable */
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_filesz = 0; /* pure bss is fine */
    assert_int_equal(parse(), 0);
}

/* Segments must lie inside [user_min, user_max): kernel half, below the minimum, wrapping. */
static void test_segment_addresses(void **state)
{
    (void)state;
    build();
    ph(1)->p_vaddr = 0xffffffff80000000ull;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_vaddr = 0xfffffffffffff000ull; /* vaddr + memsz wraps */
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_vaddr = USER_IMAGE_MIN - 0x1000;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_vaddr = 0;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_vaddr = USER_IMAGE_MIN; /* the lowest allowed address, the page below text */
    ph(1)->p_memsz = 0x1000;
    assert_int_equal(parse(), 0);
    build();
    ph(1)->p_vaddr = USER_IMAGE_MAX - 0x2000; /* ends exactly at user_max */
    assert_int_equal(parse(), 0);
    build();
    ph(1)->p_vaddr = USER_IMAGE_MAX - 0x1000; /* one page over */
    assert_int_equal(parse(), ERR_BAD_FORMAT);
}

/* Segments whose pages overlap are refused; neighbouring pages are fine. */
static void test_overlap(void **state)
{
    (void)state;
    build();
    ph(1)->p_vaddr = TEXT_VADDR; /* the same addresses */
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_offset = 0x2800;
    ph(1)->p_vaddr = TEXT_VADDR + 0x800; /* disjoint bytes, same page */
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_vaddr = TEXT_VADDR - 0x1000; /* data's second page is text's page */
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_vaddr = TEXT_VADDR + 0x1000; /* the very next page */
    assert_int_equal(parse(), 0);
    build();
    ph(0)->p_offset = 0x1f00;
    ph(0)->p_vaddr = 0x402f00; /* text ends in the page where data starts */
    ph(0)->p_memsz = ph(0)->p_filesz = 0x101;
    eh()->e_entry = 0x402f00;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
}

/* p_vaddr and p_offset must agree modulo the page size. */
static void test_misaligned(void **state)
{
    (void)state;
    build();
    ph(0)->p_vaddr = TEXT_VADDR + 4;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_offset = 0x2008;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(0)->p_vaddr = TEXT_VADDR + 4;
    ph(0)->p_offset = 0x1004; /* both off by 4: fine */
    assert_int_equal(parse(), 0);
}

/* No segment may be both writable and executable. */
static void test_wx(void **state)
{
    (void)state;
    build();
    ph(0)->p_flags = PF_R | PF_W | PF_X;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(1)->p_flags = PF_W | PF_X;
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build();
    ph(0)->p_flags = PF_X; /* execute-only is allowed */
    assert_int_equal(parse(), 0);
}

/* The entry point must be inside an executable segment. */
static void test_entry(void **state)
{
    static const uint64_t bad[] = {0, TEXT_VADDR - 1, TEXT_VADDR + 0x100, DATA_VADDR + 8,
                                   0xffffffff80000000ull};

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        build();
        eh()->e_entry = bad[i];
        assert_int_equal(parse(), ERR_BAD_FORMAT);
    }
    build();
    eh()->e_entry = TEXT_VADDR;
    assert_int_equal(parse(), 0);
    eh()->e_entry = TEXT_VADDR + 0xff;
    assert_int_equal(parse(), 0);
}

/* Makes n one-page PT_LOAD segments on consecutive pages, the first executable. */
static void build_many(int n)
{
    build();
    eh()->e_phnum = (uint16_t)n;
    for (int i = 0; i < n; i++)
        set_ph(i, PT_LOAD, i == 0 ? PF_R | PF_X : PF_R, 0x1000, TEXT_VADDR + 0x1000ull * i, 0x100, 0x1000);
}

/* At most ELF_MAX_SEGMENTS PT_LOAD segments; other types do not count. */
static void test_segment_count(void **state)
{
    struct elf_image out;

    (void)state;
    build_many(ELF_MAX_SEGMENTS);
    assert_int_equal(parse_len(IMG_LEN, &out), 0);
    assert_int_equal(out.nsegs, ELF_MAX_SEGMENTS);
    for (uint32_t i = 0; i < out.nsegs; i++)
        assert_int_equal(out.segs[i].vaddr, TEXT_VADDR + 0x1000ull * i); /* file order */
    build_many(ELF_MAX_SEGMENTS + 1);
    assert_int_equal(parse(), ERR_BAD_FORMAT);
    build_many(ELF_MAX_SEGMENTS);
    eh()->e_phnum = ELF_MAX_SEGMENTS + 2;
    set_ph(ELF_MAX_SEGMENTS, PT_NOTE, 0, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0);
    set_ph(ELF_MAX_SEGMENTS + 1, PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0);
    assert_int_equal(parse(), 0); /* garbage in ignored types is ignored */
}

/* A small deterministic PRNG (xorshift64) for the fuzz test. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Checks that an accepted image satisfies every promise elf_parse makes. */
static void check_accepted(const struct elf_image *out, uint64_t len)
{
    bool entry_ok = false;

    assert_true(out->nsegs >= 1 && out->nsegs <= ELF_MAX_SEGMENTS);
    for (uint32_t i = 0; i < out->nsegs; i++) {
        const struct elf_segment *s = &out->segs[i];
        assert_true(s->offset <= len && s->filesz <= len - s->offset);
        assert_true(s->filesz <= s->memsz && s->memsz > 0);
        assert_true(s->vaddr >= USER_IMAGE_MIN && s->vaddr + s->memsz <= USER_IMAGE_MAX);
        assert_int_equal(s->vaddr % 4096, s->offset % 4096);
        assert_true((s->prot & (PROT_WRITE | PROT_EXEC)) != (PROT_WRITE | PROT_EXEC));
        entry_ok |= (s->prot & PROT_EXEC) && out->entry >= s->vaddr && out->entry < s->vaddr + s->memsz;
    }
    assert_true(entry_ok);
}

/* Random damage to the headers and random truncation never make the parser stray. */
static void test_fuzz(void **state)
{
    uint64_t seed = 0x243f6a8885a308d3ull;
    struct elf_image out;

    (void)state;
    for (int round = 0; round < 20000; round++) {
        build();
        int flips = 1 + (int)(rng_next(&seed) % 4);
        for (int i = 0; i < flips; i++)
            img[rng_next(&seed) % (64 + 3 * 56)] = (uint8_t)rng_next(&seed);
        uint64_t len = rng_next(&seed) % 4 == 0 ? rng_next(&seed) % (IMG_LEN + 1) : IMG_LEN;
        int r = parse_len(len, &out);
        assert_true(r == 0 || r == ERR_BAD_FORMAT);
        if (r == 0)
            check_accepted(&out, len);
    }
}

/* Runs the tests in this file; cmocka reports them (TAP with CMOCKA_MESSAGE_OUTPUT=TAP). */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_unaligned_buffer),
        cmocka_unit_test(test_out_untouched_on_error),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_phdrs_outside_file),
        cmocka_unit_test(test_segment_file_range),
        cmocka_unit_test(test_segment_sizes),
        cmocka_unit_test(test_segment_addresses),
        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_misaligned),
        cmocka_unit_test(test_wx),
        cmocka_unit_test(test_entry),
        cmocka_unit_test(test_segment_count),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
