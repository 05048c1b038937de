/* t_copy.c: tests of SYS_CALL_READ and SYS_CALL_WRITE: ranges, directions, pending calls, bad pointers, across processes. */
#include "tests.h"

#include <warp/string.h>

#define COPY_ID 0x77
#define COPY_SRC_LEN (2 * PAGE_SIZE + 300) /* bufs[0], BUF_READ, starts 5 bytes into a page */
#define COPY_DST_LEN 1000                  /* bufs[1], BUF_WRITE, crosses a page boundary */
#define COPY_BOTH_LEN 64                   /* bufs[2], both */

/* The caller's memory: one 5-page mapping holding the three buffers. */
struct copy_bufs {
    uint8_t *mem, *src, *dst, *both;
};

static uint8_t copy_tmp[COPY_SRC_LEN + 64];

/* Arguments for the bad-handle drivers. */
struct copy_ctx {
    bool write;
    uint64_t id;
};

/* SYS_CALL_READ/WRITE of 16 bytes of buffer 2 of call ctx->id on a raw handle value. */
static long copy_fn(long h, void *ctx)
{
    const struct copy_ctx *c = ctx;
    return warp_syscall6(c->write ? SYS_CALL_WRITE : SYS_CALL_READ, h, (long)c->id, 2, 0, (long)copy_tmp, 16);
}

/* Maps the caller's buffers and fills them; false if vm_map fails. */
static bool copy_bufs_make(struct copy_bufs *b)
{
    long mem = warp_vm_map(5 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    if (mem < 0) {
        tap_eq(mem, 0, "vm_map of the caller's buffers");
        return false;
    }
    b->mem = (uint8_t *)mem;
    b->src = b->mem + 5;
    b->dst = b->mem + 3 * PAGE_SIZE - 500;
    b->both = b->mem + 4 * PAGE_SIZE + 100;
    for (unsigned i = 0; i < COPY_SRC_LEN; i++)
        b->src[i] = TESTS_PATTERN(i);
    memset(b->both, 0x42, COPY_BOTH_LEN);
    return true;
}

/* Sends call COPY_ID with the three buffers on ch[0] and receives it on ch[1]. */
static bool copy_call(handle_t ch[2], const struct copy_bufs *b)
{
    struct warp_msg m = tests_msg(MSG_WRITE, MSG_CALL, COPY_ID, NULL);
    m.nbufs = 3;
    m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)b->src, .len = COPY_SRC_LEN, .access = BUF_READ};
    m.bufs[1] = (struct msg_buf){.addr = (uaddr_t)b->dst, .len = COPY_DST_LEN, .access = BUF_WRITE};
    m.bufs[2] =
        (struct msg_buf){.addr = (uaddr_t)b->both, .len = COPY_BOTH_LEN, .access = BUF_READ | BUF_WRITE};
    struct warp_msg got;
    bool ok =
        warp_channel_send(ch[0], &m) == 0 && warp_channel_recv(ch[1], &got) == 0 && got.call_id == COPY_ID;
    if (!ok)
        tap_ok(false, "a call with three buffers is sent and received");
    return ok;
}

/* True if copy_tmp[0..n) holds the pattern from offset off. */
static bool copy_tmp_is_pattern(uint64_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (copy_tmp[i] != TESTS_PATTERN(off + i))
            return false;
    return true;
}

/* call_read: whole buffer, offsets, the end, past the end, bad buffer indexes. */
static void copy_read(handle_t ch)
{
    memset(copy_tmp, 0, sizeof(copy_tmp));
    tap_eq(warp_call_read(ch, COPY_ID, 0, 0, copy_tmp, COPY_SRC_LEN), COPY_SRC_LEN,
           "call_read of a whole 3-page buffer returns its length");
    tap_ok(copy_tmp_is_pattern(0, COPY_SRC_LEN), "... and copies it exactly");
    memset(copy_tmp, 0, sizeof(copy_tmp));
    tap_eq(warp_call_read(ch, COPY_ID, 0, 4000, copy_tmp, 500), 500,
           "call_read of 500 bytes at offset 4000 returns 500");
    tap_ok(copy_tmp_is_pattern(4000, 500) && copy_tmp[500] == 0, "... and copies those bytes, no more");
    tap_eq(warp_call_read(ch, COPY_ID, 0, COPY_SRC_LEN - 10, copy_tmp, 100), 10,
           "call_read of 100 bytes 10 before the end returns 10");
    tap_ok(copy_tmp_is_pattern(COPY_SRC_LEN - 10, 10), "... the last 10 bytes");
    tap_eq(warp_call_read(ch, COPY_ID, 0, COPY_SRC_LEN - 10, copy_tmp, ~0ul), 10,
           "call_read of 2^64 - 1 bytes 10 before the end returns 10 (min of the two lengths)");
    tap_eq(warp_call_read(ch, COPY_ID, 0, COPY_SRC_LEN, copy_tmp, 100), 0,
           "call_read at offset == length returns 0");
    tap_eq(warp_call_read(ch, COPY_ID, 0, 0, copy_tmp, 0), 0, "call_read of 0 bytes returns 0");
    tap_eq(warp_call_read(ch, COPY_ID, 0, COPY_SRC_LEN + 1, copy_tmp, 1), ERR_INVALID_ARG,
           "call_read at offset length + 1 gives ERR_INVALID_ARG");
    tap_eq(warp_call_read(ch, COPY_ID, 0, 1ul << 63, copy_tmp, 1), ERR_INVALID_ARG,
           "call_read at offset 2^63 gives ERR_INVALID_ARG");
    tap_eq(warp_call_read(ch, COPY_ID, 3, 0, copy_tmp, 1), ERR_INVALID_ARG,
           "call_read of buffer 3 of a call with 3 buffers gives ERR_INVALID_ARG");
    tap_eq(warp_call_read(ch, COPY_ID, MSG_BUFS_MAX, 0, copy_tmp, 1), ERR_INVALID_ARG,
           "call_read of buffer MSG_BUFS_MAX gives ERR_INVALID_ARG");
    tap_eq(warp_syscall6(SYS_CALL_READ, ch, COPY_ID, (1l << 32), 0, (long)copy_tmp, 1), ERR_INVALID_ARG,
           "call_read of buffer 2^32 (0 in the low half) gives ERR_INVALID_ARG");
    tap_eq(warp_call_read(ch, COPY_ID, 1, 0, copy_tmp, 1), ERR_PERMISSION,
           "call_read of a BUF_WRITE-only buffer gives ERR_PERMISSION");
}

/* call_write: into the caller's memory, partial at the end, wrong direction. */
static void copy_write(handle_t ch, const struct copy_bufs *b)
{
    for (unsigned i = 0; i < COPY_DST_LEN; i++)
        copy_tmp[i] = TESTS_PATTERN2(i);
    tap_eq(warp_call_write(ch, COPY_ID, 1, 0, copy_tmp, COPY_DST_LEN), COPY_DST_LEN,
           "call_write of a whole buffer (crossing a page) returns its length");
    bool same = true;
    for (unsigned i = 0; i < COPY_DST_LEN; i++)
        same = same && b->dst[i] == TESTS_PATTERN2(i);
    tap_ok(same && b->dst[COPY_DST_LEN] == 0 && b->dst[-1] == 0,
           "... the caller's memory holds it, nothing around it changed");
    tap_eq(warp_call_write(ch, COPY_ID, 1, COPY_DST_LEN - 3, "abcdef", 6), 3,
           "call_write of 6 bytes 3 before the end returns 3");
    tap_ok(memcmp(b->dst + COPY_DST_LEN - 3, "abc", 3) == 0 && b->dst[COPY_DST_LEN] == 0,
           "... and writes only those 3");
    tap_eq(warp_call_write(ch, COPY_ID, 1, COPY_DST_LEN, "x", 1), 0,
           "call_write at offset == length returns 0");
    tap_eq(warp_call_write(ch, COPY_ID, 1, COPY_DST_LEN + 1, "x", 1), ERR_INVALID_ARG,
           "call_write at offset length + 1 gives ERR_INVALID_ARG");
    tap_eq(warp_call_write(ch, COPY_ID, 3, 0, "x", 1), ERR_INVALID_ARG,
           "call_write of buffer 3 of 3 gives ERR_INVALID_ARG");
    tap_eq(warp_call_write(ch, COPY_ID, 0, 0, "x", 1), ERR_PERMISSION,
           "call_write into a BUF_READ-only buffer gives ERR_PERMISSION");
    tap_ok(b->src[0] == TESTS_PATTERN(0), "... and leaves it unchanged");
    tap_eq(warp_call_write(ch, COPY_ID, 2, 10, "both", 4), 4, "call_write into a READ|WRITE buffer works");
    memset(copy_tmp, 0, 16);
    tap_eq(warp_call_read(ch, COPY_ID, 2, 8, copy_tmp, 8), 8, "... and call_read from it too");
    tap_ok(memcmp(copy_tmp,
                  "\x42\x42"
                  "both"
                  "\x42\x42",
                  8) == 0,
           "... reading back what was written");
}

/* Our side of the copy: bad pointers and read-only memory are ERR_BAD_ADDRESS. */
static void copy_our_pointers(handle_t ch)
{
    for (unsigned i = 0; i < tests_bad_ptr_count; i++) {
        tap_eq(warp_call_read(ch, COPY_ID, 0, 0, (void *)tests_bad_ptrs[i].addr, 16), ERR_BAD_ADDRESS,
               "call_read into %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
        tap_eq(warp_call_write(ch, COPY_ID, 1, 0, (const void *)tests_bad_ptrs[i].addr, 16), ERR_BAD_ADDRESS,
               "call_write from %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    }
    static const uint8_t ro[64];
    tap_eq(warp_call_read(ch, COPY_ID, 0, 0, (void *)(uintptr_t)ro, 16), ERR_BAD_ADDRESS,
           "call_read into read-only data gives ERR_BAD_ADDRESS");
    tap_eq(warp_call_read(ch, COPY_ID, 0, 0, (void *)(uintptr_t)main, 16), ERR_BAD_ADDRESS,
           "call_read into the text segment gives ERR_BAD_ADDRESS");
    uint8_t *top = tests_stack_top_poison();
    long r = warp_call_read(ch, COPY_ID, 0, 0, top + 8, 16);
    bool untouched = tests_stack_top_untouched();
    tap_eq(r, ERR_BAD_ADDRESS, "call_read running off the stack top gives ERR_BAD_ADDRESS");
    tap_ok(untouched, "... and writes none of the 8 bytes below the guard page");
    tap_eq(warp_call_write(ch, COPY_ID, 1, 0, (const void *)(USER_STACK_TOP - 8), 16), ERR_BAD_ADDRESS,
           "call_write from a range running off the stack top gives ERR_BAD_ADDRESS");
    tap_eq(warp_call_write(ch, COPY_ID, 1, 0, ro, 16), 16, "call_write from read-only data works");
}

/* The caller's side: buffers the kernel only checks when copying. */
static void copy_caller_pages(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    long ro = warp_vm_map(PAGE_SIZE, PROT_READ);
    struct warp_msg m = tests_msg(MSG_READ, MSG_CALL, 1, NULL);
    m.nbufs = 2;
    m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)ro, .len = PAGE_SIZE, .access = BUF_READ | BUF_WRITE};
    m.bufs[1] = (struct msg_buf){.addr = 0x7000000000, .len = PAGE_SIZE, .access = BUF_READ | BUF_WRITE};
    struct warp_msg got;
    tap_ok(warp_channel_send(ch[0], &m) == 0 && warp_channel_recv(ch[1], &got) == 0,
           "a call granting a PROT_READ page and an unmapped range is sent and received");
    tap_eq(warp_call_read(ch[1], 1, 0, 0, copy_tmp, 64), 64,
           "call_read from the caller's PROT_READ page works");
    tap_eq(warp_call_write(ch[1], 1, 0, 0, "x", 1), ERR_BAD_ADDRESS,
           "call_write into the caller's PROT_READ page gives ERR_BAD_ADDRESS");
    tap_ok(tests_all_zero((void *)ro, PAGE_SIZE), "... and the page stays zero");
    tap_eq(warp_call_read(ch[1], 1, 1, 0, copy_tmp, 64), ERR_BAD_ADDRESS,
           "call_read from the caller's unmapped range gives ERR_BAD_ADDRESS");
    tap_eq(warp_call_write(ch[1], 1, 1, 0, "x", 1), ERR_BAD_ADDRESS,
           "call_write into the caller's unmapped range gives ERR_BAD_ADDRESS");
    tests_reply(ch[1], 1, 0);
    warp_vm_unmap((void *)ro, PAGE_SIZE);
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
}

/* Copies need a call this end received and has not answered. */
static void copy_not_pending(handle_t ch[2], const struct copy_bufs *b)
{
    tap_eq(warp_call_read(ch[1], 12345, 0, 0, copy_tmp, 1), ERR_NOT_FOUND,
           "call_read of an unknown call id gives ERR_NOT_FOUND");
    tap_eq(warp_call_read(ch[0], COPY_ID, 0, 0, copy_tmp, 1), ERR_NOT_FOUND,
           "call_read on the caller's own end gives ERR_NOT_FOUND");
    handle_t other[2];
    if (tests_channel(other) == 0) {
        tap_eq(warp_call_read(other[1], COPY_ID, 0, 0, copy_tmp, 1), ERR_NOT_FOUND,
               "call_read on another channel gives ERR_NOT_FOUND");
        warp_handle_close(other[0]);
        warp_handle_close(other[1]);
    }
    struct warp_msg m = tests_msg(MSG_WRITE, MSG_CALL, COPY_ID + 1, NULL);
    m.nbufs = 1;
    m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)b->src, .len = 16, .access = BUF_READ | BUF_WRITE};
    warp_channel_send(ch[0], &m);
    tap_eq(warp_call_read(ch[1], COPY_ID + 1, 0, 0, copy_tmp, 1), ERR_NOT_FOUND,
           "call_read of a call not yet received gives ERR_NOT_FOUND");
    tap_eq(warp_call_write(ch[1], COPY_ID + 1, 0, 0, "x", 1), ERR_NOT_FOUND,
           "call_write to a call not yet received gives ERR_NOT_FOUND");
    tap_ok(b->src[0] == TESTS_PATTERN(0), "... and the buffer is unchanged");
    tests_drain(ch[1]);
    tests_reply(ch[1], COPY_ID + 1, 0);
    tests_reply(ch[1], COPY_ID, 0);
    tap_eq(warp_call_read(ch[1], COPY_ID, 0, 0, copy_tmp, 1), ERR_NOT_FOUND,
           "call_read after the reply gives ERR_NOT_FOUND");
    tap_eq(warp_call_write(ch[1], COPY_ID, 1, 0, "x", 1), ERR_NOT_FOUND,
           "call_write after the reply gives ERR_NOT_FOUND");
    tap_eq(tests_drain(ch[0]), 2, "the caller got both replies");
}

/* Bad handles, other types and missing rights for both copy calls. */
static void copy_handles(handle_t ch[2])
{
    struct tests_objs o;
    if (!tests_objs_make(&o))
        return;
    struct copy_ctx r = {false, COPY_ID}, w = {true, COPY_ID};
    tests_bad_handles("call_read", copy_fn, &r, ch[1]);
    tests_bad_handles("call_write", copy_fn, &w, ch[1]);
    tests_wrong_types("call_read", copy_fn, &r, &o, OBJ_CHANNEL);
    tests_wrong_types("call_write", copy_fn, &w, &o, OBJ_CHANNEL);
    tests_no_rights("call_read", copy_fn, &r, ch[1], RIGHT_READ);
    tests_no_rights("call_write", copy_fn, &w, ch[1], RIGHT_READ);
    long ro = warp_handle_reduce(ch[1], RIGHT_READ);
    tap_eq(ro > 0 ? copy_fn(ro, &r) : ro, 16,
           "call_read through a second handle (RIGHT_READ only) to the end works");
    tap_eq(ro > 0 ? copy_fn(ro, &w) : ro, 16,
           "call_write through it works too (copies need only RIGHT_READ)");
    warp_handle_close((handle_t)ro);
    tests_objs_close(&o);
}

/* The caller is a child: it checks what we wrote into its memory. */
static void copy_child_caller(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    long eq = warp_eventq_create();
    warp_eventq_add((handle_t)eq, ch[0], 1);
    long p = tests_spawn_with("caller", TESTS_CALLER, TESTS_CALLER_COPY, 0, &ch[1], 1);
    struct warp_event ev;
    long r = tests_wait_event((handle_t)eq, &ev, 10000);
    struct warp_msg *m = &ev.u.msg;
    tap_ok(r == 0 && ev.type == EV_MESSAGE && m->flags == MSG_CALL && m->call_id == TESTS_CALLER_ID &&
               m->nbufs == 2,
           "a child's call with two buffers arrives (%ld)", r);
    memset(copy_tmp, 0, sizeof(copy_tmp));
    tap_eq(warp_call_read(ch[0], TESTS_CALLER_ID, 0, 0, copy_tmp, TESTS_CALLER_LEN), TESTS_CALLER_LEN,
           "call_read of the child's whole buffer (unaligned, across 3 pages) returns its length");
    tap_ok(copy_tmp_is_pattern(0, TESTS_CALLER_LEN), "... and copies the child's pattern");
    for (unsigned i = 0; i < 300; i++)
        copy_tmp[i] = TESTS_PATTERN2(i);
    tap_eq(warp_call_write(ch[0], TESTS_CALLER_ID, 1, 0, copy_tmp, 1000), 300,
           "call_write of 1000 bytes into the child's 300-byte buffer returns 300");
    tap_eq(tests_reply(ch[0], TESTS_CALLER_ID, 77), 0, "the reply to the child returns 0");
    struct exit_info ei;
    tests_wait_close(p, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0, "the child saw the reply and exactly what we wrote into its buffer");
    warp_handle_close((handle_t)eq);
    warp_handle_close(ch[0]);
}

/* Waits up to 10 s for the reply to call id on ch (registered in eq); 0 or an ERR_*. */
static long copy_wait_reply(handle_t eq, uint64_t id, struct warp_msg *out)
{
    struct warp_event ev;
    long r = tests_wait_event(eq, &ev, 10000);
    if (r == 0 && (ev.type != EV_REPLY || ev.u.msg.call_id != id))
        r = ERR_INVALID_ARG;
    *out = ev.u.msg;
    return r;
}

/* The server is a child: it fills and sums buffers in our memory. */
static void copy_child_server(void)
{
    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    long eq = warp_eventq_create();
    warp_eventq_add((handle_t)eq, ch[0], 1);
    long p = tests_spawn_with("server", TESTS_SERVER, 0, 0, &ch[1], 1);
    long mem = warp_vm_map(4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    uint8_t *buf = (uint8_t *)mem + 7;
    size_t len = 3 * PAGE_SIZE + 11;
    struct warp_msg m = tests_msg(TESTS_OP_FILL, MSG_CALL, 1, NULL), got;
    m.nbufs = 1;
    m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)buf, .len = len, .access = BUF_WRITE};
    warp_channel_send(ch[0], &m);
    tap_eq(copy_wait_reply((handle_t)eq, 1, &got), 0, "a child server answers a fill call");
    tap_eq(got.status, (long)len, "... with the length of our buffer");
    bool filled = true;
    for (size_t i = 0; i < len; i++)
        filled = filled && buf[i] == TESTS_PATTERN(i);
    tap_ok(filled && buf[-1] == 0 && buf[len] == 0,
           "our buffer holds its pattern, nothing around it changed");
    m = tests_msg(TESTS_OP_SUM, MSG_CALL, 2, NULL);
    m.nbufs = 1;
    m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)buf, .len = len, .access = BUF_READ};
    warp_channel_send(ch[0], &m);
    long sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += buf[i];
    tap_eq(copy_wait_reply((handle_t)eq, 2, &got), 0, "the child answers a sum call");
    tap_ok(got.status == sum && got.data_len == 16 && memcmp(got.data, buf, 16) == 0,
           "... with the sum of our bytes and the first 16 of them");
    m = tests_msg(TESTS_OP_FILL, MSG_CALL, 3, NULL);
    m.nbufs = 1;
    m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)buf, .len = len, .access = BUF_READ};
    warp_channel_send(ch[0], &m);
    tap_eq(copy_wait_reply((handle_t)eq, 3, &got), 0, "the child answers a fill call on a read-only grant");
    tap_eq(got.status, ERR_PERMISSION, "... with the ERR_PERMISSION its call_write got");
    warp_vm_unmap((void *)mem, 4 * PAGE_SIZE);
    warp_handle_close((handle_t)eq);
    warp_handle_close(ch[0]);
    struct exit_info ei;
    tests_wait_close(p, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0, "the child server exits 0 when we close our end");
}

/* Memory copies. */
void test_copies(void)
{
    handle_t ch[2];
    struct copy_bufs b;
    if (tests_channel(ch) != 0 || !copy_bufs_make(&b))
        return;
    if (copy_call(ch, &b)) {
        copy_read(ch[1]);
        copy_write(ch[1], &b);
        copy_our_pointers(ch[1]);
        copy_handles(ch);
        copy_not_pending(ch, &b);
    }
    warp_vm_unmap(b.mem, 5 * PAGE_SIZE);
    warp_handle_close(ch[0]);
    warp_handle_close(ch[1]);
    copy_caller_pages();
    copy_child_caller();
    copy_child_server();
}
