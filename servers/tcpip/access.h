/* access.h: what each client of service/tcpip may do (access.c): sessions, ports, connect, SETATTR. */
#pragma once

#include <warp/grant.h>

#define ACCESS_CTLS_MAX 64       /* control channels of all clients together */
#define ACCESS_CTLS_PER_CLIENT 8 /* control channels of one client */
#define ACCESS_LISTENERS_MAX 32  /* listeners of all clients together (lwIP's listen pcbs) */
#define ACCESS_LISTENERS_PER_CLIENT 4
#define ACCESS_DIALS_MAX 64         /* tcp-connects waiting for their handshake, all clients together */
#define ACCESS_DIALS_PER_CLIENT 8   /* ... and of one client */
#define ACCESS_LOOKUPS_PER_CLIENT 4 /* name lookups of one client (all together: resolve.c's table) */

/* One control channel's client: the grant init sent with it (warp/grant.h). */
struct access_client {
    struct grant grant;
    long slot; /* its count in the session table */
};

/* Forgets every session (start-up, and between host tests). */
void access_init(void);
/* Admits one more control channel of the client granted g: a record to keep with the channel, or
 * NULL with *err = ERR_NO_RESOURCES (that client, or all, at the cap) or ERR_NO_MEMORY. */
struct access_client *access_open(const struct grant *g, long *err);
/* The channel of c is gone: counts it out and frees c. */
void access_close(struct access_client *c);
/* 0 if c may listen on port (its manifest lists it in ports), else ERR_PERMISSION. */
long access_listen(const struct access_client *c, uint16_t port);
/* Counts one more listener of c's client: a slot for access_listener_put (the listener outlives c),
 * or ERR_NO_RESOURCES at the client's or everyone's cap. */
long access_listener_take(const struct access_client *c);
/* A listener sessions_take counted (slot) has closed. */
void access_listener_put(long slot);
/* 0 if c may connect out and resolve names (its manifest says connect = yes), else ERR_PERMISSION. */
long access_connect(const struct access_client *c);
/* Counts one more pending tcp-connect of c's client: a slot for access_dial_put, or ERR_NO_RESOURCES
 * at the client's or everyone's cap. */
long access_dial_take(const struct access_client *c);
/* A pending tcp-connect counted (slot) has ended. */
void access_dial_put(long slot);
/* Counts one more pending lookup of c's client: a slot for access_lookup_put, or ERR_NO_RESOURCES. */
long access_lookup_take(const struct access_client *c);
/* A pending lookup counted (slot) has ended. */
void access_lookup_put(long slot);
/* 0 if c may change the interface (SETATTR: its manifest says admin = yes), else ERR_PERMISSION. */
long access_setattr(const struct access_client *c);
