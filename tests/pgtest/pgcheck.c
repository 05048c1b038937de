/* pgcheck.c: drives libs/pg against a real PostgreSQL over a plain POSIX socket (host only; tests/pgtest/run starts the server). */
#include <pg/pg.h>
#include <warp/error.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE (2u << 20) /* one message: the 1 MiB bytea row and its framing fit */
#define BIG_LEN (1u << 20)
#define MAX_ROWS 8
#define CAPTURE_MAX 16384 /* bytes of each connection's replies kept as a fuzz seed (fuzz_pg's input limit) */

/* One row read back: id, name, data (copied out of the input buffer). */
struct got_row {
    int64_t id;
    char name[32];
    uint8_t *data;
    size_t len;
};

/* A test connection: the socket, the library's state and what its events said. */
struct client {
    int fd;
    struct pg_conn conn;
    uint8_t *in, *out;
    bool ready_seen;     /* PG_EV_CONNECTED or PG_EV_READY since the last statement */
    bool empty_seen;     /* PG_EV_EMPTY */
    struct pg_error err; /* the last PG_EV_ERROR of the statement (cls NONE: none) */
    FILE *capture;       /* the server's bytes go here too (PGCHECK_CAPTURE), or NULL */
    size_t captured;
    uint64_t complete_rows;
    unsigned nrows;
    struct got_row rows[MAX_ROWS];
};

static int failures;
static int test_number;

/* Prints one TAP result. */
static void check(bool ok, const char *what)
{
    printf("%sok %d - pg: %s\n", ok ? "" : "not ", ++test_number, what);
    fflush(stdout);
    if (!ok)
        failures++;
}

/* The library's random source: the host's getrandom. */
static long host_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    return getrandom(buf, len, 0) == (ssize_t)len ? 0 : ERR_IO;
}

/* Copies one result row (id int8, name text, data bytea, all binary) into the client. */
static void keep_row(struct client *cl, const struct pg_row *row)
{
    struct pg_value id, name, data;
    if (cl->nrows == MAX_ROWS || row->count != 3 || pg_row_get(row, 0, &id) || pg_row_get(row, 1, &name) ||
        pg_row_get(row, 2, &data))
        return;
    struct got_row *g = &cl->rows[cl->nrows++];
    pg_value_int8(&id, &g->id);
    snprintf(g->name, sizeof(g->name), "%.*s", (int)name.len, (const char *)name.data);
    g->len = data.len;
    g->data = malloc(data.len + 1);
    memcpy(g->data, data.data, data.len);
}

/* The event callback: notes what the test looks at. */
static void on_event(void *ctx, const struct pg_event *ev)
{
    struct client *cl = ctx;
    switch (ev->type) {
    case PG_EV_CONNECTED:
    case PG_EV_READY: cl->ready_seen = true; break;
    case PG_EV_ERROR: cl->err = *ev->error; break;
    case PG_EV_COMPLETE: cl->complete_rows = ev->complete.rows; break;
    case PG_EV_ROW: keep_row(cl, &ev->row); break;
    case PG_EV_EMPTY: cl->empty_seen = true; break;
    default: break;
    }
}

/* Sends everything the library queued. */
static int flush_out(struct client *cl)
{
    const uint8_t *p;
    size_t n;
    while ((n = pg_output(&cl->conn, &p)) > 0) {
        ssize_t sent = send(cl->fd, p, n, MSG_NOSIGNAL);
        if (sent <= 0)
            return -1;
        pg_consume(&cl->conn, (size_t)sent);
    }
    return 0;
}

/* Keeps the first CAPTURE_MAX bytes the server sent, when capturing. */
static void capture(struct client *cl, const uint8_t *data, size_t len)
{
    if (!cl->capture || cl->captured >= CAPTURE_MAX)
        return;
    size_t n = len < CAPTURE_MAX - cl->captured ? len : CAPTURE_MAX - cl->captured;
    fwrite(data, 1, n, cl->capture);
    cl->captured += n;
}

/* Opens the capture file of the next connection in $PGCHECK_CAPTURE (a directory), if set. */
static FILE *capture_file(const char *user)
{
    static int count;
    const char *dir = getenv("PGCHECK_CAPTURE");
    if (!dir)
        return NULL;
    char path[512];
    snprintf(path, sizeof(path), "%s/%02d-%s.bin", dir, count++, user);
    return fopen(path, "wb");
}

/* Runs the exchange until the statement (or the start-up) is done: 0, or the library's error code. */
static long run(struct client *cl)
{
    static uint8_t chunk[65536];
    while (!cl->ready_seen) {
        if (flush_out(cl) < 0)
            return ERR_PEER_CLOSED;
        ssize_t got = recv(cl->fd, chunk, sizeof(chunk), 0);
        if (got <= 0)
            return ERR_PEER_CLOSED;
        capture(cl, chunk, (size_t)got);
        long rc = pg_feed(&cl->conn, chunk, (size_t)got);
        if (rc < 0)
            return rc;
    }
    return flush_out(cl) < 0 ? ERR_PEER_CLOSED : 0;
}

/* Connects to 127.0.0.1:port and authenticates as user: 0 or the library's error code. */
static long open_client(struct client *cl, int port, const char *user, const char *password)
{
    memset(cl, 0, sizeof(*cl));
    cl->in = malloc(BUF_SIZE);
    cl->out = malloc(BUF_SIZE);
    struct pg_config cfg = {.user = user,
                            .database = "warp",
                            .application_name = "pgcheck",
                            .password = password,
                            .random = host_random,
                            .on_event = on_event,
                            .event_ctx = cl};
    if (pg_init(&cl->conn, &cfg, cl->in, BUF_SIZE, cl->out, BUF_SIZE) < 0 || pg_start(&cl->conn) < 0)
        return ERR_INVALID_ARG;
    cl->capture = capture_file(user);
    cl->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(cl->fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        return ERR_PEER_CLOSED;
    return run(cl);
}

/* Sends Terminate, closes the socket, frees what the rows and buffers held. */
static void close_client(struct client *cl)
{
    if (pg_close(&cl->conn) == 0)
        flush_out(cl);
    close(cl->fd);
    if (cl->capture)
        fclose(cl->capture);
    for (unsigned i = 0; i < cl->nrows; i++)
        free(cl->rows[i].data);
    free(cl->in);
    free(cl->out);
}

/* Forgets the last statement's results before the next. */
static void next_statement(struct client *cl)
{
    for (unsigned i = 0; i < cl->nrows; i++)
        free(cl->rows[i].data);
    cl->nrows = 0;
    cl->ready_seen = false;
    memset(&cl->err, 0, sizeof(cl->err));
    cl->complete_rows = 0;
}

/* Runs a simple query; true when it succeeded without an error. */
static bool simple(struct client *cl, const char *sql)
{
    next_statement(cl);
    return pg_query(&cl->conn, sql) == 0 && run(cl) == 0 && cl->err.cls == PG_ERR_NONE;
}

/* Runs sql with params, binary results; true when no error came. */
static bool exec(struct client *cl, const char *sql, const struct pg_param *p, unsigned n)
{
    next_statement(cl);
    return pg_exec(&cl->conn, sql, p, n, PG_FORMAT_BINARY) == 0 && run(cl) == 0 && cl->err.cls == PG_ERR_NONE;
}

/* Authentication: SCRAM and md5 succeed with the right password and fail with 28P01 with a wrong one. */
static void check_auth(int port)
{
    struct client cl;
    check(open_client(&cl, port, "warp_scram", "scram-secret") == 0 &&
              pg_auth_method(&cl.conn) == PG_AUTH_SCRAM && pg_txstatus(&cl.conn) == 'I',
          "SCRAM-SHA-256 login, server signature verified, idle");
    close_client(&cl);
    check(open_client(&cl, port, "warp_md5", "md5-secret") == 0 && pg_auth_method(&cl.conn) == PG_AUTH_MD5,
          "md5 login");
    close_client(&cl);
    long rc = open_client(&cl, port, "warp_scram", "wrong");
    check(rc == ERR_PERMISSION && strcmp(pg_last_error(&cl.conn)->sqlstate, "28P01") == 0 &&
              pg_last_error(&cl.conn)->cls == PG_ERR_AUTH && pg_state(&cl.conn) == PG_STATE_FAILED,
          "SCRAM with a wrong password: 28P01, connection failed");
    close_client(&cl);
    rc = open_client(&cl, port, "warp_md5", "wrong");
    check(rc == ERR_PERMISSION && strcmp(pg_last_error(&cl.conn)->sqlstate, "28P01") == 0,
          "md5 with a wrong password: 28P01");
    close_client(&cl);
}

/* Inserts the three blobs in one transaction with binary parameters. */
static bool insert_blobs(struct client *cl, const uint8_t *big, const uint8_t *all)
{
    static const char *sql = "INSERT INTO blobs (id, name, data) VALUES ($1, $2, $3)";
    struct pg_param p0[] = {pg_param_int8(1), pg_param_text("empty"), pg_param_bytea(NULL, 0)};
    struct pg_param p1[] = {pg_param_int8(2), pg_param_text("big"), pg_param_bytea(big, BIG_LEN)};
    struct pg_param p2[] = {pg_param_int8(3), pg_param_text("all bytes"), pg_param_bytea(all, 256)};
    next_statement(cl);
    bool ok = pg_begin(&cl->conn) == 0 && run(cl) == 0 && pg_txstatus(&cl->conn) == 'T';
    ok = ok && exec(cl, sql, p0, 3) && cl->complete_rows == 1;
    ok = ok && exec(cl, sql, p1, 3) && cl->complete_rows == 1;
    ok = ok && exec(cl, sql, p2, 3) && cl->complete_rows == 1;
    next_statement(cl);
    return ok && pg_commit(&cl->conn) == 0 && run(cl) == 0 && pg_txstatus(&cl->conn) == 'I';
}

/* True when row i is (id, name, data[0..len)). */
static bool row_is(const struct client *cl, unsigned i, int64_t id, const char *name, const uint8_t *data,
                   size_t len)
{
    const struct got_row *g = &cl->rows[i];
    return i < cl->nrows && g->id == id && strcmp(g->name, name) == 0 && g->len == len &&
           (len == 0 || memcmp(g->data, data, len) == 0);
}

/* Data: schema by simple query, binary inserts in a transaction, binary read-back compared. */
static void check_data(struct client *cl)
{
    check(simple(cl,
                 "DROP TABLE IF EXISTS blobs; CREATE TABLE blobs (id int8 PRIMARY KEY, name text NOT NULL, "
                 "data bytea NOT NULL)"),
          "schema by a multi-statement simple query");
    uint8_t *big = malloc(BIG_LEN), all[256];
    for (size_t i = 0; i < BIG_LEN; i++)
        big[i] = (uint8_t)(i * 7 + (i >> 11));
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    check(insert_blobs(cl, big, all), "insert 0 bytes, 1 MiB and all 256 byte values in a transaction");
    bool ok = exec(cl, "SELECT id, name, data FROM blobs ORDER BY id", NULL, 0);
    check(ok && cl->nrows == 3 && cl->complete_rows == 3 && row_is(cl, 0, 1, "empty", NULL, 0) &&
              row_is(cl, 1, 2, "big", big, BIG_LEN) && row_is(cl, 2, 3, "all bytes", all, 256),
          "read back in binary: every byte equal");
    struct pg_param id = pg_param_int8(3);
    ok = exec(cl, "SELECT id, name, data FROM blobs WHERE id = $1", &id, 1);
    check(ok && cl->nrows == 1 && row_is(cl, 0, 3, "all bytes", all, 256), "select by an int8 parameter");
    free(big);
}

/* A duplicate key inside a transaction: reported as a unique violation; ROLLBACK; the connection still works. */
static void check_unique(struct client *cl)
{
    struct pg_param dup[] = {pg_param_int8(1), pg_param_text("again"), pg_param_bytea("x", 1)};
    next_statement(cl);
    bool began = pg_begin(&cl->conn) == 0 && run(cl) == 0;
    bool failed = began && !exec(cl, "INSERT INTO blobs (id, name, data) VALUES ($1, $2, $3)", dup, 3);
    check(failed && cl->err.cls == PG_ERR_UNIQUE && strcmp(cl->err.sqlstate, "23505") == 0 &&
              pg_err_to_warp(&cl->err) == ERR_ALREADY_EXISTS && !cl->err.fatal &&
              pg_txstatus(&cl->conn) == 'E',
          "duplicate key: unique violation 23505, transaction failed ('E')");
    next_statement(cl);
    check(pg_rollback(&cl->conn) == 0 && run(cl) == 0 && pg_txstatus(&cl->conn) == 'I',
          "ROLLBACK: idle again");
    check(exec(cl, "SELECT id, name, data FROM blobs ORDER BY id", NULL, 0) && cl->nrows == 3,
          "the connection is usable after the rollback");
    cl->empty_seen = false;
    check(simple(cl, "") && cl->empty_seen, "an empty query string: EmptyQueryResponse");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pgcheck PORT\n");
        return 2;
    }
    int port = atoi(argv[1]);
    check_auth(port);
    struct client cl;
    long rc = open_client(&cl, port, "warp_scram", "scram-secret");
    check(rc == 0, "session for the data checks");
    if (rc == 0) {
        check_data(&cl);
        check_unique(&cl);
    }
    close_client(&cl);
    printf("# pgcheck: %d failed\n", failures);
    return failures ? 1 : 0;
}
