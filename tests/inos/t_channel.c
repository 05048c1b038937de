/* t_channel.c: tests of SYS_CHANNEL_CREATE, SYS_CHANNEL_SEND and SYS_CHANNEL_RECV: messages, validation, moved handles, backpressure. */
#include "tests.h"

#include <warp/fmt.h>
#include <warp/string.h>

static struct warp_msg chan_msg; /* what the bad-handle drivers send */

/* SYS_CHANNEL_SEND of chan_msg on a raw handle value. */
static long chan_send_fn(long h, void *ctx)
{
    (void)ctx;
    return warp_syscall6(SYS_CHANNEL_SEND, h, (long)&chan_msg, 0, 0, 0, 0);
}

/* SYS_CHANNEL_RECV on a raw handle value. */
static long chan_recv_fn(long h, void *ctx)
{
    (void)ctx;
    struct warp_msg m;
    return warp_syscall6(SYS_CHANNEL_RECV, h, (long)&m, 0, 0, 0, 0);
}

/* Sends chan_msg on ch moving handle h (for the bad-handle driver on moved handles). */
static long chan_move_fn(long h, void *ctx)
{
    handle_t ch = *(handle_t *)ctx;
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, "move");
    m.nhandles = 1;
    m.handles[0] = (handle_t)h;
    return warp_channel_send(ch, &m);
}

/* channel_create's output pointer. */
static void chan_create(void)
{
    unsigned free0 = tests_handles_free();
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(warp_channel_create((handle_t *)tests_bad_ptrs[i].addr), ERR_BAD_ADDRESS,
               "channel_create into %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    static const handle_t ro[2];
    tap_eq(warp_channel_create((handle_t *)(uintptr_t)ro), ERR_BAD_ADDRESS,
           "channel_create into read-only data gives ERR_BAD_ADDRESS");
    uint8_t *top = tests_stack_top_poison();
    long r = warp_channel_create((handle_t *)(top + 12));
    bool untouched = tests_stack_top_untouched();
    tap_eq(r, ERR_BAD_ADDRESS,
           "channel_create with the second end running off the stack top gives ERR_BAD_ADDRESS");
    tap_ok(untouched, "... and writes none of the first end below the guard page");
    tap_eq(tests_handles_free(), free0, "the refused creates left no handle behind");
}

/* One-way messages: contents, order, both directions, empty queue. */
static void chan_basic(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    struct warp_msg m = tests_msg(MSG_USER + 5, 0, 0, "hello");
    m.status = 1234;
    tap_eq(warp_channel_send(ch[0], &m), 0, "send of a one-way message returns 0");
    struct warp_msg got;
    memset(&got, 0xff, sizeof(got));
    tap_eq(warp_channel_recv(ch[1], &got), 0, "recv at the other end returns 0");
    tap_ok(tests_msg_is(&got, MSG_USER + 5, "hello") && got.flags == 0 && got.status == 1234 &&
               got.nhandles == 0 && got.nbufs == 0,
           "it carries the type, data and status sent, no flags, handles or buffers");
    tap_eq(warp_channel_recv(ch[1], &got), ERR_WOULD_BLOCK, "recv of an empty queue gives ERR_WOULD_BLOCK");
    tap_eq(warp_channel_recv(ch[0], &got), ERR_WOULD_BLOCK, "nothing came back to the sending end");
    static const char *const words[] = {"one", "two", "three"};
    for (unsigned i = 0; i < 3; i++)
        tests_send_text(ch[0], words[i]);
    bool order = true;
    for (unsigned i = 0; i < 3; i++)
        order = order && warp_channel_recv(ch[1], &got) == 0 && tests_msg_is(&got, TESTS_OP_NOTE, words[i]);
    tap_ok(order, "three messages arrive in the order sent");
    tap_eq(tests_send_text(ch[1], "back"), 0, "the other end sends too");
    tap_ok(warp_channel_recv(ch[0], &got) == 0 && tests_msg_is(&got, TESTS_OP_NOTE, "back"),
           "... and the first end receives it");
    m = tests_msg(MSG_USER, 0, 0, NULL);
    m.data_len = MSG_DATA_MAX;
    for (unsigned i = 0; i < MSG_DATA_MAX; i++)
        m.data[i] = TESTS_PATTERN(i);
    tap_eq(warp_channel_send(ch[0], &m), 0, "send of MSG_DATA_MAX data bytes returns 0");
    tap_ok(warp_channel_recv(ch[1], &got) == 0 && got.data_len == MSG_DATA_MAX &&
               memcmp(got.data, m.data, MSG_DATA_MAX) == 0,
           "all MSG_DATA_MAX bytes arrive");
    static const struct warp_msg ro_msg = {.type = MSG_USER, .data_len = 2, .data = "ro"};
    tap_eq(warp_channel_send(ch[0], &ro_msg), 0, "send of a message in read-only data works");
    tap_ok(warp_channel_recv(ch[1], &got) == 0 && tests_msg_is(&got, MSG_USER, "ro"), "... and it arrives");
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

/*
 * Only the header (with the handles), data[0..data_len) and bufs[0..nbufs) are copied, both ways:
 * a sender's unused bytes never reach the receiver, whose unused bytes stay as they were.
 */
static void chan_partial_copies(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    struct warp_msg m, got;
    memset(&m, 0x5c, sizeof(m)); /* the sender's unused bytes */
    m.type = MSG_USER;
    m.flags = 0;
    m.data_len = 5;
    m.nhandles = 0;
    m.nbufs = 0;
    memcpy(m.data, "abcde", 5);
    warp_channel_send(ch[0], &m);
    memset(&got, 0xaa, sizeof(got));
    tap_eq(warp_channel_recv(ch[1], &got), 0, "a message with 5 data bytes and no buffers is received");
    uint8_t aa[MSG_DATA_MAX];
    memset(aa, 0xaa, sizeof(aa));
    tap_ok(memcmp(got.data, "abcde", 5) == 0 && memcmp(got.data + 5, aa, MSG_DATA_MAX - 5) == 0,
           "... the receiver's data past data_len is left as it was");
    tap_ok(memcmp(got.bufs, aa, sizeof(got.bufs)) == 0,
           "... and so are its bufs[] (none of the sender's unused bufs[] bytes arrive)");
    m.flags = MSG_CALL;
    m.call_id = 3;
    m.nbufs = 1;
    m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)aa, .len = 16, .access = BUF_READ};
    warp_channel_send(ch[0], &m);
    memset(&got, 0xaa, sizeof(got));
    warp_channel_recv(ch[1], &got);
    tap_ok(got.nbufs == 1 && got.bufs[0].addr == 0 && got.bufs[0].len == 16 &&
               memcmp(&got.bufs[1], aa, 3 * sizeof(got.bufs[0])) == 0,
           "a call with one buffer fills bufs[0] only");
    tests_reply(ch[1], 3, 0);
    tests_drain(ch[0]);
    /* The sender's side: nothing past data[data_len) is read, so it may lie in an unmapped page. */
    long page = warp_vm_map(PAGE_SIZE, PROT_READ | PROT_WRITE);
    if (page > 0) {
        struct warp_msg *edge =
            (struct warp_msg *)(page + PAGE_SIZE - __builtin_offsetof(struct warp_msg, data) - 5);
        memset(edge, 0, __builtin_offsetof(struct warp_msg, data));
        edge->type = MSG_USER;
        edge->data_len = 5;
        memcpy(edge->data, "edge!", 5);
        tap_eq(warp_channel_send(ch[0], edge), 0,
               "send of a message whose data ends exactly at an unmapped page works");
        tap_ok(warp_channel_recv(ch[1], &got) == 0 && tests_msg_is(&got, MSG_USER, "edge!"),
               "... and it arrives");
        warp_vm_unmap((void *)page, PAGE_SIZE);
    }
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

/* Bad message and output pointers: refused, and nothing sent or lost. */
static void chan_bad_pointers(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    struct warp_msg got;
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(warp_channel_send(ch[0], (const struct warp_msg *)tests_bad_ptrs[i].addr), ERR_BAD_ADDRESS,
               "send of a message at %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    struct warp_msg *top = (struct warp_msg *)(USER_STACK_TOP - 16);
    tap_eq(warp_channel_send(ch[0], top), ERR_BAD_ADDRESS,
           "send of a message running off the stack top gives ERR_BAD_ADDRESS");
    tap_eq(warp_channel_recv(ch[1], &got), ERR_WOULD_BLOCK, "none of them was sent");
    tests_send_text(ch[0], "keep me");
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(warp_channel_recv(ch[1], (struct warp_msg *)tests_bad_ptrs[i].addr), ERR_BAD_ADDRESS,
               "recv into %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    static const struct warp_msg ro;
    tap_eq(warp_channel_recv(ch[1], (struct warp_msg *)(uintptr_t)&ro), ERR_BAD_ADDRESS,
           "recv into read-only data gives ERR_BAD_ADDRESS");
    tap_eq(warp_channel_recv(ch[1], (struct warp_msg *)(uintptr_t)main), ERR_BAD_ADDRESS,
           "recv into the text segment gives ERR_BAD_ADDRESS");
    top = tests_stack_top_poison();
    long r = warp_channel_recv(ch[1], top);
    bool untouched = tests_stack_top_untouched();
    tap_eq(r, ERR_BAD_ADDRESS, "recv running off the stack top gives ERR_BAD_ADDRESS");
    tap_ok(untouched, "... and writes none of the 16 bytes below the guard page");
    tap_ok(warp_channel_recv(ch[1], &got) == 0 && tests_msg_is(&got, TESTS_OP_NOTE, "keep me"),
           "the message stayed queued through the refused receives");
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

/* One malformed message: expect the error and nothing sent. */
static void chan_expect_refused(handle_t ch[2], const struct warp_msg *m, long err, const char *what)
{
    struct warp_msg got;
    long r = warp_channel_send(ch[0], m);
    long q = warp_channel_recv(ch[1], &got);
    tap_eq(r, err, "send of %s gives %s", what, tests_err_name(err));
    if (q != ERR_WOULD_BLOCK)
        tap_ok(false, "... but something was sent (recv: %ld)", q);
    if (q == 0 && (got.flags & MSG_CALL)) {
        tests_reply(ch[1], got.call_id, 0);
        tests_drain(ch[0]);
    }
}

/* The flags, data_len and nhandles the kernel validates. */
static void chan_invalid(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    struct warp_msg m;
    static const struct {
        uint32_t flags;
        const char *what;
    } flags[] = {
        {MSG_CALL | MSG_REPLY, "flags MSG_CALL|MSG_REPLY"},
        {4, "unknown flag 4"},
        {1u << 31, "unknown flag bit 31"},
        {MSG_CALL | 8, "MSG_CALL with unknown flag 8"},
    };
    for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        m = tests_msg(MSG_USER, flags[i].flags, 1, "x");
        chan_expect_refused(ch, &m, ERR_INVALID_ARG, flags[i].what);
    }
    m = tests_msg(MSG_USER, 0, 0, NULL);
    m.data_len = MSG_DATA_MAX + 1;
    chan_expect_refused(ch, &m, ERR_INVALID_ARG, "data_len MSG_DATA_MAX + 1");
    m.data_len = UINT32_MAX;
    chan_expect_refused(ch, &m, ERR_INVALID_ARG, "data_len 2^32 - 1");
    m = tests_msg(MSG_USER, 0, 0, NULL);
    m.nhandles = MSG_HANDLES_MAX + 1;
    chan_expect_refused(ch, &m, ERR_INVALID_ARG, "nhandles MSG_HANDLES_MAX + 1");
    m.nhandles = UINT16_MAX;
    chan_expect_refused(ch, &m, ERR_INVALID_ARG, "nhandles 65535");
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

/* Buffer descriptors: only in calls, at most MSG_BUFS_MAX, access bits non-empty and known. */
static void chan_invalid_bufs(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    struct warp_msg m;
    static uint8_t page[64];
    struct msg_buf good = {.addr = (uaddr_t)page, .len = sizeof(page), .access = BUF_READ};
    m = tests_msg(MSG_USER, MSG_CALL, 2, NULL);
    m.nbufs = MSG_BUFS_MAX + 1;
    for (unsigned i = 0; i < MSG_BUFS_MAX; i++)
        m.bufs[i] = good;
    chan_expect_refused(ch, &m, ERR_INVALID_ARG, "a call with nbufs MSG_BUFS_MAX + 1");
    m.nbufs = UINT16_MAX;
    chan_expect_refused(ch, &m, ERR_INVALID_ARG, "a call with nbufs 65535");
    m = tests_msg(MSG_USER, 0, 0, NULL);
    m.nbufs = 1;
    m.bufs[0] = good;
    chan_expect_refused(ch, &m, ERR_INVALID_ARG, "a one-way message with a buffer");
    static const struct {
        uint32_t access;
        const char *what;
    } access[] = {
        {0, "access 0"},
        {4, "unknown access bit 4"},
        {BUF_READ | BUF_WRITE | 8, "BUF_READ|BUF_WRITE with unknown bit 8"},
        {1u << 31, "unknown access bit 31"},
    };
    for (unsigned i = 0; i < sizeof(access) / sizeof(access[0]); i++) {
        m = tests_msg(MSG_USER, MSG_CALL, 3, NULL);
        m.nbufs = 2;
        m.bufs[0] = good;
        m.bufs[1] = good;
        m.bufs[1].access = access[i].access;
        char what[96];
        fmt_snprintf(what, sizeof(what), "a call whose bufs[1] has %s", access[i].what);
        chan_expect_refused(ch, &m, ERR_INVALID_ARG, what);
    }
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

/* Buffer ranges: inside the user half they need not be mapped; anything else is refused. */
static void chan_buffer_ranges(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    static const struct {
        uint64_t addr, len;
        const char *what;
    } bad[] = {
        {0xfffffffffffff000, 0x2000, "wrapping around 2^64"},
        {0x1000, ~0ul, "of length 2^64 - 1 (wrapping)"},
        {USER_TOP - 16, 32, "crossing the end of the user half"},
        {USER_TOP, 16, "starting at the end of the user half"},
        {0xffff800000000000, 16, "in the kernel half"},
        {0xffffffff80000000, 4096, "on the kernel image"},
        {0x8000000000000000, 16, "at non-canonical 0x8000000000000000"},
    };
    struct warp_msg m;
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        m = tests_msg(MSG_USER, MSG_CALL, 10 + i, NULL);
        m.nbufs = 1;
        m.bufs[0] = (struct msg_buf){.addr = bad[i].addr, .len = bad[i].len, .access = BUF_READ};
        char what[96];
        fmt_snprintf(what, sizeof(what), "a call with a buffer %s", bad[i].what);
        chan_expect_refused(ch, &m, ERR_BAD_ADDRESS, what);
    }
    m = tests_msg(MSG_USER, MSG_CALL, 10, NULL);
    tap_eq(warp_channel_send(ch[0], &m), 0, "the refused calls left no call id pending (id 10 is free)");
    m = tests_msg(MSG_USER, MSG_CALL, 30, NULL);
    m.nbufs = 2;
    m.bufs[0] = (struct msg_buf){.addr = 0x7000000000, .len = 1ul << 30, .access = BUF_READ | BUF_WRITE};
    m.bufs[1] = (struct msg_buf){.addr = USER_TOP - 16, .len = 16, .access = BUF_WRITE};
    tap_eq(warp_channel_send(ch[0], &m), 0,
           "a call with unmapped buffers inside the user half (one ending at USER_TOP) is accepted");
    struct warp_msg got;
    tap_ok(warp_channel_recv(ch[1], &got) == 0 && got.call_id == 10, "the receiver gets call 10");
    tests_reply(ch[1], got.call_id, 0);
    tap_ok(warp_channel_recv(ch[1], &got) == 0 && got.call_id == 30 && got.nbufs == 2,
           "... then call 30 with 2 buffers");
    tap_ok(got.bufs[0].addr == 0 && got.bufs[0].len == (1ul << 30) &&
               got.bufs[0].access == (BUF_READ | BUF_WRITE) && got.bufs[1].addr == 0 &&
               got.bufs[1].len == 16 && got.bufs[1].access == BUF_WRITE,
           "received buffer descriptors keep len and access and show addr 0");
    tests_reply(ch[1], got.call_id, 0);
    tap_eq(tests_drain(ch[0]), 2, "both calls are answered");
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

/* send and recv refuse bad handles, other object types and missing rights. */
static void chan_bad_handles(void)
{
    struct tests_objs o;
    if (!tests_objs_make(&o))
        return;
    chan_msg = tests_msg(TESTS_OP_NOTE, 0, 0, "bad");
    tests_bad_handles("channel_send", chan_send_fn, NULL, o.chan[0]);
    tests_bad_handles("channel_recv", chan_recv_fn, NULL, o.chan[1]);
    tests_wrong_types("channel_send", chan_send_fn, NULL, &o, OBJ_CHANNEL);
    tests_wrong_types("channel_recv", chan_recv_fn, NULL, &o, OBJ_CHANNEL);
    tests_no_rights("channel_send", chan_send_fn, NULL, o.chan[0], RIGHT_WRITE);
    tests_no_rights("channel_recv", chan_recv_fn, NULL, o.chan[1], RIGHT_READ);
    tap_eq(tests_drain(o.chan[1]), 0, "none of the refused sends arrived");
    long w = warp_handle_reduce(o.chan[0], RIGHT_WRITE);
    tap_eq(w > 0 ? chan_send_fn(w, NULL) : w, 0, "send through a handle reduced to RIGHT_WRITE works");
    long r = warp_handle_reduce(o.chan[1], RIGHT_READ);
    tap_eq(r > 0 ? chan_recv_fn(r, NULL) : r, 0, "recv through a handle reduced to RIGHT_READ works");
    warp_handle_close((handle_t)w);
    warp_handle_close((handle_t)r);
    tests_objs_close(&o);
}

/* Handles moved in a message leave the sender and arrive intact. */
static void chan_move(void)
{
    handle_t a[2], b[2];
    if (tests_channel(a) != 0 || tests_channel(b) != 0)
        return;
    long t = warp_timer_create(), eq = warp_eventq_create();
    long p = tests_spawn("exit42", TESTS_EXIT_42, 0, 0);
    long b_rt = warp_handle_reduce(b[1], RIGHT_READ | RIGHT_TRANSFER);
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, "four");
    m.nhandles = 4;
    m.handles[0] = (handle_t)t;
    m.handles[1] = (handle_t)eq;
    m.handles[2] = b[0];
    m.handles[3] = (handle_t)p;
    tap_eq(warp_channel_send(a[0], &m), 0,
           "send moving four handles (timer, event queue, channel end, process) returns 0");
    unsigned gone = 0;
    for (unsigned i = 0; i < 4; i++)
        gone += warp_handle_info(m.handles[i], &(struct handle_info){0, 0}) == ERR_BAD_HANDLE;
    tap_eq(gone, 4, "all four are gone from the sender");
    struct warp_msg got;
    tap_eq(warp_channel_recv(a[1], &got), 0, "the receiver gets the message");
    tap_ok(got.nhandles == 4 && tests_handle_is(got.handles[0], OBJ_TIMER, RIGHTS_ALL) &&
               tests_handle_is(got.handles[1], OBJ_EVENTQ, RIGHTS_ALL) &&
               tests_handle_is(got.handles[2], OBJ_CHANNEL, RIGHTS_ALL) &&
               tests_handle_is(got.handles[3], OBJ_PROCESS, RIGHTS_ALL),
           "... with four new handles, in order, of the same types and rights");
    tap_eq(tests_send_text(got.handles[2], "through moved end"), 0, "the moved channel end sends");
    struct warp_msg x;
    tap_ok(warp_channel_recv(b[1], &x) == 0 && tests_msg_is(&x, TESTS_OP_NOTE, "through moved end"),
           "... and its peer receives");
    struct exit_info ei;
    tap_eq(warp_wait(got.handles[3], &ei), 0, "the moved process handle waits");
    tap_exit(&ei, EXIT_NORMAL, 42, "... and gives the child's record");
    for (unsigned i = 0; i < 4; i++)
        warp_handle_close(got.handles[i]);
    /* Reduced rights travel as they are. */
    m = tests_msg(TESTS_OP_NOTE, 0, 0, "reduced");
    m.nhandles = 1;
    m.handles[0] = (handle_t)b_rt;
    warp_channel_send(a[0], &m);
    tap_ok(warp_channel_recv(a[1], &got) == 0 && got.nhandles == 1 &&
               tests_handle_is(got.handles[0], OBJ_CHANNEL, RIGHT_READ | RIGHT_TRANSFER),
           "a handle reduced to READ|TRANSFER arrives with exactly those rights");
    warp_handle_close(got.handles[0]);
    warp_handle_close(b[1]);
    warp_handle_close(a[0]);
    warp_handle_close(a[1]);
}

/* Moves the send must refuse; the handles stay with the sender and nothing is sent. */
static void chan_move_refused(void)
{
    handle_t a[2];
    if (tests_channel(a) != 0)
        return;
    long t = warp_timer_create(), t2 = warp_timer_create();
    long nt = warp_handle_reduce((handle_t)t2, RIGHT_READ | RIGHT_WRITE);
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, "refused");
    m.nhandles = 2;
    m.handles[0] = (handle_t)t;
    m.handles[1] = (handle_t)nt;
    chan_expect_refused(a, &m, ERR_NO_RIGHTS, "a message moving a handle without RIGHT_TRANSFER");
    m.handles[1] = (handle_t)t;
    chan_expect_refused(a, &m, ERR_INVALID_ARG, "a message moving the same handle twice");
    m.nhandles = 1;
    m.handles[0] = a[0];
    chan_expect_refused(a, &m, ERR_INVALID_ARG, "a message moving the channel it is sent on");
    /* Its peer would land in its own queue, where nothing could ever take it out or free it. */
    m.handles[0] = a[1];
    chan_expect_refused(a, &m, ERR_INVALID_ARG,
                        "a message moving the channel's own peer end (into its own queue)");
    m.nhandles = 2;
    m.handles[0] = (handle_t)t;
    m.handles[1] = (handle_t)t2;
    warp_handle_close((handle_t)t2);
    chan_expect_refused(a, &m, ERR_BAD_HANDLE, "a message moving a valid handle and a closed one");
    tap_ok(tests_handle_is((handle_t)t, OBJ_TIMER, RIGHTS_ALL) &&
               tests_handle_is((handle_t)nt, OBJ_TIMER, RIGHT_READ | RIGHT_WRITE) &&
               tests_handle_is(a[0], OBJ_CHANNEL, RIGHTS_ALL) &&
               tests_handle_is(a[1], OBJ_CHANNEL, RIGHTS_ALL),
           "after the refused sends every handle is still the sender's");
    tests_bad_handles("channel_send moving a handle", chan_move_fn, &a[0], 0);
    tap_eq(tests_drain(a[1]), 0, "none of those sends delivered anything");
    warp_handle_close((handle_t)t);
    warp_handle_close((handle_t)nt);
    warp_handle_close(a[0]);
    warp_handle_close(a[1]);
}

/* MSG_QUEUE_MAX messages wait at one end; one more is ERR_QUEUE_FULL and nothing is sent. */
static void chan_queue_full(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    struct warp_msg m = tests_msg(MSG_USER, 0, 0, NULL);
    unsigned sent = 0;
    for (unsigned i = 0; i < MSG_QUEUE_MAX; i++) {
        m.status = i;
        sent += warp_channel_send(ch[0], &m) == 0;
    }
    tap_eq(sent, MSG_QUEUE_MAX, "MSG_QUEUE_MAX messages are queued");
    m.status = 1000;
    tap_eq(warp_channel_send(ch[0], &m), ERR_QUEUE_FULL, "one more gives ERR_QUEUE_FULL");
    long t = warp_timer_create();
    m.nhandles = 1;
    m.handles[0] = (handle_t)t;
    tap_eq(warp_channel_send(ch[0], &m), ERR_QUEUE_FULL, "one more moving a handle gives ERR_QUEUE_FULL");
    tap_ok(tests_handle_is((handle_t)t, OBJ_TIMER, RIGHTS_ALL), "... and the handle stays with the sender");
    m.nhandles = 0;
    struct warp_msg c = tests_msg(MSG_USER, MSG_CALL, 5, NULL);
    tap_eq(warp_channel_send(ch[0], &c), ERR_QUEUE_FULL, "a call to a full queue gives ERR_QUEUE_FULL");
    tap_eq(tests_send_text(ch[1], "other way"), 0, "the other direction is not affected");
    struct warp_msg got;
    tap_eq(warp_channel_recv(ch[1], &got), 0, "recv takes one message off the full queue");
    tap_ok(got.status == 0, "... the first one sent (status %ld)", (long)got.status);
    m.status = MSG_QUEUE_MAX;
    tap_eq(warp_channel_send(ch[0], &m), 0, "then one more can be sent");
    tap_eq(warp_channel_send(ch[0], &m), ERR_QUEUE_FULL, "... and the next is ERR_QUEUE_FULL again");
    bool order = true;
    unsigned n = 0;
    while (warp_channel_recv(ch[1], &got) == 0) {
        order = order && got.status == (int64_t)(n + 1) && got.flags == 0;
        n++;
    }
    tap_eq(n, MSG_QUEUE_MAX, "exactly MSG_QUEUE_MAX messages were waiting");
    tap_ok(order, "... in the order sent, none of the refused ones among them");
    tap_eq(warp_channel_send(ch[0], &c), 0, "call id 5 was not left pending by the refused call");
    tests_drain(ch[1]);
    tests_drain(ch[0]);
    warp_handle_close((handle_t)t);
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

/* Closing one end: the peer drains what was queued, then sees ERR_PEER_CLOSED. */
static void chan_peer_closed(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    tests_send_text(ch[0], "first");
    tests_send_text(ch[0], "second");
    warp_handle_close(ch[0]);
    struct warp_msg got;
    tap_ok(warp_channel_recv(ch[1], &got) == 0 && tests_msg_is(&got, TESTS_OP_NOTE, "first"),
           "after the peer closes, messages it sent before are still received");
    tap_ok(warp_channel_recv(ch[1], &got) == 0 && tests_msg_is(&got, TESTS_OP_NOTE, "second"),
           "... all of them");
    tap_eq(warp_channel_recv(ch[1], &got), ERR_PEER_CLOSED, "then recv gives ERR_PEER_CLOSED");
    tap_eq(warp_channel_recv(ch[1], &got), ERR_PEER_CLOSED, "... and keeps giving it");
    tap_eq(tests_send_text(ch[1], "void"), ERR_PEER_CLOSED, "send to a closed peer gives ERR_PEER_CLOSED");
    long t = warp_timer_create();
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, "void");
    m.nhandles = 1;
    m.handles[0] = (handle_t)t;
    tap_eq(warp_channel_send(ch[1], &m), ERR_PEER_CLOSED,
           "send moving a handle to a closed peer gives ERR_PEER_CLOSED");
    tap_ok(tests_handle_is((handle_t)t, OBJ_TIMER, RIGHTS_ALL), "... and the handle stays with the sender");
    warp_handle_close((handle_t)t);
    warp_handle_close(ch[1]);

    /* The receiving end closes with a message queued that carries a channel end: that end is closed. */
    handle_t a[2], b[2];
    if (tests_channel(a) != 0 || tests_channel(b) != 0)
        return;
    m = tests_msg(TESTS_OP_NOTE, 0, 0, "undelivered");
    m.nhandles = 1;
    m.handles[0] = b[1];
    tap_eq(warp_channel_send(a[0], &m), 0, "a message moving a channel end is queued");
    warp_handle_close(a[1]);
    tap_eq(warp_channel_recv(b[0], &got), ERR_PEER_CLOSED,
           "closing the end it waits at closes the end inside it: its peer sees ERR_PEER_CLOSED");
    tap_eq(tests_send_text(b[0], "x"), ERR_PEER_CLOSED, "... and cannot send to it");
    tap_eq(tests_send_text(a[0], "x"), ERR_PEER_CLOSED, "the sender's end now gives ERR_PEER_CLOSED");
    warp_handle_close(a[0]);
    warp_handle_close(b[0]);
}

/* Channels: create, send, recv, validation, moved handles, backpressure, peer close. */
void test_channels(void)
{
    chan_create();
    chan_basic();
    chan_bad_pointers();
    chan_partial_copies();
    chan_invalid();
    chan_invalid_bufs();
    chan_buffer_ranges();
    chan_bad_handles();
    chan_move();
    chan_move_refused();
    chan_queue_full();
    chan_peer_closed();
}
