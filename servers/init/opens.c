/* opens.c: the OPENs init holds for the clients of one service, capped per client (opens.h); pure. */
#include "opens.h"

#include <warp/string.h>

/* OPENs held for client (opens.h). */
unsigned opens_of(const struct init_opens *o, const struct manifest_service *client)
{
    unsigned n = 0;
    for (unsigned i = 0; i < INIT_OPENS_MAX; i++)
        if (o->slots[i].state != INIT_OPEN_FREE && o->slots[i].client == client)
            n++;
    return n;
}

/* Holds a new WAITING OPEN of client, within its cap (opens.h). */
struct init_open *opens_add(struct init_opens *o, const struct manifest_service *client, handle_t ch,
                            uint64_t call_id)
{
    if (opens_of(o, client) >= INIT_OPENS_PER_CLIENT)
        return NULL;
    for (unsigned i = 0; i < INIT_OPENS_MAX; i++) {
        struct init_open *op = &o->slots[i];
        if (op->state != INIT_OPEN_FREE)
            continue;
        *op = (struct init_open){INIT_OPEN_WAITING, client, ch, call_id, 0, o->next_seq++};
        return op;
    }
    return NULL;
}

/* The oldest WAITING OPEN (opens.h). */
struct init_open *opens_oldest_waiting(struct init_opens *o)
{
    struct init_open *best = NULL;
    for (unsigned i = 0; i < INIT_OPENS_MAX; i++)
        if (o->slots[i].state == INIT_OPEN_WAITING && (!best || o->slots[i].seq < best->seq))
            best = &o->slots[i];
    return best;
}

/* The next OPEN in state from slot *i on (opens.h). */
struct init_open *opens_next(struct init_opens *o, enum init_open_state state, unsigned *i)
{
    for (; *i < INIT_OPENS_MAX; (*i)++)
        if (o->slots[*i].state == state)
            return &o->slots[(*i)++];
    return NULL;
}

/* True if op is one of o's slots (opens.h). */
bool opens_holds(const struct init_opens *o, const struct init_open *op)
{
    return op >= &o->slots[0] && op < &o->slots[INIT_OPENS_MAX];
}

/* Frees op's slot (opens.h). */
void opens_drop(struct init_open *op)
{
    memset(op, 0, sizeof(*op));
}

/* The client on ch went (opens.h). */
void opens_forget_client(struct init_opens *o, handle_t ch)
{
    for (unsigned i = 0; i < INIT_OPENS_MAX; i++) {
        struct init_open *op = &o->slots[i];
        if (op->state == INIT_OPEN_WAITING && op->ch == ch)
            opens_drop(op);
        else if (op->state == INIT_OPEN_HANDED && op->ch == ch)
            op->ch = 0;
    }
}
