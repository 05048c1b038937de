/* manifest.c: the parser of init's manifest; pure (no system calls), so it can run in a host test. */
#include "manifest.h"
#include "manifest_limits.h"
#include <warp/text.h>

#include <stdarg.h>
#include <warp/fmt.h>
#include <warp/string.h>

/* Keys of a service section, one bit each, to catch duplicates and a missing binary. */
enum {
    MANIFEST_KEY_BINARY = 1u << 0,
    MANIFEST_KEY_INITFS = 1u << 1,
    MANIFEST_KEY_ON_EXIT = 1u << 2,
    MANIFEST_KEY_RESTART = 1u << 3,
    MANIFEST_KEY_DEVICES = 1u << 4,
    MANIFEST_KEY_ESSENTIAL = 1u << 5,
    MANIFEST_KEY_WEIGHT = 1u << 6,
    MANIFEST_KEY_ARG = 1u << 7,
    MANIFEST_KEY_LIMIT0 = 1u << 8,      /* the quota keys: this bit shifted by their limit_kind (8..13) */
    MANIFEST_KEY_PER_DEVICE = 1u << 19, /* between the access keys (16..18, 20) */
};

/* Where the parser is: outside any section, in a service, or in a section it ignores. */
enum manifest_state {
    MANIFEST_OUTSIDE = 1,
    MANIFEST_IN_SERVICE,
    MANIFEST_IN_IGNORED,
};

struct manifest_parser {
    struct manifest *out;
    manifest_log_fn log;
    void *ctx;
    unsigned line; /* current line, from 1 */
    enum manifest_state state;
    struct manifest_service cur; /* the service being read */
    bool cur_bad;                /* an error was logged for it: skip it */
    unsigned cur_keys;           /* MANIFEST_KEY_* seen */
    unsigned cur_line;           /* line of its [service] header */
};

/* Logs "line N: <message>" through the caller's callback. */
__attribute__((format(printf, 2, 3))) static void manifest_log(struct manifest_parser *p, const char *fmt,
                                                               ...)
{
    char msg[192];
    int n = fmt_snprintf(msg, sizeof(msg), "line %u: ", p->line);
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
    va_end(ap);
    if (p->log)
        p->log(p->ctx, msg);
}

/* Marks the current service as skipped, logging why. */
__attribute__((format(printf, 2, 3))) static void manifest_reject(struct manifest_parser *p, const char *fmt,
                                                                  ...)
{
    char why[128];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (p->state == MANIFEST_IN_SERVICE) {
        manifest_log(p, "%s; service %s skipped", why, p->cur.name);
        p->cur_bad = true;
    } else {
        manifest_log(p, "%s; ignored", why);
    }
}

/* True for a space or a tab. */
static bool manifest_is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Strips a '#' comment and surrounding blanks from s in place; returns the trimmed start. */
static char *manifest_trim(char *s)
{
    char *hash = strchr(s, '#');
    if (hash)
        *hash = '\0';
    while (manifest_is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && manifest_is_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* True if s is a valid service name: 1..SPAWN_NAME_MAX of [A-Za-z0-9._-]. */
bool manifest_valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SPAWN_NAME_MAX)
        return false;
    for (; *s; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

/* Index of the kept service named name, or -1. */
static int manifest_find(const struct manifest *m, const char *name)
{
    for (unsigned i = 0; i < m->count; i++)
        if (strcmp(m->services[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Closes the current section: keeps the service if it is complete and unique. */
static void manifest_finish(struct manifest_parser *p)
{
    if (p->state != MANIFEST_IN_SERVICE || p->cur_bad) {
        p->state = MANIFEST_OUTSIDE;
        return;
    }
    p->state = MANIFEST_OUTSIDE;
    unsigned line = p->line;
    p->line = p->cur_line; /* report at the service's header */
    if (!(p->cur_keys & MANIFEST_KEY_BINARY))
        manifest_log(p, "service %s has no binary; skipped", p->cur.name);
    else if (p->cur.per_device && !p->cur.ndevices)
        manifest_log(p, "service %s: per_device without devices; skipped", p->cur.name);
    else if (p->cur.per_device && (p->cur_keys & MANIFEST_KEY_ARG))
        manifest_log(p, "service %s: per_device gives each instance its number as arg; skipped", p->cur.name);
    else if (p->cur.per_device && strlen(p->cur.name) + 2 > SPAWN_NAME_MAX)
        manifest_log(p, "service %s: name too long for its instances' NAME:N; skipped", p->cur.name);
    else if (manifest_find(p->out, p->cur.name) >= 0)
        manifest_log(p, "service %s defined twice; the second one skipped", p->cur.name);
    else if (p->out->count == MANIFEST_MAX_SERVICES)
        manifest_log(p, "more than %d services; %s skipped", MANIFEST_MAX_SERVICES, p->cur.name);
    else
        p->out->services[p->out->count++] = p->cur;
    p->line = line;
}

/* Starts a service section with defaults. */
static void manifest_begin_service(struct manifest_parser *p, const char *name)
{
    memset(&p->cur, 0, sizeof(p->cur));
    memcpy(p->cur.name, name, strlen(name) + 1);
    p->cur.on_exit = MANIFEST_ON_EXIT_IGNORE;
    p->cur.restart = MANIFEST_RESTART_NEVER;
    p->cur.weight = 1;
    manifest_limits_default(p->cur.limits);
    p->cur_bad = false;
    p->cur_keys = 0;
    p->cur_line = p->line;
    p->state = MANIFEST_IN_SERVICE;
}

/*
 * Whether kind is a section other servers read from the manifest themselves, which init skips without
 * a word: [linux NAME] the linux server's programs (docs/linux-compat.md), [fs NAME] the fs server's
 * persistent mount (docs/persistence.md), [http NAME] http_server's settings, its upload token among
 * them (docs/http.md).
 */
static bool manifest_foreign_kind(const char *kind)
{
    return strcmp(kind, "linux") == 0 || strcmp(kind, "fs") == 0 || strcmp(kind, "http") == 0;
}

/* Handles a "[kind name]" line (s holds it without the brackets' surroundings). */
static void manifest_section(struct manifest_parser *p, char *s)
{
    manifest_finish(p);
    size_t n = strlen(s);
    if (n < 2 || s[n - 1] != ']') {
        manifest_log(p, "malformed section header; its keys are ignored");
        p->state = MANIFEST_IN_IGNORED;
        return;
    }
    s[n - 1] = '\0';
    char *kind = manifest_trim(s + 1);
    char *name = kind;
    while (*name && !manifest_is_space(*name))
        name++;
    if (*name)
        *name++ = '\0';
    name = manifest_trim(name);
    if (manifest_foreign_kind(kind)) {
        p->state = MANIFEST_IN_IGNORED;
    } else if (strcmp(kind, "service") != 0) {
        manifest_log(p, "unknown section kind '%s'; its keys are ignored", kind);
        p->state = MANIFEST_IN_IGNORED;
    } else if (!manifest_valid_name(name)) {
        manifest_log(p, "bad service name '%s' (1-%d of A-Z a-z 0-9 . _ -); its keys are ignored", name,
                     SPAWN_NAME_MAX);
        p->state = MANIFEST_IN_IGNORED;
    } else {
        manifest_begin_service(p, name);
    }
}

/* Parses a yes/no value into *out; false if it is neither. */
static bool manifest_bool(const char *v, bool *out)
{
    if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0) {
        *out = v[0] == 'y';
        return true;
    }
    return false;
}

/* Copies binary path v into out (MANIFEST_PATH_MAX bytes); false (logged) if it does not fit. */
static bool manifest_path(struct manifest_parser *p, const char *v, char *out)
{
    size_t n = strlen(v);
    if (n == 0)
        manifest_reject(p, "empty binary path");
    else if (n >= MANIFEST_PATH_MAX)
        manifest_reject(p, "binary path longer than %d bytes", MANIFEST_PATH_MAX - 1);
    else if (strchr(v, ' ') || strchr(v, '\t'))
        manifest_reject(p, "binary path '%s' contains a blank", v);
    else {
        memcpy(out, v, n + 1);
        return true;
    }
    return false;
}

/* Sets binary = path. */
static void manifest_set_binary(struct manifest_parser *p, const char *v)
{
    manifest_path(p, v, p->cur.binary);
}

/* Sets arg = a decimal number (main's arg). */
static void manifest_set_arg(struct manifest_parser *p, const char *v)
{
    long n = text_decimal(v, 0, MANIFEST_ARG_MAX);
    if (n < 0)
        manifest_reject(p, "arg = '%s' is not a number from 0 to %ld", v, (long)MANIFEST_ARG_MAX);
    else
        p->cur.arg = (uint64_t)n;
}

/* Sets on_exit = ignore|shutdown. */
static void manifest_set_on_exit(struct manifest_parser *p, const char *v)
{
    if (strcmp(v, "ignore") == 0)
        p->cur.on_exit = MANIFEST_ON_EXIT_IGNORE;
    else if (strcmp(v, "shutdown") == 0)
        p->cur.on_exit = MANIFEST_ON_EXIT_SHUTDOWN;
    else
        manifest_reject(p, "on_exit = '%s' is not ignore or shutdown", v);
}

/* Sets weight = 1..SPAWN_WEIGHT_MAX (decimal, no sign, no leading zero). */
static void manifest_set_weight(struct manifest_parser *p, const char *v)
{
    long n = text_decimal(v, 1, SPAWN_WEIGHT_MAX);
    if (n < 0)
        manifest_reject(p, "weight = '%s' is not a number from 1 to %d", v, SPAWN_WEIGHT_MAX);
    else
        p->cur.weight = (unsigned)n;
}

/* Sets restart = never|on-failure|always. */
static void manifest_set_restart(struct manifest_parser *p, const char *v)
{
    if (strcmp(v, "never") == 0)
        p->cur.restart = MANIFEST_RESTART_NEVER;
    else if (strcmp(v, "on-failure") == 0)
        p->cur.restart = MANIFEST_RESTART_ON_FAILURE;
    else if (strcmp(v, "always") == 0)
        p->cur.restart = MANIFEST_RESTART_ALWAYS;
    else
        manifest_reject(p, "restart = '%s' is not never, on-failure or always", v);
}

/* Parses exactly `digits` hex digits at s into *out; false on anything else. */
static bool manifest_hex(const char *s, size_t digits, uint32_t *out)
{
    uint32_t v = 0;
    for (size_t i = 0; i < digits; i++) {
        int d = text_hex_digit(s[i]);
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return s[digits] == '\0';
}

/* Parses one device id: pci:VVVV:DDDD or pci-class:CCCCCC. */
static bool manifest_device_id(const char *tok, struct device_match *m)
{
    uint32_t a, b;
    *m = (struct device_match){.vendor = PCI_ANY_ID, .device = PCI_ANY_ID, .class_code = PCI_ANY_CLASS};
    if (strncmp(tok, "pci-class:", 10) == 0 && manifest_hex(tok + 10, 6, &a)) {
        m->class_code = a;
        return true;
    }
    if (strncmp(tok, "pci:", 4) != 0 || strlen(tok) != 13 || tok[8] != ':')
        return false;
    char vendor[5];
    memcpy(vendor, tok + 4, 4);
    vendor[4] = '\0';
    if (!manifest_hex(vendor, 4, &a) || !manifest_hex(tok + 9, 4, &b))
        return false;
    m->vendor = (uint16_t)a;
    m->device = (uint16_t)b;
    return true;
}

/* Sets devices = a space-separated list of alternatives. */
static void manifest_set_devices(struct manifest_parser *p, char *v)
{
    for (char *tok = v; *tok;) {
        char *end = tok;
        while (*end && *end != ' ' && *end != '\t')
            end++;
        char saved = *end;
        *end = '\0';
        if (p->cur.ndevices == MANIFEST_DEVICE_IDS) {
            manifest_reject(p, "devices lists more than %d ids", MANIFEST_DEVICE_IDS);
            return;
        }
        unsigned i = p->cur.ndevices++;
        char *bin = strchr(tok, '=');
        if (bin)
            *bin++ = '\0';
        if (!manifest_device_id(tok, &p->cur.devices[i])) {
            manifest_reject(p, "'%s' is not pci:VVVV:DDDD or pci-class:CCCCCC", tok);
            return;
        }
        if (bin && !manifest_path(p, bin, p->cur.device_binary[i]))
            return;
        *end = saved;
        tok = end;
        while (*tok == ' ' || *tok == '\t')
            tok++;
    }
}

/* Sets one of the quota keys (manifest_limits.c checks the value). */
static void manifest_set_limit(struct manifest_parser *p, unsigned k, const char *v)
{
    char why[96];
    if (!manifest_limit_value(k, v, &p->cur.limits[k], why, sizeof(why)))
        manifest_reject(p, "%s", why);
}

/* Maps a key name to its MANIFEST_KEY_* bit, 0 if unknown. */
static unsigned manifest_key_bit(const char *key)
{
    if (strcmp(key, "binary") == 0)
        return MANIFEST_KEY_BINARY;
    if (strcmp(key, "initfs") == 0)
        return MANIFEST_KEY_INITFS;
    if (strcmp(key, "on_exit") == 0)
        return MANIFEST_KEY_ON_EXIT;
    if (strcmp(key, "restart") == 0)
        return MANIFEST_KEY_RESTART;
    if (strcmp(key, "devices") == 0)
        return MANIFEST_KEY_DEVICES;
    if (strcmp(key, "essential") == 0)
        return MANIFEST_KEY_ESSENTIAL;
    if (strcmp(key, "weight") == 0)
        return MANIFEST_KEY_WEIGHT;
    if (strcmp(key, "arg") == 0)
        return MANIFEST_KEY_ARG;
    if (strcmp(key, "per_device") == 0)
        return MANIFEST_KEY_PER_DEVICE;
    unsigned access = manifest_access_key_bit(key);
    if (access)
        return access;
    int limit = manifest_limit_index(key);
    return limit >= 0 ? MANIFEST_KEY_LIMIT0 << limit : 0;
}

/* Applies key = value to the current service. */
static void manifest_key(struct manifest_parser *p, const char *key, char *v)
{
    unsigned bit = manifest_key_bit(key);
    if (bit == 0) {
        manifest_reject(p, "unknown key '%s'", key);
    } else if (p->cur_keys & bit) {
        manifest_reject(p, "key '%s' given twice", key);
    } else if (*v == '\0') {
        manifest_reject(p, "key '%s' has no value", key);
    } else {
        p->cur_keys |= bit;
        char why[128];
        if (bit & MANIFEST_ACCESS_KEYS) {
            if (!manifest_access_set(&p->cur.access, bit, v, p->line, why, sizeof(why)))
                manifest_reject(p, "%s", why);
        } else if (bit == MANIFEST_KEY_BINARY)
            manifest_set_binary(p, v);
        else if (bit == MANIFEST_KEY_ON_EXIT)
            manifest_set_on_exit(p, v);
        else if (bit == MANIFEST_KEY_RESTART)
            manifest_set_restart(p, v);
        else if (bit == MANIFEST_KEY_DEVICES)
            manifest_set_devices(p, v);
        else if (bit == MANIFEST_KEY_WEIGHT)
            manifest_set_weight(p, v);
        else if (bit == MANIFEST_KEY_ARG)
            manifest_set_arg(p, v);
        else if (bit == MANIFEST_KEY_ESSENTIAL && !manifest_bool(v, &p->cur.essential))
            manifest_reject(p, "essential = '%s' is not yes or no", v);
        else if (bit == MANIFEST_KEY_INITFS && !manifest_bool(v, &p->cur.share_initfs))
            manifest_reject(p, "initfs = '%s' is not yes or no", v);
        else if (bit == MANIFEST_KEY_PER_DEVICE) {
            if (!manifest_bool(v, &p->cur.per_device))
                manifest_reject(p, "per_device = '%s' is not yes or no", v);
        } else if (bit >= MANIFEST_KEY_LIMIT0)
            manifest_set_limit(p, (unsigned)__builtin_ctz(bit / MANIFEST_KEY_LIMIT0), v);
    }
}

/* Handles one "key = value" line. */
static void manifest_assignment(struct manifest_parser *p, char *s)
{
    char *eq = strchr(s, '=');
    if (!eq) {
        manifest_reject(p, "expected 'key = value' or '[service name]'");
        return;
    }
    *eq = '\0';
    char *key = manifest_trim(s);
    char *value = manifest_trim(eq + 1);
    if (p->state == MANIFEST_OUTSIDE)
        manifest_log(p, "'%s' outside any [service] section; ignored", key);
    else if (p->state == MANIFEST_IN_SERVICE && !p->cur_bad)
        manifest_key(p, key, value);
}

/* Handles one line (comments and blanks included); s is NUL-terminated and writable. */
static void manifest_line(struct manifest_parser *p, char *s)
{
    s = manifest_trim(s);
    if (*s == '\0' || *s == ';')
        return;
    if (*s == '[')
        manifest_section(p, s);
    else
        manifest_assignment(p, s);
}

/* Copies the line starting at text[*pos] into buf (NUL-terminated), advancing *pos past its newline.
 * Returns false if the line is too long or holds a control character (then buf is empty). */
static bool manifest_next_line(const char *text, size_t len, size_t *pos, char *buf)
{
    size_t n = 0;
    bool ok = true;
    while (*pos < len && text[*pos] != '\n') {
        char c = text[(*pos)++];
        if (c == '\r' && (*pos == len || text[*pos] == '\n'))
            continue;
        if ((unsigned char)c < 0x20 && c != '\t')
            ok = false;
        if (n < MANIFEST_LINE_MAX)
            buf[n++] = c;
        else
            ok = false;
    }
    if (*pos < len)
        (*pos)++;
    buf[ok ? n : 0] = '\0';
    return ok;
}

/* manifest_access_unknown's test: true if the manifest kept a service named name. */
static bool manifest_known(const char *name, void *m)
{
    return manifest_find(m, name) >= 0;
}

/* Drops the services whose uses names one not kept, at their uses line; again until none is left,
 * since a drop may leave another's uses dangling. */
static void manifest_drop_unknown_uses(struct manifest_parser *p)
{
    struct manifest *m = p->out;
    for (unsigned i = 0; i < m->count;) {
        struct manifest_service *s = &m->services[i];
        const char *bad = manifest_access_unknown(&s->access, manifest_known, m);
        if (!bad) {
            i++;
            continue;
        }
        p->line = s->access.uses_line;
        manifest_log(p, "uses names unknown service '%s'; service %s skipped", bad, s->name);
        memmove(s, s + 1, (m->count - i - 1) * sizeof(*s));
        m->count--;
        i = 0;
    }
}

/* Parses the whole manifest; see manifest.h. */
unsigned manifest_parse(const char *text, size_t len, struct manifest *out, manifest_log_fn log, void *ctx)
{
    struct manifest_parser p;
    memset(&p, 0, sizeof(p));
    memset(out, 0, sizeof(*out));
    p.out = out;
    p.log = log;
    p.ctx = ctx;
    p.state = MANIFEST_OUTSIDE;
    char buf[MANIFEST_LINE_MAX + 1];
    for (size_t pos = 0; pos < len;) {
        p.line++;
        if (manifest_next_line(text, len, &pos, buf))
            manifest_line(&p, buf);
        else
            manifest_reject(&p, "line too long or holds a control character");
    }
    manifest_finish(&p);
    manifest_drop_unknown_uses(&p);
    return out->count;
}
