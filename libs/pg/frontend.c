/* frontend.c: encoding of the client's messages (protocol 3.0, "Message Formats", the F ones). */
#include "frontend.h"
#include <warp/error.h>
#include <warp/string.h>

#define PROTOCOL_3_0 (3 << 16)

struct wbuf fe_begin(struct pg_conn *c)
{
    if (c->out_off > 0) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    return (struct wbuf){.buf = c->out + c->out_len, .cap = c->out_cap - c->out_len};
}

long fe_commit(struct pg_conn *c, const struct wbuf *w)
{
    if (w->overflow)
        return ERR_TOO_LARGE;
    c->out_len += w->len;
    return 0;
}

void fe_startup(struct wbuf *w, const char *user, const char *database, const char *application_name)
{
    size_t m = wbuf_msg_begin(w, 0);
    wbuf_i32(w, PROTOCOL_3_0);
    wbuf_str(w, "user");
    wbuf_str(w, user);
    wbuf_str(w, "database");
    wbuf_str(w, database);
    if (application_name[0]) {
        wbuf_str(w, "application_name");
        wbuf_str(w, application_name);
    }
    wbuf_str(w, "client_encoding");
    wbuf_str(w, "UTF8");
    wbuf_u8(w, 0);
    wbuf_msg_end(w, m);
}

void fe_password(struct wbuf *w, const char *password)
{
    size_t m = wbuf_msg_begin(w, 'p');
    wbuf_str(w, password);
    wbuf_msg_end(w, m);
}

void fe_sasl_initial(struct wbuf *w, const char *mechanism, const char *data, size_t len)
{
    size_t m = wbuf_msg_begin(w, 'p');
    wbuf_str(w, mechanism);
    wbuf_i32(w, (int32_t)len);
    wbuf_bytes(w, data, len);
    wbuf_msg_end(w, m);
}

void fe_sasl_response(struct wbuf *w, const char *data, size_t len)
{
    size_t m = wbuf_msg_begin(w, 'p');
    wbuf_bytes(w, data, len);
    wbuf_msg_end(w, m);
}

void fe_query(struct wbuf *w, const char *sql)
{
    size_t m = wbuf_msg_begin(w, 'Q');
    wbuf_str(w, sql);
    wbuf_msg_end(w, m);
}

void fe_parse(struct wbuf *w, const char *sql, const struct pg_param *params, unsigned n)
{
    size_t m = wbuf_msg_begin(w, 'P');
    wbuf_str(w, "");
    wbuf_str(w, sql);
    wbuf_i16(w, (int16_t)n);
    for (unsigned i = 0; i < n; i++)
        wbuf_i32(w, (int32_t)params[i].oid);
    wbuf_msg_end(w, m);
}

void fe_bind(struct wbuf *w, const struct pg_param *params, unsigned n, int16_t result_format)
{
    size_t m = wbuf_msg_begin(w, 'B');
    wbuf_str(w, "");
    wbuf_str(w, "");
    wbuf_i16(w, 1); /* one format code for all parameters: */
    wbuf_i16(w, PG_FORMAT_BINARY);
    wbuf_i16(w, (int16_t)n);
    for (unsigned i = 0; i < n; i++) {
        wbuf_i32(w, params[i].len);
        if (params[i].len > 0)
            wbuf_bytes(w, params[i].data ? params[i].data : params[i].inline_value, (size_t)params[i].len);
    }
    wbuf_i16(w, 1); /* one format code for all columns */
    wbuf_i16(w, result_format);
    wbuf_msg_end(w, m);
}

void fe_describe_portal(struct wbuf *w)
{
    size_t m = wbuf_msg_begin(w, 'D');
    wbuf_u8(w, 'P');
    wbuf_str(w, "");
    wbuf_msg_end(w, m);
}

void fe_execute(struct wbuf *w)
{
    size_t m = wbuf_msg_begin(w, 'E');
    wbuf_str(w, "");
    wbuf_i32(w, 0); /* no row limit */
    wbuf_msg_end(w, m);
}

void fe_sync(struct wbuf *w)
{
    size_t m = wbuf_msg_begin(w, 'S');
    wbuf_msg_end(w, m);
}

void fe_terminate(struct wbuf *w)
{
    size_t m = wbuf_msg_begin(w, 'X');
    wbuf_msg_end(w, m);
}
