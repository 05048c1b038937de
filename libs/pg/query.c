/* query.c: queuing statements: simple Query, the extended protocol with binary parameters, transactions. */
#include "frontend.h"
#include <warp/error.h>
#include <warp/string.h>

/* A value's length on the wire; one past the protocol's int32 becomes -2, which pg_exec refuses. */
static int32_t wire_len(size_t len)
{
    return len <= INT32_MAX ? (int32_t)len : -2;
}

struct pg_param pg_param_bytea(const void *data, size_t len)
{
    return (struct pg_param){.oid = PG_OID_BYTEA, .data = data, .len = wire_len(len)};
}

struct pg_param pg_param_text(const char *s)
{
    return (struct pg_param){.oid = PG_OID_TEXT, .data = s, .len = wire_len(strlen(s))};
}

struct pg_param pg_param_int8(int64_t v)
{
    struct pg_param p = {.oid = PG_OID_INT8, .len = 8};
    for (int i = 0; i < 8; i++)
        p.inline_value[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
    return p;
}

struct pg_param pg_param_null(uint32_t oid)
{
    return (struct pg_param){.oid = oid, .len = -1};
}

/* Commits w and marks the statement in flight. */
static long send_statement(struct pg_conn *c, const struct wbuf *w)
{
    long rc = fe_commit(c, w);
    if (rc == 0) {
        c->state = PG_STATE_BUSY;
        c->have_columns = false;
    }
    return rc;
}

long pg_query(struct pg_conn *c, const char *sql)
{
    if (c->state != PG_STATE_READY)
        return ERR_BAD_STATE;
    struct wbuf w = fe_begin(c);
    fe_query(&w, sql);
    return send_statement(c, &w);
}

long pg_exec(struct pg_conn *c, const char *sql, const struct pg_param *params, unsigned n,
             int16_t result_format)
{
    if (c->state != PG_STATE_READY)
        return ERR_BAD_STATE;
    if (n > PG_MAX_PARAMS || (result_format != PG_FORMAT_TEXT && result_format != PG_FORMAT_BINARY))
        return ERR_INVALID_ARG;
    for (unsigned i = 0; i < n; i++)
        if (params[i].len < -1 || (params[i].len > 0 && !params[i].data && params[i].len != 8))
            return ERR_INVALID_ARG;
    struct wbuf w = fe_begin(c);
    fe_parse(&w, sql, params, n);
    fe_bind(&w, params, n, result_format);
    fe_describe_portal(&w);
    fe_execute(&w);
    fe_sync(&w);
    return send_statement(c, &w);
}

long pg_begin(struct pg_conn *c)
{
    return pg_query(c, "BEGIN");
}

long pg_commit(struct pg_conn *c)
{
    return pg_query(c, "COMMIT");
}

long pg_rollback(struct pg_conn *c)
{
    return pg_query(c, "ROLLBACK");
}
