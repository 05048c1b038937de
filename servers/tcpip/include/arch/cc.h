/* arch/cc.h: lwIP's compiler and platform glue for Warp (freestanding gcc, x86-64, one thread). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * lwIP is built with -nostdinc: only gcc's freestanding headers exist. lwipopts.h turns off lwIP's
 * use of limits.h, inttypes.h, ctype.h and unistd.h; what those would have given it is here.
 */
#define INT_MAX __INT_MAX__ /* lwIP defines SSIZE_MAX from it */

/* printf formats of lwIP's types (only LWIP_DEBUGF uses them; fmt.h knows h, l and z). */
#define X8_F "02x"
#define U16_F "hu"
#define S16_F "hd"
#define X16_F "hx"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

/* Byte order: x86-64 is little-endian; the swaps are single instructions. */
#define BYTE_ORDER LITTLE_ENDIAN
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

/* gcc: packed protocol headers (x86-64 reads them unaligned without trouble). */
#define PACK_STRUCT_STRUCT __attribute__((packed))

/* Diagnostics go to the console as whole lines (warp/stdio.h writes one line per call). */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define LWIP_PLATFORM_DIAG(x) \
    do {                      \
        printf x;             \
    } while (0)

/* A failed lwIP assertion is a broken invariant in the stack: log it and exit; init restarts us. */
_Noreturn void tcpip_assert_failed(const char *msg, const char *file, int line);
#define LWIP_PLATFORM_ASSERT(x) tcpip_assert_failed((x), __FILE__, __LINE__)

/*
 * Random numbers: DHCP transaction ids, the first local port, from the kernel's SYS_ENTROPY (port.c).
 * TCP initial sequence numbers use LWIP_HOOK_TCP_ISN (tcpip_hooks.h).
 */
uint32_t tcpip_rand(void);
#define LWIP_RAND() tcpip_rand()
