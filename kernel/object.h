/* object.h: reference-counted kernel objects that handles name, and the operations of each type. */
#pragma once

#include <warp/ipc.h>
#include <warp/types.h>

struct kobj;
struct eventq;
struct handle_table;

/*
 * What the kernel does with objects of one type, defined once by the file that owns the type
 * (channel.c, eventq.c, timer.c, proc.c, device.c, irq.c). Code elsewhere never switches on a type:
 * it calls through these.
 */
struct obj_ops {
    uint32_t type;    /* enum obj_type, as SYS_HANDLE_INFO reports it */
    const char *name; /* for log lines */
    /* The last reference went: release what the object holds and free it. */
    void (*destroy)(struct kobj *o);
    /* Event sources only (else 0): the offset of the object's struct eq_link. */
    size_t link_offset;
    /* Event sources only: produce one event for a process whose handles are `receiver` (handles
     * a message carries are installed there); 1 produced, 0 none (stale), or an error. *more says
     * whether another event is ready after this one. */
    long (*take_event)(struct kobj *o, struct handle_table *receiver, struct warp_event *ev, bool *more);
    /* Optional: work owed after handles to objects of this type were closed (channel ends: collect
     * the ones nobody can reach any more); obj_sweep runs it once per batch of closes. */
    void (*sweep)(void);
    /* Optional: o's first handle-table entry appeared (held) or its last one went (!held). */
    void (*held_changed)(struct kobj *o, bool held);
};

/* Every object starts with this header. */
struct kobj {
    const struct obj_ops *ops;
    uint32_t type;          /* ops->type, kept here for the handle lookup's check */
    uint32_t refs;          /* handles, in-flight messages and kernel links holding it */
    uint32_t hrefs;         /* of which handle-table entries */
    struct kobj *next_dead; /* on the list of objects waiting to be destroyed */
};

/*
 * Membership of an event source (channel end, timer, process, IRQ) in an event queue: set by
 * SYS_EVENTQ_ADD through one particular handle, dropped when that handle goes.
 */
struct eq_link {
    struct kobj *obj;           /* the source this link is part of */
    struct eventq *eq;          /* NULL when not registered */
    struct handle_table *owner; /* the handle table of the handle that registered it */
    handle_t handle;            /* that handle, reported in events */
    uint64_t cookie;
    bool queued; /* on eq's ready list */
    struct eq_link *next_ready;
    struct eq_link *next_member;
};

/* Make o an object of ops' type with one reference, held by the creator. */
void obj_init(struct kobj *o, const struct obj_ops *ops);
static inline void obj_ref(struct kobj *o)
{
    o->refs++;
}
/* Drop a reference; the last one destroys the object (and what only it held, iteratively), or,
 * past a batch of destructions in one go, leaves it on the dead list for obj_reap. */
void obj_unref(struct kobj *o);
#define OBJ_DESTROY_BATCH 64 /* destructions in one go at most (object.c) */
/* Objects whose last reference went and that wait to be destroyed (object.c). */
extern struct kobj *obj_dead_list;
/* Destroy every object on the dead list, calling pause (may be NULL) between batches. */
void obj_reap(long (*pause)(void));
/* Between these (not nested), a last reference only queues its object for obj_reap: for a walk of
 * objects that must not see any of them destroyed under it. */
void obj_defer_begin(void);
void obj_defer_end(void);
/* The object's event-queue link, NULL if its type is not an event source. */
static inline struct eq_link *obj_link(struct kobj *o)
{
    size_t off = o->ops->link_offset;
    return off ? (struct eq_link *)((char *)o + off) : NULL;
}
/* A handle to o was closed: remember that its type owes a sweep. */
void obj_handle_closed(struct kobj *o);
/* Run the sweeps owed since the last call (after a batch of handle closes). */
void obj_sweep(void);
