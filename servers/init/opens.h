/* opens.h: the OPENs init holds for the clients of one service, capped per client (opens.c; pure). */
#pragma once

#include "manifest.h"

#include <warp/types.h>

/*
 * init holds a client's OPEN "service/<name>" while the service has not registered (it waits) and
 * while the server has not yet taken the connection init handed it (a call on the server's handle 1,
 * answered by service.c once on_connect has run). Each held OPEN costs the server shared, bounded
 * room: a slot here, and two messages (grant notice, OPEN) in its handle 1's queue, which holds
 * MSG_QUEUE_MAX. So one client may hold at most INIT_OPENS_PER_CLIENT OPENs per service; one more
 * is answered ERR_NO_RESOURCES at once. With at most MANIFEST_MAX_SERVICES clients, the table
 * never fills for a client under its cap, and a server's handle 1 never holds more than
 * 2 * INIT_OPENS_MAX messages from init: one client's flood leaves the others unaffected.
 */
#define INIT_OPENS_PER_CLIENT 2
#define INIT_OPENS_MAX (MANIFEST_MAX_SERVICES * INIT_OPENS_PER_CLIENT)

enum init_open_state {
    INIT_OPEN_FREE = 0,
    INIT_OPEN_WAITING, /* the service has not registered (or its server went): connected when one does */
    INIT_OPEN_HANDED,  /* handed to the server; the client is answered when the server replies */
};

/* One OPEN init holds. */
struct init_open {
    enum init_open_state state;
    const struct manifest_service *client; /* who asked: its cap, and its grant for the server */
    handle_t ch;                           /* init's end of the client's init channel; 0: the client went */
    uint64_t call_id;                      /* the client's call, answered with the channel or an error */
    handle_t client_end;                   /* HANDED: the client's end of the new connection, kept until
                                              the server took its own */
    uint64_t seq;                          /* arrival order: WAITING ones are connected oldest first */
};

struct init_opens {
    struct init_open slots[INIT_OPENS_MAX];
    uint64_t next_seq;
};

/* Holds a new OPEN (call_id on ch) of client, WAITING; NULL if client holds INIT_OPENS_PER_CLIENT
 * already (or, which the cap rules out for MANIFEST_MAX_SERVICES clients, the table is full). */
struct init_open *opens_add(struct init_opens *o, const struct manifest_service *client, handle_t ch,
                            uint64_t call_id);
/* OPENs held for client, whether it is still there or not (a restarted client's predecessor's
 * count until the server answers them). */
unsigned opens_of(const struct init_opens *o, const struct manifest_service *client);
/* The oldest WAITING OPEN, or NULL. */
struct init_open *opens_oldest_waiting(struct init_opens *o);
/* The next held OPEN in state, from slot index *i on (start with *i = 0), or NULL; for walking. */
struct init_open *opens_next(struct init_opens *o, enum init_open_state state, unsigned *i);
/* True if op is one of o's slots. */
bool opens_holds(const struct init_opens *o, const struct init_open *op);
/* Frees op's slot. */
void opens_drop(struct init_open *op);
/* The client whose init channel is ch went: its WAITING OPENs are dropped; its HANDED ones stay
 * (the server's reply is still due) with ch 0, so nobody is answered on a reused handle value. */
void opens_forget_client(struct init_opens *o, handle_t ch);
