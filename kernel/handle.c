/* handle.c: handle tables. A handle value is (generation << 12) | (slot + 1), always > 0: with 51
 * bits of generation a slot can be reused 2^51 times before it retires, and no value ever comes back. */
#include <eventq.h>
#include <handle.h>
#include <warp/error.h>

_Static_assert(HANDLES_MAX < (1u << HANDLE_SLOT_BITS), "slot numbers must fit below the generation");

/* The value naming slot i at its current generation. */
static handle_t handle_value(const struct handle_table *t, uint32_t i)
{
    return (handle_t)((t->slots[i].gen << HANDLE_SLOT_BITS) | (i + 1));
}

/* The table's quota. */
static uint32_t handle_limit(const struct handle_table *t)
{
    return t->limit ? t->limit : HANDLES_MAX;
}

/* First free slot: slots are reused soonest, and the generation keeps the reused values distinct. */
long handle_install(struct handle_table *t, struct kobj *obj, uint32_t rights)
{
    if (t->used >= handle_limit(t))
        return handle_limit(t) < HANDLES_MAX ? ERR_LIMIT : ERR_NO_RESOURCES;
    for (uint32_t i = 0; i < HANDLES_MAX; i++)
        if (!t->slots[i].obj && !(t->slots[i].rights & HANDLE_RETIRED))
            return handle_install_at(t, i, obj, rights);
    return ERR_NO_RESOURCES;
}

/* The slot keeps its generation: in a new process's zeroed table, slots 0..n-1 are the handle
 * values 1..n that it is told to expect. */
handle_t handle_install_at(struct handle_table *t, uint32_t index, struct kobj *obj, uint32_t rights)
{
    struct handle_entry *e = &t->slots[index];
    obj->hrefs++;
    t->used++;
    e->obj = obj;
    e->rights = rights;
    return handle_value(t, index);
}

/* The slot comes from the low bits, but the whole value must match: a closed handle's value
 * misses even after its slot has been reused. Slot bits of 0 wrap i past the bound. */
long handle_get(struct handle_table *t, handle_t h, uint32_t type, uint32_t rights, struct handle_entry **out)
{
    uint32_t i = ((uint32_t)h & ((1u << HANDLE_SLOT_BITS) - 1)) - 1;
    if (h <= 0 || i >= HANDLES_MAX)
        return ERR_BAD_HANDLE;
    struct handle_entry *e = &t->slots[i];
    if (!e->obj || handle_value(t, i) != h)
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
    struct handle_entry *e = &t->slots[i], taken = *e;
    struct eq_link *link = obj_link(taken.obj);
    if (link && link->eq && link->owner == t && link->handle == h)
        eventq_unlink(link);
    e->obj = NULL;
    e->rights = 0;
    /* A slot whose generations are used up retires for good: bumping past the last one would
     * bring an old value back to name a new object. */
    if (e->gen == HANDLE_GEN_MAX)
        e->rights = HANDLE_RETIRED;
    else
        e->gen++;
    taken.obj->hrefs--;
    t->used--;
    return taken;
}

/* System calls count room before they commit, so installing their results cannot fail after. */
uint32_t handle_free_slots(const struct handle_table *t)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < HANDLES_MAX; i++)
        n += !t->slots[i].obj && !(t->slots[i].rights & HANDLE_RETIRED);
    uint32_t quota = handle_limit(t) > t->used ? handle_limit(t) - t->used : 0;
    return n < quota ? n : quota;
}

/* The quota is named only when it is what stops the call: a table of HANDLES_MAX is just full. */
long handle_room(const struct handle_table *t, uint32_t n)
{
    if (t->used + n > handle_limit(t) && handle_limit(t) < HANDLES_MAX)
        return ERR_LIMIT;
    return handle_free_slots(t) >= n ? 0 : ERR_NO_RESOURCES;
}

/* The sweep is only noted here: the caller runs obj_sweep when its batch of closes is done. */
void handle_close(struct handle_table *t, handle_t h)
{
    struct handle_entry e = handle_take(t, h);
    obj_handle_closed(e.obj);
    obj_unref(e.obj);
}

/* Process exit. A destroyed object never closes handles, so the walk sees the table it started on. */
void handle_close_all(struct handle_table *t)
{
    for (uint32_t i = 0; i < HANDLES_MAX; i++)
        if (t->slots[i].obj)
            handle_close(t, handle_value(t, i));
}
