/* test_pgstore.c: libs/pgstore against a scripted server: request checks, the queue's bound, each statement's outcome, transactions ended, the connection lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypto/sha256.h>
#include <pgstore/pgstore.h>
#include <stdio.h>
#include <string.h>
#include <warp/error.h>

#define BUF (PGS_BUF_MIN + 1024)

static struct pgstore store;
static uint8_t in_buf[BUF], out_buf[BUF];
static unsigned completions;
static struct pgs_result last;
static struct pgs_req last_req;

/* Keeps the last result. */
static void on_done(void *ctx, const struct pgs_req *req, const struct pgs_result *res)
{
    (void)ctx;
    completions++;
    last = *res;
    last_req = *req;
}

/* Counts up from 0: a predictable nonce source. */
static long fixed_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = (uint8_t)i;
    return 0;
}

/* A store for volume v, holder h, not connected. */
static void fresh(void)
{
    completions = 0;
    memset(&last, 0, sizeof(last));
    struct pgstore_config cfg = {.pg = {.user = "u", .database = "d", .random = fixed_random},
                                 .volume = "v",
                                 .holder = "h",
                                 .done = on_done};
    assert_int_equal(pgstore_init(&store, &cfg, in_buf, sizeof(in_buf), out_buf, sizeof(out_buf)), 0);
}

/* Drops the pending output; true when it held needle. */
static bool sent(const char *needle)
{
    const uint8_t *p;
    size_t n = pg_output(pgstore_pg(&store), &p), k = strlen(needle);
    bool found = false;
    for (size_t i = 0; i + k <= n && !found; i++)
        found = memcmp(p + i, needle, k) == 0;
    pg_consume(pgstore_pg(&store), n);
    return found;
}

/* Feeds one server message: type, length, body. */
static long srv(char type, const void *body, size_t len)
{
    static uint8_t m[PGS_CHUNK_SIZE + 512];
    m[0] = (uint8_t)type;
    uint32_t n = (uint32_t)len + 4;
    m[1] = (uint8_t)(n >> 24), m[2] = (uint8_t)(n >> 16), m[3] = (uint8_t)(n >> 8), m[4] = (uint8_t)n;
    memcpy(m + 5, body, len);
    return pgstore_feed(&store, m, len + 5);
}

/* ReadyForQuery with transaction status tx. */
static void srv_ready(char tx)
{
    assert_int_equal(srv('Z', &tx, 1), 0);
}

/* A trusted login up to the first ReadyForQuery. */
static void connect_store(void)
{
    assert_int_equal(pgstore_start(&store), 0);
    sent("");
    assert_int_equal(srv('R', "\0\0\0\0", 4), 0);
    srv_ready('I');
}

/* Puts a big-endian integer of n bytes at p; returns p + n. */
static uint8_t *put(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return p + n;
}

/* ParseComplete, BindComplete and a RowDescription of n binary columns. */
static void srv_head(unsigned n)
{
    uint8_t body[512], *p = put(body, n, 2);
    assert_int_equal(srv('1', "", 0), 0);
    assert_int_equal(srv('2', "", 0), 0);
    for (unsigned i = 0; i < n; i++) {
        *p++ = 'c', *p++ = 0;
        p = put(p, 0, 4), p = put(p, 0, 2), p = put(p, 20, 4), p = put(p, 8, 2), p = put(p, 0xffffffff, 4);
        p = put(p, 1, 2);
    }
    assert_int_equal(n ? srv('T', body, (size_t)(p - body)) : srv('n', "", 0), 0);
}

/* One DataRow of n values (len -1: null). */
static void srv_row(unsigned n, const void *const *vals, const int32_t *lens)
{
    static uint8_t body[PGS_CHUNK_SIZE + 256];
    uint8_t *p = put(body, n, 2);
    for (unsigned i = 0; i < n; i++) {
        p = put(p, (uint32_t)lens[i], 4);
        if (lens[i] > 0)
            memcpy(p, vals[i], (size_t)lens[i]), p += lens[i];
    }
    assert_int_equal(srv('D', body, (size_t)(p - body)), 0);
}

/* A result of nrows rows of n int8 values each (vals row by row), completed, then ReadyForQuery tx. */
static void srv_ints(unsigned n, unsigned nrows, const int64_t *vals, char tx)
{
    srv_head(n);
    for (unsigned r = 0; r < nrows; r++) {
        uint8_t v[6][8];
        const void *pv[6];
        int32_t lens[6];
        for (unsigned i = 0; i < n; i++) {
            put(v[i], (uint64_t)vals[r * n + i], 8);
            pv[i] = v[i], lens[i] = 8;
        }
        srv_row(n, pv, lens);
    }
    assert_int_equal(srv('C', "SELECT 1", 9), 0);
    srv_ready(tx);
}

/* A simple query's completion (BEGIN, COMMIT, ROLLBACK, schema) and ReadyForQuery tx. */
static void srv_done(const char *tag, char tx)
{
    assert_int_equal(srv('C', tag, strlen(tag) + 1), 0);
    srv_ready(tx);
}

/* A statement's ErrorResponse with sqlstate, then ReadyForQuery tx. */
static void srv_error(const char *sqlstate, char tx)
{
    char body[64];
    int n = snprintf(body, sizeof(body), "SERROR%cC%s%cMno%c", 0, sqlstate, 0, 0);
    assert_int_equal(srv('E', body, (size_t)n + 1), 0);
    srv_ready(tx);
}

/* A connected store whose volume 7 (root 1) is open. */
static void opened(void)
{
    fresh();
    connect_store();
    assert_int_equal(pgstore_submit(&store, &(struct pgs_req){.op = PGS_OP_OPEN}), 0);
    assert_true(sent("BEGIN"));
    srv_done("BEGIN", 'T');
    assert_true(sent("pg_advisory_xact_lock"));
    srv_done("CREATE TABLE", 'T');
    assert_true(sent("max(version)"));
    srv_ints(1, 1, (int64_t[]){1}, 'T');
    assert_true(sent("INSERT INTO pgs_volume"));
    srv_ints(0, 0, NULL, 'T');
    assert_true(sent("SELECT id, root"));
    srv_ints(2, 1, (int64_t[]){7, 1}, 'T');
    assert_true(sent("COMMIT"));
    assert_int_equal(completions, 0);
    srv_done("COMMIT", 'I');
    assert_int_equal(completions, 1);
    assert_int_equal(last.status, 0);
    assert_int_equal(pgstore_root(&store), 1);
    completions = 0;
}

/* Names, ops and fields a request is refused for; nothing is queued. */
static void test_submit_checks(void **state)
{
    (void)state;
    fresh();
    struct pgs_req r = {.op = PGS_OP_LOOKUP, .ino = 1};
    assert_int_equal(pgstore_submit(&store, &r), ERR_INVALID_ARG); /* empty name */
    const char *bad[] = {".", "..", "a/b", "/"};
    for (unsigned i = 0; i < 4; i++) {
        strcpy(r.name, bad[i]);
        assert_int_equal(pgstore_submit(&store, &r), ERR_INVALID_ARG);
    }
    memset(r.name, 'a', sizeof(r.name));
    assert_int_equal(pgstore_submit(&store, &r), ERR_NAME_TOO_LONG);
    r = (struct pgs_req){.op = PGS_OP_COUNT};
    assert_int_equal(pgstore_submit(&store, &r), ERR_INVALID_ARG);
    r = (struct pgs_req){.op = PGS_OP_CREATE, .name = "x", .type = 3};
    assert_int_equal(pgstore_submit(&store, &r), ERR_INVALID_ARG);
    struct pgs_dirent ents[1];
    r = (struct pgs_req){.op = PGS_OP_READDIR, .buf = ents, .max = PGS_READDIR_MAX + 1};
    assert_int_equal(pgstore_submit(&store, &r), ERR_INVALID_ARG);
    r = (struct pgs_req){.op = PGS_OP_LEASE_ACQUIRE};
    assert_int_equal(pgstore_submit(&store, &r), ERR_INVALID_ARG); /* no duration */
    static uint8_t data[PGS_CHUNK_SIZE];
    struct pgs_chunk c = {.index = 0, .data = data, .len = 10};
    r = (struct pgs_req){.op = PGS_OP_WRITE, .size = PGS_CHUNK_SIZE + 1, .chunks = &c, .nchunks = 1};
    assert_int_equal(pgstore_submit(&store, &r), ERR_INVALID_ARG); /* not the last chunk: must be full */
    c.index = 1;
    assert_int_equal(pgstore_submit(&store, &r), ERR_INVALID_ARG); /* the last chunk holds 1 byte */
    c.len = 1;
    assert_int_equal(pgstore_submit(&store, &r), 0);
    c.index = 2;
    assert_int_equal(pgstore_submit(&store, &r), ERR_INVALID_ARG); /* past the end */
    assert_int_equal(store.count, 1);
    assert_int_equal(completions, 0);
}

/* The queue holds PGS_QUEUE_MAX requests; one more is ERR_QUEUE_FULL; they wait for the connection. */
static void test_queue_bound(void **state)
{
    (void)state;
    fresh();
    struct pgs_req r = {.op = PGS_OP_GETATTR, .ino = 1};
    for (unsigned i = 0; i < PGS_QUEUE_MAX; i++)
        assert_int_equal(pgstore_submit(&store, &r), 0);
    assert_int_equal(pgstore_submit(&store, &r), ERR_QUEUE_FULL);
    assert_int_equal(completions, 0);
    connect_store(); /* no volume opened: each completes with ERR_BAD_STATE, in order */
    assert_int_equal(completions, PGS_QUEUE_MAX);
    assert_int_equal(last.status, ERR_BAD_STATE);
    assert_int_equal(store.count, 0);
}

/* Open refuses a schema newer than the code's, rolling back. */
static void test_open_newer_schema(void **state)
{
    (void)state;
    fresh();
    connect_store();
    assert_int_equal(pgstore_submit(&store, &(struct pgs_req){.op = PGS_OP_OPEN}), 0);
    sent("");
    srv_done("BEGIN", 'T');
    sent("");
    srv_done("CREATE TABLE", 'T');
    sent("");
    srv_ints(1, 1, (int64_t[]){PGS_SCHEMA_VERSION + 1}, 'T');
    assert_true(sent("ROLLBACK"));
    srv_done("ROLLBACK", 'I');
    assert_int_equal(completions, 1);
    assert_int_equal(last.status, ERR_NOT_SUPPORTED);
    assert_int_equal(pgstore_root(&store), 0);
    assert_int_equal(pgstore_submit(&store, &(struct pgs_req){.op = PGS_OP_GETATTR, .ino = 1}), 0);
    assert_int_equal(last.status, ERR_BAD_STATE); /* no volume: refused without a statement */
}

/* Acquire: a row back is ours, none is read-only; lookups map a missing parent, a file parent, a missing name. */
static void test_lease_and_lookup(void **state)
{
    (void)state;
    opened();
    assert_int_equal(pgstore_submit(&store, &(struct pgs_req){.op = PGS_OP_LEASE_ACQUIRE, .lease_ms = 5}), 0);
    assert_true(sent("INSERT INTO pgs_lease"));
    srv_ints(1, 1, (int64_t[]){1}, 'I');
    assert_int_equal(last.status, 0);
    assert_int_equal(pgstore_submit(&store, &(struct pgs_req){.op = PGS_OP_LEASE_RENEW, .lease_ms = 5}), 0);
    sent("");
    srv_ints(1, 0, NULL, 'I');
    assert_int_equal(last.status, ERR_READ_ONLY);
    struct pgs_req r = {.op = PGS_OP_LOOKUP, .ino = 1, .name = "f"};
    assert_int_equal(pgstore_submit(&store, &r), 0);
    sent("");
    srv_ints(1, 0, NULL, 'I');
    assert_int_equal(last.status, ERR_NOT_FOUND);
    assert_int_equal(pgstore_submit(&store, &r), 0);
    sent("");
    srv_ints(6, 1, (int64_t[]){PGS_FILE, 0, 0, 0, 0, 0}, 'I');
    assert_int_equal(last.status, ERR_NOT_DIR);
    assert_int_equal(pgstore_submit(&store, &r), 0);
    sent("");
    srv_ints(6, 1, (int64_t[]){PGS_DIR, 9, PGS_FILE, 0644, 12, 34}, 'I');
    assert_int_equal(last.status, 0);
    assert_int_equal(last.attr.ino, 9);
    assert_int_equal(last.attr.size, 12);
    assert_int_equal(last.attr.mtime_ns, 34);
    assert_string_equal(last_req.name, "f");
}

/* A write: lease refused -> ROLLBACK and ERR_READ_ONLY; a failing chunk insert -> ROLLBACK and ERR_IO; success -> COMMIT. */
static void test_write_transaction(void **state)
{
    (void)state;
    opened();
    static uint8_t data[100];
    struct pgs_chunk c = {.index = 0, .data = data, .len = 100};
    struct pgs_req w = {.op = PGS_OP_WRITE, .ino = 5, .size = 100, .chunks = &c, .nchunks = 1};
    assert_int_equal(pgstore_submit(&store, &w), 0);
    sent("");
    srv_done("BEGIN", 'T');
    assert_true(sent("pgs_lease"));
    srv_ints(1, 0, NULL, 'T');
    assert_true(sent("ROLLBACK"));
    srv_done("ROLLBACK", 'I');
    assert_int_equal(last.status, ERR_READ_ONLY);

    assert_int_equal(pgstore_submit(&store, &w), 0);
    sent("");
    srv_done("BEGIN", 'T');
    sent("");
    srv_ints(1, 1, (int64_t[]){1}, 'T');
    assert_true(sent("UPDATE pgs_inode"));
    srv_ints(1, 1, (int64_t[]){PGS_FILE}, 'T');
    assert_true(sent("INSERT INTO pgs_chunk "));
    srv_error("53100", 'E'); /* disk full */
    assert_true(sent("ROLLBACK"));
    assert_int_equal(completions, 1);
    srv_done("ROLLBACK", 'I');
    assert_int_equal(completions, 2);
    assert_int_equal(last.status, ERR_IO);

    assert_int_equal(pgstore_submit(&store, &w), 0);
    const char *steps[] = {"BEGIN",
                           "pgs_lease",
                           "UPDATE pgs_inode",
                           "INSERT INTO pgs_chunk ",
                           "pgs_chunkmap",
                           "DELETE FROM pgs_chunkmap"};
    for (unsigned i = 0; i < 6; i++) {
        assert_true(sent(steps[i]));
        if (i == 0)
            srv_done("BEGIN", 'T');
        else
            srv_ints(1, i < 3, (int64_t[]){PGS_FILE}, 'T');
    }
    assert_true(sent("COMMIT"));
    assert_int_equal(completions, 2); /* fsync waits for the COMMIT's answer */
    srv_done("COMMIT", 'I');
    assert_int_equal(completions, 3);
    assert_int_equal(last.status, 0);
}

/* A write into a directory inode: ERR_IS_DIR; a commit that fails: its error, not success. */
static void test_write_refusals(void **state)
{
    (void)state;
    opened();
    struct pgs_req w = {.op = PGS_OP_WRITE, .ino = 1, .size = 0};
    assert_int_equal(pgstore_submit(&store, &w), 0);
    sent("");
    srv_done("BEGIN", 'T');
    sent("");
    srv_ints(1, 1, (int64_t[]){1}, 'T');
    sent("");
    srv_ints(1, 1, (int64_t[]){PGS_DIR}, 'T');
    assert_true(sent("ROLLBACK"));
    srv_done("ROLLBACK", 'I');
    assert_int_equal(last.status, ERR_IS_DIR);
    w.ino = 2;
    assert_int_equal(pgstore_submit(&store, &w), 0);
    sent("");
    srv_done("BEGIN", 'T');
    sent("");
    srv_ints(1, 1, (int64_t[]){1}, 'T');
    sent("");
    srv_ints(1, 1, (int64_t[]){PGS_FILE}, 'T');
    assert_true(sent("DELETE FROM pgs_chunkmap"));
    srv_ints(0, 0, NULL, 'T');
    assert_true(sent("COMMIT"));
    srv_error("40001", 'I'); /* serialization failure at commit */
    assert_int_equal(last.status, ERR_WOULD_BLOCK);
}

/* The connection lost mid-request: that request fails, the next waits for the new session and runs there. */
static void test_connection_lost(void **state)
{
    (void)state;
    opened();
    struct pgs_req g = {.op = PGS_OP_GETATTR, .ino = 1};
    assert_int_equal(pgstore_submit(&store, &g), 0);
    assert_int_equal(pgstore_submit(&store, &g), 0);
    sent("");
    assert_int_equal(srv('E', "SFATAL\0C57P01\0Mterminating\0", 28), ERR_PEER_CLOSED);
    assert_int_equal(completions, 1);
    assert_int_equal(last.status, ERR_PEER_CLOSED);
    assert_int_equal(pg_state(pgstore_pg(&store)), PG_STATE_NEW);
    connect_store();
    assert_true(sent("FROM pgs_inode"));
    srv_ints(5, 1, (int64_t[]){1, PGS_DIR, 0755, 0, 3}, 'I');
    assert_int_equal(completions, 2);
    assert_int_equal(last.status, 0);
    assert_int_equal(last.attr.type, PGS_DIR);
    assert_int_equal(pgstore_submit(&store, &g), 0);
    pgstore_disconnected(&store, ERR_TIMED_OUT);
    assert_int_equal(last.status, ERR_TIMED_OUT);
    assert_int_equal(store.count, 0);
}

/* A chunk read: bytes that match their hash are copied; bytes that do not are ERR_IO; a hole is 0 bytes. */
static void test_read_checks_hash(void **state)
{
    (void)state;
    opened();
    static uint8_t buf[PGS_CHUNK_SIZE];
    uint8_t type[8], hash[32];
    put(type, PGS_FILE, 8);
    sha256("hello", 5, hash);
    struct pgs_req r = {.op = PGS_OP_READ, .ino = 3, .index = 0, .buf = buf};
    assert_int_equal(pgstore_submit(&store, &r), 0);
    sent("");
    srv_head(3);
    srv_row(3, (const void *[]){type, hash, "hello"}, (int32_t[]){8, 32, 5});
    srv_done("SELECT 1", 'I');
    assert_int_equal(last.status, 0);
    assert_int_equal(last.len, 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(pgstore_submit(&store, &r), 0);
    sent("");
    srv_head(3);
    srv_row(3, (const void *[]){type, hash, "jello"}, (int32_t[]){8, 32, 5});
    srv_done("SELECT 1", 'I');
    assert_int_equal(last.status, ERR_IO);
    assert_int_equal(pgstore_submit(&store, &r), 0);
    sent("");
    srv_head(3);
    srv_row(3, (const void *[]){type, NULL, NULL}, (int32_t[]){8, -1, -1});
    srv_done("SELECT 1", 'I');
    assert_int_equal(last.status, 0);
    assert_int_equal(last.len, 0);
}

/* Readdir: names copied, the extra row tells that more follow; a name too long from the server is refused. */
static void test_readdir_batch(void **state)
{
    (void)state;
    opened();
    struct pgs_dirent ents[2];
    struct pgs_req r = {.op = PGS_OP_READDIR, .ino = 1, .buf = ents, .max = 2};
    uint8_t id[3][8], ino[8], type[8], mode[8], size[8], mtime[8], neg[8];
    for (unsigned i = 0; i < 3; i++)
        put(id[i], 10 + i, 8);
    put(ino, 4, 8), put(type, PGS_FILE, 8), put(mode, 0644, 8), put(size, 12345, 8), put(mtime, 77, 8);
    put(neg, (uint64_t)-1, 8);
    assert_int_equal(pgstore_submit(&store, &r), 0);
    sent("");
    srv_ints(1, 1, (int64_t[]){PGS_DIR}, 'I');
    assert_true(sent("LIMIT"));
    srv_head(7);
    const char *names[] = {"a", "bb", "ccc"};
    for (unsigned i = 0; i < 3; i++)
        srv_row(7, (const void *[]){id[i], ino, type, names[i], mode, size, mtime},
                (int32_t[]){8, 8, 8, (int32_t)strlen(names[i]), 8, 8, 8});
    srv_done("SELECT 3", 'I');
    assert_int_equal(last.status, 0);
    assert_int_equal(last.count, 2);
    assert_false(last.end);
    assert_string_equal(ents[1].name, "bb");
    assert_int_equal(ents[1].cookie, 11);
    assert_int_equal(ents[1].mode, 0644);
    assert_int_equal(ents[1].size, 12345);
    assert_int_equal(ents[1].mtime_ns, 77);
    static char longname[PGS_NAME_MAX + 1];
    memset(longname, 'x', PGS_NAME_MAX);
    assert_int_equal(pgstore_submit(&store, &r), 0);
    sent("");
    srv_ints(1, 1, (int64_t[]){PGS_DIR}, 'I');
    sent("");
    srv_head(7);
    srv_row(7, (const void *[]){id[0], ino, type, longname, mode, size, mtime},
            (int32_t[]){8, 8, 8, PGS_NAME_MAX, 8, 8, 8});
    srv_done("SELECT 1", 'I');
    assert_int_equal(last.status, ERR_BAD_FORMAT);
    assert_int_equal(pgstore_submit(&store, &r), 0); /* a negative size is refused too */
    sent("");
    srv_ints(1, 1, (int64_t[]){PGS_DIR}, 'I');
    sent("");
    srv_head(7);
    srv_row(7, (const void *[]){id[0], ino, type, "d", mode, neg, mtime}, (int32_t[]){8, 8, 8, 1, 8, 8, 8});
    srv_done("SELECT 1", 'I');
    assert_int_equal(last.status, ERR_BAD_FORMAT);
}

/* The error classes the store maps. */
static void test_error_mapping(void **state)
{
    (void)state;
    assert_int_equal(pgs_err_of(PG_ERR_NONE), 0);
    assert_int_equal(pgs_err_of(PG_ERR_UNIQUE), ERR_ALREADY_EXISTS);
    assert_int_equal(pgs_err_of(PG_ERR_SERIALIZATION), ERR_WOULD_BLOCK);
    assert_int_equal(pgs_err_of(PG_ERR_CONNECTION), ERR_PEER_CLOSED);
    assert_int_equal(pgs_err_of(PG_ERR_SYNTAX), ERR_IO);
    assert_int_equal(pgs_err_of(PG_ERR_RESOURCES), ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submit_checks),     cmocka_unit_test(test_queue_bound),
        cmocka_unit_test(test_open_newer_schema), cmocka_unit_test(test_lease_and_lookup),
        cmocka_unit_test(test_write_transaction), cmocka_unit_test(test_write_refusals),
        cmocka_unit_test(test_connection_lost),   cmocka_unit_test(test_read_checks_hash),
        cmocka_unit_test(test_readdir_batch),     cmocka_unit_test(test_error_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
