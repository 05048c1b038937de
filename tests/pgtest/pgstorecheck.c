/* pgstorecheck.c: libs/pgstore against a real PostgreSQL over POSIX sockets (host only; tests/pgtest/run starts, restarts and stops the server). */
#include <pgstore/pgstore.h>
#include <crypto/sha256.h>
#include <warp/error.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE PGS_BUF_MIN /* each pg buffer: the least the store accepts (a chunk and its framing) */
#define MIB (1u << 20)
#define MAX_CHUNKS 96 /* chunks of the largest file written (5 MiB) */

/* A store on its own connection, and the last result its callback gave. */
struct client {
    int fd;
    int port;
    const char *holder;
    struct pgstore s;
    uint8_t *in, *out;
    bool done;
    struct pgs_result res;
};

static int failures;
static int test_number;

/* Prints one TAP result. */
static void check(bool ok, const char *what)
{
    printf("%sok %d - pgstore: %s\n", ok ? "" : "not ", ++test_number, what);
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

/* The store's completion callback: keeps the result. */
static void on_done(void *ctx, const struct pgs_req *req, const struct pgs_result *res)
{
    (void)req;
    struct client *cl = ctx;
    cl->res = *res;
    cl->done = true;
}

/* Sends everything queued; false when the socket failed. */
static bool flush_out(struct client *cl)
{
    const uint8_t *p;
    size_t n;
    while ((n = pg_output(pgstore_pg(&cl->s), &p)) > 0) {
        ssize_t sent = send(cl->fd, p, n, MSG_NOSIGNAL);
        if (sent <= 0)
            return false;
        pg_consume(pgstore_pg(&cl->s), (size_t)sent);
    }
    return true;
}

/* Moves bytes until the request completed; the transport's loss or silence is reported to the store. */
static void drive(struct client *cl)
{
    static uint8_t chunk[65536];
    while (!cl->done) {
        if (!flush_out(cl)) {
            pgstore_disconnected(&cl->s, ERR_PEER_CLOSED);
            return;
        }
        ssize_t got = recv(cl->fd, chunk, sizeof(chunk), 0);
        if (got <= 0) {
            pgstore_disconnected(&cl->s, got < 0 && errno == EAGAIN ? ERR_TIMED_OUT : ERR_PEER_CLOSED);
            return;
        }
        pgstore_feed(&cl->s, chunk, (size_t)got);
    }
}

/* A new TCP connection to the server (10 s receive timeout) and the store's login queued. */
static bool connect_client(struct client *cl)
{
    cl->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cl->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(cl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return connect(cl->fd, (struct sockaddr *)&a, sizeof(a)) == 0 && pgstore_start(&cl->s) == 0;
}

/* Submits req and drives it to its result (status). */
static long call(struct client *cl, struct pgs_req *req)
{
    cl->done = false;
    memset(&cl->res, 0, sizeof(cl->res));
    long rc = pgstore_submit(&cl->s, req);
    if (rc < 0)
        return rc;
    drive(cl);
    return cl->done ? cl->res.status : ERR_BAD_STATE;
}

/* Sets a store up on a new connection and opens volume `vol`: the open's status. */
static long open_client(struct client *cl, int port, const char *holder)
{
    memset(cl, 0, sizeof(*cl));
    cl->port = port;
    cl->holder = holder;
    cl->in = malloc(BUF_SIZE);
    cl->out = malloc(BUF_SIZE);
    struct pgstore_config cfg = {
        .pg = {.user = "warp_scram", .database = "warp", .password = "scram-secret", .random = host_random},
        .volume = "vol1",
        .holder = holder,
        .done = on_done,
        .ctx = cl};
    if (pgstore_init(&cl->s, &cfg, cl->in, BUF_SIZE, cl->out, BUF_SIZE) < 0 || !connect_client(cl))
        return ERR_IO;
    return call(cl, &(struct pgs_req){.op = PGS_OP_OPEN});
}

/* Closes the connection and frees the buffers. */
static void close_client(struct client *cl)
{
    if (pg_close(pgstore_pg(&cl->s)) == 0)
        flush_out(cl);
    close(cl->fd);
    free(cl->in);
    free(cl->out);
}

/* The integer a SQL query gives, run by psql over the trusted local socket ($PGSTORE_PSQL); -1 on failure. */
static long long sql_int(const char *sql)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s -c \"%s\"", getenv("PGSTORE_PSQL"), sql);
    FILE *f = popen(cmd, "r");
    long long v = -1;
    if (!f || fscanf(f, "%lld", &v) != 1)
        v = -1;
    if (f)
        pclose(f);
    return v;
}

/* Fills buf with bytes that differ per seed and per position (so no two chunks are equal by accident). */
static void pattern(uint8_t *buf, size_t len, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
}

/* Writes data[0..len) as file ino's whole contents in one request. */
static long write_file(struct client *cl, uint64_t ino, const uint8_t *data, size_t len)
{
    static struct pgs_chunk chunks[MAX_CHUNKS];
    unsigned n = 0;
    for (size_t off = 0; off < len; off += PGS_CHUNK_SIZE, n++)
        chunks[n] =
            (struct pgs_chunk){.index = off / PGS_CHUNK_SIZE,
                               .data = data + off,
                               .len = (uint32_t)(len - off < PGS_CHUNK_SIZE ? len - off : PGS_CHUNK_SIZE)};
    struct pgs_req r = {
        .op = PGS_OP_WRITE, .ino = ino, .size = len, .mtime_ns = 1000, .chunks = chunks, .nchunks = n};
    return call(cl, &r);
}

/* True when file ino reads back as exactly data[0..len) (size, then every chunk). */
static bool read_equals(struct client *cl, uint64_t ino, const uint8_t *data, size_t len)
{
    static uint8_t buf[PGS_CHUNK_SIZE];
    struct pgs_req g = {.op = PGS_OP_GETATTR, .ino = ino};
    if (call(cl, &g) != 0 || cl->res.attr.size != len)
        return false;
    for (size_t off = 0; off < len || off == 0; off += PGS_CHUNK_SIZE) {
        struct pgs_req r = {.op = PGS_OP_READ, .ino = ino, .index = off / PGS_CHUNK_SIZE, .buf = buf};
        size_t want = len - off < PGS_CHUNK_SIZE ? len - off : PGS_CHUNK_SIZE;
        if (call(cl, &r) != 0 || cl->res.len != want || (want && memcmp(buf, data + off, want) != 0))
            return false;
        if (len == 0)
            break;
    }
    return true;
}

/* Creates name of type in dir: the new inode (0 on failure). */
static uint64_t create(struct client *cl, uint64_t dir, const char *name, enum pgs_type type)
{
    struct pgs_req r = {.op = PGS_OP_CREATE, .ino = dir, .type = type, .mode = 0644, .mtime_ns = 5};
    snprintf(r.name, sizeof(r.name), "%s", name);
    return call(cl, &r) == 0 ? cl->res.attr.ino : 0;
}

/* The status of a name op (lookup, unlink, rmdir) of name in dir. */
static long name_op(struct client *cl, enum pgs_op op, uint64_t dir, const char *name)
{
    struct pgs_req r = {.op = op, .ino = dir};
    snprintf(r.name, sizeof(r.name), "%s", name);
    return call(cl, &r);
}

/* The status of renaming dir/name to dir2/name2. */
static long rename_op(struct client *cl, uint64_t dir, const char *name, uint64_t dir2, const char *name2,
                      bool replace)
{
    struct pgs_req r = {.op = PGS_OP_RENAME, .ino = dir, .ino2 = dir2, .replace = replace};
    snprintf(r.name, sizeof(r.name), "%s", name);
    snprintf(r.name2, sizeof(r.name2), "%s", name2);
    return call(cl, &r);
}

/* The status of a lease op for ms milliseconds. */
static long lease(struct client *cl, enum pgs_op op, uint32_t ms)
{
    return call(cl, &(struct pgs_req){.op = op, .lease_ms = ms});
}

/* How many rows of pgs_chunk hold the chunk with these bytes. */
static long long chunk_rows(const uint8_t *data, size_t len)
{
    uint8_t h[SHA256_DIGEST_LEN];
    char sql[256], *p = sql;
    sha256(data, len, h);
    p += sprintf(p, "SELECT count(*) FROM pgs_chunk WHERE hash = '\\\\x");
    for (int i = 0; i < SHA256_DIGEST_LEN; i++)
        p += sprintf(p, "%02x", h[i]);
    sprintf(p, "'");
    return sql_int(sql);
}

/* No chunk without a reference and every refcount equal to the map rows naming it. */
static bool chunks_consistent(void)
{
    return sql_int("SELECT count(*) FROM pgs_chunk c WHERE refs <> "
                   "(SELECT count(*) FROM pgs_chunkmap m WHERE m.hash = c.hash) OR refs <= 0") == 0;
}

/* The file contents the checks write and compare. */
struct files {
    uint8_t *one_mib, *five_mib, *two_mib, *other;
    uint64_t dir, f0, f1, f1m, f5m, copy;
};

/* Opening: schema created once, kept and version-checked on the next open; a newer version refused. */
static void check_open(struct client *a, int port)
{
    check(open_client(a, port, "vm-a") == 0 && pgstore_root(&a->s) != 0,
          "open volume: schema created, root made");
    check(sql_int("SELECT max(version) FROM pgs_schema") == PGS_SCHEMA_VERSION &&
              sql_int("SELECT count(*) FROM pgs_volume") == 1,
          "schema version 1 recorded, one volume row");
    uint64_t root = pgstore_root(&a->s);
    check(call(a, &(struct pgs_req){.op = PGS_OP_OPEN}) == 0 && pgstore_root(&a->s) == root,
          "open again: schema kept, same root");
    struct client c;
    sql_int("UPDATE pgs_schema SET version = 2 RETURNING 0");
    check(open_client(&c, port, "vm-c") == ERR_NOT_SUPPORTED, "a newer schema version is refused");
    close_client(&c);
    sql_int("UPDATE pgs_schema SET version = 1 RETURNING 0");
    check(call(a, &(struct pgs_req){.op = PGS_OP_LOOKUP, .ino = root, .name = "x"}) == ERR_NOT_FOUND,
          "lookup before the lease: ERR_NOT_FOUND (reads need no lease)");
    check(create(a, root, "x", PGS_FILE) == 0 && a->res.status == ERR_READ_ONLY,
          "create without a lease: ERR_READ_ONLY");
}

/* Files of 0 B, 1 B, 1 MiB and 5 MiB written and read back; identical chunks stored once. */
static void check_files(struct client *a, struct files *f)
{
    uint64_t root = pgstore_root(&a->s);
    check(lease(a, PGS_OP_LEASE_ACQUIRE, 60000) == 0, "lease acquired (60 s)");
    f->dir = create(a, root, "d", PGS_DIR);
    check(f->dir != 0 && create(a, root, "d", PGS_FILE) == 0 && a->res.status == ERR_ALREADY_EXISTS,
          "mkdir d; creating d again: ERR_ALREADY_EXISTS");
    f->f0 = create(a, f->dir, "f0", PGS_FILE), f->f1 = create(a, f->dir, "f1", PGS_FILE);
    f->f1m = create(a, f->dir, "f1m", PGS_FILE), f->f5m = create(a, f->dir, "f5m", PGS_FILE);
    f->copy = create(a, f->dir, "copy", PGS_FILE);
    check(f->f0 && f->f1 && f->f1m && f->f5m && f->copy, "five files created");
    check(name_op(a, PGS_OP_LOOKUP, f->dir, "f1m") == 0 && a->res.attr.ino == f->f1m &&
              a->res.attr.type == PGS_FILE && a->res.attr.mode == 0644,
          "lookup gives the created file's attributes");
    check(name_op(a, PGS_OP_LOOKUP, f->f1, "x") == ERR_NOT_DIR, "lookup in a file: ERR_NOT_DIR");
    check(write_file(a, f->f0, NULL, 0) == 0 && write_file(a, f->f1, (const uint8_t *)"z", 1) == 0,
          "write 0 B and 1 B");
    check(write_file(a, f->f1m, f->one_mib, MIB) == 0, "write 1 MiB (16 chunks)");
    check(write_file(a, f->f5m, f->five_mib, 5 * MIB) == 0,
          "write 5 MiB (80 chunks, its first 16 those of f1m)");
    check(read_equals(a, f->f0, NULL, 0) && read_equals(a, f->f1, (const uint8_t *)"z", 1) &&
              read_equals(a, f->f1m, f->one_mib, MIB) && read_equals(a, f->f5m, f->five_mib, 5 * MIB),
          "read back 0 B, 1 B, 1 MiB, 5 MiB: every byte equal");
    check(call(a, &(struct pgs_req){.op = PGS_OP_GETATTR, .ino = f->f1m}) == 0 && a->res.attr.size == MIB &&
              a->res.attr.mtime_ns == 1000 && a->res.attr.type == PGS_FILE,
          "getattr after the write: its size and mtime");
    long long before = sql_int("SELECT count(*) FROM pgs_chunk");
    check(before == 1 + 16 + 64, "81 chunk rows: the 16 shared chunks stored once");
    check(write_file(a, f->copy, f->one_mib, MIB) == 0 &&
              sql_int("SELECT count(*) FROM pgs_chunk") == before && read_equals(a, f->copy, f->one_mib, MIB),
          "a copy of 1 MiB adds no chunk row");
    check(chunks_consistent(), "reference counts equal the map rows");
}

/* Overwriting and truncating: chunks no longer referenced are gone in the same transaction. */
static void check_overwrite(struct client *a, struct files *f)
{
    const uint8_t *old_tail = f->five_mib + 3 * MIB;
    check(chunk_rows(old_tail, PGS_CHUNK_SIZE) == 1, "an unshared chunk of the 5 MiB file is stored");
    check(write_file(a, f->f5m, f->two_mib, 2 * MIB) == 0 && read_equals(a, f->f5m, f->two_mib, 2 * MIB),
          "overwrite 5 MiB with 2 MiB: read back equal");
    check(chunk_rows(old_tail, PGS_CHUNK_SIZE) == 0 && chunk_rows(f->one_mib, PGS_CHUNK_SIZE) == 1,
          "old unreferenced chunks gone, chunks still shared kept");
    check(sql_int("SELECT count(*) FROM pgs_chunk") == 1 + 16 + 32 && chunks_consistent(),
          "49 chunk rows, reference counts consistent");
}

/* Rename (atomic replace), unlink, rmdir and their refusals; readdir in batches of 2. */
static void check_names(struct client *a, struct files *f)
{
    uint64_t root = pgstore_root(&a->s), sub = create(a, f->dir, "sub", PGS_DIR);
    uint64_t na = create(a, f->dir, "a", PGS_FILE), nb = create(a, f->dir, "b", PGS_FILE);
    check(sub && na && nb && write_file(a, na, f->other, 1000) == 0 &&
              write_file(a, nb, f->other + 1000, 3000) == 0,
          "files a and b written");
    check(rename_op(a, f->dir, "a", f->dir, "b", false) == ERR_ALREADY_EXISTS,
          "rename onto b without replace refused");
    check(rename_op(a, f->dir, "a", f->dir, "b", true) == 0 &&
              name_op(a, PGS_OP_LOOKUP, f->dir, "a") == ERR_NOT_FOUND &&
              name_op(a, PGS_OP_LOOKUP, f->dir, "b") == 0 && a->res.attr.ino == na &&
              read_equals(a, na, f->other, 1000),
          "rename a over b: a gone, b is a's inode and bytes");
    check(chunk_rows(f->other + 1000, 3000) == 0 && chunks_consistent(), "the replaced b's chunk is gone");
    check(rename_op(a, root, "d", f->dir, "dd", false) == ERR_INVALID_ARG,
          "a directory moved under itself: refused");
    check(create(a, sub, "inner", PGS_FILE) != 0 &&
              rename_op(a, f->dir, "b", f->dir, "sub", true) == ERR_IS_DIR,
          "a file over a directory: ERR_IS_DIR");
    uint64_t e = create(a, f->dir, "e", PGS_DIR);
    check(e && rename_op(a, f->dir, "e", f->dir, "sub", true) == ERR_NOT_EMPTY,
          "a directory over a non-empty one: ERR_NOT_EMPTY");
    check(name_op(a, PGS_OP_UNLINK, f->dir, "copy") == 0 &&
              name_op(a, PGS_OP_LOOKUP, f->dir, "copy") == ERR_NOT_FOUND,
          "unlink copy");
    check(name_op(a, PGS_OP_UNLINK, root, "d") == ERR_IS_DIR &&
              name_op(a, PGS_OP_RMDIR, root, "d") == ERR_NOT_EMPTY &&
              name_op(a, PGS_OP_RMDIR, f->dir, "f1") == ERR_NOT_DIR &&
              name_op(a, PGS_OP_UNLINK, f->dir, "nope") == ERR_NOT_FOUND,
          "unlink a directory, rmdir non-empty or a file, unlink a missing name: refused");
    check(name_op(a, PGS_OP_RMDIR, f->dir, "e") == 0 && chunks_consistent(), "rmdir an empty directory");
    struct pgs_dirent ents[2];
    char seen[256] = "";
    uint64_t cookie = 0;
    unsigned batches = 0;
    bool ok = true;
    do {
        struct pgs_req r = {.op = PGS_OP_READDIR, .ino = f->dir, .index = cookie, .buf = ents, .max = 2};
        ok = ok && call(a, &r) == 0;
        for (unsigned i = 0; ok && i < a->res.count; i++) {
            strcat(seen, ents[i].name), strcat(seen, " ");
            cookie = ents[i].cookie;
        }
        batches++;
    } while (ok && !a->res.end && batches < 10);
    check(ok && strcmp(seen, "f0 f1 f1m f5m sub b ") == 0 && batches == 3,
          "readdir in batches of 2: every entry once");
}

/* Two holders: the second is read-only and sees the data; a release or an expiry hands the lease over. */
static void check_leases(struct client *a, struct client *b, int port, struct files *f)
{
    check(open_client(b, port, "vm-b") == 0 && lease(b, PGS_OP_LEASE_ACQUIRE, 60000) == ERR_READ_ONLY,
          "a second holder gets ERR_READ_ONLY");
    check(read_equals(b, f->f5m, f->two_mib, 2 * MIB),
          "the read-only holder reads what the writer committed");
    check(write_file(b, f->f1, (const uint8_t *)"y", 1) == ERR_READ_ONLY &&
              read_equals(a, f->f1, (const uint8_t *)"z", 1),
          "a write without the lease: ERR_READ_ONLY, nothing changed");
    check(lease(a, PGS_OP_LEASE_RELEASE, 0) == 0 && lease(b, PGS_OP_LEASE_ACQUIRE, 300) == 0,
          "after the release the second holder acquires (300 ms)");
    check(write_file(a, f->f1, (const uint8_t *)"x", 1) == ERR_READ_ONLY &&
              lease(a, PGS_OP_LEASE_RENEW, 60000) == ERR_READ_ONLY,
          "the first holder's write and renew: ERR_READ_ONLY");
    check(lease(a, PGS_OP_LEASE_ACQUIRE, 60000) == ERR_READ_ONLY,
          "acquire during the other's lease: ERR_READ_ONLY");
    check(lease(b, PGS_OP_LEASE_RENEW, 300) == 0, "the holder renews before expiry");
    usleep(500 * 1000);
    check(lease(a, PGS_OP_LEASE_ACQUIRE, 60000) == 0,
          "after the lease expired, the first holder acquires again");
    check(write_file(b, f->f1, (const uint8_t *)"w", 1) == ERR_READ_ONLY &&
              lease(b, PGS_OP_LEASE_RENEW, 300) == ERR_READ_ONLY,
          "the expired holder's write and renew: ERR_READ_ONLY");
}

/* Asks tests/pgtest/run to restart the server (a line out, then waits for its line in). */
static void restart_server(void)
{
    char line[64];
    printf("# pgstore: restart the server\n");
    fflush(stdout);
    if (!fgets(line, sizeof(line), stdin))
        failures++;
}

/* PostgreSQL restarted in the middle of a 5 MiB write: an error, no partial commit, a retry succeeds. */
static void check_restart(struct client *a, struct files *f)
{
    struct pgs_chunk chunks[MAX_CHUNKS];
    for (unsigned i = 0; i < 80; i++)
        chunks[i] = (struct pgs_chunk){
            .index = i, .data = f->five_mib + (size_t)i * PGS_CHUNK_SIZE, .len = PGS_CHUNK_SIZE};
    struct pgs_req w = {
        .op = PGS_OP_WRITE, .ino = f->f1m, .size = 5 * MIB, .mtime_ns = 9, .chunks = chunks, .nchunks = 80};
    a->done = false;
    bool queued = pgstore_submit(&a->s, &w) == 0;
    static uint8_t chunk[65536];
    while (queued && !a->done && a->s.run.chunk < 20) { /* 20 chunks into the transaction */
        ssize_t got = flush_out(a) ? recv(a->fd, chunk, sizeof(chunk), 0) : -1;
        if (got <= 0)
            break;
        pgstore_feed(&a->s, chunk, (size_t)got);
    }
    check(queued && !a->done && a->s.run.chunk >= 20, "a 5 MiB write is 20 chunks into its transaction");
    restart_server();
    drive(a);
    long st = a->res.status;
    check(a->done && (st == ERR_PEER_CLOSED || st == ERR_IO), "the interrupted write reports an error");
    close(a->fd);
    check(connect_client(a) && lease(a, PGS_OP_LEASE_RENEW, 60000) == 0,
          "reconnected; the lease survived the restart");
    check(read_equals(a, f->f1m, f->one_mib, MIB) && chunks_consistent(),
          "no partial commit: the old 1 MiB intact");
    check(call(a, &w) == 0 && read_equals(a, f->f1m, f->five_mib, 5 * MIB) && chunks_consistent(),
          "the retried write commits and reads back equal");
}

int main(int argc, char **argv)
{
    if (argc != 2 || !getenv("PGSTORE_PSQL")) {
        fprintf(stderr, "usage: PGSTORE_PSQL='psql ... -At' pgstorecheck PORT\n");
        return 2;
    }
    int port = atoi(argv[1]);
    struct files f = {.one_mib = malloc(MIB),
                      .five_mib = malloc(5 * MIB),
                      .two_mib = malloc(2 * MIB),
                      .other = malloc(4000)};
    pattern(f.five_mib, 5 * MIB, 1);
    memcpy(f.one_mib, f.five_mib, MIB);
    pattern(f.two_mib, 2 * MIB, 3);
    pattern(f.other, 4000, 4);
    static struct client a, b;
    check_open(&a, port);
    check_files(&a, &f);
    check_overwrite(&a, &f);
    check_names(&a, &f);
    check_leases(&a, &b, port, &f);
    check_restart(&a, &f);
    close_client(&a);
    close_client(&b);
    free(f.one_mib), free(f.five_mib), free(f.two_mib), free(f.other);
    printf("# pgstorecheck: %d failed\n", failures);
    return failures ? 1 : 0;
}
