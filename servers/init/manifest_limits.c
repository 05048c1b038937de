/* manifest_limits.c: the quota keys of init's manifest; pure, like manifest.c (docs/security.md). */
#include "manifest_limits.h"

#include <warp/fmt.h>
#include <warp/ipc.h>
#include <warp/string.h>
#include <warp/text.h>

/* One key: its name, default and allowed range. 0 is never allowed: in spawn_args it means
 * "inherit the spawner's", which for init's children would be no limit at all. */
static const struct {
    const char *name;
    uint64_t def, min, max;
} limit_keys[LIMIT_COUNT] = {
    [LIMIT_PAGES] = {"pages", MANIFEST_DEFAULT_PAGES, 64, 1u << 20}, /* 256 KiB .. 4 GiB */
    [LIMIT_HANDLES] = {"handles", MANIFEST_DEFAULT_HANDLES, 8, HANDLES_MAX},
    [LIMIT_CHANNELS] = {"channels", MANIFEST_DEFAULT_CHANNELS, 1, 4096},
    [LIMIT_TIMERS] = {"timers", MANIFEST_DEFAULT_TIMERS, 1, 4096},
    [LIMIT_MESSAGES] = {"messages", MANIFEST_DEFAULT_MESSAGES, 1, 65536},
    [LIMIT_CHILDREN] = {"children", MANIFEST_DEFAULT_CHILDREN, 1, 128}, /* the kernel's process table */
};

int manifest_limit_index(const char *key)
{
    for (unsigned k = 0; k < LIMIT_COUNT; k++)
        if (strcmp(key, limit_keys[k].name) == 0)
            return (int)k;
    return -1;
}

const char *manifest_limit_name(unsigned k)
{
    return k < LIMIT_COUNT ? limit_keys[k].name : "?";
}

void manifest_limits_default(uint64_t out[LIMIT_COUNT])
{
    for (unsigned k = 0; k < LIMIT_COUNT; k++)
        out[k] = limit_keys[k].def;
}

/* Decimal digits only, no sign, no leading zero, within the key's range. */
bool manifest_limit_value(unsigned k, const char *v, uint64_t *out, char *why, size_t n)
{
    long x = k < LIMIT_COUNT ? text_decimal(v, (long)limit_keys[k].min, (long)limit_keys[k].max) : -1;
    if (x >= 0) {
        *out = (uint64_t)x;
        return true;
    }
    if (k < LIMIT_COUNT)
        fmt_snprintf(why, n, "%s = '%s' is not a number from %lu to %lu", limit_keys[k].name, v,
                     (unsigned long)limit_keys[k].min, (unsigned long)limit_keys[k].max);
    return false;
}
