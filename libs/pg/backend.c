/* backend.c: the server's messages after authentication (protocol 3.0, "Message Formats", the B ones). */
#include "backend.h"
#include <warp/error.h>
#include <warp/string.h>

/* Reports one event with nothing but its type. */
static void emit(struct pg_conn *c, enum pg_event_type type)
{
    struct pg_event ev = {.type = type};
    c->on_event(c->event_ctx, &ev);
}

/* ParameterStatus: name and value. */
static long on_param_status(struct pg_conn *c, struct rbuf *r)
{
    struct pg_event ev = {.type = PG_EV_PARAM_STATUS};
    ev.param.name = rbuf_str(r);
    ev.param.value = rbuf_str(r);
    if (!rbuf_done(r))
        return ERR_BAD_FORMAT;
    c->on_event(c->event_ctx, &ev);
    return 0;
}

/* BackendKeyData: the process id and secret a cancel request would name. */
static long on_key_data(struct pg_conn *c, struct rbuf *r)
{
    c->backend_pid = (uint32_t)rbuf_i32(r);
    c->backend_key = (uint32_t)rbuf_i32(r);
    return rbuf_done(r) && c->state == PG_STATE_STARTING ? 0 : ERR_BAD_FORMAT;
}

/* ReadyForQuery: the session (or the statement) is done; its transaction status. */
static long on_ready(struct pg_conn *c, struct rbuf *r)
{
    uint8_t status = rbuf_u8(r);
    if (!rbuf_done(r) || (status != 'I' && status != 'T' && status != 'E') || c->state == PG_STATE_READY)
        return ERR_BAD_FORMAT;
    struct pg_event ev = {.type = c->state == PG_STATE_STARTING ? PG_EV_CONNECTED : PG_EV_READY};
    ev.txstatus = c->txstatus = (char)status;
    c->state = PG_STATE_READY;
    c->have_columns = false;
    c->on_event(c->event_ctx, &ev);
    return 0;
}

/* ParameterDescription: the type of each parameter. */
static long on_param_desc(struct pg_conn *c, struct rbuf *r)
{
    int16_t n = rbuf_i16(r);
    if (n < 0 || n > PG_MAX_PARAMS)
        return n < 0 ? ERR_BAD_FORMAT : ERR_TOO_LARGE;
    for (int i = 0; i < n; i++)
        c->param_oids[i] = (uint32_t)rbuf_i32(r);
    if (!rbuf_done(r))
        return ERR_BAD_FORMAT;
    struct pg_event ev = {.type = PG_EV_PARAM_DESC};
    ev.params.count = (uint16_t)n;
    ev.params.oids = c->param_oids;
    c->on_event(c->event_ctx, &ev);
    return 0;
}

/* RowDescription: the columns the rows to come hold. */
static long on_row_desc(struct pg_conn *c, struct rbuf *r)
{
    int16_t n = rbuf_i16(r);
    if (n < 0 || n > PG_MAX_COLUMNS)
        return n < 0 ? ERR_BAD_FORMAT : ERR_TOO_LARGE;
    for (int i = 0; i < n; i++) {
        struct pg_column *col = &c->cols[i];
        col->name = rbuf_str(r);
        col->table_oid = (uint32_t)rbuf_i32(r);
        col->attnum = rbuf_i16(r);
        col->type_oid = (uint32_t)rbuf_i32(r);
        col->typlen = rbuf_i16(r);
        col->typmod = rbuf_i32(r);
        col->format = rbuf_i16(r);
        if (col->format != PG_FORMAT_TEXT && col->format != PG_FORMAT_BINARY)
            return ERR_BAD_FORMAT;
    }
    if (!rbuf_done(r))
        return ERR_BAD_FORMAT;
    c->ncols = (uint16_t)n;
    c->have_columns = true;
    struct pg_event ev = {.type = PG_EV_ROW_DESC};
    ev.columns.count = c->ncols;
    ev.columns.cols = c->cols;
    c->on_event(c->event_ctx, &ev);
    return 0;
}

/* DataRow: checked whole (as many values as columns, each inside the message) before it is reported. */
static long on_data_row(struct pg_conn *c, struct rbuf *r)
{
    int16_t n = rbuf_i16(r);
    if (!c->have_columns || n != (int16_t)c->ncols)
        return ERR_BAD_FORMAT;
    struct pg_event ev = {.type = PG_EV_ROW};
    ev.row.count = (uint16_t)n;
    ev.row.data = r->p + r->off;
    ev.row.len = r->len - r->off;
    for (int i = 0; i < n; i++) {
        int32_t len = rbuf_i32(r);
        if (len < -1)
            return ERR_BAD_FORMAT;
        if (len > 0)
            rbuf_bytes(r, (size_t)len);
    }
    if (!rbuf_done(r))
        return ERR_BAD_FORMAT;
    c->on_event(c->event_ctx, &ev);
    return 0;
}

/* The row count at the end of a CommandComplete tag ("INSERT 0 5" -> 5), 0 when it has none. */
static uint64_t tag_rows(const char *tag)
{
    const char *word = NULL;
    for (const char *p = tag; *p; p++)
        if (*p == ' ')
            word = p + 1;
    if (!word || !*word)
        return 0;
    uint64_t n = 0;
    for (const char *p = word; *p; p++) {
        if (*p < '0' || *p > '9' || n > (UINT64_MAX - 9) / 10)
            return 0;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    return n;
}

/* CommandComplete: the statement's tag and the rows it touched. */
static long on_complete(struct pg_conn *c, struct rbuf *r)
{
    struct pg_event ev = {.type = PG_EV_COMPLETE};
    ev.complete.tag = rbuf_str(r);
    if (!rbuf_done(r))
        return ERR_BAD_FORMAT;
    ev.complete.rows = tag_rows(ev.complete.tag);
    c->have_columns = false;
    c->on_event(c->event_ctx, &ev);
    return 0;
}

/* A message with an empty body, reported as ev (or not at all when ev is -1). */
static long on_empty(struct pg_conn *c, struct rbuf *r, int ev)
{
    if (!rbuf_done(r))
        return ERR_BAD_FORMAT;
    if (ev >= 0)
        emit(c, (enum pg_event_type)ev);
    return 0;
}

/* Messages that only answer a statement in flight. */
static long statement_message(struct pg_conn *c, char type, struct rbuf *r)
{
    if (c->state != PG_STATE_BUSY)
        return ERR_BAD_FORMAT;
    switch (type) {
    case '1':                            /* ParseComplete */
    case '2':                            /* BindComplete */
    case '3': return on_empty(c, r, -1); /* CloseComplete */
    case 'n': return on_empty(c, r, PG_EV_NO_DATA);
    case 'I': return on_empty(c, r, PG_EV_EMPTY);
    case 't': return on_param_desc(c, r);
    case 'T': return on_row_desc(c, r);
    case 'D': return on_data_row(c, r);
    case 'C': return on_complete(c, r);
    default: return ERR_NOT_SUPPORTED; /* COPY, or PortalSuspended that no row limit asks for */
    }
}

long backend_handle(struct pg_conn *c, char type, struct rbuf *r)
{
    switch (type) {
    case 'S': return on_param_status(c, r);
    case 'K': return on_key_data(c, r);
    case 'Z': return on_ready(c, r);
    case 'A': return 0; /* NotificationResponse: no LISTEN is ever sent */
    default: return statement_message(c, type, r);
    }
}
