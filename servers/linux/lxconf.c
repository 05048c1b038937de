/* lxconf.c: parser of the manifest's [linux NAME] sections. */
#include "lxconf.h"

#include "lxpath.h"

#include <warp/fmt.h>
#include <warp/string.h>
#include <warp/text.h>

#define LXCONF_LINE_MAX 256

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

/* Trims blanks from both ends of s, in place. */
static char *lxconf_trim(char *s)
{
    while (lxconf_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && lxconf_blank(s[n - 1]))
        s[--n] = '\0';
    return s;
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

/* A "[kind name]" line. */
static void lxconf_section(struct lxconf_parser *p, char *s)
{
    lxconf_finish(p);
    size_t n = strlen(s);
    if (n < 7 || s[n - 1] != ']' || strncmp(s, "[linux", 6) != 0 || !(lxconf_blank(s[6]) || s[6] == ']'))
        return; /* init's section, or a malformed one init reports */
    s[n - 1] = '\0';
    char *name = lxconf_trim(s + 6);
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

/* A "key = value" line inside a [linux] section. */
static void lxconf_key(struct lxconf_parser *p, char *s)
{
    char *eq = strchr(s, '=');
    if (!eq) {
        lxconf_log(p, "expected 'key = value'; section left out");
        p->bad = true;
        return;
    }
    *eq = '\0';
    char *key = lxconf_trim(s), *value = lxconf_trim(eq + 1);
    unsigned bit = 0;
    for (size_t i = 0; i < sizeof(lxconf_keys) / sizeof(lxconf_keys[0]); i++)
        if (strcmp(key, lxconf_keys[i].name) == 0)
            bit = lxconf_keys[i].bit;
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

/* One line (NUL-terminated, writable). */
static void lxconf_line(struct lxconf_parser *p, char *s)
{
    char *hash = strchr(s, '#');
    if (hash)
        *hash = '\0';
    s = lxconf_trim(s);
    if (*s == '\0' || *s == ';')
        return;
    if (*s == '[')
        lxconf_section(p, s);
    else if (p->in_prog && !p->bad)
        lxconf_key(p, s);
}

uint32_t lxconf_parse(const char *text, uint64_t len, struct lxconf *out, lxconf_log_fn log, void *ctx)
{
    struct lxconf_parser p = {.out = out, .log = log, .ctx = ctx};
    char buf[LXCONF_LINE_MAX + 1];
    out->n = 0;
    uint64_t pos = 0;
    while (pos < len) {
        size_t n = 0;
        bool ok = true;
        p.line++;
        for (; pos < len && text[pos] != '\n'; pos++) {
            char c = text[pos];
            if ((unsigned char)c < 0x20 && c != '\t' && c != '\r')
                ok = false;
            if (n < LXCONF_LINE_MAX)
                buf[n++] = c == '\r' || c == '\t' ? ' ' : c;
            else
                ok = false;
        }
        pos++;
        buf[n] = '\0';
        if (ok)
            lxconf_line(&p, buf);
        else if (p.in_prog && !p.bad) {
            lxconf_log(&p, "line too long or with a control character; section left out");
            p.bad = true;
        }
    }
    lxconf_finish(&p);
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
