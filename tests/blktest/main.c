/* blktest: opens service/block:0 and checks the block protocol on the disk tests/e2e/case_blk.py gives. */
#include <warp/blockclient.h>
#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/proto/block.h>
#include <warp/string.h>
#include <warp/tap.h>
#include <warp/user.h>

/*
 * TAP on the console (`ok N - ...`, `blktest: N passed, M failed`), exit code 0 or 1. The host
 * made the disk: BT_DISK_SECTORS sectors of 512 bytes, zero but for BT_HOST_LEN bytes of
 * bt_host_byte(i, BT_HOST_SEED) at sector BT_HOST_SECTOR and the last sector filled with
 * bt_host_byte(i, BT_LAST_SEED). tests/e2e/case_blk.py writes the same patterns, and attaches the
 * disk through QEMU's blkdebug driver, which fails every read that touches sector BT_BAD_SECTOR with
 * EIO (the device then answers VIRTIO_BLK_S_IOERR). Its "stall" variants serve the disk so that the
 * first read of sector BT_STALL_SECTOR takes 9 s, past the driver's 5 s deadline; its "timeout"
 * variant holds the first three reads of sector BT_HOLD_SECTOR 9 s each, so that the driver answers
 * ERR_TIMED_OUT at the third reset (elsewhere that read simply succeeds); the e2e case checks which
 * of the two each variant saw. Its "read-only" variants give the disk read-only (the geometry says
 * so): every WRITE must then get ERR_PERMISSION, and the checks read zeros where they would read
 * back what they wrote.
 */
#define BT_INIT_CH 1
#define BT_DISK_SECTORS 16384 /* 8 MiB */
#define BT_SECTOR 512
#define BT_HOST_SECTOR 2048 /* byte offset 1 MiB */
#define BT_HOST_LEN 4096
#define BT_HOST_SEED 0x5a
#define BT_LAST_SEED 0x33
#define BT_BAD_SECTOR 8000    /* reads fail here (blkdebug) */
#define BT_STALL_SECTOR 12000 /* the stall variants hold the first read of it for 9 s */
#define BT_HOLD_SECTOR 13000  /* the timeout variant holds the first three reads of it, 9 s each */
#define BT_RW_SECTOR 100      /* the write-then-read range: 32 sectors */
#define BT_RW_LEN (32 * BT_SECTOR)
#define BT_CONCURRENT 40    /* calls at once: more than the driver's 32 slots, so some wait */
#define BT_CONC_SECTOR 4096 /* each concurrent call has BT_CONC_LEN bytes of its own from here */
#define BT_CONC_LEN 4096
#define BT_SESSIONS_PER_CLIENT 4 /* the driver's cap */
#define BT_TIMEOUT_NS (10ull * 1000000000ull)
#define BT_POLL_NS (100ull * 1000000ull) /* how often bt_wait_idle asks */

/* Byte i of a host pattern (the e2e case computes the same). */
static uint8_t bt_host_byte(uint64_t i, uint8_t seed)
{
    return (uint8_t)(i * 13 + seed);
}

/* Byte i of what this test writes with tag (a call number, or 0xff for the sequential test). */
static uint8_t bt_pattern(uint64_t i, unsigned tag)
{
    return (uint8_t)((i >> 3) ^ (i * 7) ^ (tag * 31 + 1));
}

/* The concurrent phase's state, and the disk's read_only from the geometry. */
static struct {
    bool read_only;
    struct loop loop;
    struct loop_timeout timeout;
    bool timed_out;
    unsigned replies, good;
    uint8_t bufs[BT_CONCURRENT][BT_CONC_LEN];
} bt;

static uint8_t big[BLOCK_IO_MAX + BT_SECTOR];

/* Builds a READ (write = false) or WRITE call of len bytes at sector with buffer buf of buf_len. */
static void bt_msg(struct warp_msg *m, bool write, uint64_t sector, uint64_t len, void *buf, size_t buf_len)
{
    struct block_io io = {sector, len};
    if (write)
        msg_write(m, buf, buf_len);
    else
        msg_read(m, buf, buf_len);
    msg_set_data(m, &io, sizeof(io));
}

/* One synchronous READ or WRITE; the call's result. */
static long bt_io(handle_t ch, bool write, uint64_t sector, uint64_t len, void *buf, size_t buf_len)
{
    struct warp_msg m;
    bt_msg(&m, write, sector, len, buf, buf_len);
    return ipc_call_sync(ch, &m, NULL);
}

/* GETATTR geometry: 8 MiB of 512-byte sectors, writable or read-only (the e2e case checks which,
 * from the diagnostic line). */
static void bt_geometry(handle_t ch)
{
    struct warp_msg m, reply;
    struct block_geometry g = {0, 0, 0};
    msg_getattr(&m, "geometry");
    long r = ipc_call_sync(ch, &m, &reply);
    if (tap_eq(r, sizeof(g), "GETATTR geometry gives a struct block_geometry"))
        memcpy(&g, reply.data, sizeof(g));
    tap_eq((long)g.sectors, BT_DISK_SECTORS, "the disk has 16384 sectors (8 MiB)");
    tap_eq(g.sector_size, BT_SECTOR, "sectors are 512 bytes");
    tap_ok(g.read_only <= 1, "read_only is 0 or 1");
    bt.read_only = g.read_only == 1;
    tap_diag("the disk is %s", bt.read_only ? "read-only" : "writable");
}

/* What a WRITE of len bytes should give: len, or ERR_PERMISSION on a read-only disk. */
static long bt_write_result(long len)
{
    return bt.read_only ? ERR_PERMISSION : len;
}

/* True if the n bytes at p are pattern seed of the host's. */
static bool bt_is_host(const uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != bt_host_byte(i, seed))
            return false;
    return true;
}

/* What the host wrote is there: the pattern at 1 MiB and the last sector. */
static void bt_host_data(handle_t ch)
{
    static uint8_t buf[BT_HOST_LEN];
    long r = bt_io(ch, false, BT_HOST_SECTOR, BT_HOST_LEN, buf, sizeof(buf));
    tap_eq(r, BT_HOST_LEN, "READ of 8 sectors at sector 2048 gives 4096");
    tap_ok(bt_is_host(buf, BT_HOST_LEN, BT_HOST_SEED), "they hold the host's pattern");
    r = bt_io(ch, false, BT_DISK_SECTORS - 1, BT_SECTOR, buf, sizeof(buf));
    tap_eq(r, BT_SECTOR, "READ of the last sector gives 512");
    tap_ok(bt_is_host(buf, BT_SECTOR, BT_LAST_SEED), "it holds the host's last-sector pattern");
}

/* 32 sectors written, read back into another buffer, compared (on a read-only disk: the WRITE gets
 * ERR_PERMISSION and the sectors keep their zeros). */
static void bt_write_read(handle_t ch)
{
    static uint8_t out[BT_RW_LEN], in[BT_RW_LEN];
    static const uint8_t zero[BT_RW_LEN];
    for (size_t i = 0; i < BT_RW_LEN; i++)
        out[i] = bt_pattern(i, 0xff);
    tap_eq(bt_io(ch, true, BT_RW_SECTOR, BT_RW_LEN, out, sizeof(out)), bt_write_result(BT_RW_LEN),
           "WRITE of 32 sectors at sector 100 gives %s",
           bt.read_only ? "ERR_PERMISSION (read-only)" : "16384");
    tap_eq(bt_io(ch, false, BT_RW_SECTOR, BT_RW_LEN, in, sizeof(in)), BT_RW_LEN, "READ of them gives 16384");
    tap_ok(memcmp(in, bt.read_only ? zero : out, BT_RW_LEN) == 0, "what was read is %s",
           bt.read_only ? "the zeros the disk held" : "what was written");
    tap_eq(bt_io(ch, false, 0, BLOCK_IO_MAX, big, sizeof(big)), BLOCK_IO_MAX,
           "READ of BLOCK_IO_MAX (65536) bytes gives 65536");
    struct warp_msg m;
    msg_setattr(&m, BLOCK_FLUSH, "1");
    tap_eq(ipc_call_sync(ch, &m, NULL), 0, "SETATTR flush=1 gives 0 (QEMU offers VIRTIO_BLK_F_FLUSH)");
}

/* Requests outside the rules get ERROR replies. */
static void bt_bad_requests(handle_t ch)
{
    static uint8_t buf[2 * BT_SECTOR];
    struct warp_msg m;
    tap_eq(bt_io(ch, false, BT_DISK_SECTORS, BT_SECTOR, buf, sizeof(buf)), ERR_INVALID_ARG,
           "READ at sector 16384 (past the end) gives ERR_INVALID_ARG");
    tap_eq(bt_io(ch, true, BT_DISK_SECTORS - 1, 2 * BT_SECTOR, buf, sizeof(buf)), ERR_INVALID_ARG,
           "WRITE of 2 sectors at the last one gives ERR_INVALID_ARG");
    tap_eq(bt_io(ch, false, UINT64_MAX, BT_SECTOR, buf, sizeof(buf)), ERR_INVALID_ARG,
           "READ at sector 2^64-1 gives ERR_INVALID_ARG");
    tap_eq(bt_io(ch, false, 0, 100, buf, sizeof(buf)), ERR_INVALID_ARG,
           "READ of 100 bytes (misaligned) gives ERR_INVALID_ARG");
    tap_eq(bt_io(ch, true, 0, 0, buf, sizeof(buf)), ERR_INVALID_ARG,
           "WRITE of 0 bytes gives ERR_INVALID_ARG");
    tap_eq(bt_io(ch, false, 0, 2 * BT_SECTOR, buf, BT_SECTOR), ERR_INVALID_ARG,
           "READ of 1024 bytes into a 512-byte buffer gives ERR_INVALID_ARG");
    tap_eq(bt_io(ch, false, 0, BLOCK_IO_MAX + BT_SECTOR, big, sizeof(big)), ERR_TOO_LARGE,
           "READ of 66048 bytes gives ERR_TOO_LARGE");
    bt_msg(&m, false, 0, BT_SECTOR, buf, sizeof(buf));
    m.bufs[0].access = BUF_READ;
    tap_eq(ipc_call_sync(ch, &m, NULL), ERR_PERMISSION, "READ into a read-only buffer gives ERR_PERMISSION");
    bt_msg(&m, false, 0, BT_SECTOR, buf, sizeof(buf));
    m.data_len = 8;
    tap_eq(ipc_call_sync(ch, &m, NULL), ERR_BAD_FORMAT, "READ with 8 bytes of data gives ERR_BAD_FORMAT");
    msg_getattr(&m, "colour");
    tap_eq(ipc_call_sync(ch, &m, NULL), ERR_NOT_FOUND, "GETATTR colour gives ERR_NOT_FOUND");
    msg_setattr(&m, "geometry", "1");
    tap_eq(ipc_call_sync(ch, &m, NULL), ERR_NOT_SUPPORTED, "SETATTR geometry=1 gives ERR_NOT_SUPPORTED");
}

/* CLOSEs session ch with a call (the driver has forgotten it when the answer comes), then the handle. */
static long bt_close(handle_t ch)
{
    struct warp_msg m;
    msg_close(&m);
    long r = ipc_call_sync(ch, &m, NULL);
    warp_handle_close(ch);
    return r;
}

/* A client holds at most BT_SESSIONS_PER_CLIENT sessions: the next OPEN gives ERR_NO_RESOURCES. */
static void bt_session_cap(void)
{
    long more[BT_SESSIONS_PER_CLIENT - 1];
    unsigned opened = 0;
    for (unsigned i = 0; i < BT_SESSIONS_PER_CLIENT - 1; i++)
        if ((more[i] = ipc_open_sync(BT_INIT_CH, BLOCK_URI)) >= 0)
            opened++;
    tap_eq(opened, BT_SESSIONS_PER_CLIENT - 1, "3 more sessions open (4 of this client)");
    long r = ipc_open_sync(BT_INIT_CH, BLOCK_URI);
    tap_eq(r, ERR_NO_RESOURCES, "a fifth session of the client gives ERR_NO_RESOURCES");
    if (r >= 0)
        warp_handle_close((handle_t)r);
    unsigned closed = 0;
    for (unsigned i = 0; i < BT_SESSIONS_PER_CLIENT - 1; i++)
        closed += more[i] >= 0 && bt_close((handle_t)more[i]) == 0;
    tap_eq(closed, opened, "CLOSE of each gives 0");
}

/* A read the device fails gives ERR_IO, and the sectors beside it still read. */
static void bt_device_error(handle_t ch)
{
    static uint8_t buf[2 * BT_SECTOR];
    tap_eq(bt_io(ch, false, BT_BAD_SECTOR, BT_SECTOR, buf, sizeof(buf)), ERR_IO,
           "READ of sector 8000 (the host fails it) gives ERR_IO");
    tap_eq(bt_io(ch, false, BT_BAD_SECTOR - 1, 2 * BT_SECTOR, buf, sizeof(buf)), ERR_IO,
           "READ of sectors 7999..8000 gives ERR_IO");
    tap_eq(bt_io(ch, false, BT_BAD_SECTOR + 1, BT_SECTOR, buf, sizeof(buf)), BT_SECTOR,
           "READ of sector 8001 then gives 512");
}

/* A read of the sector the e2e case's stall variants hold back: its answer still comes, with the
 * right bytes (the driver resets the device after 5 s and reads again). Then the sector the timeout
 * variant holds past three resets: ERR_TIMED_OUT there (the diagnostic line tells the e2e case),
 * 512 zeros elsewhere; either way the sector reads right afterwards. */
static void bt_stall(handle_t ch)
{
    static uint8_t buf[BT_SECTOR];
    static const uint8_t zero[BT_SECTOR];
    memset(buf, 0xee, sizeof(buf));
    tap_eq(bt_io(ch, false, BT_STALL_SECTOR, BT_SECTOR, buf, sizeof(buf)), BT_SECTOR,
           "READ of sector 12000 gives 512 (the stall variants hold it past the deadline)");
    tap_ok(memcmp(buf, zero, BT_SECTOR) == 0, "it holds zeros, as the disk does there");
    memset(buf, 0xee, sizeof(buf));
    long r = bt_io(ch, false, BT_HOLD_SECTOR, BT_SECTOR, buf, sizeof(buf));
    tap_ok(r == ERR_TIMED_OUT || (r == BT_SECTOR && memcmp(buf, zero, BT_SECTOR) == 0),
           "READ of sector 13000 gives 512 zeros, or ERR_TIMED_OUT where the host holds it past 3 resets");
    tap_diag("READ of sector 13000: %s", r == BT_SECTOR ? "512" : err_str(r));
    memset(buf, 0xee, sizeof(buf));
    tap_eq(bt_io(ch, false, BT_HOLD_SECTOR, BT_SECTOR, buf, sizeof(buf)), BT_SECTOR,
           "READ of sector 13000 again gives 512");
    tap_ok(memcmp(buf, zero, BT_SECTOR) == 0, "it holds zeros");
}

/* The concurrent phase ran out of time. */
static void bt_on_timeout(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)l;
    (void)t;
    (void)ctx;
    bt.timed_out = true;
}

/* One concurrent call answered: counted good if it moved its BT_CONC_LEN bytes (a WRITE on a
 * read-only disk: if it got ERR_PERMISSION). */
static void bt_on_reply(struct loop *l, handle_t ch, struct warp_msg *msg, void *ctx)
{
    (void)l;
    (void)ch;
    uint32_t type = (uint32_t)(uintptr_t)ctx;
    bt.replies++;
    if (msg_result(msg, type) == (type == MSG_WRITE ? bt_write_result(BT_CONC_LEN) : BT_CONC_LEN))
        bt.good++;
}

/* Byte j of range i as the concurrent phase leaves it: WRITE i's data, or zeros on a read-only disk. */
static uint8_t bt_conc_byte(unsigned i, unsigned j)
{
    return bt.read_only ? 0 : bt_pattern(j, i);
}

/* BT_CONCURRENT READs or WRITEs sent at once, each of its own range; waits for every answer. */
static unsigned bt_concurrent(handle_t ch, bool write)
{
    bt.replies = bt.good = 0;
    unsigned sent = 0;
    for (unsigned i = 0; i < BT_CONCURRENT; i++) {
        struct warp_msg m;
        bt_msg(&m, write, BT_CONC_SECTOR + i * (BT_CONC_LEN / BT_SECTOR), BT_CONC_LEN, bt.bufs[i],
               BT_CONC_LEN);
        uint32_t type = write ? MSG_WRITE : MSG_READ;
        if (loop_call(&bt.loop, ch, &m, bt_on_reply, (void *)(uintptr_t)type) == 0)
            sent++;
    }
    bt.timed_out = false;
    loop_timeout_after(&bt.loop, &bt.timeout, BT_TIMEOUT_NS);
    while (bt.replies < sent && !bt.timed_out && loop_run_once(&bt.loop) >= 0)
        ;
    loop_timeout_cancel(&bt.loop, &bt.timeout);
    tap_eq(sent, BT_CONCURRENT, "%u %s calls sent at once", BT_CONCURRENT, write ? "WRITE" : "READ");
    return bt.good;
}

/* 40 WRITEs in flight at once, then 40 READs of the same ranges: every one right. */
static void bt_in_flight(handle_t ch)
{
    static const struct loop_channel_handlers none = {0};
    if (!tap_eq(loop_add_channel(&bt.loop, ch, &none, NULL), 0, "the session joins an event loop"))
        return;
    loop_timeout_init(&bt.timeout, bt_on_timeout, NULL);
    for (unsigned i = 0; i < BT_CONCURRENT; i++)
        for (unsigned j = 0; j < BT_CONC_LEN; j++)
            bt.bufs[i][j] = bt_pattern(j, i);
    tap_eq(bt_concurrent(ch, true), BT_CONCURRENT, "every concurrent WRITE gives %s",
           bt.read_only ? "ERR_PERMISSION" : "4096");
    memset(bt.bufs, 0xee, sizeof(bt.bufs));
    tap_eq(bt_concurrent(ch, false), BT_CONCURRENT, "every concurrent READ gives 4096");
    unsigned right = 0;
    for (unsigned i = 0; i < BT_CONCURRENT; i++) {
        bool same = true;
        for (unsigned j = 0; j < BT_CONC_LEN && same; j++)
            same = bt.bufs[i][j] == bt_conc_byte(i, j);
        right += same;
    }
    tap_eq(right, BT_CONCURRENT, "every concurrent READ gives back %s",
           bt.read_only ? "the disk's zeros" : "its WRITE's data");
    loop_remove(&bt.loop, ch);
}

/* Ignores a reply (the abandoned session's, which never come: its channel is closed). */
static void bt_on_ignored(struct loop *l, handle_t ch, struct warp_msg *msg, void *ctx)
{
    (void)l;
    (void)ch;
    (void)msg;
    (void)ctx;
}

/* GETATTR stats on session ch into text (n bytes): the reply's status, or the call's error. */
static long bt_stats(handle_t ch, char *text, size_t n)
{
    struct warp_msg m, reply;
    text[0] = '\0';
    msg_getattr(&m, "stats");
    long r = ipc_call_sync(ch, &m, &reply);
    if (r >= 0)
        msg_get_text(&reply, text, n);
    return r;
}

/* Asks the driver every BT_POLL_NS until no slot is in flight (its stats end in `busy 0`), for at
 * most BT_TIMEOUT_NS: a forgotten call keeps its slot until the device is done with it, and a session
 * that finds every slot taken may only queue 8 calls (ERR_QUEUE_FULL beyond). True once idle; text
 * (n bytes) holds the last stats. */
static bool bt_wait_idle(handle_t ch, char *text, size_t n)
{
    uint64_t deadline = warp_clock() + BT_TIMEOUT_NS;
    while (true) {
        static const char idle[] = " busy 0";
        size_t len = bt_stats(ch, text, n) > 0 ? strlen(text) : 0;
        if (len >= sizeof(idle) - 1 && strcmp(text + len - (sizeof(idle) - 1), idle) == 0)
            return true;
        if (warp_clock() > deadline)
            return false;
        bt.timed_out = false;
        loop_timeout_after(&bt.loop, &bt.timeout, BT_POLL_NS);
        while (!bt.timed_out && loop_run_once(&bt.loop) >= 0)
            ;
    }
}

/* A session that closes with 40 READs in flight: the driver forgets them and serves a new session. */
static void bt_abandon(void)
{
    static const struct loop_channel_handlers none = {0};
    long ch = ipc_open_sync(BT_INIT_CH, BLOCK_URI);
    if (!tap_ok(ch >= 0, "OPEN of a second session gives a channel") ||
        !tap_eq(loop_add_channel(&bt.loop, (handle_t)ch, &none, NULL), 0, "it joins the event loop"))
        return;
    unsigned sent = 0;
    for (unsigned i = 0; i < BT_CONCURRENT; i++) {
        struct warp_msg m;
        bt_msg(&m, false, BT_CONC_SECTOR + i * (BT_CONC_LEN / BT_SECTOR), BT_CONC_LEN, bt.bufs[i],
               BT_CONC_LEN);
        sent += loop_call(&bt.loop, (handle_t)ch, &m, bt_on_ignored, NULL) == 0;
    }
    tap_eq(sent, BT_CONCURRENT, "40 READs sent on it at once");
    tap_eq(loop_close(&bt.loop, (handle_t)ch), 0, "it closes with them in flight");
    static uint8_t buf[BT_HOST_LEN];
    long ch3 = ipc_open_sync(BT_INIT_CH, BLOCK_URI);
    if (!tap_ok(ch3 >= 0, "a third session opens"))
        return;
    for (unsigned i = 0; i < 3; i++) {
        memset(buf, 0, sizeof(buf));
        tap_eq(bt_io((handle_t)ch3, false, BT_HOST_SECTOR, BT_HOST_LEN, buf, sizeof(buf)), BT_HOST_LEN,
               "READ %u on the third session gives 4096", i + 1);
        tap_ok(bt_is_host(buf, BT_HOST_LEN, BT_HOST_SEED), "it holds the host's pattern");
    }
    char text[MSG_DATA_MAX + 1];
    tap_ok(bt_stats((handle_t)ch3, text, sizeof(text)) > 0 && strncmp(text, "requests ", 9) == 0,
           "GETATTR stats gives the counters");
    tap_diag("%s", text);
    if (!tap_ok(bt_wait_idle((handle_t)ch3, text, sizeof(text)),
                "the forgotten READs finish and give their slots back (busy 0)"))
        tap_diag("%s", text);
    warp_handle_close((handle_t)ch3);
}

/* The kill phase's calls: one per range, its result, and the calls cut off by the kill. */
static struct {
    long results[BT_CONCURRENT];
    unsigned replies, cut;
} btk;

/* One call of the kill phase answered (ERR_PEER_CLOSED if the driver died first). */
static void bt_on_kill_reply(struct loop *l, handle_t ch, struct warp_msg *msg, void *ctx)
{
    (void)l;
    (void)ch;
    unsigned i = (unsigned)(uintptr_t)ctx;
    btk.results[i] = msg_result(msg, i % 2 ? MSG_READ : MSG_WRITE);
    btk.replies++;
}

/* The driver died: its session leaves the loop, which must not close it (block_call does). */
static void bt_on_kill_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)ctx;
    loop_remove(l, ch);
}

/* Byte j of range i as the kill phase leaves it: even ranges were written with tag i + 100, odd ones
 * keep bt_in_flight's tag i; a read-only disk keeps its zeros. */
static uint8_t bt_kill_byte(unsigned i, unsigned j)
{
    return bt.read_only ? 0 : bt_pattern(j, i % 2 == 0 ? i + 100 : i);
}

/* Sends the kill phase's calls on session ch: even ranges written with tag i + 100, odd ones read
 * (bt_in_flight left tag i in them). The number sent. */
static unsigned bt_kill_send(handle_t ch)
{
    unsigned sent = 0;
    for (unsigned i = 0; i < BT_CONCURRENT; i++) {
        if (i % 2 == 0)
            for (unsigned j = 0; j < BT_CONC_LEN; j++)
                bt.bufs[i][j] = bt_pattern(j, i + 100);
        else
            memset(bt.bufs[i], 0xee, BT_CONC_LEN); /* not what any range holds */
        struct warp_msg m;
        bt_msg(&m, i % 2 == 0, BT_CONC_SECTOR + i * (BT_CONC_LEN / BT_SECTOR), BT_CONC_LEN, bt.bufs[i],
               BT_CONC_LEN);
        btk.results[i] = 1; /* no answer yet */
        sent += loop_call(&bt.loop, ch, &m, bt_on_kill_reply, (void *)(uintptr_t)i) == 0;
    }
    return sent;
}

/* Calls the kill cut off are sent again with block_call (a new session); then every range is read
 * back with it and compared (and each READ's buffer too). The ranges whose bytes are right. */
static unsigned bt_kill_check(struct block_client *bc)
{
    static uint8_t buf[BT_CONC_LEN];
    unsigned right = 0;
    for (unsigned i = 0; i < BT_CONCURRENT; i++) {
        struct warp_msg m;
        if (btk.results[i] == ERR_PEER_CLOSED) {
            btk.cut++;
            bt_msg(&m, i % 2 == 0, BT_CONC_SECTOR + i * (BT_CONC_LEN / BT_SECTOR), BT_CONC_LEN, bt.bufs[i],
                   BT_CONC_LEN);
            btk.results[i] = block_call(bc, &m, NULL);
        }
        memset(buf, 0xee, sizeof(buf));
        bt_msg(&m, false, BT_CONC_SECTOR + i * (BT_CONC_LEN / BT_SECTOR), BT_CONC_LEN, buf, sizeof(buf));
        bool write = i % 2 == 0;
        long want = write ? bt_write_result(BT_CONC_LEN) : BT_CONC_LEN;
        long got = btk.results[i] == want ? block_call(bc, &m, NULL) : 0;
        unsigned j = 0;
        while (got == BT_CONC_LEN && j < BT_CONC_LEN && buf[j] == bt_kill_byte(i, j) &&
               (write || bt.bufs[i][j] == buf[j]))
            j++;
        if (j == BT_CONC_LEN)
            right++;
        else
            tap_diag("range %u (%s): answered %ld (want %ld), read back %ld, first wrong byte %u", i,
                     write ? "WRITE" : "READ", btk.results[i], want, got, j);
    }
    return right;
}

/*
 * The driver killed mid-request: 40 WRITEs and READs in flight, then init is asked to restart
 * block:0 (blktest is admin = yes for this alone). Every call is answered with its bytes or cut off
 * with ERR_PEER_CLOSED; block_call sends the cut ones again on a new session once the restarted
 * driver registered, and every range then holds, and every READ gave, the right bytes.
 */
static void bt_driver_killed(struct block_client *bc)
{
    static const struct loop_channel_handlers handlers = {.on_peer_closed = bt_on_kill_closed};
    if (!tap_eq(loop_add_channel(&bt.loop, bc->ch, &handlers, NULL), 0,
                "the session joins the event loop again"))
        return;
    btk.replies = btk.cut = 0;
    unsigned sent = bt_kill_send(bc->ch);
    struct warp_msg m;
    msg_setattr(&m, "restart", "block:0");
    tap_eq(ipc_call_sync(BT_INIT_CH, &m, NULL), 0,
           "%u calls in flight, init kills the driver (SETATTR restart=block:0)", sent);
    bt.timed_out = false;
    loop_timeout_after(&bt.loop, &bt.timeout, BT_TIMEOUT_NS);
    while (btk.replies < sent && !bt.timed_out && loop_run_once(&bt.loop) >= 0)
        ;
    loop_timeout_cancel(&bt.loop, &bt.timeout);
    loop_remove(&bt.loop, bc->ch); /* if the driver answered every call before it died */
    tap_eq(btk.replies, sent, "each is answered or cut off by the kill");
    tap_eq(bt_kill_check(bc), BT_CONCURRENT,
           "after block_call retried the cut ones, all 40 ranges read right");
    tap_ok(bc->reopens >= 1, "block_call opened a new session on the restarted driver");
    tap_diag("%u calls cut off by the kill and sent again; %u sessions reopened", btk.cut, bc->reopens);
}

/* Runs every check; exit code 0 if all passed. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    (void)initfs;
    (void)initfs_size;
    struct block_client bc;
    long r = block_client_open(&bc, BT_INIT_CH);
    if (tap_eq(r, 0, "OPEN service/block:0 gives a channel")) {
        bt_geometry(bc.ch);
        bt_session_cap();
        bt_host_data(bc.ch);
        bt_write_read(bc.ch);
        bt_bad_requests(bc.ch);
        bt_device_error(bc.ch);
        bt_stall(bc.ch);
        if (tap_eq(loop_init(&bt.loop), 0, "an event loop for the concurrent calls")) {
            bt_in_flight(bc.ch);
            bt_abandon();
            bt_driver_killed(&bc);
        }
        struct warp_msg m;
        msg_close(&m);
        tap_eq(block_call(&bc, &m, NULL), 0, "CLOSE gives 0");
    } else {
        printf("#   %s\n", err_str(r));
    }
    tap_plan();
    tap_summary("blktest");
    return tap_failed() ? 1 : 0;
}
