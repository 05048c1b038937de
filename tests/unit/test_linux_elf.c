/* test_linux_elf.c: the linux server's ELF checks and mapping plan (servers/linux/lxelf.c), bad inputs first. */
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

#include "servers/linux/lxelf.h"

#define LO 0x10000ull
#define HI 0x200000000000ull

/* A test binary: header, program headers at 64, then file bytes up to 0x4000. */
static uint8_t img[0x4000];

/* Writes a header for type (2 EXEC, 3 DYN) with n program headers and entry. */
static struct elf_ehdr *header(uint16_t type, uint16_t n, uint64_t entry)
{
    memset(img, 0, sizeof(img));
    struct elf_ehdr *eh = (struct elf_ehdr *)img;
    memcpy(eh->e_ident, "\177ELF\2\1\1", 7);
    eh->e_type = type;
    eh->e_machine = 62;
    eh->e_version = 1;
    eh->e_entry = entry;
    eh->e_phoff = 64;
    eh->e_phentsize = sizeof(struct elf_phdr);
    eh->e_phnum = n;
    eh->e_ehsize = 64;
    return eh;
}

/* Program header i. */
static struct elf_phdr *ph(unsigned i)
{
    return (struct elf_phdr *)(img + 64 + i * sizeof(struct elf_phdr));
}

/* Sets program header i as a PT_LOAD (flags: 4 R, 2 W, 1 X). */
static void load(unsigned i, uint64_t off, uint64_t va, uint64_t filesz, uint64_t memsz, uint32_t flags)
{
    *ph(i) = (struct elf_phdr){1, flags, off, va, va, filesz, memsz, 4096};
}

/* The usual static binary: R headers page, RX text, R rodata, RW data+bss. */
static void typical(uint16_t type, uint64_t base)
{
    header(type, 4, base + 0x1010);
    load(0, 0, base, 0x200, 0x200, 4);
    load(1, 0x1000, base + 0x1000, 0x800, 0x800, 5);
    load(2, 0x2000, base + 0x2000, 0x100, 0x100, 4);
    load(3, 0x2f00, base + 0x3f00, 0x100, 0x2000, 6);
}

static void test_exec_plan(void **state)
{
    (void)state;
    struct lxelf_image im;
    typical(2, 0x400000);
    assert_int_equal(lxelf_parse(img, sizeof(img), LO, HI, &im), 0);
    assert_false(im.pie);
    assert_int_equal(im.entry, 0x401010);
    assert_int_equal(im.phdr, 0x400040);
    assert_int_equal(im.phnum, 4);
    assert_int_equal(im.nsegs, 4);
    assert_int_equal(im.nmaps, 4);
    assert_int_equal(im.maps[1].start, 0x401000);
    assert_int_equal(im.maps[1].prot, PROT_READ | PROT_EXEC);
    assert_int_equal(im.maps[3].start, 0x403000);
    assert_int_equal(im.maps[3].end, 0x406000);
    assert_int_equal(im.maps[3].prot, PROT_READ | PROT_WRITE);
    assert_int_equal(im.end, 0x406000);
}

static void test_pie_relocated(void **state)
{
    (void)state;
    struct lxelf_image im;
    typical(3, 0);
    assert_int_equal(lxelf_parse(img, sizeof(img), LO, HI, &im), 0);
    assert_true(im.pie);
    assert_int_equal(im.base, LXELF_PIE_BASE);
    assert_int_equal(im.entry, LXELF_PIE_BASE + 0x1010);
    assert_int_equal(im.phdr, LXELF_PIE_BASE + 0x40);
    assert_int_equal(im.segs[3].vaddr, LXELF_PIE_BASE + 0x3f00);
}

/* Two segments sharing a page: R text end and RX; the shared page gets both, alone. */
static void test_shared_page(void **state)
{
    (void)state;
    struct lxelf_image im;
    header(2, 2, 0x401800);
    load(0, 0, 0x400000, 0x1100, 0x1100, 4);
    load(1, 0x1100, 0x401100, 0x1000, 0x1000, 5);
    assert_int_equal(lxelf_parse(img, sizeof(img), LO, HI, &im), 0);
    assert_int_equal(im.nmaps, 3);
    assert_int_equal(im.maps[0].end, 0x401000);
    assert_int_equal(im.maps[1].start, 0x401000);
    assert_int_equal(im.maps[1].end, 0x402000);
    assert_int_equal(im.maps[1].prot, PROT_READ | PROT_EXEC);
    assert_int_equal(im.maps[2].start, 0x402000);
    /* RX then RW on one page: writable and executable, refused. */
    header(2, 2, 0x400100);
    load(0, 0, 0x400000, 0x1100, 0x1100, 5);
    load(1, 0x1100, 0x401100, 0x100, 0x100, 6);
    assert_int_equal(lxelf_parse(img, sizeof(img), LO, HI, &im), ERR_BAD_FORMAT);
}

/* The damages test_refusals makes, one at a time, to the typical binary. */
static const char *const damages[] = {
    "magic",
    "32-bit class",
    "big endian",
    "osabi",
    "relocatable",
    "machine",
    "phentsize",
    "phoff past the end",
    "phoff huge",
    "no headers",
    "entry in data",
    "entry huge",
    "filesz > memsz",
    "file range past the end",
    "offset wraps",
    "misaligned",
    "write and execute",
    "out of order",
    "overlap",
    "below lo",
    "address wraps",
    "past hi",
    "interpreter",
};

/* Applies damage k. */
static void damage(size_t k)
{
    struct elf_ehdr *eh = (struct elf_ehdr *)img;
    switch (k) {
    case 0: img[1] = 'X'; break;
    case 1: img[4] = 1; break;
    case 2: img[5] = 2; break;
    case 3: img[7] = 9; break;
    case 4: eh->e_type = 1; break;
    case 5: eh->e_machine = 3; break;
    case 6: eh->e_phentsize = 55; break;
    case 7: eh->e_phoff = sizeof(img) - 8; break;
    case 8: eh->e_phoff = UINT64_MAX - 8; break;
    case 9: eh->e_phnum = 0; break;
    case 10: eh->e_entry = 0x403f00; break;
    case 11: eh->e_entry = UINT64_MAX; break;
    case 12: ph(3)->p_filesz = 0x3000; break;
    case 13: ph(1)->p_offset = sizeof(img) - 0x10; break;
    case 14: ph(1)->p_offset = UINT64_MAX - 0x10; break;
    case 15: ph(1)->p_offset = 0x1008; break;
    case 16: ph(1)->p_flags = 7; break;
    case 17: ph(2)->p_vaddr = 0x400000; break;
    case 18: ph(1)->p_memsz = 0x1200; break;
    case 19:
        ph(0)->p_vaddr = 0x1000;
        ph(0)->p_offset = 0;
        break;
    case 20: ph(3)->p_memsz = UINT64_MAX - 0x1000; break;
    case 21: ph(3)->p_vaddr = HI - 0x1000 + 0xf00; break;
    case 22: ph(2)->p_type = 3; break;
    }
}

/* Each damage on its own is refused (a binary with an interpreter as not supported). */
static void test_refusals(void **state)
{
    (void)state;
    struct lxelf_image im;
    for (size_t i = 0; i < sizeof(damages) / sizeof(damages[0]); i++) {
        typical(2, 0x400000);
        damage(i);
        int want = strcmp(damages[i], "interpreter") == 0 ? ERR_NOT_SUPPORTED : ERR_BAD_FORMAT;
        if (lxelf_parse(img, sizeof(img), LO, HI, &im) != want)
            fail_msg("%s: not refused", damages[i]);
    }
}

/* A span over 1 GiB, program headers outside every segment, and every truncation of a good binary. */
static void test_span_phdr_and_truncation(void **state)
{
    (void)state;
    struct lxelf_image im;
    typical(2, 0x400000);
    ph(3)->p_memsz = LXELF_SPAN_MAX;
    assert_int_equal(lxelf_parse(img, sizeof(img), LO, HI, &im), ERR_BAD_FORMAT);
    typical(2, 0x400000);
    ph(0)->p_offset = 0x3000;
    ph(0)->p_filesz = 0x10;
    assert_int_equal(lxelf_parse(img, sizeof(img), LO, HI, &im), ERR_BAD_FORMAT);
    typical(2, 0x400000);
    for (uint64_t len = 0; len < 0x3000; len++) {
        uint8_t *copy = malloc(len ? len : 1); /* ASan catches any read past len */
        memcpy(copy, img, len);
        assert_int_equal(lxelf_parse(copy, len, LO, HI, &im), ERR_BAD_FORMAT);
        free(copy);
    }
}

/* Random damage to a good binary: an error or a plan that keeps every promise. */
static void test_random_damage(void **state)
{
    (void)state;
    struct lxelf_image im;
    srand(14);
    for (int round = 0; round < 20000; round++) {
        typical(round % 2 ? 3 : 2, round % 2 ? 0 : 0x400000);
        for (int k = 0; k < 1 + round % 4; k++)
            img[rand() % 0x140] ^= (uint8_t)(1u << (rand() % 8));
        if (lxelf_parse(img, sizeof(img), LO, HI, &im) != 0)
            continue;
        for (uint32_t i = 0; i < im.nmaps; i++) {
            assert_true(im.maps[i].start < im.maps[i].end);
            assert_true(im.maps[i].start >= LO && im.maps[i].end <= HI);
            assert_true((im.maps[i].prot & (PROT_WRITE | PROT_EXEC)) != (PROT_WRITE | PROT_EXEC));
            if (i > 0)
                assert_true(im.maps[i - 1].end <= im.maps[i].start);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_plan),
        cmocka_unit_test(test_pie_relocated),
        cmocka_unit_test(test_shared_page),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_span_phdr_and_truncation),
        cmocka_unit_test(test_random_damage),
    };
    return cmocka_run_group_tests_name("linux_elf", tests, NULL, NULL);
}
