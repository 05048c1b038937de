/* mfsection.h: the manifest's sections of one kind, read for the server that owns them (pure). */
#pragma once

#include <warp/types.h>

/*
 * init's manifest format (docs/userspace.md): lines of at most MFSECTION_LINE_MAX bytes, '#' starts a
 * comment anywhere, ';' at a line's start, "[kind NAME]" opens a section ("[kind]" one with an empty
 * name, for its reader to refuse), "key = value" lines fill it (blanks around both trimmed, the value
 * may hold blanks; tabs and CRs read as blanks, other control characters make the line bad). init reads its own [service NAME]
 * sections and skips the kinds other servers read ([linux NAME] the linux server's, [fs NAME] the
 * fs server's, ...); each of those reads its kind through mfsection_read.
 */
#define MFSECTION_LINE_MAX 256

enum mfsection_what {
    MFSECTION_BEGIN, /* a [kind NAME] line: name */
    MFSECTION_KEY,   /* a key = value line inside it: key, value */
    MFSECTION_END,   /* the section ended (the next section or the text's end) */
    MFSECTION_BAD,   /* a line inside it that is no key = value, too long or with a control byte: why */
};

/* One event of the reading; the strings live until the callback returns. */
struct mfsection_item {
    enum mfsection_what what;
    const char *name; /* the section's name (every event) */
    const char *key, *value;
    const char *why; /* MFSECTION_BAD */
    uint32_t line;   /* 1-based */
};

typedef void (*mfsection_fn)(void *ctx, const struct mfsection_item *item);

/* Calls fn for every section of kind in text (len bytes), in order; other sections are skipped. */
void mfsection_read(const char *text, uint64_t len, const char *kind, mfsection_fn fn, void *ctx);
