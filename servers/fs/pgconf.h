/* pgconf.h: the manifest's [fs NAME] section: a persistent mount kept in PostgreSQL (pure, host-tested). */
#pragma once

#include <warp/types.h>

#define PGCONF_NAME_MAX 31  /* the mount's name: /NAME; 1 to 31 of a-z 0-9 _ - */
#define PGCONF_TEXT_MAX 127 /* host, database, user, password, volume */
#define PGCONF_LEASE_DEFAULT 30
#define PGCONF_LEASE_MAX 3600
#define PGCONF_TIMEOUT_DEFAULT 30
#define PGCONF_REFRESH_DEFAULT 2
#define PGCONF_PORT_DEFAULT 5432

/*
 * [fs data]                 the mount's name: it is served at /data
 * pg = 10.0.2.2:5432        PostgreSQL's address: a dotted quad or a name tcpip resolves; the port
 *                           defaults to 5432
 * database = warp           required, as are user, password and volume
 * user = warp
 * password = ...            never logged
 * volume = site             the volume's name in the database (several VMs may mount one)
 * lease = 30                seconds a writer's lease lasts (renewed at a third of it); 1..3600
 * sync = yes                close of a written file waits for its commit, as fsync does (default no)
 * timeout = 30              seconds a sync waits for the database before it fails (ERR_TIMED_OUT);
 *                           1..3600
 * refresh = 2               seconds between a read-only mount's refreshes of its tree (1..3600)
 */
struct pgconf {
    bool present; /* a valid section was found */
    char name[PGCONF_NAME_MAX + 1];
    char host[PGCONF_TEXT_MAX + 1];
    uint16_t port;
    char database[PGCONF_TEXT_MAX + 1], user[PGCONF_TEXT_MAX + 1], password[PGCONF_TEXT_MAX + 1];
    char volume[PGCONF_TEXT_MAX + 1];
    uint32_t lease_s;
    uint32_t timeout_s;
    uint32_t refresh_s;
    bool sync;
};

typedef void (*pgconf_log_fn)(void *ctx, const char *msg);

/*
 * Reads the first [fs NAME] section of manifest text into out (out->present false without one, or
 * when it is refused). A bad name (or one fs uses: tmp, disk0), an unknown or repeated key, a bad or
 * too long value, or a missing required key refuses the section, logged through log with its line
 * (never a value: the password must not reach the log); a second [fs] section is logged and left
 * out.
 */
void pgconf_parse(const char *text, uint64_t len, struct pgconf *out, pgconf_log_fn log, void *ctx);
