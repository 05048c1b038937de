/* supervise.c: supervised processes: held until started, their traps sent to the supervisor as calls. */
#include <arch.h>
#include <channel.h>
#include <eventq.h>
#include <handle.h>
#include <log.h>
#include <mm/mm.h>
#include <proc.h>
#include <supervise.h>
#include <syscall.h>
#include <warp/error.h>
#include <warp/string.h>

static void supervise_user_return(struct proc *p);
static bool supervise_fault(struct proc *p, const struct fault_info *f);
static void supervise_release(struct proc *p);

static const struct supervision_ops supervise_ops = {
    .user_return = supervise_user_return,
    .fault = supervise_fault,
    .release = supervise_release,
};

/* The queue is made before the process, so attaching cannot fail. */
struct supervision *supervise_new(void)
{
    struct supervision *sv = kzalloc(sizeof(*sv));
    if (sv && !(sv->eq = eventq_create())) {
        kfree(sv);
        sv = NULL;
    }
    return sv;
}

/* Its queue goes with it; it holds nothing else before it is attached. */
void supervise_free(struct supervision *sv)
{
    obj_unref(&sv->eq->obj);
    kfree(sv);
}

/* The end's link joins the kernel's queue with no handle: no handle table can remove it, and the
 * replies to the kernel's calls wake the trapped thread through the queue's waiters. Taking the
 * end's one handle unregistered it from any queue. */
void supervise_attach(struct proc *p, struct supervision *sv, struct kobj *end)
{
    struct endpoint *ep = container_of(end, struct endpoint, obj);
    long err = eventq_add(sv->eq, &ep->link, &p->handles, 0, 0);
    ASSERT(err == 0);
    sv->ep = ep;
    sv->state = SUP_NEW;
    p->sup = sv;
    p->sup_ops = &supervise_ops;
}

/* The end goes first: its destruction leaves the trap call (if any) without a caller, so the
 * supervisor's reply to it finds none, and unlinks it from the queue, which then goes too. */
static void supervise_release(struct proc *p)
{
    struct supervision *sv = p->sup;
    obj_unref(&sv->ep->obj);
    supervise_free(sv);
    p->sup = NULL;
    p->sup_ops = NULL;
}

/* A process that is ending is not stopped for anyone: its registers and memory are going. */
bool supervise_stopped(const struct proc *p)
{
    return p->sup && p->state == PROC_LIVE && (p->sup->state == SUP_NEW || p->sup->state == SUP_TRAPPED);
}

/* Its thread waits in supervise_user_return, on its way to the first user instruction, among the
 * waiters of its queue: the supervisor's close wakes it there too. */
long supervise_start(struct proc *p)
{
    if (p->state != PROC_LIVE || p->sup->state != SUP_NEW)
        return ERR_BAD_STATE;
    p->sup->state = SUP_RUNNING;
    waitq_wake_all(&p->sup->eq->waiters);
    return 0;
}

/* Only a flag: the process is not on a CPU while its supervisor runs (one CPU), so it passes
 * supervise_user_return before its next user instruction, and the trap is sent from there. */
long supervise_interrupt(struct proc *p)
{
    if (p->state != PROC_LIVE || p->sup->state != SUP_RUNNING)
        return ERR_BAD_STATE;
    p->sup->interrupt = true;
    return 0;
}

/* The handles a message from the supervisor carried landed in p's table: p has no use for them. */
static void drop_handles(struct proc *p, const struct warp_msg *m)
{
    for (uint32_t i = 0; i < m->nhandles; i++)
        handle_close(&p->handles, m->handles[i]);
    obj_sweep();
}

/* A message the supervisor sent on its own (not a reply) is dropped; a call gets ERR_NOT_SUPPORTED,
 * so that it does not wait for ever. */
static void refuse_message(struct proc *p, const struct warp_msg *m)
{
    if (!(m->flags & MSG_CALL))
        return;
    struct warp_msg r = {
        .type = MSG_ERROR, .flags = MSG_REPLY, .call_id = m->call_id, .status = ERR_NOT_SUPPORTED};
    channel_send(p, p->sup->ep, &r); /* a reply needs no memory; a closed peer needs no answer */
}

/*
 * The next event of the supervision channel, waiting until deadline: messages the supervisor sent
 * on its own are dealt with here (dropped, a call refused) and not returned. 0 with *ev (a reply,
 * or EV_PEER_CLOSED), or eventq_wait's error. Taking events is also what keeps the queue's ready
 * list true: a source left on it is not notified again, so a wait that took nothing would miss
 * the supervisor's close.
 */
static long next_event(struct proc *p, struct warp_event *ev, uint64_t deadline)
{
    for (;;) {
        long err = eventq_wait(p->sup->eq, &p->handles, ev, deadline);
        if (err < 0 || ev->type == EV_PEER_CLOSED)
            return err;
        drop_handles(p, &ev->u.msg);
        if (ev->type != EV_MESSAGE)
            return 0;
        refuse_message(p, &ev->u.msg);
    }
}

/* Wait for the reply to call `id`: 0 with its status, or ERR_PEER_CLOSED (the supervisor is gone:
 * its end closed, before or after answering), ERR_INTERRUPTED (p is being killed) or
 * ERR_NO_RESOURCES (a message's handles found no room in p's table). */
static long trap_wait(struct proc *p, uint64_t id, int64_t *status)
{
    for (;;) {
        struct warp_event ev;
        long err = next_event(p, &ev, DEADLINE_FOREVER);
        if (err < 0)
            return err;
        if (ev.type == EV_PEER_CLOSED)
            return ERR_PEER_CLOSED;
        if (ev.u.msg.call_id == id) {
            *status = ev.u.msg.status;
            return p->sup->ep->peer_closed ? ERR_PEER_CLOSED : 0;
        }
    }
}

/* Send the trap as a call and wait for its reply, stopped meanwhile; 0 with the reply's status. On
 * an error the process is killed (its supervisor gone, or it cannot pay for the message) and ends
 * on its way back to user mode. */
static long trap(struct proc *p, const struct trap_info *ti, int64_t *status)
{
    struct warp_msg m = {
        .type = MSG_TRAP, .flags = MSG_CALL, .call_id = ++p->sup->next_call, .data_len = sizeof(*ti)};
    memcpy(m.data, ti, sizeof(*ti));
    p->sup->state = SUP_TRAPPED;
    long err = channel_send(p, p->sup->ep, &m);
    if (err == 0)
        err = trap_wait(p, m.call_id, status);
    p->sup->state = SUP_RUNNING;
    if (err < 0)
        proc_kill(p);
    return err;
}

/* The registers the trap reports beyond the arguments: where the process was. */
static void trap_where(struct proc *p, struct trap_info *ti)
{
    struct cpu_regs r;
    arch_thread_get_regs(&p->thread->arch, &r);
    ti->pc = r.pc;
    ti->sp = r.sp;
}

/* The reply's status is the whole 64-bit result (an address, a count or a negative errno). */
long supervise_syscall(uint64_t nr, const struct syscall_args *a)
{
    struct proc *p = proc_current();
    struct trap_info ti = {
        .kind = TRAP_SYSCALL, .nr = nr, .args = {a->a1, a->a2, a->a3, a->a4, a->a5, a->a6}};
    trap_where(p, &ti);
    int64_t status = 0;
    return trap(p, &ti, &status) < 0 ? 0 : (long)status;
}

/* A reply with status >= 0 resumes the process with its registers as they are (the supervisor may
 * have set them); a negative one ends it as an unsupervised fault would. A failed trap (no
 * supervisor) killed it: "resumed", it ends with EXIT_KILLED before reaching user mode. */
static bool supervise_fault(struct proc *p, const struct fault_info *f)
{
    struct trap_info ti = {.kind = TRAP_FAULT,
                           .fault_kind = f->kind,
                           .fault_vector = f->code,
                           .fault_addr = f->addr,
                           .error_code = f->detail};
    trap_where(p, &ti);
    int64_t status = -1;
    return trap(p, &ti, &status) < 0 || status >= 0;
}

/* The interrupt the supervisor asked for: a reply >= 0 resumes the process with its registers as
 * they are (the supervisor may have set them: a signal handler), a negative one kills it. */
static void trap_interrupt(struct proc *p)
{
    struct trap_info ti = {.kind = TRAP_INTERRUPT};
    trap_where(p, &ti);
    p->sup->interrupt = false;
    int64_t status = 0;
    if (trap(p, &ti, &status) == 0 && status < 0)
        proc_kill(p);
}

/* Until SYS_PROC_START (which wakes the queue's waiters), the supervisor's close or a kill: what
 * the supervisor sends meanwhile is taken (next_event), so that its close still wakes us. */
static void start_wait(struct proc *p)
{
    while (p->sup->state == SUP_NEW && !p->killed && !p->sup->ep->peer_closed) {
        struct warp_event ev;
        long err = next_event(p, &ev, DEADLINE_NONE);
        if (err == ERR_TIMED_OUT)
            sched_wait(&p->sup->eq->waiters, DEADLINE_FOREVER);
        else if (err < 0)
            proc_kill(p); /* a message whose handles find no room: the supervisor's doing */
    }
}

/* A kill ends the start wait, and the caller's loop then ends the process; so does the
 * supervisor's close, which kills it here. An interrupt asked for is delivered here. A call
 * working on our memory between its preemption points (a map, a clone) finishes before we run a
 * user instruction: its pages stay as it left them meanwhile. That holds for every process running
 * in the space, whichever one the call names. */
static void supervise_user_return(struct proc *p)
{
    if (p->sup->state == SUP_NEW) /* only before the start: every trap's return passes here */
        start_wait(p);
    while (p->space->busy && !p->killed)
        sched_yield_cpu();
    if (p->sup->ep->peer_closed)
        proc_kill(p);
    if (p->sup->interrupt && !p->killed)
        trap_interrupt(p);
}
