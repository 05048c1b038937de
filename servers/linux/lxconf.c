/* lxconf.c: parser of the manifest's [linux NAME] sections. */
#include "lxconf.h"

#include <warp/fmt.h>
#include <warp/string.h>
#include <warp/text.h>

#define LXCONF_LINE_MAX 256

/* Where the parser is. */
struct lxconf_parser {
    struct lxconf *out;
    lxconf_log_fn log;
    void *ctx;
    uint32_t line;
    bool in_prog;  /* inside a [linux NAME] section being read */
    bool bad;      /* that section is refused */
    unsigned keys; /* bit 0 linux, 1 args, 2 env: seen */
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
    if (!(p->keys & 1)) {
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
    p->bad = !lxconf_valid_name(name);
    if (p->bad)
        lxconf_log(p, "bad [linux] name (1-31 of A-Z a-z 0-9 . _ -); section left out");
    else
        memcpy(p->cur.name, name, strlen(name) + 1);
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
    unsigned bit = strcmp(key, "linux") == 0   ? 1
                   : strcmp(key, "args") == 0  ? 2
                   : strcmp(key, "env") == 0   ? 4
                   : strcmp(key, "pages") == 0 ? 8
                                               : 0;
    if (bit == 8 && !(p->keys & 8)) {
        long pages = text_decimal(value, 1, LXCONF_PAGES_MAX);
        if (pages < 0) {
            lxconf_log(p, "pages is not a number from 1 to 2^24; section left out");
            p->bad = true;
        }
        p->cur.pages = (uint64_t)pages;
        p->keys |= bit;
        return;
    }
    char *dst = bit == 1 ? p->cur.path : bit == 2 ? p->cur.args : p->cur.env;
    if (bit == 0 || (p->keys & bit) || strlen(value) > LXCONF_TEXT_MAX || (bit == 1 && *value == '\0')) {
        lxconf_log(p, bit == 0          ? "unknown key; section left out"
                      : (p->keys & bit) ? "key given twice; section left out"
                                        : "bad or too long a value; section left out");
        p->bad = true;
        return;
    }
    p->keys |= bit;
    memcpy(dst, value, strlen(value) + 1);
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
