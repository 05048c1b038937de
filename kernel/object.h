/* object.h: reference-counted kernel objects that handles name. */
#pragma once

#include <warp/ipc.h>
#include <warp/types.h>

struct eventq;

/* Every object starts with this header. */
struct kobj {
    uint32_t type;          /* enum obj_type */
    uint32_t refs;          /* handles, in-flight messages and kernel links holding it */
    uint32_t hrefs;         /* of which handle-table entries */
    struct kobj *next_dead; /* on the list of objects waiting to be destroyed */
};

/*
 * Membership of an event source (channel end, timer, process) in an event queue: set by
 * SYS_EVENTQ_ADD through one particular handle, dropped when that handle goes.
 */
struct eq_link {
    struct kobj *obj;          /* the source this link is part of */
    struct eventq *eq;         /* NULL when not registered */
    struct proc *owner;        /* process whose handle registered it */
    handle_t handle;           /* that handle, reported in events */
    uint64_t cookie;
    bool queued;               /* on eq's ready list */
    struct eq_link *next_ready;
    struct eq_link *next_member;
};

void obj_init(struct kobj *o, uint32_t type); /* one reference, held by the creator */
void obj_ref(struct kobj *o);
void obj_unref(struct kobj *o);               /* the last reference destroys the object */
struct eq_link *obj_link(struct kobj *o);     /* the object's event-queue link, NULL if it has none */
