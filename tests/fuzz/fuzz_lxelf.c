/* fuzz_lxelf.c: libFuzzer harness for the linux server's ELF checks and initial stack
 * (servers/linux/lxelf.c, servers/linux/lxstack.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <warp/abi.h>
#include <warp/error.h>

#include "servers/linux/lxelf.h"
#include "servers/linux/lxstack.h"

#define LO 0x10000ull
#define HI 0x200000000000ull

/* Checks every promise of lxelf.h about an accepted binary of len bytes. */
static void check_image(const struct lxelf_image *im, size_t len)
{
    if (im->nsegs < 1 || im->nsegs > LXELF_SEGS_MAX || im->nmaps < 1 || im->nmaps > LXELF_MAPS_MAX)
        abort();
    for (uint32_t i = 0; i < im->nsegs; i++) {
        const struct lxelf_seg *s = &im->segs[i];
        if (s->offset > len || s->filesz > len - s->offset || s->filesz > s->memsz || s->vaddr < LO ||
            s->vaddr + s->memsz > HI)
            abort();
    }
    bool entry_ok = false, phdr_ok = false;
    for (uint32_t i = 0; i < im->nmaps; i++) {
        const struct lxelf_map *m = &im->maps[i];
        if (m->start >= m->end || m->start % 4096 || m->end % 4096 || m->start < LO || m->end > HI)
            abort();
        if ((m->prot & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
            abort();
        if (i > 0 && im->maps[i - 1].end > m->start)
            abort();
        entry_ok |= im->entry >= m->start && im->entry < m->end && (m->prot & PROT_EXEC);
        phdr_ok |= im->phdr >= m->start && im->phdr < m->end;
    }
    if (!entry_ok || !phdr_ok || im->end != im->maps[im->nmaps - 1].end ||
        im->end - im->maps[0].start > LXELF_SPAN_MAX)
        abort();
}

/* The input as a binary; then its first bytes as strings for a stack, which must fit or be refused. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lxelf_image im;
    uint8_t *copy = malloc(size ? size : 1); /* exactly size bytes: ASan sees a read past the end */
    memcpy(copy, data, size);
    int r = lxelf_parse(copy, size, LO, HI, &im);
    if (r == 0)
        check_image(&im, size);
    else if (r != ERR_BAD_FORMAT && r != ERR_NOT_SUPPORTED)
        abort();
    free(copy);

    static uint8_t stack[2048];
    char text[512];
    size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    const char *strs[8];
    uint32_t count = 0;
    for (char *s = text; count < 8 && s < text + n; s += strlen(s) + 1)
        strs[count++] = s;
    const uint8_t random[16] = {0};
    const uint64_t aux[] = {LX_AT_PAGESZ, 4096};
    struct lxstack_args a = {strs, count / 2, strs + count / 2, count - count / 2, "x", random, aux, 1};
    uint64_t sp = 0;
    uint64_t cap = size % sizeof(stack);
    long used = lxstack_build(&a, 0x7ffffffff000ull, stack + sizeof(stack) - cap, cap, &sp);
    if (used != ERR_TOO_LARGE &&
        (used <= 0 || (uint64_t)used > cap || sp % 16 != 0 || sp != 0x7ffffffff000ull - (uint64_t)used))
        abort();
    return 0;
}
