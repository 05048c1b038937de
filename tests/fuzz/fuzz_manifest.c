/* fuzz_manifest.c: libFuzzer harness for init's manifest parser (servers/init/manifest.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "servers/init/manifest.h"
#include "servers/init/manifest_limits.h"
#include <warp/ipc.h>

/*
 * The input is a manifest, not NUL-terminated (ASan catches a read past its end). Whatever it holds,
 * the parser must keep only services that satisfy every promise of manifest.h: at most
 * MANIFEST_MAX_SERVICES, each with a valid unique name, a non-empty binary path without blanks or
 * control bytes, known on_exit and restart values, at most MANIFEST_DEVICE_IDS device ids, distinct
 * ports (none 0) and uses naming distinct services that are themselves kept; every
 * diagnostic is a short string handed the caller's context. Then the round trip: the kept services,
 * written back out as a manifest, must parse without a diagnostic into exactly the same services.
 * abort() on any broken promise; ASan and UBSan catch the rest.
 */

#define LOG_MAX 192 /* longest diagnostic manifest.c writes, NUL included */

/* Counts diagnostics; checks each is a NUL-terminated string handed our context. */
static void count_log(void *ctx, const char *msg)
{
    if (memchr(msg, '\0', LOG_MAX) == NULL)
        abort();
    (*(unsigned *)ctx)++;
}

/* Checks what manifest.h promises about one kept service. */
static void check_service(const struct manifest_service *s)
{
    if (!manifest_valid_name(s->name))
        abort();
    size_t n = strnlen(s->binary, sizeof(s->binary));
    if (n == 0 || n == sizeof(s->binary))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s->binary[i] < 0x20 || s->binary[i] == ' ' || s->binary[i] == '#')
            abort();
    if (s->weight < 1 || s->weight > SPAWN_WEIGHT_MAX)
        abort();
    if (s->on_exit != MANIFEST_ON_EXIT_IGNORE && s->on_exit != MANIFEST_ON_EXIT_SHUTDOWN)
        abort();
    if (s->restart < MANIFEST_RESTART_NEVER || s->restart > MANIFEST_RESTART_ALWAYS)
        abort();
    if (s->ndevices > MANIFEST_DEVICE_IDS || s->access.nuses > MANIFEST_USES_MAX ||
        s->access.nports > MANIFEST_PORTS_MAX)
        abort();
    for (unsigned i = 0; i < s->access.nports; i++)
        for (unsigned j = 0; j < i; j++)
            if (s->access.ports[i] == 0 || s->access.ports[i] == s->access.ports[j])
                abort();
    for (unsigned i = 0; i < s->access.nuses; i++)
        for (unsigned j = 0; j < i; j++)
            if (strcmp(s->access.uses[i], s->access.uses[j]) == 0)
                abort();
    for (unsigned k = 0; k < LIMIT_COUNT; k++)
        if (s->limits[k] == 0 || (k == LIMIT_HANDLES && s->limits[k] > HANDLES_MAX))
            abort(); /* 0 would mean "no limit" to the kernel */
}

/* Checks that every service a kept service uses is kept too. */
static void check_uses(const struct manifest *m)
{
    for (unsigned i = 0; i < m->count; i++)
        for (unsigned u = 0; u < m->services[i].access.nuses; u++) {
            unsigned j = 0;
            while (j < m->count && strcmp(m->services[j].name, m->services[i].access.uses[u]) != 0)
                j++;
            if (j == m->count)
                abort();
        }
}

/* Writes s's access keys (uses, ports, admin) the way a manifest spells them. */
static size_t write_access(char *buf, size_t size, const struct manifest_service *s)
{
    size_t len = (size_t)snprintf(buf, size, "admin = %s\n", s->access.admin ? "yes" : "no");
    if (s->access.nuses > 0) {
        len += (size_t)snprintf(buf + len, size - len, "uses =");
        for (unsigned u = 0; u < s->access.nuses; u++)
            len += (size_t)snprintf(buf + len, size - len, " %s", s->access.uses[u]);
        len += (size_t)snprintf(buf + len, size - len, "\n");
    }
    if (s->access.nports > 0) {
        len += (size_t)snprintf(buf + len, size - len, "ports =");
        for (unsigned p = 0; p < s->access.nports; p++)
            len += (size_t)snprintf(buf + len, size - len, " %u", (unsigned)s->access.ports[p]);
        len += (size_t)snprintf(buf + len, size - len, "\n");
    }
    return len;
}

/* Writes one device id the way a manifest spells it. */
static int write_device(char *buf, size_t size, const struct device_match *d)
{
    if (d->class_code != PCI_ANY_CLASS)
        return snprintf(buf, size, " pci-class:%06x", (unsigned)d->class_code);
    return snprintf(buf, size, " pci:%04x:%04x", (unsigned)d->vendor, (unsigned)d->device);
}

/* Writes the services of m back out as a manifest; returns its length. */
static size_t write_manifest(char *buf, size_t size, const struct manifest *m)
{
    static const char *const restart[] = {"", "never", "on-failure", "always"};
    size_t len = 0;
    for (unsigned i = 0; i < m->count; i++) {
        const struct manifest_service *s = &m->services[i];
        len += (size_t)snprintf(
            buf + len, size - len,
            "[service %s]\nbinary = %s\ninitfs = %s\non_exit = %s\nrestart = %s\nessential = %s\nweight = %u\n",
            s->name, s->binary, s->share_initfs ? "yes" : "no",
            s->on_exit == MANIFEST_ON_EXIT_SHUTDOWN ? "shutdown" : "ignore", restart[s->restart],
            s->essential ? "yes" : "no", s->weight);
        if (s->ndevices > 0) {
            len += (size_t)snprintf(buf + len, size - len, "devices =");
            for (unsigned d = 0; d < s->ndevices; d++)
                len += (size_t)write_device(buf + len, size - len, &s->devices[d]);
            len += (size_t)snprintf(buf + len, size - len, "\n");
        }
        len += write_access(buf + len, size - len, s);
        for (unsigned k = 0; k < LIMIT_COUNT; k++)
            len += (size_t)snprintf(buf + len, size - len, "%s = %lu\n", manifest_limit_name(k),
                                    (unsigned long)s->limits[k]);
        if (len >= size)
            abort(); /* the buffer below is sized for the largest manifest */
    }
    return len;
}

/* True if two kept services are the same in every field the parser sets. */
static int same_service(const struct manifest_service *a, const struct manifest_service *b)
{
    if (strcmp(a->name, b->name) != 0 || strcmp(a->binary, b->binary) != 0 ||
        a->share_initfs != b->share_initfs || a->on_exit != b->on_exit || a->restart != b->restart ||
        a->essential != b->essential || a->weight != b->weight || a->ndevices != b->ndevices ||
        a->access.admin != b->access.admin || a->access.nuses != b->access.nuses ||
        a->access.nports != b->access.nports || memcmp(a->limits, b->limits, sizeof(a->limits)) != 0)
        return 0;
    for (unsigned u = 0; u < a->access.nuses; u++)
        if (strcmp(a->access.uses[u], b->access.uses[u]) != 0)
            return 0;
    if (memcmp(a->access.ports, b->access.ports, a->access.nports * sizeof(a->access.ports[0])) != 0)
        return 0;
    for (unsigned d = 0; d < a->ndevices; d++) {
        const struct device_match *x = &a->devices[d], *y = &b->devices[d];
        if (x->vendor != y->vendor || x->device != y->device || x->class_code != y->class_code ||
            x->index != y->index)
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct manifest m, again;
    static char text[MANIFEST_MAX_SERVICES *
                     (2 * MANIFEST_PATH_MAX + 256 + 32 * (MANIFEST_USES_MAX + 1) + 64 + 32 * LIMIT_COUNT)];
    unsigned logs = 0;
    unsigned count = manifest_parse((const char *)data, size, &m, count_log, &logs);
    if (count != m.count || count > MANIFEST_MAX_SERVICES)
        abort();
    for (unsigned i = 0; i < count; i++) {
        check_service(&m.services[i]);
        for (unsigned j = 0; j < i; j++)
            if (strcmp(m.services[i].name, m.services[j].name) == 0)
                abort();
    }
    check_uses(&m);

    size_t len = write_manifest(text, sizeof(text), &m);
    logs = 0;
    if (manifest_parse(text, len, &again, count_log, &logs) != count || logs != 0)
        abort();
    for (unsigned i = 0; i < count; i++)
        if (!same_service(&m.services[i], &again.services[i]))
            abort();
    return 0;
}
