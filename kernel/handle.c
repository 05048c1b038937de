/* handle.c: handle tables. A handle value is (generation << 12) | (slot + 1), always > 0. */
#include <eventq.h>
#include <handle.h>
#include <proc.h>
#include <warp/error.h>

#define SLOT_BITS 12
#define GEN_MASK 0x7ffffu /* keeps handle values positive */

/* The value naming slot i at its current generation. */
static handle_t handle_value(const struct handle_table *t, uint32_t i) {
    return (handle_t)((t->slots[i].gen << SLOT_BITS) | (i + 1));
}

long handle_install(struct proc *p, struct kobj *obj, uint32_t rights) {
    struct handle_table *t = &p->handles;
    for (uint32_t i = 0; i < HANDLES_MAX; i++)
        if (!t->slots[i].obj) {
            obj->hrefs++;
            t->slots[i].obj = obj;
            t->slots[i].rights = rights;
            return handle_value(t, i);
        }
    return ERR_NO_RESOURCES;
}

handle_t handle_install_at(struct proc *p, uint32_t index, struct kobj *obj, uint32_t rights) {
    struct handle_entry *e = &p->handles.slots[index];
    obj->hrefs++;
    e->obj = obj;
    e->rights = rights;
    return handle_value(&p->handles, index);
}

long handle_get(struct proc *p, handle_t h, uint32_t type, uint32_t rights, struct handle_entry **out) {
    uint32_t i = ((uint32_t)h & ((1u << SLOT_BITS) - 1)) - 1;
    if (h <= 0 || i >= HANDLES_MAX)
        return ERR_BAD_HANDLE;
    struct handle_entry *e = &p->handles.slots[i];
    if (!e->obj || handle_value(&p->handles, i) != h)
        return ERR_BAD_HANDLE;
    if (type && e->obj->type != type)
        return ERR_WRONG_TYPE;
    if ((e->rights & rights) != rights)
        return ERR_NO_RIGHTS;
    *out = e;
    return 0;
}

long handle_object(handle_t h, uint32_t type, uint32_t rights, void **out) {
    struct handle_entry *e;
    long err = handle_get(proc_current(), h, type, rights, &e);
    if (err == 0)
        *out = e->obj;
    return err;
}

struct handle_entry handle_take(struct proc *p, handle_t h) {
    uint32_t i = ((uint32_t)h & ((1u << SLOT_BITS) - 1)) - 1;
    struct handle_entry *e = &p->handles.slots[i], taken = *e;
    struct eq_link *link = obj_link(taken.obj);
    if (link && link->eq && link->owner == p && link->handle == h)
        eventq_unlink(link);
    e->obj = NULL;
    e->rights = 0;
    e->gen = (e->gen + 1) & GEN_MASK;
    taken.obj->hrefs--;
    return taken;
}

uint32_t handle_free_slots(const struct proc *p) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < HANDLES_MAX; i++)
        n += !p->handles.slots[i].obj;
    return n;
}

void handle_close_all(struct proc *p) {
    for (uint32_t i = 0; i < HANDLES_MAX; i++)
        if (p->handles.slots[i].obj) {
            struct handle_entry e = handle_take(p, handle_value(&p->handles, i));
            obj_unref(e.obj);
        }
}
