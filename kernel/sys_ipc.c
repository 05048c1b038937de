/* sys_ipc.c: the IPC system calls (docs/ipc.md): decode and check handles, then call the object code. */
#include <channel.h>
#include <eventq.h>
#include <handle.h>
#include <proc.h>
#include <quota.h>
#include <syscall.h>
#include <timer.h>
#include <vm.h>
#include <warp/error.h>
#include <warp/ipc.h>

/* Validate, close, then sweep: the ends the close left unreachable are collected right away. */
long sys_handle_close(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    void *o = NULL;
    long err = handle_object(proc_handles(), h, 0, 0, &o);
    if (err < 0)
        return err;
    handle_close(proc_handles(), h);
    obj_sweep();
    return 0;
}

/* Type and rights, so a process can check what it was handed before it relies on it. */
long sys_handle_info(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    uaddr_t out = a->a2;
    struct handle_entry *e;
    long err = handle_get(proc_handles(), h, 0, 0, &e);
    if (err < 0)
        return err;
    struct handle_info info = {.type = e->obj->type, .rights = e->rights};
    return copy_to_user(out, &info, sizeof(info));
}

/* A second handle with a subset of the rights; the original stays until the caller closes it. */
long sys_handle_reduce(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    uint64_t rights = a->a2;
    struct handle_entry *e;
    long err = handle_get(proc_handles(), h, 0, 0, &e);
    if (err < 0)
        return err;
    if (rights == 0 || (rights & ~(uint64_t)RIGHTS_KNOWN))
        return ERR_INVALID_ARG;
    err = handle_install(proc_handles(), e->obj, e->rights & (uint32_t)rights);
    /* The table took over a reference it was not given: add that one. */
    if (err > 0)
        obj_ref(e->obj);
    return err;
}

/* Output and room checked first: once the pair exists nothing may fail, or the process would
 * hold two ends it never learned the handles of. */
long sys_channel_create(const struct syscall_args *a)
{
    uaddr_t out = a->a1;
    struct proc *p = proc_current();
    long err = user_range_check(out, 2 * sizeof(handle_t), PROT_WRITE);
    if (err < 0)
        return err;
    if ((err = handle_reserve(&p->handles, 2)) < 0 || (err = quota_charge(p->quota, LIMIT_CHANNELS, 1)) < 0)
        return err;
    struct endpoint *x, *y;
    if ((err = channel_create(&x, &y)) < 0) {
        quota_uncharge(p->quota, LIMIT_CHANNELS, 1);
        return err;
    }
    x->charged = quota_get(p->quota);
    handle_t hs[2] = {(handle_t)handle_install(&p->handles, &x->obj, RIGHTS_ALL),
                      (handle_t)handle_install(&p->handles, &y->obj, RIGHTS_ALL)};
    return copy_to_user(out, hs, sizeof(hs));
}

/* SYS_CHANNEL_SEND with decoded arguments (SYS_SEND_WAIT sends the same way). */
static long send_from_user(handle_t h, uaddr_t umsg)
{
    struct endpoint *ep = NULL;
    long err = handle_object(proc_handles(), h, OBJ_CHANNEL, RIGHT_WRITE, (void **)&ep);
    if (err < 0)
        return err;
    struct warp_msg m;
    if ((err = msg_copy_from_user(&m, umsg)) < 0)
        return err;
    return channel_send(proc_current(), ep, &m);
}

/* The output is checked writable before the receive: once the message's handles are installed
 * it has been taken, and the copy out must not fail. */
long sys_channel_recv(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    uaddr_t out = a->a2;
    struct endpoint *ep = NULL;
    long err = handle_object(proc_handles(), h, OBJ_CHANNEL, RIGHT_READ, (void **)&ep);
    if (err < 0 || (err = user_range_check(out, sizeof(struct warp_msg), PROT_WRITE)) < 0)
        return err;
    struct warp_msg m;
    if ((err = channel_recv(ep, proc_handles(), &m)) < 0)
        return err;
    return msg_copy_to_user(out, &m, &m);
}

/* The other checks (shape, handles, peer, queue room) are channel_send's. */
long sys_channel_send(const struct syscall_args *a)
{
    return send_from_user(handle_from_reg(a->a1), a->a2);
}

/* SYS_CALL_READ and SYS_CALL_WRITE: (channel, call id, buffer index, offset, pointer, length). */
static long call_copy(const struct syscall_args *a, bool to_caller)
{
    struct endpoint *ep = NULL;
    /* RIGHT_READ for both directions: they act on calls this end received (docs/ipc.md). */
    long err = handle_object(proc_handles(), handle_from_reg(a->a1), OBJ_CHANNEL, RIGHT_READ, (void **)&ep);
    if (err < 0)
        return err;
    if (a->a3 >= MSG_BUFS_MAX)
        return ERR_INVALID_ARG;
    return channel_copy(proc_current(), ep, a->a2, (uint32_t)a->a3, a->a4, a->a5, a->a6, to_caller);
}

/* The caller's buffer into our memory; the buffer must grant BUF_READ. */
long sys_call_read(const struct syscall_args *a)
{
    return call_copy(a, false);
}

/* Our memory into the caller's buffer; the buffer must grant BUF_WRITE. */
long sys_call_write(const struct syscall_args *a)
{
    return call_copy(a, true);
}

/* Room first, so the queue never exists without its handle. */
long sys_eventq_create(const struct syscall_args *a)
{
    (void)a;
    struct proc *p = proc_current();
    long err = handle_reserve(&p->handles, 1);
    if (err < 0)
        return err;
    struct eventq *eq = eventq_create();
    return eq ? handle_install(&p->handles, &eq->obj, RIGHTS_ALL) : ERR_NO_MEMORY;
}

/* The event-queue link of the source behind h (needs RIGHT_READ). */
static long source_link(handle_t h, struct eq_link **out)
{
    struct kobj *o = NULL;
    long err = handle_object(proc_handles(), h, 0, RIGHT_READ, (void **)&o);
    if (err < 0)
        return err;
    if (!(*out = obj_link(o)))
        return ERR_WRONG_TYPE;
    return 0;
}

/* RIGHT_WRITE on the queue, which changes; RIGHT_READ on the source, whose events it will read. */
long sys_eventq_add(const struct syscall_args *a)
{
    handle_t eqh = handle_from_reg(a->a1);
    handle_t src = handle_from_reg(a->a2);
    uint64_t cookie = a->a3;
    struct eventq *eq = NULL;
    struct eq_link *link;
    long err = handle_object(proc_handles(), eqh, OBJ_EVENTQ, RIGHT_WRITE, (void **)&eq);
    if (err < 0 || (err = source_link(src, &link)) < 0)
        return err;
    return eventq_add(eq, link, proc_handles(), src, cookie);
}

/* The rights of SYS_EVENTQ_ADD; the source must belong to this very queue. */
long sys_eventq_remove(const struct syscall_args *a)
{
    handle_t eqh = handle_from_reg(a->a1);
    handle_t src = handle_from_reg(a->a2);
    struct eventq *eq = NULL;
    struct eq_link *link;
    long err = handle_object(proc_handles(), eqh, OBJ_EVENTQ, RIGHT_WRITE, (void **)&eq);
    if (err < 0 || (err = source_link(src, &link)) < 0)
        return err;
    return eventq_remove(eq, link);
}

/* Copy an event out, its head and only as much of its payload as its type uses. */
static long event_copy_to_user(uaddr_t out, const struct warp_event *ev)
{
    size_t head = __builtin_offsetof(struct warp_event, u);
    switch (ev->type) {
    case EV_MESSAGE:
    case EV_REPLY: return msg_copy_to_user(out, ev, &ev->u.msg);
    case EV_PROC_EXIT: return copy_to_user(out, ev, head + sizeof(ev->u.exit));
    case EV_TIMER:
    case EV_IRQ: return copy_to_user(out, ev, head + sizeof(ev->u.deadline));
    default: return copy_to_user(out, ev, head);
    }
}

/* What SYS_EVENTQ_WAIT checks before anything happens: the queue, and room for the event. On
 * success *eq holds a reference of its own (for the wait, whatever happens to the handle meanwhile:
 * SYS_SEND_WAIT's message may move it away). */
static long wait_check(handle_t eqh, uaddr_t out, struct eventq **eq)
{
    long err = handle_object(proc_handles(), eqh, OBJ_EVENTQ, RIGHT_READ, (void **)eq);
    if (err < 0 || (err = user_range_check(out, sizeof(struct warp_event), PROT_WRITE)) < 0)
        return err;
    obj_ref(&(*eq)->obj);
    return 0;
}

/* Wait on a checked queue and copy the event out; drops wait_check's reference. */
static long wait_copy_out(struct eventq *eq, uaddr_t out, uint64_t deadline)
{
    struct warp_event ev;
    long err = eventq_wait(eq, proc_handles(), &ev, deadline);
    obj_unref(&eq->obj);
    return err < 0 ? err : event_copy_to_user(out, &ev);
}

/* Everything that can fail is checked before the wait: after it, the event has been taken from
 * its source and must reach the process. */
long sys_eventq_wait(const struct syscall_args *a)
{
    handle_t eqh = handle_from_reg(a->a1);
    uaddr_t out = a->a2;
    uint64_t deadline = a->a3;
    struct eventq *eq = NULL;
    long err = wait_check(eqh, out, &eq);
    return err < 0 ? err : wait_copy_out(eq, out, deadline);
}

/* SYS_CHANNEL_SEND then SYS_EVENTQ_WAIT in one kernel entry; a failed send waits for nothing. */
long sys_send_wait(const struct syscall_args *a)
{
    handle_t ch = handle_from_reg(a->a1);
    uaddr_t umsg = a->a2;
    handle_t eqh = handle_from_reg(a->a3);
    uaddr_t out = a->a4;
    uint64_t deadline = a->a5;
    struct eventq *eq = NULL;
    long err = wait_check(eqh, out, &eq);
    if (err < 0)
        return err;
    if ((err = send_from_user(ch, umsg)) < 0) {
        obj_unref(&eq->obj);
        return err;
    }
    return wait_copy_out(eq, out, deadline);
}

/* Room first, so the timer never exists without its handle. */
long sys_timer_create(const struct syscall_args *a)
{
    (void)a;
    struct proc *p = proc_current();
    long err = handle_reserve(&p->handles, 1);
    if (err < 0 || (err = quota_charge(p->quota, LIMIT_TIMERS, 1)) < 0)
        return err;
    struct timer *t = timer_new();
    if (!t) {
        quota_uncharge(p->quota, LIMIT_TIMERS, 1);
        return ERR_NO_MEMORY;
    }
    t->charged = quota_get(p->quota);
    return handle_install(&p->handles, &t->obj, RIGHTS_ALL);
}

/* An absolute deadline on the monotonic clock (SYS_CLOCK's); 0 disarms. */
long sys_timer_set(const struct syscall_args *a)
{
    handle_t h = handle_from_reg(a->a1);
    uint64_t deadline = a->a2;
    struct timer *t = NULL;
    long err = handle_object(proc_handles(), h, OBJ_TIMER, RIGHT_WRITE, (void **)&t);
    if (err == 0)
        timer_set(t, deadline);
    return err;
}
