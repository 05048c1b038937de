/* grant.c: the grant notice init sends a server before each client (warp/grant.h); pure. */
#include <warp/fmt.h>
#include <warp/grant.h>
#include <warp/msg.h>
#include <warp/string.h>

/* True if g lists port. */
bool grant_port(const struct grant *g, uint16_t port)
{
    for (unsigned i = 0; i < g->nports && i < GRANT_PORTS_MAX; i++)
        if (g->ports[i] == port)
            return true;
    return false;
}

/* Writes g as the notice's text; see grant.h. */
long grant_format(const struct grant *g, char *buf, size_t size)
{
    size_t name = strnlen(g->client, sizeof(g->client));
    if (name == 0 || name > GRANT_NAME_MAX || g->nports > GRANT_PORTS_MAX)
        return ERR_INVALID_ARG;
    char text[GRANT_TEXT_MAX + 1];
    int n = fmt_snprintf(text, sizeof(text), "client=%s admin=%s%s ports=", g->client,
                         g->admin ? "yes" : "no", g->connect ? " connect=yes" : "");
    for (unsigned i = 0; i < g->nports; i++) {
        if (g->ports[i] == 0)
            return ERR_INVALID_ARG;
        n += fmt_snprintf(text + n, sizeof(text) - (size_t)n, "%s%u", i ? "," : "", (unsigned)g->ports[i]);
    }
    if ((size_t)n >= size)
        return ERR_TOO_LARGE;
    memcpy(buf, text, (size_t)n + 1);
    return n;
}

/* Builds the one-way notice for g. */
long grant_msg(struct warp_msg *m, const struct grant *g)
{
    char text[GRANT_TEXT_MAX + 1];
    long n = grant_format(g, text, sizeof(text));
    if (n < 0)
        return n;
    msg_init(m, GRANT_MSG, 0);
    return msg_set_data(m, text, (size_t)n);
}

/* Consumes the literal prefix at *s; false if *s does not start with it. */
static bool grant_expect(const char **s, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(*s, prefix, n) != 0)
        return false;
    *s += n;
    return true;
}

/* Parses "<port>,<port>..." (possibly empty) ending the text into g. */
static bool grant_parse_ports(const char *s, struct grant *g)
{
    while (*s) {
        unsigned long v = 0;
        const char *start = s;
        while (*s >= '0' && *s <= '9' && s - start < 5)
            v = v * 10 + (unsigned long)(*s++ - '0');
        if (s == start || *start == '0' || v > 65535 || g->nports == GRANT_PORTS_MAX)
            return false;
        g->ports[g->nports++] = (uint16_t)v;
        if (*s == ',' && s[1])
            s++;
        else if (*s)
            return false;
    }
    return true;
}

/* Parses a notice into *g; see grant.h. */
long grant_parse(const struct warp_msg *m, struct grant *g)
{
    char text[MSG_DATA_MAX + 1];
    memset(g, 0, sizeof(*g));
    if (m->type != GRANT_MSG || msg_is_call(m))
        return ERR_NOT_SUPPORTED;
    if (msg_get_text(m, text, sizeof(text)) < 0)
        return ERR_BAD_FORMAT;
    const char *s = text;
    const char *name = s + strlen("client=");
    const char *blank = strchr(text, ' ');
    size_t len = blank ? (size_t)(blank - name) : 0;
    bool ok = grant_expect(&s, "client=") && blank && len >= 1 && len <= GRANT_NAME_MAX;
    if (ok) {
        memcpy(g->client, name, len);
        s = blank;
        g->admin = grant_expect(&s, " admin=yes");
        ok = g->admin || grant_expect(&s, " admin=no");
        g->connect = ok && grant_expect(&s, " connect=yes");
        ok = ok && grant_expect(&s, " ports=") && grant_parse_ports(s, g);
    }
    if (!ok) {
        memset(g, 0, sizeof(*g));
        return ERR_BAD_FORMAT;
    }
    return 0;
}
