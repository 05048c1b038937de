/* lxvm.h: a Linux process's mappings as the server knows them, one area per kernel mapping (pure). */
#pragma once

#include <warp/types.h>

#define LXVM_AREAS_MAX 256 /* the kernel's mappings per process */

/* Pages [start, end) with PROT_* bits (PROT_LAZY for mmap's, whose pages come at first touch; an
 * access of 0 is PROT_NONE): exactly one kernel mapping (SYS_PROC_VM_MAP's, or a piece of
 * one that SYS_PROC_VM_UNMAP or SYS_PROC_VM_PROTECT split off). */
struct lxvm_area {
    uint64_t start, end;
    uint32_t prot;
};

/* The areas in address order, disjoint. */
struct lxvm {
    uint32_t n;
    struct lxvm_area a[LXVM_AREAS_MAX + 2]; /* two spare: a split in progress opens two before closing one */
};

void lxvm_init(struct lxvm *v);

/* True if no area meets [start, end). */
bool lxvm_is_free(const struct lxvm *v, uint64_t start, uint64_t end);

/* True if areas cover every page of [start, end). */
bool lxvm_is_covered(const struct lxvm *v, uint64_t start, uint64_t end);

/* Records a new mapping [start, end) that meets no area. ERR_NO_RESOURCES when the table is full,
 * ERR_ALREADY_EXISTS if it meets one, ERR_INVALID_ARG if empty. */
int lxvm_insert(struct lxvm *v, uint64_t start, uint64_t end, uint32_t prot);

/* The first piece of [start, end) inside one area: true with *piece (its prot the area's), false if
 * no area meets the range. Unmapping or protecting a Linux range is one kernel call per piece. */
bool lxvm_first_piece(const struct lxvm *v, uint64_t start, uint64_t end, struct lxvm_area *piece);

/* Forgets [start, end), which lies inside one area, splitting it as the kernel did. ERR_NOT_FOUND if
 * no one area holds the range; ERR_NO_RESOURCES if the pieces would overflow the table. */
int lxvm_remove(struct lxvm *v, uint64_t start, uint64_t end);

/* Gives [start, end), inside one area, the protection prot (splitting it). Errors as lxvm_remove. */
int lxvm_protect(struct lxvm *v, uint64_t start, uint64_t end, uint32_t prot);

/* The pieces lxvm_remove or lxvm_protect of [start, end) would add (0, 1 or 2); -1 if no one area
 * holds the range. The kernel splits alike, so a caller checks the room before asking it. */
int lxvm_split_cost(const struct lxvm *v, uint64_t start, uint64_t end, bool keep_middle);
