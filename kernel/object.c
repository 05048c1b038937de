/* object.c: reference counting, iterative destruction, and the sweeps closed handles leave owed. */
#include <log.h>
#include <object.h>

/* refs starts at the creator's one; hrefs counts only handle-table entries (channel_gc's roots). */
void obj_init(struct kobj *o, const struct obj_ops *ops)
{
    o->ops = ops;
    o->type = ops->type;
    o->refs = 1;
    o->hrefs = 0;
    o->next_dead = NULL;
}

/*
 * Destroying an object drops the references it holds (a channel's queued messages carry handles),
 * which can destroy more objects, as deep as users nest channels inside channels. A list instead of
 * recursion keeps the kernel stack depth constant.
 */
static struct kobj *dead_list; /* protected by the kernel lock, like everything here */
static bool destroying;

/* The outermost call drains the dead list; a destroy that drops more last references only queues
 * them, so nesting depth stays one however deep the objects nest. */
void obj_unref(struct kobj *o)
{
    ASSERT(o->refs > 0);
    if (--o->refs)
        return;
    o->next_dead = dead_list;
    dead_list = o;
    /* A drain further up this stack will reach o. */
    if (destroying)
        return;
    destroying = true;
    while (dead_list) {
        struct kobj *d = dead_list;
        dead_list = d->next_dead;
        d->ops->destroy(d);
    }
    destroying = false;
}

/* Types whose sweep is owed, by type number (each slot holds that type's ops until the sweep). */
static const struct obj_ops *owed[OBJ_TYPE_COUNT];

/* Only notes the type: a process exit closes every handle, and the sweep should run once after
 * them all, not once per handle. */
void obj_handle_closed(struct kobj *o)
{
    if (o->ops->sweep && o->type < OBJ_TYPE_COUNT)
        owed[o->type] = o->ops;
}

/* Each slot is cleared before its sweep runs, so a sweep that closes handles in turn is owed
 * again rather than lost. */
void obj_sweep(void)
{
    for (uint32_t t = 0; t < OBJ_TYPE_COUNT; t++) {
        const struct obj_ops *ops = owed[t];
        owed[t] = NULL;
        if (ops)
            ops->sweep();
    }
}
