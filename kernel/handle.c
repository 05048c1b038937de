/* handle.c: handle tables. A handle value is (generation << 12) | (slot + 1), always > 0. */
#include <eventq.h>
#include <handle.h>
#include <warp/error.h>

#define SLOT_BITS 12
#define GEN_MASK 0x7ffffu /* keeps handle values positive */

_Static_assert(HANDLES_MAX < (1u << SLOT_BITS), "slot numbers must fit below the generation");

/* The value naming slot i at its current generation. */
static handle_t handle_value(const struct handle_table *t, uint32_t i) {
    return (handle_t)((t->slots[i].gen << SLOT_BITS) | (i + 1));
}

long handle_install(struct handle_table *t, struct kobj *obj, uint32_t rights) {
    for (uint32_t i = 0; i < HANDLES_MAX; i++)
        if (!t->slots[i].obj)
            return handle_install_at(t, i, obj, rights);
    return ERR_NO_RESOURCES;
}

handle_t handle_install_at(struct handle_table *t, uint32_t index, struct kobj *obj, uint32_t rights) {
    struct handle_entry *e = &t->slots[index];
    obj->hrefs++;
    e->obj = obj;
    e->rights = rights;
    return handle_value(t, index);
}

long handle_get(struct handle_table *t, handle_t h, uint32_t type, uint32_t rights, struct handle_entry **out) {
    uint32_t i = ((uint32_t)h & ((1u << SLOT_BITS) - 1)) - 1;
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

long handle_object(struct handle_table *t, handle_t h, uint32_t type, uint32_t rights, void **out) {
    struct handle_entry *e;
    long err = handle_get(t, h, type, rights, &e);
    if (err == 0)
        *out = e->obj;
    return err;
}

struct handle_entry handle_take(struct handle_table *t, handle_t h) {
    uint32_t i = ((uint32_t)h & ((1u << SLOT_BITS) - 1)) - 1;
    struct handle_entry *e = &t->slots[i], taken = *e;
    struct eq_link *link = obj_link(taken.obj);
    if (link && link->eq && link->owner == t && link->handle == h)
        eventq_unlink(link);
    e->obj = NULL;
    e->rights = 0;
    e->gen = (e->gen + 1) & GEN_MASK;
    taken.obj->hrefs--;
    return taken;
}

uint32_t handle_free_slots(const struct handle_table *t) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < HANDLES_MAX; i++)
        n += !t->slots[i].obj;
    return n;
}

void handle_close(struct handle_table *t, handle_t h) {
    struct handle_entry e = handle_take(t, h);
    obj_handle_closed(e.obj);
    obj_unref(e.obj);
}

void handle_close_all(struct handle_table *t) {
    for (uint32_t i = 0; i < HANDLES_MAX; i++)
        if (t->slots[i].obj)
            handle_close(t, handle_value(t, i));
}
