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
 * recursion keeps the kernel stack depth constant, and destroying at most OBJ_DESTROY_BATCH objects
 * in one go keeps a close from running with interrupts off for as long as what it frees: the rest
 * waits on the list for obj_reap, which the thread runs before it returns to user mode (or ends),
 * with a preemption point between batches. So the caller's next instruction in user mode sees
 * everything destroyed, as before, and no stretch of the kernel grows with what a process owned.
 */
struct kobj *obj_dead_list; /* protected by the kernel lock, like everything here */
static bool destroying;     /* a batch runs, or obj_defer_begin: last references only queue */

/* Destroy up to OBJ_DESTROY_BATCH objects from the dead list. Destroys that drop more last
 * references only queue them, so nesting depth stays one however deep the objects nest. */
static void obj_destroy_batch(void)
{
    destroying = true;
    for (int n = 0; obj_dead_list && n < OBJ_DESTROY_BATCH; n++) {
        struct kobj *d = obj_dead_list;
        obj_dead_list = d->next_dead;
        d->ops->destroy(d);
    }
    destroying = false;
}

/* Queue o for destruction. The unref that finds the list empty runs one batch; with objects
 * already waiting, obj_reap is owed anyway, and a loop of unrefs (an exit closing its handles)
 * must not run a batch at each. */
void obj_unref(struct kobj *o)
{
    ASSERT(o->refs > 0);
    if (--o->refs)
        return;
    bool first = !obj_dead_list;
    o->next_dead = obj_dead_list;
    obj_dead_list = o;
    if (first && !destroying)
        obj_destroy_batch();
}

void obj_defer_begin(void)
{
    ASSERT(!destroying);
    destroying = true;
}

void obj_defer_end(void)
{
    destroying = false;
}

/* Precondition: no batch is running on this stack (a preemption point may switch threads). */
void obj_reap(long (*pause)(void))
{
    ASSERT(!destroying);
    while (obj_dead_list) {
        obj_destroy_batch();
        if (obj_dead_list && pause)
            pause();
    }
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
