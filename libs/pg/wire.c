/* wire.c: bounded writing and reading of the protocol's integers and strings (protocol 3.0, "Message Data Types"). */
#include "wire.h"
#include <warp/string.h>

void wbuf_bytes(struct wbuf *w, const void *data, size_t len)
{
    if (w->overflow || len > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    if (len > 0)
        memcpy(w->buf + w->len, data, len);
    w->len += len;
}

void wbuf_u8(struct wbuf *w, uint8_t v)
{
    wbuf_bytes(w, &v, 1);
}

void wbuf_i16(struct wbuf *w, int16_t v)
{
    uint8_t b[2] = {(uint8_t)((uint16_t)v >> 8), (uint8_t)v};
    wbuf_bytes(w, b, sizeof(b));
}

void wbuf_i32(struct wbuf *w, int32_t v)
{
    uint32_t u = (uint32_t)v;
    uint8_t b[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
    wbuf_bytes(w, b, sizeof(b));
}

void wbuf_str(struct wbuf *w, const char *s)
{
    wbuf_bytes(w, s, strlen(s) + 1);
}

size_t wbuf_msg_begin(struct wbuf *w, char type)
{
    if (type)
        wbuf_u8(w, (uint8_t)type);
    size_t start = w->len;
    wbuf_i32(w, 0);
    return start;
}

void wbuf_msg_end(struct wbuf *w, size_t start)
{
    if (w->overflow)
        return;
    uint32_t n = (uint32_t)(w->len - start);
    w->buf[start] = (uint8_t)(n >> 24);
    w->buf[start + 1] = (uint8_t)(n >> 16);
    w->buf[start + 2] = (uint8_t)(n >> 8);
    w->buf[start + 3] = (uint8_t)n;
}

const uint8_t *rbuf_bytes(struct rbuf *r, size_t n)
{
    if (r->bad || n > r->len - r->off) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += n;
    return p;
}

uint32_t wire_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint8_t rbuf_u8(struct rbuf *r)
{
    const uint8_t *p = rbuf_bytes(r, 1);
    return p ? p[0] : 0;
}

int16_t rbuf_i16(struct rbuf *r)
{
    const uint8_t *p = rbuf_bytes(r, 2);
    return p ? (int16_t)((uint16_t)p[0] << 8 | p[1]) : 0;
}

int32_t rbuf_i32(struct rbuf *r)
{
    const uint8_t *p = rbuf_bytes(r, 4);
    return p ? (int32_t)wire_be32(p) : 0;
}

const char *rbuf_str(struct rbuf *r)
{
    if (r->bad)
        return NULL;
    size_t left = r->len - r->off;
    const uint8_t *s = r->p + r->off;
    size_t n = strnlen((const char *)s, left);
    if (n == left) {
        r->bad = true;
        return NULL;
    }
    r->off += n + 1;
    return (const char *)s;
}

bool rbuf_done(const struct rbuf *r)
{
    return !r->bad && r->off == r->len;
}
