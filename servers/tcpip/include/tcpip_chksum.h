/* tcpip_chksum.h: the Internet checksum for lwIP (LWIP_CHKSUM, LWIP_CHKSUM_COPY): eight bytes a step. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Both return what lwIP's LWIP_CHKSUM does: the one's complement sum (RFC 1071) of data's 16-bit
 * words, not inverted, folded to 16 bits, as a little-endian machine reads the words from data's
 * first byte on (a last odd byte counts as a word with a zero high byte); data may sit at any
 * address. lwIP's own loop adds two bytes a step; these add eight, and the copying one sums while
 * it copies, so tcp_write (LWIP_CHECKSUM_ON_COPY) reads a segment's data once instead of twice.
 */
uint16_t tcpip_chksum(const void *data, int len);
/* Copies len bytes from src to dst (not overlapping) and returns their sum as tcpip_chksum does. */
uint16_t tcpip_chksum_copy(void *dst, const void *src, uint16_t len);
