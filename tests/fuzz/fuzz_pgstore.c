/* fuzz_pgstore.c: libFuzzer harness for libs/pgstore: arbitrary server replies to every op of the store. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pgstore/pgstore.h>
#include <warp/error.h>

/*
 * Input: byte 0 picks the op (modulo PGS_OP_COUNT), byte 1 how the rest is cut (pieces of 1..64 bytes,
 * or all at once when it is 0); the rest is what the server sends after a trust login, while that op's
 * request runs (each completion submits it again, up to 64 times). Promises checked (abort() when
 * broken): every result's status is 0 or an ERR_* code; a read's length fits the chunk; a readdir's
 * count fits its batch and every name is terminated inside its entry; no more completions than
 * submissions; a failed feed leaves the session reset (PG_STATE_NEW). ASan and UBSan catch the rest.
 */

#define RESUBMITS 64

static uint8_t in_buf[PGS_BUF_MIN], out_buf[PGS_BUF_MIN];
static uint8_t chunk_buf[PGS_CHUNK_SIZE];
static struct pgs_dirent ents[4];
static struct pgstore store;
static struct pgs_req req;
static unsigned submitted, completed;

/* A predictable nonce source. */
static long counting_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = (uint8_t)i;
    return 0;
}

/* Checks a result's promises and submits the request again while the budget lasts. */
static void on_done(void *ctx, const struct pgs_req *r, const struct pgs_result *res)
{
    (void)ctx;
    if (++completed > submitted || res->status > 0 || res->status < ERR_MIN || res->len > PGS_CHUNK_SIZE ||
        res->count > r->max)
        abort();
    for (unsigned i = 0; i < res->count && r->op == PGS_OP_READDIR; i++)
        if (!memchr(ents[i].name, 0, sizeof(ents[i].name)))
            abort();
    if (submitted < RESUBMITS && pgstore_submit(&store, &req) == 0)
        submitted++;
}

/* Drops whatever the store queued for the server. */
static void drain(void)
{
    const uint8_t *p;
    pg_consume(pgstore_pg(&store), pg_output(pgstore_pg(&store), &p));
}

/* A request of op with fields its checks accept. */
static struct pgs_req request(enum pgs_op op)
{
    static const uint8_t data[10] = "0123456789";
    static const struct pgs_chunk chunk = {.index = 0, .data = data, .len = sizeof(data)};
    struct pgs_req r = {.op = op,
                        .ino = 2,
                        .ino2 = 3,
                        .name = "a",
                        .name2 = "b",
                        .type = PGS_FILE,
                        .mode = 0644,
                        .size = sizeof(data),
                        .lease_ms = 1000,
                        .replace = true};
    if (op == PGS_OP_WRITE)
        r.chunks = &chunk, r.nchunks = 1;
    if (op == PGS_OP_READ)
        r.buf = chunk_buf;
    if (op == PGS_OP_READDIR)
        r.buf = ents, r.max = 4;
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    struct pgstore_config cfg = {.pg = {.user = "u", .database = "d", .random = counting_random},
                                 .volume = "v",
                                 .holder = "h",
                                 .done = on_done};
    if (pgstore_init(&store, &cfg, in_buf, sizeof(in_buf), out_buf, sizeof(out_buf)) != 0 ||
        pgstore_start(&store))
        abort();
    drain();
    static const uint8_t login[] = "R\0\0\0\x08\0\0\0\0Z\0\0\0\x05I";
    if (pgstore_feed(&store, login, sizeof(login) - 1) != 0)
        abort();
    store.vol = 1; /* as if opened, so that every op runs its statements */
    submitted = completed = 0;
    req = request((enum pgs_op)(data[0] % PGS_OP_COUNT));
    if (pgstore_submit(&store, &req) != 0)
        abort();
    submitted++;
    size_t piece = data[1] % 65, off = 2;
    while (off < size) {
        size_t n = piece == 0 || size - off < piece ? size - off : piece;
        drain();
        long rc = pgstore_feed(&store, data + off, n);
        off += n;
        if (rc < 0) {
            if (pg_state(pgstore_pg(&store)) != PG_STATE_NEW)
                abort();
            break;
        }
    }
    return 0;
}
