/* ipcutil.c: helpers of the IPC tests: messages, handle counting, and the bad-handle, wrong-type and rights drivers. */
#include "tests.h"

#include <warp/string.h>

/* One handle of each type; false (with a TAP failure) if any could not be made. */
bool tests_objs_make(struct tests_objs *o)
{
    memset(o, 0, sizeof(*o));
    long r = warp_channel_create(o->chan);
    long eq = warp_eventq_create(), timer = warp_timer_create();
    long proc = tests_spawn("objs", TESTS_EXIT_42, 0, 0);
    o->eq = eq > 0 ? (handle_t)eq : 0;
    o->timer = timer > 0 ? (handle_t)timer : 0;
    o->proc = proc > 0 ? (handle_t)proc : 0;
    struct exit_info ei;
    if (o->proc)
        warp_wait(o->proc, &ei);
    bool ok = r == 0 && o->chan[0] > 0 && o->chan[1] > 0 && o->eq && o->timer && o->proc;
    if (!ok)
        tap_ok(false,
               "a channel, an event queue, a timer and a process for the wrong-type tests (%ld %ld %ld %ld)",
               r, eq, timer, proc);
    return ok;
}

/* Closes what tests_objs_make made. */
void tests_objs_close(struct tests_objs *o)
{
    handle_t all[] = {o->chan[0], o->chan[1], o->eq, o->timer, o->proc};
    for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i] > 0)
            warp_handle_close(all[i]);
    memset(o, 0, sizeof(*o));
}

/*
 * Calls fn with every kind of handle value that names nothing in this process and expects
 * ERR_BAD_HANDLE: 0, negative, out of range, never handed out, closed, stale (its slot since reused),
 * and a valid handle with bits above the 32 of handle_t set in the register. valid is a handle fn
 * would accept; 0 skips that last case (handles passed in memory are 32-bit).
 */
void tests_bad_handles(const char *call, tests_handle_fn fn, void *ctx, handle_t valid)
{
    /* stale: close it, then make another object, which takes the freed slot (with a new generation) */
    long stale = warp_timer_create();
    warp_handle_close((handle_t)stale);
    long reuse = warp_timer_create();
    /* closed: its slot stays free while fn runs (fn makes nothing before checking its handle) */
    long closed = warp_timer_create();
    warp_handle_close((handle_t)closed);
    const struct {
        const char *what;
        long value;
    } bad[] = {
        {"0", 0},
        {"-1", -1},
        {"INT32_MIN", INT32_MIN},
        {"HANDLES_MAX + 1 (out of range)", HANDLES_MAX + 1},
        {"INT32_MAX (never handed out)", INT32_MAX},
        {"just closed", closed},
        {"stale (closed, its slot reused since)", stale},
        {"valid + 2^32 (upper register half set)", valid ? (long)((1ul << 32) | (uint32_t)valid) : 0},
        {"INT64_MIN", (long)(1ul << 63)},
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (bad[i].value == 0 && i != 0)
            continue;
        tap_eq(fn(bad[i].value, ctx), ERR_BAD_HANDLE, "%s with handle %s gives ERR_BAD_HANDLE", call,
               bad[i].what);
    }
    if (stale <= 0 || closed <= 0 || reuse <= 0 || reuse == stale)
        tap_diag("timers for the closed and stale handles: %ld %ld %ld", stale, reuse, closed);
    if (reuse > 0)
        warp_handle_close((handle_t)reuse);
}

/* Calls fn with a handle of each type other than right_type and expects ERR_WRONG_TYPE. */
void tests_wrong_types(const char *call, tests_handle_fn fn, void *ctx, const struct tests_objs *o,
                       uint32_t right_type)
{
    const struct {
        uint32_t type;
        const char *what;
        handle_t h;
    } objs[] = {
        {OBJ_CHANNEL, "a channel", o->chan[0]},
        {OBJ_EVENTQ, "an event queue", o->eq},
        {OBJ_TIMER, "a timer", o->timer},
        {OBJ_PROCESS, "a process", o->proc},
    };
    for (unsigned i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        if (objs[i].type != right_type)
            tap_eq(fn(objs[i].h, ctx), ERR_WRONG_TYPE, "%s on %s gives ERR_WRONG_TYPE", call, objs[i].what);
}

/* Calls fn with a copy of valid that has every right but `needed`; expects ERR_NO_RIGHTS. */
void tests_no_rights(const char *call, tests_handle_fn fn, void *ctx, handle_t valid, unsigned needed)
{
    static const char *const names[] = {"", "RIGHT_READ", "RIGHT_WRITE", "", "RIGHT_TRANSFER", "",
                                        "", "",           "RIGHT_MANAGE"};
    long h = warp_handle_reduce(valid, RIGHTS_KNOWN & ~needed);
    if (h < 0) {
        tap_eq(h, 1, "handle_reduce for the %s rights test", call);
        return;
    }
    tap_eq(fn(h, ctx), ERR_NO_RIGHTS, "%s through a handle without %s gives ERR_NO_RIGHTS", call,
           needed < 9 ? names[needed] : "the right");
    warp_handle_close((handle_t)h);
}

/* The name of an error code ("ERR_NOT_FOUND"), for test descriptions. */
const char *tests_err_name(long err)
{
    switch (err) {
#define TESTS_ERR_CASE(name, value, text) \
    case value: return #name;
        WARP_ERRORS(TESTS_ERR_CASE)
#undef TESTS_ERR_CASE
    }
    return err == 0 ? "0" : "an unknown error";
}

/* A message of type with flags and call id; text (may be NULL) as its data. */
struct warp_msg tests_msg(uint32_t type, uint32_t flags, uint64_t call_id, const char *text)
{
    struct warp_msg m;
    memset(&m, 0, sizeof(m));
    m.type = type;
    m.flags = flags;
    m.call_id = call_id;
    if (text) {
        m.data_len = (uint32_t)strnlen(text, MSG_DATA_MAX);
        memcpy(m.data, text, m.data_len);
    }
    return m;
}

/* Sends a one-way TESTS_OP_NOTE carrying text. */
long tests_send_text(handle_t ch, const char *text)
{
    struct warp_msg m = tests_msg(TESTS_OP_NOTE, 0, 0, text);
    return warp_channel_send(ch, &m);
}

/* Sends a call of type with call_id, no data. */
long tests_send_call(handle_t ch, uint32_t type, uint64_t call_id)
{
    struct warp_msg m = tests_msg(type, MSG_CALL, call_id, NULL);
    return warp_channel_send(ch, &m);
}

/* Replies to call_id with status. */
long tests_reply(handle_t ch, uint64_t call_id, int64_t status)
{
    struct warp_msg m = tests_msg(MSG_USER, MSG_REPLY, call_id, NULL);
    m.status = status;
    return warp_channel_send(ch, &m);
}

/* True if m has this type and exactly text as its data. */
bool tests_msg_is(const struct warp_msg *m, uint32_t type, const char *text)
{
    size_t n = strlen(text);
    return m->type == type && m->data_len == n && memcmp(m->data, text, n) == 0;
}

/* Creates a channel pair; a failure is a TAP failure (and ch[] zero). */
long tests_channel(handle_t ch[2])
{
    ch[0] = ch[1] = 0;
    long r = warp_channel_create(ch);
    if (r != 0) {
        tap_eq(r, 0, "channel_create for the next tests");
        ch[0] = ch[1] = 0;
    }
    return r;
}

/* Receives and drops everything queued at ch (closing handles that came with it); returns the count. */
unsigned tests_drain(handle_t ch)
{
    unsigned n = 0;
    struct warp_msg m;
    while (n < 1000 && warp_channel_recv(ch, &m) == 0) {
        for (unsigned i = 0; i < m.nhandles && i < MSG_HANDLES_MAX; i++)
            warp_handle_close(m.handles[i]);
        n++;
    }
    return n;
}

/* Free slots in our handle table, counted by filling it with timers (then closed again). */
unsigned tests_handles_free(void)
{
    static handle_t made[HANDLES_MAX + 1];
    unsigned n = 0;
    long t;
    while (n <= HANDLES_MAX && (t = warp_timer_create()) > 0)
        made[n++] = (handle_t)t;
    for (unsigned i = 0; i < n; i++)
        warp_handle_close(made[i]);
    return n;
}

/* True if h names an object of this type with exactly these rights. */
bool tests_handle_is(handle_t h, uint32_t type, uint32_t rights)
{
    struct handle_info hi = {0, 0};
    return warp_handle_info(h, &hi) == 0 && hi.type == type && hi.rights == rights;
}

/* Waits for the next event on eq for at most timeout_ms (0: poll); returns eventq_wait's result. */
long tests_wait_event(handle_t eq, struct warp_event *ev, uint64_t timeout_ms)
{
    memset(ev, 0, sizeof(*ev));
    uint64_t deadline = timeout_ms ? warp_clock() + timeout_ms * TESTS_MS : DEADLINE_NONE;
    return warp_eventq_wait(eq, ev, deadline);
}
