/* wire.h: bounded writing and reading of the protocol's big-endian integers and NUL-terminated strings. */
#pragma once

#include <warp/types.h>

/* Bytes being written into buf[0..cap); a write past cap sets overflow and writes nothing. */
struct wbuf {
    uint8_t *buf;
    size_t cap, len;
    bool overflow;
};

/* Bytes being read from p[0..len); a read past len sets bad and yields zeros. */
struct rbuf {
    const uint8_t *p;
    size_t len, off;
    bool bad;
};

void wbuf_u8(struct wbuf *w, uint8_t v);
void wbuf_i16(struct wbuf *w, int16_t v);
void wbuf_i32(struct wbuf *w, int32_t v);
void wbuf_bytes(struct wbuf *w, const void *data, size_t len);
/* Writes s and its NUL. */
void wbuf_str(struct wbuf *w, const char *s);
/* Starts a message: its type byte (0: the untyped StartupMessage) and a length to fill; returns its start. */
size_t wbuf_msg_begin(struct wbuf *w, char type);
/* Ends the message begun at start: writes its length (from the length field on). */
void wbuf_msg_end(struct wbuf *w, size_t start);

uint8_t rbuf_u8(struct rbuf *r);
int16_t rbuf_i16(struct rbuf *r);
int32_t rbuf_i32(struct rbuf *r);
/* The next n bytes (NULL and bad if fewer remain). */
const uint8_t *rbuf_bytes(struct rbuf *r, size_t n);
/* The next NUL-terminated string, its NUL inside the buffer (NULL and bad otherwise). */
const char *rbuf_str(struct rbuf *r);
/* True when every read succeeded and all bytes were read. */
bool rbuf_done(const struct rbuf *r);
/* Reads a big-endian 32-bit value at p. */
uint32_t wire_be32(const uint8_t *p);
