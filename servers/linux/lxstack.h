/* lxstack.h: the x86-64 Linux initial stack (argc, argv, envp, auxv) built in a buffer (pure, host-tested). */
#pragma once

#include <warp/types.h>

/* auxv entry types (Linux's include/uapi/linux/auxvec.h and the x86-64 psABI) */
#define LX_AT_NULL 0
#define LX_AT_PHDR 3
#define LX_AT_PHENT 4
#define LX_AT_PHNUM 5
#define LX_AT_PAGESZ 6
#define LX_AT_BASE 7
#define LX_AT_FLAGS 8
#define LX_AT_ENTRY 9
#define LX_AT_UID 11
#define LX_AT_EUID 12
#define LX_AT_GID 13
#define LX_AT_EGID 14
#define LX_AT_PLATFORM 15
#define LX_AT_HWCAP 16
#define LX_AT_CLKTCK 17
#define LX_AT_SECURE 23
#define LX_AT_RANDOM 25
#define LX_AT_EXECFN 31
#define LX_AT_SYSINFO_EHDR 33 /* the vDSO's ELF header */

#define LXSTACK_AUX_MAX 24      /* auxv pairs the caller may give */
#define LXSTACK_STRINGS_MAX 256 /* argv plus envp entries */

/* What goes on the stack. */
struct lxstack_args {
    const char *const *argv; /* argc strings */
    uint32_t argc;
    const char *const *envp; /* envc strings */
    uint32_t envc;
    const char *execfn;    /* AT_EXECFN's string */
    const uint8_t *random; /* 16 bytes for AT_RANDOM */
    const uint64_t *aux;   /* naux (type, value) pairs, without AT_EXECFN, AT_RANDOM and AT_NULL */
    uint32_t naux;
};

/*
 * Lays out the stack whose highest address is top (16-byte aligned) into the last bytes of buf: from
 * the top down, 8 zero bytes, the execfn, envp and argv strings, the 16 random bytes, then (16-byte
 * aligned, as the psABI wants at process entry) argc, argv[], NULL, envp[], NULL and the auxv ending
 * with AT_EXECFN, AT_RANDOM and AT_NULL. Returns the bytes used, n: buf[cap-n, cap) is the stack's
 * [top-n, top), and *sp = top - n is the entry rsp (pointing at argc). ERR_TOO_LARGE if it does not
 * fit in cap bytes or has more than LXSTACK_STRINGS_MAX strings or LXSTACK_AUX_MAX pairs;
 * ERR_INVALID_ARG if top is not 16-byte aligned or below cap.
 */
long lxstack_build(const struct lxstack_args *a, uint64_t top, uint8_t *buf, uint64_t cap, uint64_t *sp);
