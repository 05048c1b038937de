/* access.c: what each client of service/tcpip may do: sessions per client and in all, ports, connect, SETATTR. */
#include "access.h"

#include <warp/error.h>
#include <warp/malloc.h>
#include <warp/sessions.h>

/*
 * init tells us who each client is (the grant notice before its control channel, warp/grant.h):
 * its manifest name, its ports, whether it may connect out and whether it is admin. Listeners and connections opened through a
 * control channel belong to that client's grant. The caps keep the handles we hold bounded (one
 * per control channel; listeners and connections are bounded by lwIP's pools): past them a channel
 * is refused with an error, never by running out of handles, which would stop our event loop.
 */
static struct sessions access_sessions;  /* control channels */
static struct sessions access_listeners; /* listeners, by the client that opened them */
static struct sessions access_dials;     /* tcp-connects waiting for their handshake */
static struct sessions access_lookups;   /* resolves waiting for their answer */

/* Forgets every session. */
void access_init(void)
{
    sessions_init(&access_sessions, ACCESS_CTLS_MAX, ACCESS_CTLS_PER_CLIENT);
    sessions_init(&access_listeners, ACCESS_LISTENERS_MAX, ACCESS_LISTENERS_PER_CLIENT);
    sessions_init(&access_dials, ACCESS_DIALS_MAX, ACCESS_DIALS_PER_CLIENT);
    /* The total is resolve.c's table, which refuses first; this only needs to be no smaller. */
    sessions_init(&access_lookups, ACCESS_DIALS_MAX, ACCESS_LOOKUPS_PER_CLIENT);
}

/* Admits one more control channel of the client granted g (access.h). */
struct access_client *access_open(const struct grant *g, long *err)
{
    long slot = sessions_take(&access_sessions, g->client);
    if (slot < 0) {
        *err = slot;
        return NULL;
    }
    struct access_client *c = malloc(sizeof(*c));
    if (!c) {
        sessions_put(&access_sessions, slot);
        *err = ERR_NO_MEMORY;
        return NULL;
    }
    c->grant = *g;
    c->slot = slot;
    return c;
}

/* Counts c's channel out and frees c. */
void access_close(struct access_client *c)
{
    sessions_put(&access_sessions, c->slot);
    free(c);
}

/* 0 if c may listen on port. */
long access_listen(const struct access_client *c, uint16_t port)
{
    return grant_port(&c->grant, port) ? 0 : ERR_PERMISSION;
}

/* Counts one more listener of c's client. */
long access_listener_take(const struct access_client *c)
{
    return sessions_take(&access_listeners, c->grant.client);
}

/* A counted listener has closed. */
void access_listener_put(long slot)
{
    sessions_put(&access_listeners, slot);
}

/* 0 if c may connect out and resolve names. */
long access_connect(const struct access_client *c)
{
    return c->grant.connect ? 0 : ERR_PERMISSION;
}

/* Counts one more pending tcp-connect of c's client. */
long access_dial_take(const struct access_client *c)
{
    return sessions_take(&access_dials, c->grant.client);
}

/* A pending tcp-connect has ended. */
void access_dial_put(long slot)
{
    sessions_put(&access_dials, slot);
}

/* Counts one more pending lookup of c's client. */
long access_lookup_take(const struct access_client *c)
{
    return sessions_take(&access_lookups, c->grant.client);
}

/* A pending lookup has ended. */
void access_lookup_put(long slot)
{
    sessions_put(&access_lookups, slot);
}

/* 0 if c may change the interface. */
long access_setattr(const struct access_client *c)
{
    return c->grant.admin ? 0 : ERR_PERMISSION;
}
