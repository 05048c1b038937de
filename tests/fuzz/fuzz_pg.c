/* fuzz_pg.c: libFuzzer harness for libs/pg: arbitrary server bytes in every state of a connection. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pg/pg.h>

/*
 * Input: byte 0 picks the state the bytes arrive in (0 authentication, 1 idle after a trust login,
 * 2 an extended-protocol statement in flight, 3 a simple query in flight); byte 1 how they are cut
 * (pieces of 1..64 bytes, or all at once when it is 0); the rest is what the server sends. Whenever
 * the connection becomes idle the callback queues another statement, so a stream can go from
 * authentication through many results. Promises checked (abort() when broken): pg_feed fails exactly
 * when the state becomes FAILED, with an error recorded; every value of every reported row lies inside
 * the row; the queued output never exceeds its buffer. ASan and UBSan catch the rest.
 */

#define IN_CAP 4096
#define OUT_CAP 4096

static uint8_t in_buf[IN_CAP], out_buf[OUT_CAP];
static struct pg_conn conn;

/* A predictable nonce (bytes 0, 1, 2, ...), so seeds can carry a matching SCRAM server-first. */
static long counting_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = (uint8_t)i;
    return 0;
}

/* Reads every value of a row and checks each lies inside it. */
static void walk_row(const struct pg_row *row)
{
    volatile uint8_t sink = 0;
    for (unsigned i = 0; i < row->count; i++) {
        struct pg_value v;
        if (pg_row_get(row, i, &v) != 0)
            abort();
        if (!v.null && v.len > 0 && (v.data < row->data || v.data + v.len > row->data + row->len))
            abort();
        for (size_t k = 0; k < v.len; k++)
            sink ^= v.data[k];
        int64_t i8;
        int32_t i4;
        pg_value_int8(&v, &i8);
        pg_value_int4(&v, &i4);
    }
    (void)sink;
}

/* Walks what each event carries; queues the next statement when the connection is idle. */
static void on_event(void *ctx, const struct pg_event *ev)
{
    (void)ctx;
    const uint8_t *out;
    switch (ev->type) {
    case PG_EV_ROW: walk_row(&ev->row); break;
    case PG_EV_ROW_DESC:
        for (unsigned i = 0; i < ev->columns.count; i++)
            if (strlen(ev->columns.cols[i].name) > IN_CAP)
                abort();
        break;
    case PG_EV_CONNECTED:
    case PG_EV_READY:
        pg_consume(&conn, pg_output(&conn, &out));
        pg_query(&conn, "SELECT 1");
        break;
    default: break;
    }
}

/* Brings the connection into the state byte 0 names. */
static void enter_state(uint8_t which)
{
    struct pg_config cfg = {
        .user = "fuzz", .password = "pw", .random = counting_random, .on_event = on_event};
    pg_init(&conn, &cfg, in_buf, sizeof(in_buf), out_buf, sizeof(out_buf));
    pg_start(&conn);
    if (which % 4 == 0)
        return;
    static const uint8_t login[] = "R\0\0\0\x08\0\0\0\0Z\0\0\0\5I";
    pg_feed(&conn, login, sizeof(login) - 1);
    const uint8_t *out;
    pg_consume(&conn, pg_output(&conn, &out));
    if (which % 4 == 2) {
        struct pg_param p = pg_param_int8(7);
        pg_exec(&conn, "SELECT $1", &p, 1, PG_FORMAT_BINARY);
    } else if (which % 4 == 3) {
        pg_query(&conn, "SELECT 1; SELECT 2");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    enter_state(data[0]);
    size_t piece = data[1] ? 1 + data[1] % 64 : size;
    for (size_t off = 2; off < size;) {
        size_t n = size - off < piece ? size - off : piece;
        long rc = pg_feed(&conn, data + off, n);
        off += n;
        bool failed = pg_state(&conn) == PG_STATE_FAILED;
        if ((rc < 0) != failed || (failed && pg_last_error(&conn)->cls == PG_ERR_NONE))
            abort();
        const uint8_t *out;
        if (pg_output(&conn, &out) > OUT_CAP)
            abort();
        if (rc < 0)
            break;
    }
    pg_close(&conn);
    return 0;
}
