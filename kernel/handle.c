/* handle.c: handle tables. A handle value is (generation << 12) | (slot + 1), always > 0: with 51
 * bits of generation a slot can be reused 2^51 times before it retires, and no value ever comes back. */
#include <eventq.h>
#include <handle.h>
#include <mm/mm.h>
#include <warp/error.h>

_Static_assert(HANDLES_MAX < (1u << HANDLE_SLOT_BITS), "slot numbers must fit below the generation");

/* Slot i; i < the allocated slots. */
static struct handle_entry *slot(const struct handle_table *t, uint32_t i)
{
    return &t->chunks[i / HANDLE_CHUNK][i % HANDLE_CHUNK];
}

/* Slots allocated so far; the last chunk stops at HANDLES_MAX. */
static uint32_t slots_allocated(const struct handle_table *t)
{
    uint32_t n = t->nchunks * HANDLE_CHUNK;
    return n < HANDLES_MAX ? n : HANDLES_MAX;
}

/* The value naming slot i at its current generation. */
static handle_t handle_value(const struct handle_table *t, uint32_t i)
{
    return (handle_t)((slot(t, i)->gen << HANDLE_SLOT_BITS) | (i + 1));
}

/* The table's quota. */
static uint32_t handle_limit(const struct handle_table *t)
{
    return t->limit ? t->limit : HANDLES_MAX;
}

uint32_t handle_free_slots(const struct handle_table *t)
{
    uint32_t free = HANDLES_MAX - t->used - t->retired;
    uint32_t quota = handle_limit(t) > t->used ? handle_limit(t) - t->used : 0;
    return free < quota ? free : quota;
}

/* New chunks are zeroed: generation 0, so a new process's slots 0..n-1 are the values 1..n. The
 * quota is named only when it is what stops the call: a table of HANDLES_MAX is just full. */
long handle_reserve(struct handle_table *t, uint32_t n)
{
    if (t->used + n > handle_limit(t) && handle_limit(t) < HANDLES_MAX)
        return ERR_LIMIT;
    if (handle_free_slots(t) < n)
        return ERR_NO_RESOURCES;
    while (slots_allocated(t) - t->used - t->retired < n) {
        struct handle_entry *chunk = kzalloc(HANDLE_CHUNK * sizeof(*chunk));
        if (!chunk)
            return ERR_NO_MEMORY;
        t->chunks[t->nchunks++] = chunk;
    }
    return 0;
}

/* Lowest free slot: slots are reused soonest, and the generation keeps the reused values distinct.
 * hint skips the full prefix, so filling a table costs linear time, not quadratic. */
long handle_install(struct handle_table *t, struct kobj *obj, uint32_t rights)
{
    long err = handle_reserve(t, 1);
    if (err < 0)
        return err;
    for (uint32_t i = t->hint; i < slots_allocated(t); i++) {
        struct handle_entry *e = slot(t, i);
        if (!e->obj && !(e->rights & HANDLE_RETIRED)) {
            t->hint = i + 1;
            return handle_install_at(t, i, obj, rights);
        }
    }
    return ERR_NO_RESOURCES; /* not reached: handle_reserve found room */
}

/* The slot keeps its generation. */
handle_t handle_install_at(struct handle_table *t, uint32_t index, struct kobj *obj, uint32_t rights)
{
    struct handle_entry *e = slot(t, index);
    if (obj->hrefs++ == 0 && obj->ops->held_changed)
        obj->ops->held_changed(obj, true);
    e->obj = obj;
    e->rights = rights;
    t->used++;
    return handle_value(t, index);
}

/* The slot comes from the low bits, but the whole value must match: a closed handle's value
 * misses even after its slot has been reused. Slot bits of 0 wrap i past the bound. */
long handle_get(struct handle_table *t, handle_t h, uint32_t type, uint32_t rights, struct handle_entry **out)
{
    uint32_t i = ((uint32_t)h & ((1u << HANDLE_SLOT_BITS) - 1)) - 1;
    if (h <= 0 || i >= t->nchunks * HANDLE_CHUNK) /* i < 4095: the slot bits cannot name the last */
        return ERR_BAD_HANDLE;
    struct handle_entry *e = slot(t, i);
    if (!e->obj || e->gen != (uint64_t)h >> HANDLE_SLOT_BITS)
        return ERR_BAD_HANDLE;
    if (type && e->obj->type != type)
        return ERR_WRONG_TYPE;
    if ((e->rights & rights) != rights)
        return ERR_NO_RIGHTS;
    *out = e;
    return 0;
}

/* No reference is taken: callers use the object within the system call, before any handle of theirs
 * can close (SYS_SEND_WAIT, whose message may move one, takes its own). */
long handle_object(struct handle_table *t, handle_t h, uint32_t type, uint32_t rights, void **out)
{
    struct handle_entry *e;
    long err = handle_get(t, h, type, rights, &e);
    if (err == 0)
        *out = e->obj;
    return err;
}

/* An event-queue registration belongs to the handle that made it, not to the object: it goes with
 * this handle only, and the object's next holder starts unregistered. */
struct handle_entry handle_take(struct handle_table *t, handle_t h)
{
    uint32_t i = ((uint32_t)h & ((1u << HANDLE_SLOT_BITS) - 1)) - 1;
    struct handle_entry *e = slot(t, i), taken = *e;
    struct eq_link *link = obj_link(taken.obj);
    if (link && link->eq && link->owner == t && link->handle == h)
        eventq_unlink(link);
    e->obj = NULL;
    e->rights = 0;
    t->used--;
    /* A slot whose generations are used up retires for good: bumping past the last one would
     * bring an old value back to name a new object. */
    if (e->gen == HANDLE_GEN_MAX) {
        e->rights = HANDLE_RETIRED;
        t->retired++;
    } else {
        e->gen++;
        if (i < t->hint)
            t->hint = i;
    }
    if (--taken.obj->hrefs == 0 && taken.obj->ops->held_changed)
        taken.obj->ops->held_changed(taken.obj, false);
    return taken;
}

/* The sweep is only noted here: the caller runs obj_sweep when its batch of closes is done. */
void handle_close(struct handle_table *t, handle_t h)
{
    struct handle_entry e = handle_take(t, h);
    obj_handle_closed(e.obj);
    obj_unref(e.obj);
}

/* Process exit. A destroyed object never closes handles, and nothing installs into an exiting
 * process's table, so the walk sees the table it started on; pause (may be NULL) runs after every
 * HANDLE_CHUNK slots, so closing thousands of handles never keeps interrupts off throughout. */
void handle_close_all(struct handle_table *t, long (*pause)(void))
{
    for (uint32_t i = 0; i < slots_allocated(t); i++) {
        if (slot(t, i)->obj)
            handle_close(t, handle_value(t, i));
        if (pause && i % HANDLE_CHUNK == HANDLE_CHUNK - 1 && i + 1 < slots_allocated(t))
            pause();
    }
    for (uint32_t c = 0; c < t->nchunks; c++)
        kfree(t->chunks[c]);
    *t = (struct handle_table){.limit = t->limit};
}
