/* lxload.c: maps a static ELF64 Linux binary and builds its initial stack and registers. */
#include "lxload.h"

#include <warp/user.h>

#include "lxelf.h"
#include "lxmem.h"
#include "lxstack.h"
#include "lxvdso.h"

#define LXLOAD_ARGS_MAX (64ull << 10) /* the bytes of strings, pointers and auxv on the stack */

static uint8_t lxload_stack[LXLOAD_ARGS_MAX];

/* CPUID leaf 1's EDX: what Linux reports as AT_HWCAP on x86-64. */
static uint64_t lxload_hwcap(void)
{
    uint32_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return d;
}

/* Maps the image's pages read-write, copies the file bytes in, then sets each mapping's protection. */
static long lxload_segments(struct lxproc *p, const struct lxelf_image *im, const uint8_t *image)
{
    for (uint32_t i = 0; i < im->nmaps; i++) {
        int64_t r =
            lxmem_map(p, im->maps[i].start, im->maps[i].end - im->maps[i].start, PROT_READ | PROT_WRITE);
        if (r < 0)
            return ERR_NO_MEMORY;
    }
    for (uint32_t i = 0; i < im->nsegs; i++)
        if (lxmem_write(p, im->segs[i].vaddr, image + im->segs[i].offset, im->segs[i].filesz) < 0)
            return ERR_BAD_ADDRESS;
    for (uint32_t i = 0; i < im->nmaps; i++)
        if (im->maps[i].prot != (PROT_READ | PROT_WRITE) &&
            lxmem_protect(p, im->maps[i].start, im->maps[i].end, im->maps[i].prot) < 0)
            return ERR_NO_MEMORY;
    return 0;
}

/* Maps the stack and writes argc, argv, envp and the auxv at its top; *sp is the entry rsp. */
static long lxload_stack_top(struct lxproc *p, const struct lxelf_image *im, const char *const *argv,
                             uint32_t argc, const char *const *envp, uint32_t envc, uint64_t *sp)
{
    uint8_t random[16];
    if (warp_entropy(random, sizeof(random)) < 0)
        return ERR_NO_RESOURCES;
    const uint64_t aux[] = {
        LX_AT_PHDR,   im->phdr,       LX_AT_PHENT,  56,         LX_AT_PHNUM,        im->phnum,
        LX_AT_PAGESZ, 4096,           LX_AT_BASE,   0,          LX_AT_FLAGS,        0,
        LX_AT_ENTRY,  im->entry,      LX_AT_UID,    LXLOAD_UID, LX_AT_EUID,         LXLOAD_UID,
        LX_AT_GID,    LXLOAD_UID,     LX_AT_EGID,   LXLOAD_UID, LX_AT_SECURE,       0,
        LX_AT_HWCAP,  lxload_hwcap(), LX_AT_CLKTCK, 100,        LX_AT_SYSINFO_EHDR, LXVDSO_BASE,
    };
    struct lxstack_args a = {argv, argc, envp, envc, argv[0], random, aux, sizeof(aux) / sizeof(aux[0]) / 2};
    long n = lxstack_build(&a, LXLOAD_STACK_TOP, lxload_stack, sizeof(lxload_stack), sp);
    if (n < 0)
        return n;
    int64_t r = lxmem_map(p, LXLOAD_STACK_TOP - LXLOAD_STACK_SIZE, LXLOAD_STACK_SIZE, PROT_READ | PROT_WRITE);
    if (r < 0)
        return ERR_NO_MEMORY;
    if (lxmem_write(p, *sp, lxload_stack + sizeof(lxload_stack) - n, (uint64_t)n) < 0)
        return ERR_BAD_ADDRESS;
    return 0;
}

long lxload(struct lxproc *p, const void *image, uint64_t len, const char *const *argv, uint32_t argc,
            const char *const *envp, uint32_t envc)
{
    static struct lxelf_image im;
    int r = lxelf_parse(image, len, USER_BASE, USER_VM_BASE, &im);
    if (r < 0)
        return r;
    uint64_t sp = 0;
    long err = lxload_segments(p, &im, image);
    if (err == 0)
        err = lxvdso_map(p);
    if (err == 0)
        err = lxload_stack_top(p, &im, argv, argc, envp, envc, &sp);
    if (err < 0)
        return err;
    p->leader->brk_start = p->leader->brk = p->leader->brk_end = im.end;
    /* psABI: rsp at argc, rdx 0 (no function for atexit), the rest unspecified: zero. */
    struct cpu_regs regs = {0};
    regs.pc = im.entry;
    regs.sp = sp;
    return warp_proc_set_regs(p->proc, &regs);
}
