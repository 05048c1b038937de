/* sys_ipc.c: the IPC system calls (docs/ipc.md): decode and check handles, then call the object code. */
#include <channel.h>
#include <eventq.h>
#include <handle.h>
#include <proc.h>
#include <syscall.h>
#include <timer.h>
#include <vm.h>
#include <warp/error.h>
#include <warp/ipc.h>

static long sys_handle_close(handle_t h) {
    void *o = NULL;
    long err = handle_object(h, 0, 0, &o);
    if (err < 0)
        return err;
    struct handle_entry e = handle_take(proc_current(), h);
    bool channel = e.obj->type == OBJ_CHANNEL;
    obj_unref(e.obj);
    if (channel)
        channel_gc();
    return 0;
}

static long sys_handle_info(handle_t h, uaddr_t out) {
    struct handle_entry *e;
    long err = handle_get(proc_current(), h, 0, 0, &e);
    if (err < 0)
        return err;
    struct handle_info info = {.type = e->obj->type, .rights = e->rights};
    return copy_to_user(out, &info, sizeof(info));
}

static long sys_handle_reduce(handle_t h, uint64_t rights) {
    struct handle_entry *e;
    long err = handle_get(proc_current(), h, 0, 0, &e);
    if (err < 0)
        return err;
    if (rights == 0 || (rights & ~(uint64_t)RIGHTS_ALL))
        return ERR_INVALID_ARG;
    err = handle_install(proc_current(), e->obj, e->rights & (uint32_t)rights);
    if (err > 0)
        obj_ref(e->obj);
    return err;
}

static long sys_channel_create(uaddr_t out) {
    struct proc *p = proc_current();
    long err = user_range_check(out, 2 * sizeof(handle_t), PROT_WRITE);
    if (err < 0)
        return err;
    if (handle_free_slots(p) < 2)
        return ERR_NO_RESOURCES;
    struct endpoint *a, *b;
    if ((err = channel_create(&a, &b)) < 0)
        return err;
    handle_t hs[2] = {(handle_t)handle_install(p, &a->obj, RIGHTS_ALL),
                      (handle_t)handle_install(p, &b->obj, RIGHTS_ALL)};
    return copy_to_user(out, hs, sizeof(hs));
}

static long sys_channel_send(handle_t h, uaddr_t umsg) {
    struct endpoint *ep = NULL;
    long err = handle_object(h, OBJ_CHANNEL, RIGHT_WRITE, (void **)&ep);
    if (err < 0)
        return err;
    struct warp_msg m;
    if ((err = msg_copy_from_user(&m, umsg)) < 0)
        return err;
    return channel_send(proc_current(), ep, &m);
}

static long sys_channel_recv(handle_t h, uaddr_t out) {
    struct endpoint *ep = NULL;
    long err = handle_object(h, OBJ_CHANNEL, RIGHT_READ, (void **)&ep);
    if (err < 0 || (err = user_range_check(out, sizeof(struct warp_msg), PROT_WRITE)) < 0)
        return err;
    struct warp_msg m;
    if ((err = channel_recv(ep, proc_current(), &m)) < 0)
        return err;
    return msg_copy_to_user(out, &m, &m);
}

static long sys_call_copy(handle_t h, uint64_t id, uint64_t buf, uint64_t off, uaddr_t ptr, uint64_t len,
                          bool to_caller) {
    struct endpoint *ep = NULL;
    long err = handle_object(h, OBJ_CHANNEL, RIGHT_READ, (void **)&ep);
    if (err < 0)
        return err;
    if (buf >= MSG_BUFS_MAX)
        return ERR_INVALID_ARG;
    return channel_copy(proc_current(), ep, id, (uint32_t)buf, off, ptr, len, to_caller);
}

static long sys_eventq_create(void) {
    struct proc *p = proc_current();
    if (handle_free_slots(p) < 1)
        return ERR_NO_RESOURCES;
    struct eventq *eq = eventq_create();
    return eq ? handle_install(p, &eq->obj, RIGHTS_ALL) : ERR_NO_MEMORY;
}

/* The event-queue link of the source behind h (needs RIGHT_READ). */
static long source_link(handle_t h, struct eq_link **out) {
    struct kobj *o = NULL;
    long err = handle_object(h, 0, RIGHT_READ, (void **)&o);
    if (err < 0)
        return err;
    if (!(*out = obj_link(o)))
        return ERR_WRONG_TYPE;
    return 0;
}

static long sys_eventq_add(handle_t eqh, handle_t src, uint64_t cookie) {
    struct eventq *eq = NULL;
    struct eq_link *link;
    long err = handle_object(eqh, OBJ_EVENTQ, RIGHT_WRITE, (void **)&eq);
    if (err < 0 || (err = source_link(src, &link)) < 0)
        return err;
    return eventq_add(eq, link, proc_current(), src, cookie);
}

static long sys_eventq_remove(handle_t eqh, handle_t src) {
    struct eventq *eq = NULL;
    struct eq_link *link;
    long err = handle_object(eqh, OBJ_EVENTQ, RIGHT_WRITE, (void **)&eq);
    if (err < 0 || (err = source_link(src, &link)) < 0)
        return err;
    return eventq_remove(eq, link);
}

/* Copy an event out, its head and only as much of its payload as its type uses. */
static long event_copy_to_user(uaddr_t out, const struct warp_event *ev) {
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

/* What SYS_EVENTQ_WAIT checks before anything happens: the queue, and room for the event. */
static long wait_check(handle_t eqh, uaddr_t out, struct eventq **eq) {
    long err = handle_object(eqh, OBJ_EVENTQ, RIGHT_READ, (void **)eq);
    return err < 0 ? err : user_range_check(out, sizeof(struct warp_event), PROT_WRITE);
}

/* Wait on a checked queue and copy the event out; consumes a reference on eq (kept while asleep,
 * whatever happens to the handle meanwhile). */
static long wait_copy_out(struct eventq *eq, uaddr_t out, uint64_t deadline) {
    struct warp_event ev;
    long err = eventq_wait(eq, proc_current(), &ev, deadline);
    obj_unref(&eq->obj);
    return err < 0 ? err : event_copy_to_user(out, &ev);
}

static long sys_eventq_wait(handle_t eqh, uaddr_t out, uint64_t deadline) {
    struct eventq *eq = NULL;
    long err = wait_check(eqh, out, &eq);
    if (err < 0)
        return err;
    obj_ref(&eq->obj);
    return wait_copy_out(eq, out, deadline);
}

/* SYS_CHANNEL_SEND then SYS_EVENTQ_WAIT in one kernel entry; a failed send waits for nothing. */
static long sys_send_wait(handle_t ch, uaddr_t umsg, handle_t eqh, uaddr_t out, uint64_t deadline) {
    struct eventq *eq = NULL;
    long err = wait_check(eqh, out, &eq);
    if (err < 0)
        return err;
    obj_ref(&eq->obj); /* the message may move the queue's handle away */
    if ((err = sys_channel_send(ch, umsg)) < 0) {
        obj_unref(&eq->obj);
        return err;
    }
    return wait_copy_out(eq, out, deadline);
}

static long sys_timer_create(void) {
    struct proc *p = proc_current();
    if (handle_free_slots(p) < 1)
        return ERR_NO_RESOURCES;
    struct timer *t = timer_create();
    return t ? handle_install(p, &t->obj, RIGHTS_ALL) : ERR_NO_MEMORY;
}

static long sys_timer_set(handle_t h, uint64_t deadline) {
    struct timer *t = NULL;
    long err = handle_object(h, OBJ_TIMER, RIGHT_WRITE, (void **)&t);
    if (err == 0)
        timer_set(t, deadline);
    return err;
}

long syscall_ipc(long nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6) {
    handle_t h = handle_from_reg(a1);
    switch (nr) {
    case SYS_HANDLE_CLOSE: return sys_handle_close(h);
    case SYS_HANDLE_INFO: return sys_handle_info(h, a2);
    case SYS_HANDLE_REDUCE: return sys_handle_reduce(h, a2);
    case SYS_CHANNEL_CREATE: return sys_channel_create(a1);
    case SYS_CHANNEL_SEND: return sys_channel_send(h, a2);
    case SYS_CHANNEL_RECV: return sys_channel_recv(h, a2);
    case SYS_CALL_READ: return sys_call_copy(h, a2, a3, a4, a5, a6, false);
    case SYS_CALL_WRITE: return sys_call_copy(h, a2, a3, a4, a5, a6, true);
    case SYS_EVENTQ_CREATE: return sys_eventq_create();
    case SYS_EVENTQ_ADD: return sys_eventq_add(h, handle_from_reg(a2), a3);
    case SYS_EVENTQ_REMOVE: return sys_eventq_remove(h, handle_from_reg(a2));
    case SYS_EVENTQ_WAIT: return sys_eventq_wait(h, a2, a3);
    case SYS_TIMER_CREATE: return sys_timer_create();
    case SYS_TIMER_SET: return sys_timer_set(h, a2);
    case SYS_SEND_WAIT: return sys_send_wait(h, a2, handle_from_reg(a3), a4, a5);
    default: return ERR_BAD_SYSCALL;
    }
}
