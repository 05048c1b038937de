/* object.c: reference counting and type dispatch for kernel objects. */
#include <channel.h>
#include <device.h>
#include <eventq.h>
#include <irq.h>
#include <log.h>
#include <object.h>
#include <proc.h>
#include <timer.h>

void obj_init(struct kobj *o, uint32_t type) {
    o->type = type;
    o->refs = 1;
}

void obj_ref(struct kobj *o) { o->refs++; }

/* Destroy one object whose last reference went. */
static void obj_destroy(struct kobj *o) {
    switch (o->type) {
    case OBJ_CHANNEL: channel_destroy((struct endpoint *)o); break;
    case OBJ_EVENTQ: eventq_destroy((struct eventq *)o); break;
    case OBJ_TIMER: timer_destroy((struct timer *)o); break;
    case OBJ_PROCESS: proc_destroy((struct proc *)o); break;
    case OBJ_DEVICE: device_destroy((struct device *)o); break;
    case OBJ_IRQ: irq_destroy((struct irq *)o); break;
    default: PANIC("unref of an object of unknown type %u", o->type);
    }
}

/*
 * Destroying an object drops the references it holds (a channel's queued messages carry handles),
 * which can destroy more objects, as deep as users nest channels inside channels. A list instead of
 * recursion keeps the kernel stack depth constant.
 */
static struct kobj *dead_list;
static bool destroying;

void obj_unref(struct kobj *o) {
    ASSERT(o->refs > 0);
    if (--o->refs)
        return;
    o->next_dead = dead_list;
    dead_list = o;
    if (destroying)
        return;
    destroying = true;
    while (dead_list) {
        struct kobj *d = dead_list;
        dead_list = d->next_dead;
        obj_destroy(d);
    }
    destroying = false;
}

struct eq_link *obj_link(struct kobj *o) {
    switch (o->type) {
    case OBJ_CHANNEL: return &((struct endpoint *)o)->link;
    case OBJ_TIMER: return &((struct timer *)o)->link;
    case OBJ_PROCESS: return &((struct proc *)o)->link;
    case OBJ_IRQ: return &((struct irq *)o)->link;
    default: return NULL;
    }
}
