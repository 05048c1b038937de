/* access.h: what each client of service/tcpip may do (access.c): sessions, ports, SETATTR. */
#pragma once

#include <warp/grant.h>

#define ACCESS_CTLS_MAX 64       /* control channels of all clients together */
#define ACCESS_CTLS_PER_CLIENT 8 /* control channels of one client */

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
/* 0 if c may change the interface (SETATTR: its manifest says admin = yes), else ERR_PERMISSION. */
long access_setattr(const struct access_client *c);
