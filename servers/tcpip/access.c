/* access.c: what each client of service/tcpip may do: sessions per client and in all, ports, SETATTR. */
#include "access.h"

#include <warp/error.h>
#include <warp/malloc.h>
#include <warp/sessions.h>

/*
 * init tells us who each client is (the grant notice before its control channel, warp/grant.h):
 * its manifest name, its ports and whether it is admin. Listeners and connections opened through a
 * control channel belong to that client's grant. The caps keep the handles we hold bounded (one
 * per control channel; listeners and connections are bounded by lwIP's pools): past them a channel
 * is refused with an error, never by running out of handles, which would stop our event loop.
 */
static struct sessions access_sessions;  /* control channels */
static struct sessions access_listeners; /* listeners, by the client that opened them */

/* Forgets every session. */
void access_init(void)
{
    sessions_init(&access_sessions, ACCESS_CTLS_MAX, ACCESS_CTLS_PER_CLIENT);
    sessions_init(&access_listeners, ACCESS_LISTENERS_MAX, ACCESS_LISTENERS_PER_CLIENT);
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

/* 0 if c may change the interface. */
long access_setattr(const struct access_client *c)
{
    return c->grant.admin ? 0 : ERR_PERMISSION;
}
