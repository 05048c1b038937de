/* mfsection.c: reads the manifest's sections of one kind (mfsection.h). */
#include <warp/mfsection.h>
#include <warp/string.h>

/* Where the reading is. */
struct mfsection_reader {
    const char *kind;
    mfsection_fn fn;
    void *ctx;
    bool inside; /* in a section of kind */
    char name[MFSECTION_LINE_MAX + 1];
    uint32_t line;
};

/* True for blanks. */
static bool mfsection_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Trims blanks from both ends of s, in place. */
static char *mfsection_trim(char *s)
{
    while (mfsection_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && mfsection_blank(s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Sends one event of the current section. */
static void mfsection_emit(struct mfsection_reader *r, enum mfsection_what what, const char *key,
                           const char *value, const char *why)
{
    struct mfsection_item it = {
        .what = what, .name = r->name, .key = key, .value = value, .why = why, .line = r->line};
    r->fn(r->ctx, &it);
}

/* A "[...]" line: ends the section being read; starts one if it is of our kind. */
static void mfsection_header(struct mfsection_reader *r, char *s)
{
    if (r->inside)
        mfsection_emit(r, MFSECTION_END, NULL, NULL, NULL);
    r->inside = false;
    size_t n = strlen(s), k = strlen(r->kind);
    if (n < k + 2 || s[n - 1] != ']' || strncmp(s + 1, r->kind, k) != 0 ||
        !(mfsection_blank(s[k + 1]) || k + 2 == n))
        return; /* another kind's, or malformed: init reports those ("[kind]" is ours, nameless) */
    s[n - 1] = '\0';
    char *name = mfsection_trim(s + k + 1);
    memcpy(r->name, name, strlen(name) + 1);
    r->inside = true;
    mfsection_emit(r, MFSECTION_BEGIN, NULL, NULL, NULL);
}

/* One line without its comment, inside or outside a section. */
static void mfsection_line(struct mfsection_reader *r, char *s)
{
    s = mfsection_trim(s);
    if (*s == '\0' || *s == ';')
        return;
    if (*s == '[') {
        mfsection_header(r, s);
        return;
    }
    if (!r->inside)
        return;
    char *eq = strchr(s, '=');
    if (!eq) {
        mfsection_emit(r, MFSECTION_BAD, NULL, NULL, "expected 'key = value'");
        return;
    }
    *eq = '\0';
    mfsection_emit(r, MFSECTION_KEY, mfsection_trim(s), mfsection_trim(eq + 1), NULL);
}

/* Reads every section of kind; see mfsection.h. */
void mfsection_read(const char *text, uint64_t len, const char *kind, mfsection_fn fn, void *ctx)
{
    struct mfsection_reader r = {.kind = kind, .fn = fn, .ctx = ctx};
    char buf[MFSECTION_LINE_MAX + 1];
    uint64_t at = 0;
    while (at < len) {
        uint64_t end = at;
        while (end < len && text[end] != '\n')
            end++;
        r.line++;
        uint64_t n = end - at;
        if (n > MFSECTION_LINE_MAX) {
            if (r.inside)
                mfsection_emit(&r, MFSECTION_BAD, NULL, NULL, "line longer than 256 bytes");
        } else {
            bool control = false;
            for (uint64_t i = 0; i < n; i++) { /* tabs and CRs read as blanks; other controls refuse */
                char c = text[at + i];
                control |= (unsigned char)c < 0x20 && c != '\t' && c != '\r';
                buf[i] = c == '\t' || c == '\r' ? ' ' : c;
            }
            buf[n] = '\0';
            char *hash = strchr(buf, '#');
            if (control) {
                if (r.inside)
                    mfsection_emit(&r, MFSECTION_BAD, NULL, NULL, "a control character in the line");
            } else {
                if (hash)
                    *hash = '\0';
                mfsection_line(&r, buf);
            }
        }
        at = end + 1;
    }
    if (r.inside)
        mfsection_emit(&r, MFSECTION_END, NULL, NULL, NULL);
}
