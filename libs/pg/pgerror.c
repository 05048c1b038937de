/* pgerror.c: ErrorResponse/NoticeResponse fields (protocol 3.0, "Error and Notice Message Fields") and SQLSTATE classes (Appendix A). */
#include "pgerror.h"
#include <warp/error.h>
#include <warp/string.h>

/* Copies s into dst[cap], truncating. */
static void copy_text(char *dst, size_t cap, const char *s)
{
    size_t n = strnlen(s, cap - 1);
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* True when severity ends the session (FATAL, PANIC). */
static bool severity_fatal(const char *s)
{
    return strcmp(s, "FATAL") == 0 || strcmp(s, "PANIC") == 0;
}

/* 'V' is the untranslated severity (9.6 and later); 'S' may be localized, so 'V' wins when both come. */
long pgerror_parse(struct rbuf *r, struct pg_error *e)
{
    memset(e, 0, sizeof(*e));
    bool have_v = false;
    for (;;) {
        uint8_t code = rbuf_u8(r);
        if (code == 0)
            break;
        const char *s = rbuf_str(r);
        if (!s)
            return ERR_BAD_FORMAT;
        if (code == 'V' || (code == 'S' && !have_v)) {
            copy_text(e->severity, sizeof(e->severity), s);
            have_v |= code == 'V';
        } else if (code == 'C') {
            if (strlen(s) != 5)
                return ERR_BAD_FORMAT;
            copy_text(e->sqlstate, sizeof(e->sqlstate), s);
        } else if (code == 'M') {
            copy_text(e->message, sizeof(e->message), s);
        } else if (code == 'D') {
            copy_text(e->detail, sizeof(e->detail), s);
        }
    }
    if (!rbuf_done(r) || !e->sqlstate[0])
        return ERR_BAD_FORMAT;
    e->fatal = severity_fatal(e->severity);
    e->cls = pg_errclass_of(e->sqlstate);
    if (e->fatal && e->cls != PG_ERR_AUTH)
        e->cls = PG_ERR_CONNECTION;
    return 0;
}

void pgerror_local(struct pg_error *e, enum pg_errclass cls, const char *text)
{
    memset(e, 0, sizeof(*e));
    e->cls = cls;
    e->fatal = true;
    copy_text(e->severity, sizeof(e->severity), "FATAL");
    copy_text(e->message, sizeof(e->message), text);
}

enum pg_errclass pg_errclass_of(const char *s)
{
    if (strcmp(s, "23505") == 0)
        return PG_ERR_UNIQUE;
    if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0)
        return PG_ERR_SERIALIZATION;
    if (strcmp(s, "25P02") == 0)
        return PG_ERR_TX_ABORTED;
    static const struct {
        char prefix[3];
        enum pg_errclass cls;
    } by_class[] = {
        {"23", PG_ERR_CONSTRAINT}, {"22", PG_ERR_DATA}, {"42", PG_ERR_SYNTAX},     {"53", PG_ERR_RESOURCES},
        {"54", PG_ERR_RESOURCES},  {"28", PG_ERR_AUTH}, {"08", PG_ERR_CONNECTION}, {"57", PG_ERR_CONNECTION},
    };
    for (size_t i = 0; i < sizeof(by_class) / sizeof(by_class[0]); i++)
        if (strncmp(s, by_class[i].prefix, 2) == 0)
            return by_class[i].cls;
    return PG_ERR_STATEMENT;
}

long pg_err_to_warp(const struct pg_error *e)
{
    switch (e->cls) {
    case PG_ERR_NONE: return 0;
    case PG_ERR_UNIQUE: return ERR_ALREADY_EXISTS;
    case PG_ERR_CONSTRAINT: return ERR_INVALID_ARG;
    case PG_ERR_DATA: return ERR_INVALID_ARG;
    case PG_ERR_SERIALIZATION: return ERR_WOULD_BLOCK;
    case PG_ERR_TX_ABORTED: return ERR_BAD_STATE;
    case PG_ERR_SYNTAX: return ERR_NOT_SUPPORTED;
    case PG_ERR_RESOURCES: return ERR_NO_RESOURCES;
    case PG_ERR_STATEMENT: return ERR_IO;
    case PG_ERR_AUTH: return ERR_PERMISSION;
    case PG_ERR_CONNECTION: return ERR_PEER_CLOSED;
    case PG_ERR_PROTOCOL: return ERR_BAD_FORMAT;
    }
    return ERR_IO;
}

const char *pg_errclass_str(enum pg_errclass cls)
{
    switch (cls) {
    case PG_ERR_NONE: return "none";
    case PG_ERR_UNIQUE: return "unique violation";
    case PG_ERR_CONSTRAINT: return "constraint violation";
    case PG_ERR_DATA: return "bad data";
    case PG_ERR_SERIALIZATION: return "serialization failure";
    case PG_ERR_TX_ABORTED: return "transaction aborted";
    case PG_ERR_SYNTAX: return "syntax or access rule";
    case PG_ERR_RESOURCES: return "out of resources";
    case PG_ERR_STATEMENT: return "statement error";
    case PG_ERR_AUTH: return "authentication failed";
    case PG_ERR_CONNECTION: return "connection lost";
    case PG_ERR_PROTOCOL: return "protocol violation";
    }
    return "unknown";
}
