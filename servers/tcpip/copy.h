/* copy.h: tcpip's copy for lwIP's MEMCPY (copy.c): a word at a time at any alignment. */
#pragma once

#include <stddef.h>

/* Copies n bytes from src to dst (not overlapping); returns dst. */
void *tcpip_memcpy(void *dst, const void *src, size_t n);
