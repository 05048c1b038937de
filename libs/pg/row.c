/* row.c: reading the values of a checked DataRow and decoding binary integers. */
#include "wire.h"
#include <pg/pg.h>
#include <warp/error.h>

long pg_row_get(const struct pg_row *row, unsigned i, struct pg_value *v)
{
    if (i >= row->count)
        return ERR_NOT_FOUND;
    struct rbuf r = {.p = row->data, .len = row->len};
    for (unsigned k = 0;; k++) {
        int32_t len = rbuf_i32(&r);
        const uint8_t *data = len > 0 ? rbuf_bytes(&r, (size_t)len) : r.p + r.off;
        if (r.bad)
            return ERR_BAD_FORMAT;
        if (k == i) {
            *v = (struct pg_value){.data = data, .len = len > 0 ? (size_t)len : 0, .null = len < 0};
            return 0;
        }
    }
}

/* A big-endian signed value of n bytes. */
static int64_t be_signed(const uint8_t *p, size_t n)
{
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++)
        u = u << 8 | p[i];
    if (n < 8 && (p[0] & 0x80))
        u |= ~0ULL << (8 * n);
    return (int64_t)u;
}

long pg_value_int8(const struct pg_value *v, int64_t *out)
{
    if (v->null || v->len != 8)
        return ERR_BAD_FORMAT;
    *out = be_signed(v->data, 8);
    return 0;
}

long pg_value_int4(const struct pg_value *v, int32_t *out)
{
    if (v->null || v->len != 4)
        return ERR_BAD_FORMAT;
    *out = (int32_t)be_signed(v->data, 4);
    return 0;
}
