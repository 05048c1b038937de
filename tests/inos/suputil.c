/* suputil.c: a supervised child for the tests: spawning it, loading code into it, answering its traps. */
#include "tests.h"

#include <warp/string.h>

/* The child's channel end is moved into it; a refused spawn moves nothing, so both ends are ours. */
long sup_spawn(struct sup *s, const uint64_t *limits)
{
    memset(s, 0, sizeof(*s));
    handle_t c[2];
    if (tests_channel(c) < 0)
        return ERR_NO_MEMORY;
    struct spawn_args a = {.name = (uaddr_t) "supervised",
                           .name_len = 10,
                           .flags = SPAWN_SUPERVISED,
                           .handles = (uaddr_t)&c[1],
                           .nhandles = 1};
    if (limits)
        memcpy(a.limits, limits, sizeof(a.limits));
    s->proc = warp_spawn(&a);
    s->ch = c[0];
    s->eq = s->proc > 0 ? warp_eventq_create() : 0;
    if (s->proc < 0 || s->eq < 0 || warp_eventq_add((handle_t)s->eq, s->ch, 0) < 0) {
        long err = s->proc < 0 ? s->proc : ERR_NO_MEMORY;
        if (s->proc < 0)
            warp_handle_close(c[1]);
        sup_close(s);
        return err;
    }
    return 0;
}

/* W^X holds for the child too: the code page is written while writable, then made executable. */
long sup_load(struct sup *s, const uint8_t *code, size_t len, uint64_t rax)
{
    handle_t p = (handle_t)s->proc;
    long r = warp_proc_vm_map(p, SUP_CODE, PAGE_SIZE, PROT_READ | PROT_WRITE);
    if (r >= 0)
        r = warp_proc_vm_write(p, SUP_CODE, code, len);
    if (r >= 0)
        r = warp_proc_vm_protect(p, SUP_CODE, PAGE_SIZE, PROT_READ | PROT_EXEC);
    if (r >= 0)
        r = warp_proc_vm_map(p, SUP_STACK, PAGE_SIZE, PROT_READ | PROT_WRITE);
    struct cpu_regs regs;
    if (r >= 0)
        r = warp_proc_get_regs(p, &regs);
    if (r < 0)
        return r;
    regs.pc = SUP_CODE;
    regs.sp = SUP_STACK + PAGE_SIZE;
    regs.rax = rax;
    return warp_proc_set_regs(p, &regs);
}

/* A trap is a call from the kernel with a struct trap_info as its data. */
bool sup_trap(struct sup *s, struct trap_info *ti, uint64_t *call_id, const char *what)
{
    struct warp_event ev;
    long r = tests_wait_event((handle_t)s->eq, &ev, 1000);
    const struct warp_msg *m = &ev.u.msg;
    bool ok = r == 0 && ev.type == EV_MESSAGE && m->type == MSG_TRAP && m->flags == MSG_CALL &&
              m->data_len == sizeof(*ti) && m->nhandles == 0;
    tap_ok(ok, "%s: the supervisor gets a MSG_TRAP call", what);
    if (!ok) {
        tap_diag("wait %s, event %u, type %u, flags %u, data_len %u", tests_err_name(r), ev.type, m->type,
                 m->flags, m->data_len);
        return false;
    }
    memcpy(ti, m->data, sizeof(*ti));
    *call_id = m->call_id;
    return true;
}

/* A reply of type MSG_TRAP (any type does: the kernel reads the status). */
long sup_reply(struct sup *s, uint64_t call_id, int64_t status)
{
    struct warp_msg r = {.type = MSG_TRAP, .flags = MSG_REPLY, .call_id = call_id, .status = status};
    return warp_channel_send(s->ch, &r);
}

/* Watched through an event queue of its own, so that a child that does not end cannot hang the suite. */
bool sup_exit(struct sup *s, bool kill, struct exit_info *ei)
{
    memset(ei, 0, sizeof(*ei));
    if (kill)
        warp_kill((handle_t)s->proc);
    long eq = warp_eventq_create();
    struct warp_event ev;
    bool ended = eq > 0 && warp_eventq_add((handle_t)eq, (handle_t)s->proc, 0) == 0 &&
                 tests_wait_event((handle_t)eq, &ev, 1000) == 0 && ev.type == EV_PROC_EXIT;
    if (ended)
        *ei = ev.u.exit;
    if (eq > 0)
        warp_handle_close((handle_t)eq);
    return ended;
}

/* Safe on a half-made or already closed one: zeroed fields are skipped. */
void sup_close(struct sup *s)
{
    if (s->proc > 0) {
        warp_kill((handle_t)s->proc);
        warp_handle_close((handle_t)s->proc);
    }
    if (s->ch)
        warp_handle_close(s->ch);
    if (s->eq > 0)
        warp_handle_close((handle_t)s->eq);
    memset(s, 0, sizeof(*s));
}

const uint8_t sup_prog_spin[2] = {0xeb, 0xfe};
const uint8_t sup_prog_store[7] = {0x48, 0x89, 0x37, 0x0f, 0x05, 0xeb, 0xfe};

long sup_set_store(handle_t child, handle_t from, uint64_t addr, uint64_t value)
{
    struct cpu_regs r;
    long err = warp_proc_get_regs(from, &r);
    if (err < 0)
        return err;
    r.rdi = addr;
    r.rsi = value;
    return warp_proc_set_regs(child, &r);
}

uint64_t sup_word(handle_t child, uint64_t addr)
{
    uint64_t w = ~0ul;
    return warp_proc_vm_read(child, addr, &w, 8) == 8 ? w : ~0ul;
}

bool sup_run_to_syscall(struct sup *s, const char *what)
{
    struct trap_info ti;
    uint64_t id;
    if (warp_proc_start((handle_t)s->proc) < 0 || !sup_trap(s, &ti, &id, what))
        return false;
    tap_ok(ti.kind == TRAP_SYSCALL && ti.nr == SYS_CLOCK, "%s: it stores, then makes its system call", what);
    return ti.kind == TRAP_SYSCALL;
}
