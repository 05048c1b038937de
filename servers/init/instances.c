/* instances.c: a per_device service becomes one service per device it matches (instances.h). */
#include "instances.h"

#include <warp/fmt.h>
#include <warp/string.h>

/* Where the instances are assembled: a manifest is too large for init's stack. */
static struct manifest instances_out;

/* Appends instance n of s for the k-th function matching its id i; false when out is full. */
static bool instances_add(struct manifest *out, const struct manifest_service *s, unsigned i, uint32_t k,
                          unsigned n)
{
    if (out->count == MANIFEST_MAX_SERVICES)
        return false;
    struct manifest_service *d = &out->services[out->count++];
    *d = *s;
    fmt_snprintf(d->name, sizeof(d->name), "%s:%u", s->name, n);
    d->devices[0] = s->devices[i];
    d->devices[0].index = k;
    memcpy(d->device_binary[0], s->device_binary[i], sizeof(d->device_binary[0]));
    d->ndevices = 1;
    d->per_device = false;
    d->arg = n;
    return true;
}

/* Appends s's instances (s itself when it matches nothing); returns the devices left unserved. */
static unsigned instances_expand(struct manifest *out, const struct manifest_service *s,
                                 instances_count_fn count, void *ctx)
{
    unsigned n = 0, left = 0;
    for (unsigned i = 0; i < s->ndevices; i++) {
        unsigned found = count(ctx, &s->devices[i]);
        for (uint32_t k = 0; k < found; k++) {
            if (n == MANIFEST_INSTANCES_MAX || !instances_add(out, s, i, k, n))
                left++;
            else
                n++;
        }
    }
    if (n == 0 && left == 0 && out->count < MANIFEST_MAX_SERVICES)
        out->services[out->count++] = *s;
    return left;
}

/* Replaces every per_device service by its instances; see instances.h. */
unsigned manifest_instances(struct manifest *m, instances_count_fn count, void *ctx, manifest_log_fn log,
                            void *log_ctx)
{
    struct manifest *out = &instances_out;
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < m->count; i++) {
        const struct manifest_service *s = &m->services[i];
        if (!s->per_device) {
            if (out->count < MANIFEST_MAX_SERVICES)
                out->services[out->count++] = *s;
            else
                log(log_ctx, "more services than init can run; the rest skipped");
            continue;
        }
        unsigned left = instances_expand(out, s, count, ctx);
        if (left > 0) {
            char msg[96];
            fmt_snprintf(msg, sizeof(msg), "%s: %u more device(s) than instances init can run; not served",
                         s->name, left);
            log(log_ctx, msg);
        }
    }
    *m = *out;
    return m->count;
}
