/* lxelf.h: checking a static Linux ELF64 x86-64 binary and planning its mappings (pure, host-tested). */
#pragma once

#include <warp/types.h>

#define LXELF_SEGS_MAX 16                   /* PT_LOAD segments accepted */
#define LXELF_MAPS_MAX (2 * LXELF_SEGS_MAX) /* a segment's pages, plus a page it shares with the next */
#define LXELF_SPAN_MAX (1ull << 30)         /* the image's pages span at most 1 GiB */
#define LXELF_PIE_BASE 0x10000000ull        /* where a static-PIE (ET_DYN) image's address 0 goes */

/* One PT_LOAD segment, addresses already relocated by the load base. */
struct lxelf_seg {
    uint64_t vaddr, memsz;   /* its bytes in memory: [vaddr, vaddr+memsz) */
    uint64_t offset, filesz; /* file bytes [offset, offset+filesz) go to vaddr; the rest is zero */
    uint32_t prot;           /* PROT_* of its pages */
};

/* One mapping to make: whole pages [start, end) with PROT_* bits (never both WRITE and EXEC). */
struct lxelf_map {
    uint64_t start, end;
    uint32_t prot;
};

/* What the loader and the initial stack need from a checked binary. */
struct lxelf_image {
    bool pie;       /* ET_DYN: loaded at LXELF_PIE_BASE */
    uint64_t base;  /* the load bias: 0 for ET_EXEC, LXELF_PIE_BASE for ET_DYN */
    uint64_t entry; /* relocated; inside an executable segment */
    uint64_t phdr;  /* relocated address of the program headers (AT_PHDR) */
    uint32_t phnum; /* AT_PHNUM */
    uint64_t end;   /* the first page past the image: where brk starts */
    uint32_t nsegs, nmaps;
    struct lxelf_seg segs[LXELF_SEGS_MAX];
    struct lxelf_map maps[LXELF_MAPS_MAX]; /* ascending, disjoint */
};

/*
 * Checks the len-byte binary and plans its mappings. Accepts ELF64 little-endian x86-64 ET_EXEC, and
 * ET_DYN without PT_INTERP (static-PIE), with 1 to LXELF_SEGS_MAX PT_LOAD segments in ascending,
 * non-overlapping address order, each inside the file, filesz <= memsz, p_vaddr % 4096 == p_offset
 * % 4096, never writable and executable at once, all inside [lo, hi) once relocated and spanning at
 * most LXELF_SPAN_MAX; the entry in an executable segment; the program headers inside the file and
 * inside a segment's file bytes (static musl finds its TLS through AT_PHDR). A page two segments
 * share gets both segments' protections (refused if that makes it writable and executable).
 * Returns 0, ERR_BAD_FORMAT (not such a binary, or damaged) or ERR_NOT_SUPPORTED (a dynamically
 * linked one: PT_INTERP). Never reads outside the image; the image need not be aligned.
 */
int lxelf_parse(const void *image, uint64_t len, uint64_t lo, uint64_t hi, struct lxelf_image *out);
