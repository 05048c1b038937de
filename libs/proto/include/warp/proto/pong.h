/* pong.h: the service/pong demo protocol (docs/userspace.md): message types, READ pattern, checksum. */
#pragma once

#include <warp/ipc.h>

#define PONG_URI "service/pong"

/* Program-specific message types, beside the predefined READ, WRITE, GETATTR, SETATTR, CLOSE. */
#define PONG_MSG_CRASH (MSG_USER + 1) /* pong writes to address 0 and dies (supervisor tests) */
#define PONG_MSG_ECHO (MSG_USER + 2)  /* reply: the same data (status = data_len) and handles */

#define PONG_CONNS_MAX 32       /* connections at once; one more is refused (one-way ERROR, closed) */
#define PONG_CONNS_PER_CLIENT 8 /* connections of one client at once; likewise */

/* Byte i of what a READ fills in (i counted from the start of the buffer). */
static inline uint8_t pong_pattern(uint64_t i)
{
    return (uint8_t)(i ^ (i >> 8) ^ 0x5a);
}

/* The checksum's value on a fresh connection (FNV-1a, 32 bits: the offset basis). */
#define PONG_CHECKSUM_INIT 0x811c9dc5u

/* Feeds n bytes into a running FNV-1a checksum. */
static inline uint32_t pong_checksum(uint32_t sum, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    for (size_t i = 0; i < n; i++)
        sum = (sum ^ p[i]) * 16777619u;
    return sum;
}
