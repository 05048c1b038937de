/* pgconf.c: the [fs NAME] section of the manifest (pgconf.h). */
#include "pgconf.h"

#include <warp/fmt.h>
#include <warp/mfsection.h>
#include <warp/string.h>
#include <warp/text.h>

/* The keys, one bit each; the required ones together. */
enum {
    PGCONF_PG = 1,
    PGCONF_DATABASE = 2,
    PGCONF_USER = 4,
    PGCONF_PASSWORD = 8,
    PGCONF_VOLUME = 16,
    PGCONF_LEASE = 32,
    PGCONF_SYNC = 64,
    PGCONF_TIMEOUT = 128,
    PGCONF_REFRESH = 256,
    PGCONF_REQUIRED = PGCONF_PG | PGCONF_DATABASE | PGCONF_USER | PGCONF_PASSWORD | PGCONF_VOLUME,
};

static const struct {
    const char *name;
    unsigned bit;
} pgconf_keys[] = {{"pg", PGCONF_PG},          {"database", PGCONF_DATABASE},
                   {"user", PGCONF_USER},      {"password", PGCONF_PASSWORD},
                   {"volume", PGCONF_VOLUME},  {"lease", PGCONF_LEASE},
                   {"sync", PGCONF_SYNC},      {"timeout", PGCONF_TIMEOUT},
                   {"refresh", PGCONF_REFRESH}};

/* The reading of the sections. */
struct pgconf_reader {
    struct pgconf *out;
    struct pgconf cur;
    pgconf_log_fn log;
    void *ctx;
    unsigned keys;
    unsigned sections;
    bool bad;
};

/* Logs "fs: manifest line N: why". */
static void pgconf_log(struct pgconf_reader *r, uint32_t line, const char *why)
{
    char msg[160];
    fmt_snprintf(msg, sizeof(msg), "manifest line %u: %s", line, why);
    if (r->log)
        r->log(r->ctx, msg);
}

/* True if name is 1..PGCONF_NAME_MAX of a-z 0-9 _ - and not one of fs's own mounts. */
static bool pgconf_valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > PGCONF_NAME_MAX || strcmp(name, "tmp") == 0 || strcmp(name, "disk0") == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_' ||
              name[i] == '-'))
            return false;
    return true;
}

/* pg = host[:port] into c: the reason it cannot, or NULL. */
static const char *pgconf_address(const char *value, struct pgconf *c)
{
    const char *colon = strchr(value, ':');
    size_t hl = colon ? (size_t)(colon - value) : strlen(value);
    if (hl == 0 || hl > PGCONF_TEXT_MAX)
        return "pg is not host or host:port";
    memcpy(c->host, value, hl);
    c->host[hl] = '\0';
    long port = colon ? text_decimal(colon + 1, 1, 65535) : PGCONF_PORT_DEFAULT;
    if (port < 0)
        return "pg's port is not a number from 1 to 65535";
    c->port = (uint16_t)port;
    return NULL;
}

/* Stores one key's value: the reason it cannot, or NULL. */
static const char *pgconf_value(unsigned bit, const char *value, struct pgconf *c)
{
    size_t n = strlen(value);
    if (n == 0 || n > PGCONF_TEXT_MAX)
        return "an empty or too long value";
    switch (bit) {
    case PGCONF_PG: return pgconf_address(value, c);
    case PGCONF_LEASE:
    case PGCONF_TIMEOUT:
    case PGCONF_REFRESH: {
        long s = text_decimal(value, 1, PGCONF_LEASE_MAX);
        *(bit == PGCONF_LEASE     ? &c->lease_s
          : bit == PGCONF_TIMEOUT ? &c->timeout_s
                                  : &c->refresh_s) = (uint32_t)s;
        return s < 0 ? "not a number of seconds from 1 to 3600" : NULL;
    }
    case PGCONF_SYNC:
        c->sync = strcmp(value, "yes") == 0;
        return c->sync || strcmp(value, "no") == 0 ? NULL : "sync is not yes or no";
    default: break;
    }
    char *dst = bit == PGCONF_DATABASE ? c->database
                : bit == PGCONF_USER   ? c->user
                : bit == PGCONF_VOLUME ? c->volume
                                       : c->password;
    memcpy(dst, value, n + 1);
    return NULL;
}

/* A key = value line of the section being read. */
static void pgconf_key(struct pgconf_reader *r, const struct mfsection_item *it)
{
    unsigned bit = 0;
    for (size_t i = 0; i < sizeof(pgconf_keys) / sizeof(pgconf_keys[0]); i++)
        if (strcmp(it->key, pgconf_keys[i].name) == 0)
            bit = pgconf_keys[i].bit;
    const char *why = bit == 0 ? "unknown key" : (r->keys & bit) ? "a key given twice" : NULL;
    if (!why)
        why = pgconf_value(bit, it->value, &r->cur);
    r->keys |= bit;
    if (why && !r->bad) {
        char msg[120];
        fmt_snprintf(msg, sizeof(msg), "[fs %s]: %s '%s'; the mount is left out", r->cur.name, why, it->key);
        pgconf_log(r, it->line, msg);
        r->bad = true;
    }
}

/* One event of the reading. */
static void pgconf_item(void *ctx, const struct mfsection_item *it)
{
    struct pgconf_reader *r = ctx;
    if (it->what == MFSECTION_BEGIN) {
        if (++r->sections > 1) {
            pgconf_log(r, it->line, "only one [fs] section is read; this one is left out");
            return;
        }
        memset(&r->cur, 0, sizeof(r->cur));
        r->cur.port = PGCONF_PORT_DEFAULT;
        r->cur.lease_s = PGCONF_LEASE_DEFAULT;
        r->cur.timeout_s = PGCONF_TIMEOUT_DEFAULT;
        r->cur.refresh_s = PGCONF_REFRESH_DEFAULT;
        r->keys = 0;
        r->bad = !pgconf_valid_name(it->name);
        if (r->bad)
            pgconf_log(r, it->line, "bad [fs] name (1-31 of a-z 0-9 _ -, not tmp or disk0); left out");
        else
            memcpy(r->cur.name, it->name, strlen(it->name) + 1);
        return;
    }
    if (r->sections > 1)
        return;
    if (it->what == MFSECTION_KEY) {
        pgconf_key(r, it);
    } else if (it->what == MFSECTION_BAD && !r->bad) {
        pgconf_log(r, it->line, it->why);
        r->bad = true;
    } else if (it->what == MFSECTION_END && !r->bad) {
        if ((r->keys & PGCONF_REQUIRED) != PGCONF_REQUIRED) {
            pgconf_log(r, it->line, "[fs] needs pg, database, user, password and volume; left out");
            return;
        }
        *r->out = r->cur;
        r->out->present = true;
    }
}

/* Reads the first [fs] section; see pgconf.h. */
void pgconf_parse(const char *text, uint64_t len, struct pgconf *out, pgconf_log_fn log, void *ctx)
{
    struct pgconf_reader r = {.out = out, .log = log, .ctx = ctx};
    memset(out, 0, sizeof(*out));
    mfsection_read(text, len, "fs", pgconf_item, &r);
}
