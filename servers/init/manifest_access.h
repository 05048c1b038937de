/* manifest_access.h: the manifest's access keys (uses, ports, admin, connect), parsed and checked by manifest_access.c. */
#pragma once

#include <warp/abi.h>
#include <warp/types.h>

#define MANIFEST_USES_MAX 16 /* services one uses = line may name (MANIFEST_MAX_SERVICES) */
#define MANIFEST_PORTS_MAX 8 /* ports one ports = line may list */

/* What a service may do beyond running: kept in its struct manifest_service as `access`. */
struct manifest_access {
    char uses[MANIFEST_USES_MAX][SPAWN_NAME_MAX + 1]; /* services it may open through init */
    unsigned nuses;
    uint16_t ports[MANIFEST_PORTS_MAX]; /* TCP ports it may listen on, 1..65535, distinct */
    unsigned nports;
    bool admin;         /* may use privileged operations */
    bool connect;       /* may open outbound TCP connections and resolve names (tcpip) */
    unsigned uses_line; /* line of its uses = key (diagnostics) */
};

/* Key bits of the access keys, above manifest.c's own (they share one mask per section). */
#define MANIFEST_KEY_USES (1u << 16)
#define MANIFEST_KEY_PORTS (1u << 17)
#define MANIFEST_KEY_ADMIN (1u << 18)
#define MANIFEST_KEY_CONNECT (1u << 20) /* 19 is manifest.c's per_device */
#define MANIFEST_ACCESS_KEYS \
    (MANIFEST_KEY_USES | MANIFEST_KEY_PORTS | MANIFEST_KEY_ADMIN | MANIFEST_KEY_CONNECT)

/* The MANIFEST_KEY_* bit of access key `key`, 0 if it is not one. */
unsigned manifest_access_key_bit(const char *key);

/*
 * Applies access key `bit` = v (non-empty, blanks separate list items), read from line `line`, to a.
 * Returns true, or false with a reason ("ports: '0' is not a port from 1 to 65535") written to why.
 * Names in uses are only bounded here: whether each names a service is known once every section is
 * read (manifest_access_unknown).
 */
bool manifest_access_set(struct manifest_access *a, unsigned bit, char *v, unsigned line, char *why,
                         size_t why_size);

/* The first name in a's uses for which known(name, ctx) is false, or NULL if there is none. */
const char *manifest_access_unknown(const struct manifest_access *a,
                                    bool (*known)(const char *name, void *ctx), void *ctx);

/* True if a's uses lists name itself. */
bool manifest_access_uses(const struct manifest_access *a, const char *name);
/* True if s may open service/<name>: name is in its uses, or is NAME:N of a NAME in its uses (the
 * instances of a per_device service, instances.h). */
bool manifest_access_may_open(const struct manifest_access *s, const char *name);
