/* lxconf.c: parser of the manifest's [linux NAME] sections. */
#include "lxconf.h"

#include "lxpath.h"

#include <warp/fmt.h>
#include <warp/mfsection.h>
#include <warp/string.h>
#include <warp/text.h>

/* The keys of a [linux] section, one bit each. */
enum {
    LXCONF_KEY_LINUX = 1,
    LXCONF_KEY_ARGS = 2,
    LXCONF_KEY_ENV = 4,
    LXCONF_KEY_PAGES = 8,
    LXCONF_KEY_CWD = 16,
    LXCONF_KEY_PORTS = 32,
    LXCONF_KEY_CONNECT = 64
};

/* Where the parser is. */
struct lxconf_parser {
    struct lxconf *out;
    lxconf_log_fn log;
    void *ctx;
    uint32_t line;
    bool in_prog;  /* inside a [linux NAME] section being read */
    bool bad;      /* that section is refused */
    unsigned keys; /* the LXCONF_KEY_ bits seen */
    struct lxconf_prog cur;
};

/* Logs "linux: manifest line N: why". */
static void lxconf_log(struct lxconf_parser *p, const char *why)
{
    char msg[160];
    fmt_snprintf(msg, sizeof(msg), "manifest line %u: %s", p->line, why);
    if (p->log)
        p->log(p->ctx, msg);
}

/* Ends the section being read: keeps the program if it is complete, unique and there is room. */
static void lxconf_finish(struct lxconf_parser *p)
{
    if (!p->in_prog)
        return;
    p->in_prog = false;
    if (p->bad)
        return;
    if (!(p->keys & LXCONF_KEY_LINUX)) {
        lxconf_log(p, "a [linux] section without 'linux = PATH' is left out");
        return;
    }
    for (uint32_t i = 0; i < p->out->n; i++)
        if (strcmp(p->out->progs[i].name, p->cur.name) == 0) {
            lxconf_log(p, "a second [linux] section of the same name is left out");
            return;
        }
    if (p->out->n == LXCONF_PROGS_MAX) {
        lxconf_log(p, "too many [linux] sections; this one is left out");
        return;
    }
    p->out->progs[p->out->n++] = p->cur;
}

/* True for blanks. */
static bool lxconf_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* True if name is 1..LXCONF_NAME_MAX of A-Z a-z 0-9 . _ - */
static bool lxconf_valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > LXCONF_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* A [linux NAME] section begins (its reader ended the one before). */
static void lxconf_section(struct lxconf_parser *p, const char *name)
{
    memset(&p->cur, 0, sizeof(p->cur));
    p->in_prog = true;
    p->keys = 0;
    p->cur.pages = LXCONF_PAGES_DEFAULT;
    p->cur.cwd[0] = '/';
    p->bad = !lxconf_valid_name(name);
    if (p->bad)
        lxconf_log(p, "bad [linux] name (1-31 of A-Z a-z 0-9 . _ -); section left out");
    else
        memcpy(p->cur.name, name, strlen(name) + 1);
}

static const struct {
    const char *name;
    unsigned bit;
} lxconf_keys[] = {{"linux", LXCONF_KEY_LINUX},    {"args", LXCONF_KEY_ARGS}, {"env", LXCONF_KEY_ENV},
                   {"pages", LXCONF_KEY_PAGES},    {"cwd", LXCONF_KEY_CWD},   {"ports", LXCONF_KEY_PORTS},
                   {"connect", LXCONF_KEY_CONNECT}};

/* ports = N ...: into prog; false if a word is no port, one repeats, or there are too many. */
static bool lxconf_ports(char *value, struct lxconf_prog *prog)
{
    char *words[LXCONF_PORTS_MAX];
    int n = lxconf_words(value, words, LXCONF_PORTS_MAX);
    if (n <= 0)
        return false;
    for (int i = 0; i < n; i++) {
        long port = text_decimal(words[i], 1, 65535);
        if (port < 0)
            return false;
        for (int j = 0; j < i; j++)
            if (prog->ports[j] == port)
                return false;
        prog->ports[i] = (uint16_t)port;
    }
    prog->nports = (uint32_t)n;
    return true;
}

/* Stores one key's value in prog; the reason it cannot, or NULL. */
static const char *lxconf_value(unsigned bit, char *value, struct lxconf_prog *prog)
{
    if (strlen(value) > LXCONF_TEXT_MAX)
        return "bad or too long a value; section left out";
    switch (bit) {
    case LXCONF_KEY_PAGES: {
        long pages = text_decimal(value, 1, LXCONF_PAGES_MAX);
        if (pages < 0)
            return "pages is not a number from 1 to 2^24; section left out";
        prog->pages = (uint64_t)pages;
        return NULL;
    }
    case LXCONF_KEY_PORTS:
        return lxconf_ports(value, prog)
                   ? NULL
                   : "ports are 1 to 8 distinct numbers from 1 to 65535; section left out";
    case LXCONF_KEY_CONNECT:
        if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
            return "connect is not yes or no; section left out";
        prog->connect = value[0] == 'y';
        return NULL;
    case LXCONF_KEY_CWD:
        if (value[0] != '/')
            return "cwd is not an absolute path; section left out";
        memcpy(prog->cwd, value, strlen(value) + 1);
        lxpath_normalize(prog->cwd);
        return NULL;
    case LXCONF_KEY_LINUX:
        if (*value == '\0')
            return "bad or too long a value; section left out";
        memcpy(prog->path, value, strlen(value) + 1);
        return NULL;
    default: memcpy(bit == LXCONF_KEY_ARGS ? prog->args : prog->env, value, strlen(value) + 1); return NULL;
    }
}

/* A key = value line inside a [linux] section. */
static void lxconf_key(struct lxconf_parser *p, const char *key, const char *text)
{
    char value[LXCONF_TEXT_MAX + 2]; /* lxconf_value may split it in place */
    unsigned bit = 0;
    for (size_t i = 0; i < sizeof(lxconf_keys) / sizeof(lxconf_keys[0]); i++)
        if (strcmp(key, lxconf_keys[i].name) == 0)
            bit = lxconf_keys[i].bit;
    size_t n = strnlen(text, sizeof(value));
    memcpy(value, text, n < sizeof(value) - 1 ? n : sizeof(value) - 1);
    value[n < sizeof(value) - 1 ? n : sizeof(value) - 1] = '\0';
    const char *why = bit == 0          ? "unknown key; section left out"
                      : (p->keys & bit) ? "key given twice; section left out"
                                        : lxconf_value(bit, value, &p->cur);
    if (why) {
        lxconf_log(p, why);
        p->bad = true;
        return;
    }
    p->keys |= bit;
}

/* One event of mfsection's reading of the [linux] sections. */
static void lxconf_item(void *ctx, const struct mfsection_item *it)
{
    struct lxconf_parser *p = ctx;
    p->line = it->line;
    switch (it->what) {
    case MFSECTION_BEGIN: lxconf_section(p, it->name); break;
    case MFSECTION_KEY:
        if (!p->bad)
            lxconf_key(p, it->key, it->value);
        break;
    case MFSECTION_BAD:
        if (!p->bad) {
            char msg[96];
            fmt_snprintf(msg, sizeof(msg), "%s; section left out", it->why);
            lxconf_log(p, msg);
            p->bad = true;
        }
        break;
    case MFSECTION_END: lxconf_finish(p); break;
    }
}

uint32_t lxconf_parse(const char *text, uint64_t len, struct lxconf *out, lxconf_log_fn log, void *ctx)
{
    struct lxconf_parser p = {.out = out, .log = log, .ctx = ctx};
    out->n = 0;
    mfsection_read(text, len, "linux", lxconf_item, &p);
    return out->n;
}

int lxconf_words(char *s, char **words, int max)
{
    int n = 0;
    while (*s) {
        while (lxconf_blank(*s))
            *s++ = '\0';
        if (!*s)
            break;
        if (n == max)
            return -1;
        words[n++] = s;
        while (*s && !lxconf_blank(*s))
            s++;
    }
    return n;
}
