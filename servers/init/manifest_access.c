/* manifest_access.c: the access keys of a manifest service (uses, ports, admin, connect); pure, host-tested. */
#include "manifest_access.h"

#include <warp/fmt.h>
#include <warp/string.h>
#include <warp/text.h>

/* The MANIFEST_KEY_* bit of access key `key`, 0 if it is not one. */
unsigned manifest_access_key_bit(const char *key)
{
    if (strcmp(key, "uses") == 0)
        return MANIFEST_KEY_USES;
    if (strcmp(key, "ports") == 0)
        return MANIFEST_KEY_PORTS;
    if (strcmp(key, "admin") == 0)
        return MANIFEST_KEY_ADMIN;
    if (strcmp(key, "connect") == 0)
        return MANIFEST_KEY_CONNECT;
    return 0;
}

/* Cuts the next blank-separated item off *v (NUL-terminating it in place); NULL when none is left. */
static char *manifest_access_item(char **v)
{
    char *s = *v;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return NULL;
    char *end = s;
    while (*end && *end != ' ' && *end != '\t')
        end++;
    if (*end)
        *end++ = '\0';
    *v = end;
    return s;
}

/* True if s may open service/<name> (it lists name in uses). */
bool manifest_access_uses(const struct manifest_access *s, const char *name)
{
    for (unsigned i = 0; i < s->nuses; i++)
        if (strcmp(s->uses[i], name) == 0)
            return true;
    return false;
}

/* True if name is base or one of its per_device instances: base:N, N one digit. */
static bool manifest_access_instance_of(const char *name, const char *base)
{
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0)
        return false;
    name += n;
    return name[0] == '\0' || (name[0] == ':' && name[1] >= '0' && name[1] <= '9' && name[2] == '\0');
}

/* True if s may open service/<name>: uses lists it, or the per_device service it is an instance of. */
bool manifest_access_may_open(const struct manifest_access *s, const char *name)
{
    for (unsigned i = 0; i < s->nuses; i++)
        if (manifest_access_instance_of(name, s->uses[i]))
            return true;
    return false;
}

/* uses = name...: each listed once, at most MANIFEST_USES_MAX (whether each exists is checked later,
 * by manifest_access_check: a name that is not a service's is refused there). */
static bool manifest_access_set_uses(struct manifest_access *s, char *v, char *why, size_t why_size)
{
    for (char *name; (name = manifest_access_item(&v)) != NULL;) {
        if (strlen(name) > SPAWN_NAME_MAX)
            fmt_snprintf(why, why_size, "uses: '%s' is longer than a service name", name);
        else if (manifest_access_uses(s, name))
            fmt_snprintf(why, why_size, "uses: '%s' listed twice", name);
        else if (s->nuses == MANIFEST_USES_MAX)
            fmt_snprintf(why, why_size, "uses lists more than %d services", MANIFEST_USES_MAX);
        else {
            memcpy(s->uses[s->nuses++], name, strlen(name) + 1);
            continue;
        }
        return false;
    }
    return true;
}

/* ports = N...: TCP ports it may listen on, each once, at most MANIFEST_PORTS_MAX. */
static bool manifest_access_set_ports(struct manifest_access *s, char *v, char *why, size_t why_size)
{
    for (char *t; (t = manifest_access_item(&v)) != NULL;) {
        long port = text_decimal(t, 1, 65535);
        bool dup = false;
        for (unsigned i = 0; i < s->nports; i++)
            dup = dup || s->ports[i] == port;
        if (port < 0)
            fmt_snprintf(why, why_size, "ports: '%s' is not a port from 1 to 65535", t);
        else if (dup)
            fmt_snprintf(why, why_size, "ports: %ld listed twice", port);
        else if (s->nports == MANIFEST_PORTS_MAX)
            fmt_snprintf(why, why_size, "ports lists more than %d ports", MANIFEST_PORTS_MAX);
        else {
            s->ports[s->nports++] = (uint16_t)port;
            continue;
        }
        return false;
    }
    return true;
}

/* Applies access key `bit` = v to s (see manifest_access.h). */
bool manifest_access_set(struct manifest_access *s, unsigned bit, char *v, unsigned line, char *why,
                         size_t why_size)
{
    if (bit == MANIFEST_KEY_USES) {
        s->uses_line = line;
        return manifest_access_set_uses(s, v, why, why_size);
    }
    if (bit == MANIFEST_KEY_PORTS)
        return manifest_access_set_ports(s, v, why, why_size);
    const char *key = bit == MANIFEST_KEY_ADMIN ? "admin" : "connect";
    if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0) {
        *(bit == MANIFEST_KEY_ADMIN ? &s->admin : &s->connect) = v[0] == 'y';
        return true;
    }
    fmt_snprintf(why, why_size, "%s = '%s' is not yes or no", key, v);
    return false;
}

/* The first name in a's uses that known() denies, or NULL (manifest_access.h). */
const char *manifest_access_unknown(const struct manifest_access *a,
                                    bool (*known)(const char *name, void *ctx), void *ctx)
{
    for (unsigned u = 0; u < a->nuses; u++)
        if (!known(a->uses[u], ctx))
            return a->uses[u];
    return NULL;
}
