/* ping: demo client: opens service/pong through init, checks WRITE/READ/GETATTR/ECHO round trips. */
#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/proto/pong.h>
#include <warp/string.h>
#include <warp/user.h>

#define PING_INIT_CH 1 /* init's channel, handle 1 */
#define PING_ROUNDS 50 /* each a WRITE and a READ */
#define PING_BUF_MAX 9000

static uint8_t ping_out[PING_BUF_MAX];
static uint8_t ping_in[PING_BUF_MAX];
static unsigned ping_trips;

/* Logs a failed check and ends with code 1. */
_Noreturn static void ping_fail(const char *what, long r)
{
    printf("ping: FAILED: %s: %ld (%s)\n", what, r, err_str(r));
    warp_exit(1);
}

/* One blocking call; fails the run unless the result is want. */
static void ping_call(handle_t ch, struct warp_msg *m, struct warp_msg *reply, long want, const char *what)
{
    long r = ipc_call_sync(ch, m, reply);
    ping_trips++;
    if (r != want)
        ping_fail(what, r);
}

/* Opens service/pong; returns the connection. */
static handle_t ping_connect(void)
{
    struct warp_msg m, reply;
    msg_open(&m, PONG_URI);
    ping_call(PING_INIT_CH, &m, &reply, 0, "OPEN " PONG_URI);
    if (reply.type != MSG_OPEN || reply.nhandles != 1)
        ping_fail("OPEN reply without a channel", reply.nhandles);
    return reply.handles[0];
}

/* Round r: WRITE a buffer of varying size, READ one back and check the pattern. */
static uint32_t ping_round(handle_t ch, unsigned r, uint32_t sum)
{
    struct warp_msg m, reply;
    size_t n = 1 + (r * 997u) % PING_BUF_MAX;
    for (size_t i = 0; i < n; i++)
        ping_out[i] = (uint8_t)(i * 13 + r);
    msg_write(&m, ping_out, n);
    ping_call(ch, &m, &reply, (long)n, "WRITE");
    sum = pong_checksum(sum, ping_out, n);

    size_t want = PING_BUF_MAX - n + 1;
    memset(ping_in, 0, sizeof(ping_in));
    msg_read(&m, ping_in, want);
    ping_call(ch, &m, &reply, (long)want, "READ");
    for (size_t i = 0; i < want; i++)
        if (ping_in[i] != pong_pattern(i))
            ping_fail("READ pattern at byte", (long)i);
    return sum;
}

/* The checksum pong reports must be ours. */
static void ping_check_sum(handle_t ch, uint32_t sum)
{
    struct warp_msg m, reply;
    char got[MSG_DATA_MAX + 1], want[16];
    msg_getattr(&m, "checksum");
    ping_call(ch, &m, &reply, 8, "GETATTR checksum");
    fmt_snprintf(want, sizeof(want), "%08x", sum);
    if (msg_get_text(&reply, got, sizeof(got)) != 8 || strcmp(got, want) != 0)
        ping_fail("checksum differs", 0);
}

/* ECHO comes back with the same bytes. */
static void ping_echo(handle_t ch)
{
    struct warp_msg m, reply;
    static const char text[] = "ping";
    msg_init(&m, PONG_MSG_ECHO, MSG_CALL);
    msg_set_data(&m, text, sizeof(text) - 1);
    ping_call(ch, &m, &reply, (long)sizeof(text) - 1, "ECHO");
    if (reply.data_len != sizeof(text) - 1 || memcmp(reply.data, text, reply.data_len) != 0)
        ping_fail("ECHO data differs", reply.data_len);
}

/* Entry: connect, exercise, report. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    (void)initfs;
    (void)initfs_size;
    handle_t ch = ping_connect();
    uint32_t sum = PONG_CHECKSUM_INIT;
    for (unsigned r = 0; r < PING_ROUNDS; r++)
        sum = ping_round(ch, r, sum);
    ping_check_sum(ch, sum);
    ping_echo(ch);
    struct warp_msg m;
    msg_close(&m);
    ping_call(ch, &m, NULL, 0, "CLOSE");
    warp_handle_close(ch);
    printf("ping: ok (%u round trips)\n", ping_trips);
    return 0;
}
