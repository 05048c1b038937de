/* grant.h: the grant notice: who a service's next client is and what the manifest lets it do. */
#pragma once

#include <warp/ipc.h>

/*
 * Before init hands a server a client's channel (the one-way OPEN on handle 1, warp/service.h), it
 * sends on the same handle a one-way notice of type GRANT_MSG whose data is the text
 *
 *     client=<name> admin=yes|no [connect=yes] ports=<port>,<port>...   (ports= alone: none)
 *
 * <name> is the client's manifest service name, admin its `admin` key, connect=yes is there when its
 * `connect` key says yes (absent: no, so notices of clients without it read as before) and the
 * ports are its `ports` key (docs/security.md). Only init holds the other end of handle 1, so a server can believe it.
 * These functions are pure (tests/unit/test_grant.c).
 */
#define GRANT_MSG 0xffu    /* below MSG_USER: one of the system's own types, sent by init only */
#define GRANT_NAME_MAX 31  /* a service name's longest (SERVICE_NAME_MAX) */
#define GRANT_PORTS_MAX 8  /* ports one client may be granted (the manifest's limit) */
#define GRANT_TEXT_MAX 116 /* longest notice text: fits MSG_DATA_MAX */

struct grant {
    char client[GRANT_NAME_MAX + 1]; /* "" when no notice came: an unknown client, allowed nothing */
    bool admin;
    bool connect; /* may open outbound TCP connections and resolve names (tcpip) */
    uint16_t ports[GRANT_PORTS_MAX];
    unsigned nports;
};

/* Writes g as the notice's text (NUL-terminated) into buf; its length, or ERR_TOO_LARGE if size is too
 * small, ERR_INVALID_ARG for a grant that cannot be written (no or too long a name, a port 0, too many). */
long grant_format(const struct grant *g, char *buf, size_t size);
/* Builds the one-way notice for g. Returns 0 or grant_format's error. */
long grant_msg(struct warp_msg *m, const struct grant *g);
/* Parses a notice (type GRANT_MSG, one-way, its text exactly as grant_format writes it) into *g.
 * Returns 0; ERR_NOT_SUPPORTED for another type or a call; ERR_BAD_FORMAT for any other text. */
long grant_parse(const struct warp_msg *m, struct grant *g);
/* True if g lists port. */
bool grant_port(const struct grant *g, uint16_t port);
