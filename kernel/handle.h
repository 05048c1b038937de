/* handle.h: handle tables: slots with a generation, an object and rights, one table per process. */
#pragma once

#include <object.h>

struct handle_entry {
    struct kobj *obj; /* NULL when the slot is free */
    uint32_t rights;  /* RIGHT_*; HANDLE_RETIRED on a free slot that must never be used again */
    uint64_t gen;     /* bumped when the slot is freed, so stale values do not match */
};

#define HANDLE_RETIRED 0x80000000u /* the slot's generations are used up: a new one would alias */
#define HANDLE_SLOT_BITS 12        /* a handle value: generation << HANDLE_SLOT_BITS | (slot + 1) */
#define HANDLE_GEN_MAX ((1ull << (63 - HANDLE_SLOT_BITS)) - 1) /* the last generation: values stay > 0 */

/* Slots come in chunks of HANDLE_CHUNK entries (1.5 KiB, a small kmalloc block), allocated as the
 * table grows and never moved: a process pays for the handles it has had at once, up to HANDLES_MAX. */
#define HANDLE_CHUNK 64
#define HANDLE_CHUNKS ((HANDLES_MAX + HANDLE_CHUNK - 1) / HANDLE_CHUNK)

struct handle_table {
    struct handle_entry *chunks[HANDLE_CHUNKS]; /* [0, nchunks) allocated */
    uint32_t nchunks;
    uint32_t used;    /* slots holding an object */
    uint32_t retired; /* slots retired for good */
    uint32_t hint;    /* no slot below this index is free */
    uint32_t limit;   /* the process's handle quota (LIMIT_HANDLES); 0 counts as HANDLES_MAX */
};

/* Makes sure n more handles can be installed without failing: grows the table as needed.
 * 0, ERR_LIMIT (the quota stops it), ERR_NO_RESOURCES (HANDLES_MAX reached) or ERR_NO_MEMORY. */
long handle_reserve(struct handle_table *t, uint32_t n);
/* Put obj (whose reference the table takes over) in a free slot; the handle, or the error of
 * handle_reserve. Cannot fail after a successful handle_reserve for it. */
long handle_install(struct handle_table *t, struct kobj *obj, uint32_t rights);
/* Put obj in slot `index` (free, and reserved), for the handles a new process starts with. */
handle_t handle_install_at(struct handle_table *t, uint32_t index, struct kobj *obj, uint32_t rights);
/* Look a handle up: type 0 accepts any; ERR_BAD_HANDLE, ERR_WRONG_TYPE, ERR_NO_RIGHTS. */
long handle_get(struct handle_table *t, handle_t h, uint32_t type, uint32_t rights,
                struct handle_entry **out);
/* The object behind h, of the given type (0: any) and rights; errors as handle_get. The reference
 * stays the table's. */
long handle_object(struct handle_table *t, handle_t h, uint32_t type, uint32_t rights, void **out);
/* A system-call register as a handle value: junk in the upper bits makes it 0, which names nothing. */
static inline handle_t handle_from_reg(uint64_t v)
{
    return v <= (uint64_t)INT64_MAX ? (handle_t)v : 0;
}
/* Take the entry of a valid handle out of the table (unregistering it from an event queue it was
 * added through); the caller now owns the reference. */
struct handle_entry handle_take(struct handle_table *t, handle_t h);
/* Close a valid handle: drop its reference and note the sweep its type may owe (obj_sweep). */
void handle_close(struct handle_table *t, handle_t h);
/* Handles that could still be installed (free slots, and those the table can grow by), within
 * its quota. */
uint32_t handle_free_slots(const struct handle_table *t);
/* Close every handle (process exit), with pause (may be NULL) between chunks of slots, and free the
 * table's chunks; the caller runs obj_sweep after. */
void handle_close_all(struct handle_table *t, long (*pause)(void));
