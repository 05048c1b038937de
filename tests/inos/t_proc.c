/* t_proc.c: tests of process handles: SYS_WAIT, SYS_KILL, records that outlive the process, handles moved in at spawn. */
#include "tests.h"

#include <warp/string.h>

static struct exit_info proc_ei;

/* SYS_WAIT on a raw handle value. */
static long proc_wait_fn(long h, void *ctx)
{
    (void)ctx;
    return warp_syscall6(SYS_WAIT, h, (long)&proc_ei, 0, 0, 0, 0);
}

/* SYS_KILL on a raw handle value. */
static long proc_kill_fn(long h, void *ctx)
{
    (void)ctx;
    return warp_syscall6(SYS_KILL, h, 0, 0, 0, 0, 0);
}

/* wait and kill refuse every handle that is not a process handle with the right. */
static void proc_bad_handles(void)
{
    struct tests_objs o;
    if (!tests_objs_make(&o))
        return;
    tests_bad_handles("wait", proc_wait_fn, NULL, o.proc);
    tests_bad_handles("kill", proc_kill_fn, NULL, o.proc);
    tests_wrong_types("wait", proc_wait_fn, NULL, &o, OBJ_PROCESS);
    tests_wrong_types("kill", proc_kill_fn, NULL, &o, OBJ_PROCESS);
    tests_no_rights("wait", proc_wait_fn, NULL, o.proc, RIGHT_READ);
    tests_no_rights("kill", proc_kill_fn, NULL, o.proc, RIGHT_WRITE);
    long ro = warp_handle_reduce(o.proc, RIGHT_READ);
    tap_eq(ro > 0 ? proc_wait_fn(ro, NULL) : ro, 0, "wait through a handle reduced to RIGHT_READ works");
    tap_exit(&proc_ei, EXIT_NORMAL, 42, "... and gives the record (EXIT_NORMAL 42)");
    if (ro > 0)
        warp_handle_close((handle_t)ro);
    struct exit_info ei;
    tests_run("foreign", TESTS_FOREIGN, (uint64_t)o.proc, 0, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0,
             "wait, kill, info and close in a child on our process handle's value give ERR_BAD_HANDLE "
             "(handles are per process; code = bitmask of the others)");
    tests_objs_close(&o);
}

/* wait: the handle, the record, repeated waits, a bad out pointer, and a closed handle. */
static void proc_wait(void)
{
    struct exit_info ei;
    long p = tests_spawn("exit42", TESTS_EXIT_42, 0, 0);
    tap_ok(p > 0, "spawn returns a process handle > 0 (%ld)", p);
    tap_ok(tests_handle_is((handle_t)p, OBJ_PROCESS, RIGHTS_ALL),
           "handle_info of it says OBJ_PROCESS with all rights");
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(warp_wait((handle_t)p, (struct exit_info *)tests_bad_ptrs[i].addr), ERR_BAD_ADDRESS,
               "wait with the record at %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    tap_eq(warp_wait((handle_t)p, (struct exit_info *)(uintptr_t)main), ERR_BAD_ADDRESS,
           "wait with the record in the text segment gives ERR_BAD_ADDRESS");
    long r = warp_wait((handle_t)p, tests_stack_top_poison());
    bool untouched = tests_stack_top_untouched();
    tap_eq(r, ERR_BAD_ADDRESS, "wait with the record running off the stack top gives ERR_BAD_ADDRESS");
    tap_ok(untouched, "... and writes none of the 16 bytes below the guard page");
    memset(&ei, 0xff, sizeof(ei));
    tap_eq(warp_wait((handle_t)p, &ei), 0, "wait returns 0");
    tap_exit(&ei, EXIT_NORMAL, 42, "exit(42) is reported as EXIT_NORMAL with code 42");
    memset(&ei, 0xff, sizeof(ei));
    tap_eq(warp_wait((handle_t)p, &ei), 0, "a second wait on the same handle returns 0");
    tap_exit(&ei, EXIT_NORMAL, 42, "... with the same record");
    tap_eq(warp_wait((handle_t)p, &ei), 0, "a third wait returns 0 too");
    tap_eq(warp_kill((handle_t)p), 0, "kill of a process that already exited returns 0");
    tap_eq(warp_wait((handle_t)p, &ei), 0, "wait after that kill returns 0");
    tap_exit(&ei, EXIT_NORMAL, 42, "... and its record still says EXIT_NORMAL code 42");
    tap_eq(warp_handle_close((handle_t)p), 0, "close of the process handle returns 0");
    tap_eq(warp_wait((handle_t)p, &ei), ERR_BAD_HANDLE, "wait on the closed handle gives ERR_BAD_HANDLE");
    tap_eq(warp_kill((handle_t)p), ERR_BAD_HANDLE, "kill of the closed handle gives ERR_BAD_HANDLE");
    long q = tests_spawn("exit42", TESTS_EXIT_42, 0, 0); /* takes the freed slot */
    tap_ok(q > 0 && q != p, "the next process handle differs from the closed one (%ld, was %ld)", q, p);
    tap_eq(warp_wait((handle_t)p, &ei), ERR_BAD_HANDLE,
           "wait on the stale value (slot reused) gives ERR_BAD_HANDLE");
    tap_eq(warp_kill((handle_t)p), ERR_BAD_HANDLE, "kill of the stale value gives ERR_BAD_HANDLE");
    tests_wait_close(q, &ei);
    tap_exit(&ei, EXIT_NORMAL, 42, "... and the new process was not touched by them");
    uint64_t t0 = warp_clock();
    tests_run("sleeper", TESTS_SLEEP, 100, 0, &ei);
    uint64_t took = warp_clock() - t0;
    tap_exit(&ei, EXIT_NORMAL, 0, "a child that sleeps 100 ms exits 0");
    tap_ok(took >= 100 * TESTS_MS, "wait blocks until that child ends (%lu ms)",
           (unsigned long)(took / TESTS_MS));
}

/* The record lives while any handle does; the process lives on when all are closed. */
static void proc_lifetime(void)
{
    uint64_t nprocs = tests_nprocs();
    struct exit_info ei;
    long p = tests_spawn("exit42", TESTS_EXIT_42, 0, 0);
    long second = p > 0 ? warp_handle_reduce((handle_t)p, RIGHT_READ) : p;
    tap_ok(second > 0 && second != p, "handle_reduce of a process handle gives a second handle");
    tap_eq(warp_handle_close((handle_t)p), 0, "the first handle closes");
    tap_eq(warp_wait((handle_t)second, &ei), 0, "wait through the second one still works");
    tap_exit(&ei, EXIT_NORMAL, 42, "... and gives the record (EXIT_NORMAL 42)");
    warp_handle_close((handle_t)second);
    tap_eq((long)tests_nprocs(), (long)nprocs, "nprocs is back once both handles are closed");

    handle_t ch[2];
    if (tests_channel(ch) != 0)
        return;
    p = tests_spawn_with("late", TESTS_SEND_LATE, 100, 0, &ch[1], 1);
    tap_ok(p > 0, "spawn of a child that sends a message after 100 ms, with a channel end moved in");
    tap_eq(warp_handle_close((handle_t)p), 0, "its process handle closes at once");
    struct warp_msg m;
    long r;
    uint64_t deadline = warp_clock() + 3000 * TESTS_MS;
    while ((r = warp_channel_recv(ch[0], &m)) == ERR_WOULD_BLOCK && warp_clock() < deadline)
        warp_yield();
    tap_ok(r == 0 && tests_msg_is(&m, TESTS_OP_NOTE, "late"),
           "the child lives on without a handle to it and sends its message (%ld)", r);
    while ((r = warp_channel_recv(ch[0], &m)) == ERR_WOULD_BLOCK && warp_clock() < deadline)
        warp_yield();
    tap_eq(r, ERR_PEER_CLOSED, "its channel end closes when it exits");
    warp_handle_close(ch[0]);
    while (tests_nprocs() != nprocs && warp_clock() < deadline)
        warp_yield();
    tap_eq((long)tests_nprocs(), (long)nprocs, "nprocs is back once it has exited (nobody holds a handle)");
}

/* A process handle moved into another process works there and is gone here. */
static void proc_handle_moved(void)
{
    struct exit_info ei;
    long p = tests_spawn("exit42", TESTS_EXIT_42, 0, 0);
    handle_t h = (handle_t)p;
    long w = tests_spawn_with("waiter", TESTS_WAIT_HANDLE, 0, 0, &h, 1);
    tap_ok(w > 0, "spawn with our process handle of another child moved in");
    tap_eq(warp_handle_info(h, &(struct handle_info){0, 0}), ERR_BAD_HANDLE,
           "the moved process handle is gone from us");
    tests_wait_close(w, &ei);
    tap_exit(&ei, EXIT_NORMAL, 43, "the receiver waits on its sibling through it (exit code 42 + 1)");
}

/* kill: a running child, twice, and a child blocked in wait whose grandchild is then orphaned. */
static void proc_kill(void)
{
    struct exit_info ei;
    long p = tests_spawn("spinner", TESTS_SPIN, 0, 0);
    tests_sleep_ms(20);
    tap_eq(warp_kill((handle_t)p), 0, "kill of a spinning child returns 0");
    tap_eq(warp_kill((handle_t)p), 0, "a second kill of the same child returns 0");
    tap_eq(warp_wait((handle_t)p, &ei), 0, "wait on the killed child returns 0");
    tap_exit(&ei, EXIT_KILLED, 0, "the killed child is reported as EXIT_KILLED");
    warp_handle_close((handle_t)p);

    uint64_t nprocs = tests_nprocs();
    p = tests_spawn("waiter", TESTS_WAIT_BLOCKED, 0, SPAWN_SHARE_INITFS);
    tests_sleep_ms(50); /* let it start its grandchild and block in wait */
    tap_eq(warp_kill((handle_t)p), 0, "kill of a child blocked in wait returns 0");
    tap_eq(tests_wait_close(p, &ei), 0, "wait on it returns 0");
    tap_exit(&ei, EXIT_KILLED, 0, "the child killed in wait is reported as EXIT_KILLED");
    uint64_t deadline = warp_clock() + 2000 * TESTS_MS;
    while (tests_nprocs() != nprocs && warp_clock() < deadline)
        warp_yield();
    tap_eq((long)tests_nprocs(), (long)nprocs,
           "its grandchild (whose only handle died with it) is gone once it exits (within 2 s)");
}

/* Spawns an exit-42 child with the handle list given; a child that starts anyway is waited for. */
static long proc_spawn_moving(const handle_t *h, uint64_t n)
{
    struct spawn_args a = {
        .name = (uaddr_t) "mover",
        .name_len = 5,
        .image = (uaddr_t)tests_env.self,
        .image_len = tests_env.self_len,
        .arg = TESTS_ARG(TESTS_EXIT_42, 0),
        .handles = (uaddr_t)h,
        .nhandles = n,
    };
    long r = warp_spawn(&a);
    struct exit_info ei;
    if (r > 0)
        tests_wait_close(r, &ei);
    return r;
}

/* SYS_SPAWN with one bad handle in its list (for the bad-handle driver). */
static long proc_spawn_fn(long h, void *ctx)
{
    (void)ctx;
    handle_t list[1] = {(handle_t)h};
    return proc_spawn_moving(list, 1);
}

/* spawn's handle list: refused lists leave every handle with us. */
static void proc_spawn_bad_lists(void)
{
    handle_t t[SPAWN_HANDLES_MAX + 1];
    unsigned made = 0;
    for (unsigned i = 0; i < SPAWN_HANDLES_MAX + 1; i++) {
        long r = warp_timer_create();
        t[i] = r > 0 ? (handle_t)r : 0;
        made += r > 0;
    }
    if (made != SPAWN_HANDLES_MAX + 1)
        tap_ok(false, "timer_create x9 for the spawn handle-list tests");
    uint64_t nprocs = tests_nprocs();
    tap_eq(proc_spawn_moving(t, SPAWN_HANDLES_MAX + 1), ERR_INVALID_ARG,
           "spawn moving SPAWN_HANDLES_MAX + 1 handles gives ERR_INVALID_ARG");
    tap_eq(proc_spawn_moving(t, 1ul << 32), ERR_INVALID_ARG,
           "spawn with nhandles 2^32 gives ERR_INVALID_ARG");
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(proc_spawn_moving((const handle_t *)tests_bad_ptrs[i].addr, 1), ERR_BAD_ADDRESS,
               "spawn with the handle list at %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    handle_t *top = tests_stack_top_borrow(); /* 2 handles fit below the guard page */
    memcpy(top, t, 2 * sizeof(handle_t));
    long r = proc_spawn_moving(top, 3);
    tests_stack_top_restore();
    tap_eq(r, ERR_BAD_ADDRESS, "spawn with a handle list running off the stack top gives ERR_BAD_ADDRESS");
    tests_bad_handles("spawn moving a handle", proc_spawn_fn, NULL, 0);
    long nt = warp_handle_reduce(t[0], RIGHT_READ | RIGHT_WRITE);
    handle_t no_transfer[2] = {t[1], (handle_t)nt};
    tap_eq(proc_spawn_moving(no_transfer, 2), ERR_NO_RIGHTS,
           "spawn moving a handle without RIGHT_TRANSFER gives ERR_NO_RIGHTS");
    warp_handle_close((handle_t)nt);
    handle_t dup[3] = {t[2], t[3], t[2]};
    r = proc_spawn_moving(dup, 3);
    tap_ok(r < 0, "spawn moving the same handle twice is refused (%s)", tests_err_name(r));
    handle_t good[2] = {t[4], t[5]};
    struct spawn_args a = {
        .name = (uaddr_t) "bad-image",
        .name_len = 9,
        .image = (uaddr_t)tests_env.self,
        .image_len = 100, /* cut inside the program headers */
        .handles = (uaddr_t)good,
        .nhandles = 2,
    };
    tap_eq(warp_spawn(&a), ERR_BAD_FORMAT, "spawn of a broken image with two handles gives ERR_BAD_FORMAT");
    unsigned still = 0;
    for (unsigned i = 0; i < SPAWN_HANDLES_MAX + 1; i++)
        still += tests_handle_is(t[i], OBJ_TIMER, RIGHTS_ALL);
    tap_eq(still, SPAWN_HANDLES_MAX + 1, "after the refused spawns all 9 handles are still ours");
    tap_eq((long)tests_nprocs(), (long)nprocs, "no process is left over from the refused spawns");
    for (unsigned i = 0; i < SPAWN_HANDLES_MAX + 1; i++)
        warp_handle_close(t[i]);
}

/* Eight handles of every type and some reduced rights arrive as 1..8, in order; ours are gone. */
static void proc_spawn_handles(void)
{
    handle_t ch[2], ch2[2];
    if (tests_channel(ch) != 0 || tests_channel(ch2) != 0)
        return;
    long eq = warp_eventq_create(), timer = warp_timer_create();
    long proc = tests_spawn("exit42", TESTS_EXIT_42, 0, 0);
    long ch_rt = warp_handle_reduce(ch[1], RIGHT_READ | RIGHT_TRANSFER);
    long timer_wt = warp_handle_reduce((handle_t)timer, RIGHT_WRITE | RIGHT_TRANSFER);
    long eq2 = warp_eventq_create();
    const struct {
        long h;
        uint32_t type, rights;
    } in[SPAWN_HANDLES_MAX] = {
        {ch[0], OBJ_CHANNEL, RIGHTS_ALL},  {ch_rt, OBJ_CHANNEL, RIGHT_READ | RIGHT_TRANSFER},
        {eq, OBJ_EVENTQ, RIGHTS_ALL},      {timer, OBJ_TIMER, RIGHTS_ALL},
        {proc, OBJ_PROCESS, RIGHTS_ALL},   {timer_wt, OBJ_TIMER, RIGHT_WRITE | RIGHT_TRANSFER},
        {ch2[0], OBJ_CHANNEL, RIGHTS_ALL}, {eq2, OBJ_EVENTQ, RIGHTS_ALL},
    };
    handle_t list[SPAWN_HANDLES_MAX];
    uint64_t payload = TESTS_HIN_PAYLOAD(SPAWN_HANDLES_MAX);
    for (unsigned i = 0; i < SPAWN_HANDLES_MAX; i++) {
        list[i] = (handle_t)in[i].h;
        payload |= TESTS_HIN_ENTRY(i + 1, in[i].type, in[i].rights);
    }
    struct exit_info ei;
    long p = tests_spawn_with("handles-in", TESTS_HANDLES_IN, payload, 0, list, SPAWN_HANDLES_MAX);
    tap_ok(p > 0, "spawn moving SPAWN_HANDLES_MAX handles of every type works (%ld)", p);
    unsigned gone = 0;
    for (unsigned i = 0; i < SPAWN_HANDLES_MAX; i++)
        gone += warp_handle_info(list[i], &(struct handle_info){0, 0}) == ERR_BAD_HANDLE;
    tap_eq(gone, SPAWN_HANDLES_MAX, "all eight moved handles are gone from us");
    tests_wait_close(p, &ei);
    tap_exit(&ei, EXIT_NORMAL, 0,
             "the child finds them as handles 1..8 in order, with their types and rights, and nothing "
             "as handle 9 (code = bitmask of mismatches)");
    /* We kept ch[1]; the child's end of that pair closed when it exited. */
    struct warp_msg m;
    tap_eq(warp_channel_recv(ch[1], &m), ERR_PEER_CLOSED,
           "the moved channel end closed when the child exited: our end sees ERR_PEER_CLOSED");
    warp_handle_close(ch[1]);
    warp_handle_close(ch2[1]);
}

/* wait and kill, success and failure, through process handles. */
void test_wait_kill(void)
{
    proc_bad_handles();
    proc_wait();
    proc_lifetime();
    proc_handle_moved();
    proc_kill();
    proc_spawn_bad_lists();
    proc_spawn_handles();
}
