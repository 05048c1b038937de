/* ipcbench: the IPC benchmark: call+reply round trips between two processes, timed in cycles. */
#include <warp/clock.h>
#include <warp/string.h>
#include <warp/tar.h>
#include <warp/user.h>

/*
 * One binary, two roles chosen by the spawn argument:
 *
 *   arg 0, the client (started by bench/bench.manifest)   arg 1, the server (spawned by the client)
 *   t0 = clock_cycles()
 *   send_wait(MSG_CALL, call_id i, 8 bytes)     ---->   ... -> EV_MESSAGE
 *                                                       [ool: call_write(bufs[0], 64 bytes)]
 *             ... -> EV_REPLY               <----   send_wait(MSG_REPLY, call_id i, 8 bytes) -> ...
 *   t1 = clock_cycles(); sample = t1 - t0
 *
 * Each side enters the kernel once per message: SYS_SEND_WAIT sends and then waits on the event
 * queue, the way a client makes a blocking call and a server answers one and takes the next.
 *
 * The method is the one of bench/linux/pipebench.c (the Linux guest's yardstick): BENCH_WARMUP
 * untimed round trips, then BENCH_ROUNDS timed ones; the message is built before t0 and checked
 * after t1, so a sample holds only the system calls and the switches between the two processes.
 * Under QEMU `-icount shift=0` the cycle counter (TSC) counts guest instructions. One line per
 * measurement:
 *
 *   bench: null_syscall median=<cycles> min=<..> p90=<..> n=<N> mean=<..>       (an unknown number)
 *   bench: ipc_roundtrip median=<cycles> min=<..> p90=<..> n=<N> mean=<..>      (8 bytes each way)
 *   bench: ipc_roundtrip_ool median=<cycles> min=<..> p90=<..> n=<N> mean=<..>  (+ 64 bytes by call_write)
 *
 * Any failure prints `bench: error: ...` and exits 1; success exits 0 (bench/run reads both).
 */

#define IPCBENCH_SELF "bin/ipcbench"
#define IPCBENCH_SERVER_NAME "ipcbench-server"

#define BENCH_WARMUP 200
#define BENCH_ROUNDS 2000
#define BENCH_OOL_LEN 64

#define ROLE_CLIENT 0
#define ROLE_SERVER 1

/* In the server: the channel end the client moved into it at spawn (spawn handles are 1..n). */
#define SERVER_CHANNEL ((handle_t)1)

/* Message types of this program. */
#define MSG_BENCH_PING (MSG_USER + 0) /* 8 bytes in, the same 8 bytes back */
#define MSG_BENCH_FILL (MSG_USER + 1) /* also bufs[0] BUF_WRITE: the server fills it */

/* The client's side of the benchmark. */
struct bench {
    handle_t ch;     /* our channel end */
    handle_t eq;     /* event queue holding ch */
    handle_t server; /* the server's process handle */
    uint8_t ool[BENCH_OOL_LEN];
};

static uint64_t samples[BENCH_ROUNDS];

/* Prints `bench: error: what: <error>` and returns the exit code for a failure. */
static int fail(const char *what, long err)
{
    printf("bench: error: %s: %s (%ld)\n", what, err_str(err), err);
    return 1;
}

/* The byte the server writes at offset i of a FILL call's buffer. */
static uint8_t fill_byte(uint64_t call_id, unsigned i)
{
    return (uint8_t)(call_id * 31 + i);
}

/* --- server --- */

/* Answers one call into *reply: fills its buffer for MSG_BENCH_FILL, echoes the 8 bytes. */
static long serve_call(handle_t ch, const struct warp_msg *call, struct warp_msg *reply)
{
    if (call->flags != MSG_CALL || call->data_len != 8)
        return ERR_INVALID_ARG;
    if (call->type == MSG_BENCH_FILL) {
        uint8_t fill[BENCH_OOL_LEN];
        for (unsigned i = 0; i < BENCH_OOL_LEN; i++)
            fill[i] = fill_byte(call->call_id, i);
        long n = warp_call_write(ch, call->call_id, 0, 0, fill, sizeof fill);
        if (n != BENCH_OOL_LEN)
            return n < 0 ? n : ERR_INVALID_ARG;
    } else if (call->type != MSG_BENCH_PING) {
        return ERR_INVALID_ARG;
    }
    /* Only the header and the 8 bytes: the kernel reads no further than the counts say. */
    reply->type = call->type;
    reply->flags = MSG_REPLY;
    reply->call_id = call->call_id;
    reply->status = 0;
    reply->data_len = 8;
    reply->nhandles = 0;
    reply->nbufs = 0;
    memcpy(reply->data, call->data, 8);
    return 0;
}

/* The server: answers calls on handle 1 until the client goes away (or kills us). Each reply goes
 * out with the wait for the next call. */
static int server_main(void)
{
    static struct warp_event ev; /* ~300 bytes; off the stack */
    static struct warp_msg reply;
    long eq = warp_eventq_create();
    if (eq < 0)
        return fail("server: eventq_create", eq);
    long r = warp_eventq_add((handle_t)eq, SERVER_CHANNEL, 0);
    if (r < 0)
        return fail("server: eventq_add", r);
    r = warp_eventq_wait((handle_t)eq, &ev, DEADLINE_FOREVER);
    for (;;) {
        if (r < 0)
            return fail("server: wait", r);
        if (ev.type == EV_PEER_CLOSED)
            return 0;
        if (ev.type != EV_MESSAGE)
            return fail("server: unexpected event", ERR_INVALID_ARG);
        if ((r = serve_call(SERVER_CHANNEL, &ev.u.msg, &reply)) < 0)
            return fail("server: call", r);
        r = warp_send_wait(SERVER_CHANNEL, &reply, (handle_t)eq, &ev, DEADLINE_FOREVER);
    }
}

/* --- client --- */

/* Sorts v[0..n) ascending (insertion sort: n is a few thousand, run once). */
static void sort_u64(uint64_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Sorts the samples and prints the bench line for `name`. */
static void report(const char *name, uint64_t *s, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    sort_u64(s, n);
    printf("bench: %s median=%lu min=%lu p90=%lu n=%zu mean=%lu\n", name, s[n / 2], s[0], s[n * 9 / 10], n,
           sum / n);
}

/* Checks that a reply event answers call `id` with its 8 bytes (and, for FILL, the buffer). */
static long check_reply(const struct bench *b, const struct warp_event *ev, uint64_t id, bool ool)
{
    if (ev->type != EV_REPLY)
        return ev->type == EV_PEER_CLOSED ? ERR_PEER_CLOSED : ERR_INVALID_ARG;
    const struct warp_msg *m = &ev->u.msg;
    if (m->type == MSG_ERROR)
        return m->status < 0 ? m->status : ERR_INVALID_ARG;
    if (m->flags != MSG_REPLY || m->call_id != id || m->data_len != 8 || memcmp(m->data, &id, 8) != 0)
        return ERR_INVALID_ARG;
    for (unsigned i = 0; ool && i < BENCH_OOL_LEN; i++)
        if (b->ool[i] != fill_byte(id, i))
            return ERR_INVALID_ARG;
    return 0;
}

/* One call and its reply; stores the cycles between sending and receiving the reply in *cycles. */
static long roundtrip(struct bench *b, uint64_t id, bool ool, uint64_t *cycles)
{
    static struct warp_event ev;
    struct warp_msg call = {
        .type = ool ? MSG_BENCH_FILL : MSG_BENCH_PING,
        .flags = MSG_CALL,
        .call_id = id,
        .data_len = 8,
        .nbufs = ool ? 1 : 0,
        .bufs[0] = {.addr = (uaddr_t)b->ool, .len = BENCH_OOL_LEN, .access = BUF_WRITE},
    };
    memcpy(call.data, &id, 8);
    memset(b->ool, 0, sizeof b->ool);

    uint64_t t0 = clock_cycles();
    long r = warp_send_wait(b->ch, &call, b->eq, &ev, DEADLINE_FOREVER);
    uint64_t t1 = clock_cycles();
    if (r < 0)
        return r;
    *cycles = t1 - t0;
    return check_reply(b, &ev, id, ool);
}

/* Runs warm-up and timed round trips of one kind and prints its line; returns 0 or an ERR_*. */
static long bench_calls(struct bench *b, const char *name, bool ool)
{
    uint64_t ignored;
    uint64_t id = 1;
    for (int i = 0; i < BENCH_WARMUP; i++, id++) {
        long r = roundtrip(b, id, ool, &ignored);
        if (r < 0)
            return r;
    }
    for (int i = 0; i < BENCH_ROUNDS; i++, id++) {
        long r = roundtrip(b, id, ool, &samples[i]);
        if (r < 0)
            return r;
    }
    report(name, samples, BENCH_ROUNDS);
    return 0;
}

/* A system call that does nothing: an unknown number, answered ERR_BAD_SYSCALL. For scale. */
static void bench_null_syscall(void)
{
    for (int i = 0; i < BENCH_WARMUP; i++)
        warp_syscall6(0, 0, 0, 0, 0, 0, 0);
    for (int i = 0; i < BENCH_ROUNDS; i++) {
        uint64_t t0 = clock_cycles();
        warp_syscall6(0, 0, 0, 0, 0, 0, 0);
        samples[i] = clock_cycles() - t0;
    }
    report("null_syscall", samples, BENCH_ROUNDS);
}

/* Creates the channel and the event queue and spawns the server with the other end. */
static int client_setup(struct bench *b, const void *initfs, size_t initfs_size)
{
    struct tar_file self;
    long r = initfs ? tar_find(initfs, initfs_size, IPCBENCH_SELF, &self) : ERR_NOT_FOUND;
    if (r < 0)
        return fail(IPCBENCH_SELF " in the initfs (start ipcbench with initfs = yes)", r);
    handle_t ends[2];
    r = warp_channel_create(ends);
    if (r < 0)
        return fail("channel_create", r);
    struct spawn_args a = {
        .name = (uaddr_t)IPCBENCH_SERVER_NAME,
        .name_len = strlen(IPCBENCH_SERVER_NAME),
        .image = (uaddr_t)self.data,
        .image_len = self.size,
        .arg = ROLE_SERVER,
        .handles = (uaddr_t)&ends[1],
        .nhandles = 1,
    };
    r = warp_spawn(&a);
    if (r < 0)
        return fail("spawn the server", r);
    b->server = (handle_t)r;
    b->ch = ends[0];
    r = warp_eventq_create();
    if (r < 0)
        return fail("eventq_create", r);
    b->eq = (handle_t)r;
    r = warp_eventq_add(b->eq, b->ch, 0);
    if (r < 0)
        return fail("eventq_add", r);
    return 0;
}

/* The client: measures, then kills and reaps the server. */
static int client_main(const void *initfs, size_t initfs_size)
{
    static struct bench b;
    bench_null_syscall();
    if (client_setup(&b, initfs, initfs_size) != 0)
        return 1;
    long r = bench_calls(&b, "ipc_roundtrip", false);
    if (r < 0)
        return fail("ipc_roundtrip", r);
    r = bench_calls(&b, "ipc_roundtrip_ool", true);
    if (r < 0)
        return fail("ipc_roundtrip_ool", r);
    r = warp_kill(b.server);
    if (r < 0)
        return fail("kill the server", r);
    struct exit_info ei;
    r = warp_wait(b.server, &ei);
    if (r < 0)
        return fail("wait for the server", r);
    puts("bench: done");
    return 0;
}

/* Entry: arg 0 runs the client, arg 1 the server. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    if (arg == ROLE_SERVER)
        return server_main();
    if (arg != ROLE_CLIENT)
        return fail("unknown role", ERR_INVALID_ARG);
    return client_main(initfs, initfs_size);
}
