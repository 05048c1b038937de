/* nettest: opens service/ethernet, checks the protocol, ARPs for and DHCP-discovers QEMU's slirp. */
#include "nettest.h"

#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/string.h>
#include <warp/tap.h>
#include <warp/user.h>

/*
 * TAP on the console (`ok N - ...`, `nettest: N passed, M failed`), exit code 0 or 1. tests/e2e/
 * case_net.py boots it through tests/nettest/net-test.manifest and also checks QEMU's packet dump.
 */
#define NT_INIT_CH 1
#define NT_READS 4                        /* READ calls kept waiting at the driver */
#define NT_READ_BUFS ETHERNET_READ_FRAMES /* buffers (frames) per READ */
#define NT_TIMEOUT_NS (10ull * 1000000000ull)
#define NT_XID 0x57a4b001u
#define NT_BURST 600   /* ARP round trips: each queue's ring (256 entries) goes round several times */
#define NT_PIPELINE 48 /* frames sent at once on each of two sessions: more than the driver's tx slots */
#define NT_BATCH 4     /* frames per WRITE on the first session then (ETHERNET_WRITE_FRAMES) */
#define NT_PIPELINE_WRITES (NT_PIPELINE / NT_BATCH + NT_PIPELINE) /* their WRITE calls */

/* The network exchange's state. */
static struct {
    struct loop loop;
    handle_t ch;
    uint8_t mac[ETHERNET_ADDR_LEN];
    uint8_t bufs[NT_READS][NT_READ_BUFS][ETHERNET_FRAME_MAX];
    handle_t ch2; /* a second session, never READ until the end */
    struct loop_timeout timeout;
    enum { NT_DISCOVER, NT_BURSTING, NT_PIPELINE_OUT, NT_DONE } phase;
    bool arp_seen, offer_seen;
    uint8_t gateway_mac[ETHERNET_ADDR_LEN]; /* what the ARP reply said 10.0.2.2 is at */
    uint32_t offered;                       /* the address the DHCP OFFER made us */
    unsigned frames, burst_sent, burst_replies, writes_failed, pipeline_replies;
    unsigned read_replies; /* READ replies, each with 1..NT_READ_BUFS frames */
} nt;

static uint8_t nt_arp[64], nt_dhcp[600];

/* OPENs uri through init; returns the channel or an ERR_*. */
static long nt_open(const char *uri)
{
    struct warp_msg m, reply;
    msg_open(&m, uri);
    long r = ipc_call_sync(NT_INIT_CH, &m, &reply);
    if (r < 0)
        return r;
    return reply.nhandles == 1 ? reply.handles[0] : ERR_BAD_FORMAT;
}

/* GETATTR name on ch into reply; returns the call's result. */
static long nt_getattr(handle_t ch, const char *name, struct warp_msg *reply)
{
    struct warp_msg m;
    msg_getattr(&m, name);
    return ipc_call_sync(ch, &m, reply);
}

/* The MAC and MTU attributes. */
static bool nt_attrs(void)
{
    struct warp_msg reply;
    char text[MSG_DATA_MAX + 1];
    long r = nt_getattr(nt.ch, "mac", &reply);
    if (!tap_eq(r, ETHERNET_ADDR_LEN, "GETATTR mac gives 6 bytes"))
        return false;
    memcpy(nt.mac, reply.data, ETHERNET_ADDR_LEN);
    printf("# MAC %02x:%02x:%02x:%02x:%02x:%02x\n", nt.mac[0], nt.mac[1], nt.mac[2], nt.mac[3], nt.mac[4],
           nt.mac[5]);
    r = nt_getattr(nt.ch, "mtu", &reply);
    tap_ok(r == 4 && msg_get_text(&reply, text, sizeof(text)) == 4 && strcmp(text, "1500") == 0,
           "GETATTR mtu gives 1500");
    r = nt_getattr(nt.ch, "link", &reply);
    tap_ok(r == 2 && msg_get_text(&reply, text, sizeof(text)) == 2 && strcmp(text, "up") == 0,
           "GETATTR link gives up");
    return true;
}

/* The first occurrence of word in s, or NULL (libs/common has no strstr). */
static const char *nt_find(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (; *s; s++)
        if (strncmp(s, word, n) == 0)
            return s;
    return NULL;
}

/* The driver's count of transmitted frames ("tx N" of GETATTR stats), or -1. */
static long nt_tx_count(void)
{
    struct warp_msg reply;
    char text[MSG_DATA_MAX + 1];
    if (nt_getattr(nt.ch, "stats", &reply) < 0 || msg_get_text(&reply, text, sizeof(text)) < 0)
        return -1;
    const char *tx = nt_find(text, " tx ");
    long n = -1;
    for (const char *p = tx ? tx + 4 : ""; *p >= '0' && *p <= '9'; p++)
        n = (n < 0 ? 0 : n * 10) + (*p - '0');
    return n;
}

/* A WRITE of n buffers of len bytes from buf (all frames alike), except buffer bad: bad_len bytes from
 * bad_buf with bad_access; its result. */
static long nt_batch(unsigned n, unsigned bad, const void *bad_buf, size_t bad_len, uint32_t bad_access)
{
    static uint8_t frame[ETHERNET_FRAME_MAX];
    struct warp_msg m;
    msg_init(&m, MSG_WRITE, MSG_CALL);
    for (unsigned i = 0; i < n; i++)
        msg_add_buf(&m, i == bad ? bad_buf : frame, i == bad ? bad_len : 60,
                    i == bad ? bad_access : BUF_READ);
    return ipc_call_sync(nt.ch, &m, NULL);
}

/* WRITEs of several frames with one bad buffer are refused whole: the error of that buffer, and the
 * driver's tx count shows that none of their frames went out. */
static void nt_bad_batches(void)
{
    static uint8_t big[ETHERNET_FRAME_MAX + 1];
    long before = nt_tx_count();
    tap_eq(nt_batch(4, 3, big, 13, BUF_READ), ERR_INVALID_ARG,
           "WRITE of 4 frames, the last 13 bytes, gives ERR_INVALID_ARG");
    tap_eq(nt_batch(3, 1, big, sizeof(big), BUF_READ), ERR_TOO_LARGE,
           "WRITE of 3 frames, the second 1515 bytes, gives ERR_TOO_LARGE");
    tap_eq(nt_batch(2, 0, big, 60, BUF_WRITE), ERR_PERMISSION,
           "WRITE of 2 frames, the first write-only, gives ERR_PERMISSION");
    tap_eq(nt_batch(4, 2, (const void *)0x7000000000ull, 60, BUF_READ), ERR_BAD_ADDRESS,
           "WRITE of 4 frames, the third unmapped, gives ERR_BAD_ADDRESS");
    long after = nt_tx_count();
    tap_ok(before >= 0 && after == before, "refused batches sent no frame (tx %ld before, %ld after)", before,
           after);
    struct warp_msg m;
    msg_init(&m, MSG_WRITE, MSG_CALL);
    for (unsigned i = 0; i < MSG_BUFS_MAX; i++)
        msg_add_buf(&m, big, 60, BUF_READ);
    m.nbufs = MSG_BUFS_MAX + 1;
    tap_eq(ipc_call_sync(nt.ch, &m, NULL), ERR_INVALID_ARG,
           "a WRITE of 5 buffers is refused (ERR_INVALID_ARG) before it reaches the driver");
}

/* Bad requests get ERROR replies, and the driver still answers afterwards. */
static void nt_bad_requests(void)
{
    static uint8_t big[ETHERNET_FRAME_MAX + 1], small[64];
    struct warp_msg m, reply;
    msg_write(&m, big, 0);
    tap_eq(ipc_call_sync(nt.ch, &m, NULL), ERR_INVALID_ARG, "WRITE of 0 bytes gives ERR_INVALID_ARG");
    msg_write(&m, big, 13);
    tap_eq(ipc_call_sync(nt.ch, &m, NULL), ERR_INVALID_ARG, "WRITE of 13 bytes gives ERR_INVALID_ARG");
    msg_write(&m, big, sizeof(big));
    tap_eq(ipc_call_sync(nt.ch, &m, NULL), ERR_TOO_LARGE, "WRITE of 1515 bytes gives ERR_TOO_LARGE");
    msg_init(&m, MSG_WRITE, MSG_CALL);
    tap_eq(ipc_call_sync(nt.ch, &m, NULL), ERR_INVALID_ARG, "WRITE without a buffer gives ERR_INVALID_ARG");
    msg_init(&m, MSG_WRITE, MSG_CALL);
    msg_add_buf(&m, big, 60, BUF_WRITE);
    tap_eq(ipc_call_sync(nt.ch, &m, NULL), ERR_PERMISSION,
           "WRITE of a write-only buffer gives ERR_PERMISSION");
    msg_read(&m, small, sizeof(small));
    tap_eq(ipc_call_sync(nt.ch, &m, NULL), ERR_INVALID_ARG, "READ into 64 bytes gives ERR_INVALID_ARG");
    msg_init(&m, MSG_READ, MSG_CALL);
    msg_add_buf(&m, big, ETHERNET_FRAME_MAX, BUF_READ);
    tap_eq(ipc_call_sync(nt.ch, &m, NULL), ERR_PERMISSION,
           "READ into a read-only buffer gives ERR_PERMISSION");
    msg_init(&m, MSG_READ, MSG_CALL);
    tap_eq(ipc_call_sync(nt.ch, &m, NULL), ERR_INVALID_ARG, "READ without a buffer gives ERR_INVALID_ARG");
    static uint8_t two[2][ETHERNET_FRAME_MAX];
    msg_init(&m, MSG_READ, MSG_CALL);
    msg_add_buf(&m, two[0], ETHERNET_FRAME_MAX, BUF_WRITE);
    msg_add_buf(&m, two[1], 64, BUF_WRITE);
    tap_eq(ipc_call_sync(nt.ch, &m, NULL), ERR_INVALID_ARG,
           "READ whose second buffer holds 64 bytes gives ERR_INVALID_ARG");
    msg_init(&m, MSG_READ, MSG_CALL);
    msg_add_buf(&m, two[0], ETHERNET_FRAME_MAX, BUF_WRITE);
    msg_add_buf(&m, two[1], ETHERNET_FRAME_MAX, BUF_READ);
    tap_eq(ipc_call_sync(nt.ch, &m, NULL), ERR_PERMISSION,
           "READ whose second buffer is read-only gives ERR_PERMISSION");
    tap_eq(nt_getattr(nt.ch, "colour", &reply), ERR_NOT_FOUND, "GETATTR colour gives ERR_NOT_FOUND");
    msg_setattr(&m, "mtu", "9000");
    tap_eq(ipc_call_sync(nt.ch, &m, NULL), ERR_NOT_SUPPORTED, "SETATTR gives ERR_NOT_SUPPORTED");
    msg_init(&m, MSG_USER + 7, MSG_CALL);
    msg_set_data(&m, "\x01\x02", 2);
    tap_eq(ipc_call_sync(nt.ch, &m, NULL), ERR_NOT_SUPPORTED, "an unknown call gives ERR_NOT_SUPPORTED");
    nt_bad_batches();
    msg_init(&m, MSG_WRITE, 0);
    tap_eq(warp_channel_send(nt.ch, &m), 0, "a one-way WRITE is accepted (and ignored)");
    tap_eq(nt_getattr(nt.ch, "mac", &reply), ETHERNET_ADDR_LEN,
           "the driver still answers after bad requests");
}

static void nt_on_read(struct loop *l, handle_t ch, struct warp_msg *reply, void *ctx);

/* Posts READ call i (buffers bufs[i][*]); its reply comes to nt_on_read. */
static void nt_post_read(unsigned i)
{
    struct warp_msg m;
    msg_init(&m, MSG_READ, MSG_CALL);
    for (unsigned b = 0; b < NT_READ_BUFS; b++)
        msg_add_buf(&m, nt.bufs[i][b], ETHERNET_FRAME_MAX, BUF_WRITE);
    long r = loop_call(&nt.loop, nt.ch, &m, nt_on_read, (void *)(uintptr_t)i);
    if (r < 0) {
        tap_ok(false, "READ call %u could be sent (%s)", i, err_str(r));
        loop_stop(&nt.loop);
    }
}

static void nt_send_batch(handle_t ch, const uint8_t *frame, size_t len, unsigned n);
static void nt_send(handle_t ch, const uint8_t *frame, size_t len);

/* Pipeline phase: NT_PIPELINE frames on each session at once, NT_BATCH per WRITE on the first and one
 * per WRITE on the second; the driver must queue what its tx slots cannot take and answer every one. */
static void nt_pipeline(void)
{
    nt.phase = NT_PIPELINE_OUT;
    for (unsigned i = 0; i < NT_PIPELINE; i++) {
        if (i % NT_BATCH == 0)
            nt_send_batch(nt.ch, nt_arp, 60, NT_BATCH);
        nt_send(nt.ch2, nt_arp, 60);
    }
}

/* Burst phase: one more ARP request, or the pipeline phase. */
static void nt_burst_next(void)
{
    if (nt.burst_sent == NT_BURST) {
        nt_pipeline();
        return;
    }
    nt.burst_sent++;
    nt_send(nt.ch, nt_arp, 60);
}

/* What slirp answered: 10.0.2.2's ARP reply with a unicast MAC (not zero, not ours) and a DHCP OFFER
 * of 10.0.2.15. Fields never filled (no reply came) stay zero and fail. */
static void nt_check_replies(void)
{
    static const uint8_t zero[ETHERNET_ADDR_LEN];
    const uint8_t *g = nt.gateway_mac;
    bool unicast =
        !(g[0] & 1) && memcmp(g, zero, ETHERNET_ADDR_LEN) != 0 && memcmp(g, nt.mac, ETHERNET_ADDR_LEN) != 0;
    tap_ok(nt.arp_seen && unicast, "received ARP reply: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x", g[0],
           g[1], g[2], g[3], g[4], g[5]);
    uint32_t a = nt.offered;
    tap_ok(nt.offer_seen && a == NT_GUEST_IP, "received DHCP OFFER of %u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
           (a >> 8) & 0xff, a & 0xff);
}

/* Looks at one received frame for the replies we wait for. */
static void nt_frame(const uint8_t *f, size_t len)
{
    uint8_t sha[ETHERNET_ADDR_LEN];
    uint32_t yiaddr;
    nt.frames++;
    if (nt.phase == NT_PIPELINE_OUT || nt.phase == NT_DONE)
        return;
    if (nt.phase == NT_BURSTING) {
        if (frame_is_arp_reply(f, len, nt.mac, NT_GATEWAY_IP, sha)) {
            nt.burst_replies++;
            nt_burst_next();
        }
        return;
    }
    if (!nt.arp_seen && frame_is_arp_reply(f, len, nt.mac, NT_GATEWAY_IP, sha)) {
        nt.arp_seen = true;
        memcpy(nt.gateway_mac, sha, ETHERNET_ADDR_LEN);
    } else if (!nt.offer_seen && frame_is_dhcp_offer(f, len, NT_XID, &yiaddr)) {
        nt.offer_seen = true;
        nt.offered = yiaddr;
    }
    if (nt.arp_seen && nt.offer_seen) {
        nt.phase = NT_BURSTING;
        nt_burst_next();
    }
}

/* A READ's reply: 1..NT_READ_BUFS frames (status = their total, data = their lengths) or an error;
 * then the READ is posted again. */
static void nt_on_read(struct loop *l, handle_t ch, struct warp_msg *reply, void *ctx)
{
    (void)l;
    (void)ch;
    unsigned i = (unsigned)(uintptr_t)ctx;
    uint16_t lens[ETHERNET_READ_FRAMES];
    long r = msg_result(reply, MSG_READ);
    long n = r < 0 ? r : ethernet_read_lens(reply, r, NT_READ_BUFS, lens);
    if (n < 0) {
        tap_ok(false, "READ gives frames (got %ld: %s)", r, err_str(n));
        loop_stop(&nt.loop);
        return;
    }
    nt.read_replies++;
    for (long f = 0; f < n; f++)
        nt_frame(nt.bufs[i][f], lens[f]);
    nt_post_read(i);
}

/* A WRITE's reply: its status must be the sum of its frames' lengths (ctx). */
static void nt_on_write(struct loop *l, handle_t ch, struct warp_msg *reply, void *ctx)
{
    (void)l;
    (void)ch;
    long want = (long)(uintptr_t)ctx, got = msg_result(reply, MSG_WRITE);
    if (nt.phase != NT_DISCOVER) {
        if (got != want && nt.writes_failed++ == 0)
            printf("# WRITE gave %ld (%s)\n", got, err_str(got));
        if (nt.phase == NT_PIPELINE_OUT && ++nt.pipeline_replies == NT_PIPELINE_WRITES) {
            nt.phase = NT_DONE;
            loop_stop(&nt.loop);
        }
        return;
    }
    tap_eq(got, want,
           want == 60 ? "WRITE of the ARP request gives 60" : "WRITE of the DHCP DISCOVER gives 590");
}

/* Sends n copies of a frame as one WRITE call on ch, a buffer each (the frame must live until the
 * reply: static). */
static void nt_send_batch(handle_t ch, const uint8_t *frame, size_t len, unsigned n)
{
    struct warp_msg m;
    msg_init(&m, MSG_WRITE, MSG_CALL);
    for (unsigned i = 0; i < n; i++)
        msg_add_buf(&m, frame, len, BUF_READ);
    long r = loop_call(&nt.loop, ch, &m, nt_on_write, (void *)(uintptr_t)(len * n));
    if (r < 0 && nt.writes_failed++ == 0)
        printf("# WRITE call could not be sent: %s\n", err_str(r));
}

/* Sends one frame as a WRITE call on ch. */
static void nt_send(handle_t ch, const uint8_t *frame, size_t len)
{
    nt_send_batch(ch, frame, len, 1);
}

/* Nothing came in time. */
static void nt_on_timeout(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)t;
    (void)ctx;
    printf("# timed out after 10 s with %u frames received\n", nt.frames);
    loop_stop(l);
}

/*
 * The exchange: READs out, ARP request and DHCP DISCOVER sent; once both are answered, NT_BURST
 * more ARP round trips one at a time, then 2 * NT_PIPELINE frames at once. All within NT_TIMEOUT_NS
 * (the rest takes about a second under TCG).
 */
static void nt_exchange(void)
{
    static const struct loop_channel_handlers no_handlers;
    if (!tap_eq(loop_init(&nt.loop), 0, "event loop created") ||
        !tap_eq(loop_add_channel(&nt.loop, nt.ch, &no_handlers, NULL), 0, "session added to the loop") ||
        !tap_eq(loop_add_channel(&nt.loop, nt.ch2, &no_handlers, NULL), 0,
                "second session added to the loop"))
        return;
    for (unsigned i = 0; i < NT_READS; i++)
        nt_post_read(i);
    nt_send(nt.ch, nt_arp, frame_arp_request(nt_arp, nt.mac, NT_GUEST_IP, NT_GATEWAY_IP));
    nt_send(nt.ch, nt_dhcp, frame_dhcp_discover(nt_dhcp, nt.mac, NT_XID));
    loop_timeout_init(&nt.timeout, nt_on_timeout, NULL);
    loop_timeout_after(&nt.loop, &nt.timeout, NT_TIMEOUT_NS);
    long r = loop_run(&nt.loop);
    if (r < 0)
        printf("# loop failed: %s\n", err_str(r));
    nt_check_replies();
    if (nt.phase >= NT_BURSTING)
        tap_ok(nt.burst_replies == NT_BURST, "%u ARP round trips (%u replies)", NT_BURST, nt.burst_replies);
    if (nt.phase >= NT_PIPELINE_OUT)
        tap_ok(nt.pipeline_replies == NT_PIPELINE_WRITES && nt.writes_failed == 0,
               "%u frames at once on two sessions (%u WRITEs of %u, %u of 1) all answered (%u replies, %u "
               "failed)",
               2 * NT_PIPELINE, NT_PIPELINE / NT_BATCH, NT_BATCH, NT_PIPELINE, nt.pipeline_replies,
               nt.writes_failed);
    loop_remove(&nt.loop, nt.ch);
    loop_remove(&nt.loop, nt.ch2);
}

/* On the second session's full queue, a READ with NT_READ_BUFS buffers gets that many frames, each
 * a reply from slirp, with their lengths. */
static void nt_second_session_batch(void)
{
    static uint8_t bufs[NT_READ_BUFS][ETHERNET_FRAME_MAX];
    uint16_t lens[ETHERNET_READ_FRAMES];
    uint8_t sha[ETHERNET_ADDR_LEN];
    struct warp_msg m, reply;
    msg_init(&m, MSG_READ, MSG_CALL);
    for (unsigned b = 0; b < NT_READ_BUFS; b++)
        msg_add_buf(&m, bufs[b], ETHERNET_FRAME_MAX, BUF_WRITE);
    long r = ipc_call_sync(nt.ch2, &m, &reply);
    long n = r < 0 ? r : ethernet_read_lens(&reply, r, NT_READ_BUFS, lens);
    unsigned replies = 0;
    for (long f = 0; f < n; f++)
        replies += frame_is_arp_reply(bufs[f], lens[f], nt.mac, NT_GATEWAY_IP, sha) ||
                   frame_is_dhcp_offer(bufs[f], lens[f], NT_XID, &(uint32_t){0});
    tap_ok(n == NT_READ_BUFS && replies == NT_READ_BUFS,
           "a READ with %u buffers takes %u queued replies at once (%ld frames, %ld bytes)", NT_READ_BUFS,
           NT_READ_BUFS, n, r);
}

/* The second session saw the same frames: it has a full queue, has dropped the rest, and CLOSEs. */
static void nt_second_session(void)
{
    static uint8_t buf[ETHERNET_FRAME_MAX];
    struct warp_msg m, reply;
    char text[MSG_DATA_MAX + 1];
    uint8_t sha[ETHERNET_ADDR_LEN];
    msg_read(&m, buf, sizeof(buf));
    long r = ipc_call_sync(nt.ch2, &m, NULL);
    tap_ok(r >= 14 && (frame_is_arp_reply(buf, (size_t)r, nt.mac, NT_GATEWAY_IP, sha) ||
                       frame_is_dhcp_offer(buf, (size_t)r, NT_XID, &(uint32_t){0})),
           "a second session READs the first reply from its queue (%ld bytes)", r);
    nt_second_session_batch();
    r = nt_getattr(nt.ch2, "stats", &reply);
    text[0] = 0;
    if (r >= 0)
        msg_get_text(&reply, text, sizeof(text));
    const char *dropped = nt_find(text, "dropped ");
    tap_ok(dropped && dropped[8] != '0', "the second session's full queue dropped frames (%s)", text);
    msg_close(&m);
    tap_eq(ipc_call_sync(nt.ch2, &m, NULL), 0, "CLOSE of the second session gives 0");
    warp_handle_close(nt.ch2);
}

/* Reports the driver's counters. */
static void nt_stats(void)
{
    struct warp_msg reply;
    char text[MSG_DATA_MAX + 1];
    if (nt_getattr(nt.ch, "stats", &reply) >= 0 && msg_get_text(&reply, text, sizeof(text)) >= 0)
        printf("# driver stats: %s\n", text);
    printf("# %u frames came in %u READ replies\n", nt.frames, nt.read_replies);
}

/* devtest (same boot) registers service/devtest when its checks are done; asks for its verdict. */
static void nt_devtest(void)
{
    struct warp_msg reply;
    char text[MSG_DATA_MAX + 1] = "";
    long ch = nt_open("service/devtest");
    if (!tap_ok(ch >= 0, "devtest finished and registered service/devtest"))
        return;
    long r = nt_getattr((handle_t)ch, "result", &reply);
    if (r >= 0)
        msg_get_text(&reply, text, sizeof(text));
    tap_ok(strcmp(text, "pass") == 0, "devtest reports pass (got '%s')", text);
    warp_handle_close((handle_t)ch);
}

/* Runs every check; exit code 0 if all passed. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    (void)initfs;
    (void)initfs_size;
    long ch = nt_open("service/ethernet");
    if (tap_ok(ch >= 0, "OPEN service/ethernet gives a channel")) {
        nt.ch = (handle_t)ch;
        long ch2 = nt_open("service/ethernet");
        tap_ok(ch2 >= 0, "a second OPEN of service/ethernet gives a second session");
        nt.ch2 = ch2 >= 0 ? (handle_t)ch2 : 0;
        if (nt_attrs()) {
            nt_bad_requests();
            nt_exchange();
            nt_stats();
            if (nt.ch2)
                nt_second_session();
        }
    } else {
        printf("#   %s\n", err_str(ch));
    }
    nt_devtest();
    tap_plan();
    tap_summary("nettest");
    return tap_failed() ? 1 : 0;
}
