/* sessions.h: counting a server's sessions per client and in total, to refuse the excess. */
#pragma once

#include <warp/grant.h>

/*
 * A server that keeps state per session (a channel init handed it) caps how many one client may
 * hold and how many all clients hold together, so no client can fill the server's tables (or its
 * handle table, which would stop its event loop). Clients are told apart by the grant init sent
 * with each (warp/grant.h); those without a grant count together as one client, "". Pure: no
 * system calls (tests/unit/test_tcpip_grant.c).
 *
 *     struct sessions s;  sessions_init(&s, 64, 8);
 *     long slot = sessions_take(&s, service_grant()->client);  ERR_NO_RESOURCES: refuse the session
 *     ...  sessions_put(&s, slot);                                when it ends
 */
#define SESSIONS_CLIENTS_MAX 32 /* distinct clients counted at once */

struct sessions {
    unsigned total;          /* sessions held now */
    unsigned total_max;      /* at most this many */
    unsigned per_client_max; /* at most this many per client */
    struct {
        char client[GRANT_NAME_MAX + 1];
        unsigned count; /* 0: the slot is free */
    } clients[SESSIONS_CLIENTS_MAX];
};

/* Empty counts with the given caps (each at least 1). */
void sessions_init(struct sessions *s, unsigned total_max, unsigned per_client_max);
/* Counts one more session of client (a name, "" for unknown). Returns a slot number for
 * sessions_put, or ERR_NO_RESOURCES if the client or everyone is at the cap. */
long sessions_take(struct sessions *s, const char *client);
/* Counts one session of the client sessions_take gave slot for less; a bad slot is ignored. */
void sessions_put(struct sessions *s, long slot);
/* Sessions client holds now. */
unsigned sessions_of(const struct sessions *s, const char *client);
