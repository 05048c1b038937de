/* pg.h: a PostgreSQL client (frontend/backend protocol 3.0) as a state machine that does no I/O itself. */
#pragma once

#include <pg/scram.h>
#include <warp/types.h>

/*
 * The caller owns the transport (a TCP connection, a tcpip channel, a socket in a test) and the clock:
 *   pg_init(c, &cfg, in, in_cap, out, out_cap); pg_start(c);
 *   loop: send what pg_output() shows, then pg_consume() it; hand received bytes to pg_feed();
 *         events arrive through cfg.on_event while pg_feed runs; after PG_EV_CONNECTED or PG_EV_READY
 *         queue the next statement (pg_exec, pg_query, pg_begin, ...).
 * Memory is what the caller gives: one server message must fit in `in` (a larger one fails the
 * connection with ERR_TOO_LARGE) and one batch of client messages in `out`. docs/pg.md.
 */

/* Type OIDs of the values the library encodes and decodes (pg_type.dat). */
#define PG_OID_BOOL 16
#define PG_OID_BYTEA 17
#define PG_OID_INT8 20
#define PG_OID_INT4 23
#define PG_OID_TEXT 25

#define PG_FORMAT_TEXT 0
#define PG_FORMAT_BINARY 1

#define PG_MAX_PARAMS 64    /* parameters of one statement */
#define PG_MAX_COLUMNS 64   /* columns of one result */
#define PG_NAME_MAX 64      /* user, database and application name, with the NUL */
#define PG_PASSWORD_MAX 128 /* password, with the NUL */
#define PG_ERR_TEXT_MAX 256 /* message and detail kept from an ErrorResponse (truncated beyond) */

/* Where the connection is; each state says what it waits for. */
enum pg_state {
    PG_STATE_NEW,           /* pg_init or pg_reset done: call pg_start */
    PG_STATE_AUTH,          /* StartupMessage queued: waiting for an authentication request */
    PG_STATE_PASSWORD_SENT, /* cleartext or md5 password queued: waiting for AuthenticationOk */
    PG_STATE_SASL_FIRST,    /* SCRAM client-first queued: waiting for server-first */
    PG_STATE_SASL_FINAL,    /* SCRAM client-final queued: waiting for the server's signature */
    PG_STATE_SASL_VERIFIED, /* server signature checked: waiting for AuthenticationOk */
    PG_STATE_STARTING,      /* authenticated: parameters and key data until the first ReadyForQuery */
    PG_STATE_READY,         /* idle: one statement may be queued */
    PG_STATE_BUSY,          /* a statement in flight until ReadyForQuery */
    PG_STATE_FAILED,        /* a connection-level error (pg_last_error): pg_reset, reconnect */
    PG_STATE_CLOSED,        /* Terminate queued: send it and close the transport */
};

/* How the server had the client prove itself. */
enum pg_auth {
    PG_AUTH_NONE,      /* no exchange (trust), or not authenticated yet */
    PG_AUTH_CLEARTEXT, /* the password in clear (only with allow_cleartext) */
    PG_AUTH_MD5,       /* PostgreSQL's salted md5 */
    PG_AUTH_SCRAM,     /* SCRAM-SHA-256, the server's signature verified */
};

/* What kind of trouble an error is, from its SQLSTATE (or the library's own finding). */
enum pg_errclass {
    PG_ERR_NONE,
    PG_ERR_UNIQUE,        /* 23505 unique_violation: the row exists */
    PG_ERR_CONSTRAINT,    /* any other integrity constraint (class 23) */
    PG_ERR_DATA,          /* class 22: a value out of range or malformed */
    PG_ERR_SERIALIZATION, /* 40001, 40P01: retry the whole transaction */
    PG_ERR_TX_ABORTED,    /* 25P02: statements in a failed transaction until ROLLBACK */
    PG_ERR_SYNTAX,        /* class 42: syntax error, undefined table or column, no privilege */
    PG_ERR_RESOURCES,     /* class 53 (disk full, out of memory, too many connections) and 54 */
    PG_ERR_STATEMENT,     /* any other error that ends only the statement */
    PG_ERR_AUTH,          /* class 28: wrong password, unknown role; or a server that failed SCRAM */
    PG_ERR_CONNECTION,    /* class 08 and 57 (shutdown), or FATAL/PANIC: the connection is gone */
    PG_ERR_PROTOCOL,      /* the library refused the server's bytes (malformed, oversized, unexpected) */
};

/* An ErrorResponse or NoticeResponse, or an error the library found itself (sqlstate ""). */
struct pg_error {
    enum pg_errclass cls;
    bool fatal; /* the connection cannot go on */
    char severity[16];
    char sqlstate[6];
    char message[PG_ERR_TEXT_MAX];
    char detail[PG_ERR_TEXT_MAX];
};

/* One column of a RowDescription; name points into the input buffer (valid during the event). */
struct pg_column {
    const char *name;
    uint32_t table_oid;
    int16_t attnum;
    uint32_t type_oid;
    int16_t typlen;
    int32_t typmod;
    int16_t format; /* PG_FORMAT_TEXT or PG_FORMAT_BINARY */
};

/* One DataRow, already checked: count values whose lengths all lie inside it (read with pg_row_get). */
struct pg_row {
    uint16_t count;
    const uint8_t *data; /* the values, after the count */
    size_t len;
};

/* One value of a row: data[0..len), or null. */
struct pg_value {
    const uint8_t *data;
    size_t len;
    bool null;
};

enum pg_event_type {
    PG_EV_CONNECTED,    /* authenticated and ready: the first ReadyForQuery (txstatus) */
    PG_EV_PARAM_STATUS, /* a run-time parameter's value (param) */
    PG_EV_PARAM_DESC,   /* the statement's parameter types (oids) */
    PG_EV_ROW_DESC,     /* the result's columns (columns) */
    PG_EV_NO_DATA,      /* the statement returns no rows */
    PG_EV_ROW,          /* one result row (row) */
    PG_EV_COMPLETE,     /* a statement finished (complete: its tag and row count) */
    PG_EV_EMPTY,        /* the query string was empty */
    PG_EV_ERROR,        /* an ErrorResponse (error); the statement failed, or the connection if fatal */
    PG_EV_NOTICE,       /* a NoticeResponse (error holds its fields) */
    PG_EV_READY,        /* the statement is done, the next may be queued (txstatus) */
};

/* What pg_feed reports; pointers are valid only during the callback. */
struct pg_event {
    enum pg_event_type type;
    union {
        struct {
            const char *name;
            const char *value;
        } param;
        struct {
            uint16_t count;
            const uint32_t *oids;
        } params;
        struct {
            uint16_t count;
            const struct pg_column *cols;
        } columns;
        struct pg_row row;
        struct {
            const char *tag;
            uint64_t rows;
        } complete;
        const struct pg_error *error;
        char txstatus; /* 'I' idle, 'T' in a transaction, 'E' in a failed transaction */
    };
};

/* Fills buf with len random bytes (in Warp: SYS_ENTROPY); returns 0 or an ERR_* code. */
typedef long (*pg_random_fn)(void *ctx, void *buf, size_t len);
/* Receives each event while pg_feed runs; it may queue statements but not feed or reset. */
typedef void (*pg_event_fn)(void *ctx, const struct pg_event *ev);

/* What pg_init needs; the strings are copied. */
struct pg_config {
    const char *user;
    const char *database;         /* NULL: the user's name */
    const char *application_name; /* NULL: none */
    const char *password;         /* NULL: only trust authentication can succeed */
    bool allow_cleartext;         /* send the password in clear when the server asks (TLS only!) */
    pg_random_fn random;
    void *random_ctx;
    pg_event_fn on_event;
    void *event_ctx;
};

/* A connection's whole state; no field is for the caller (use the functions). */
struct pg_conn {
    enum pg_state state;
    char user[PG_NAME_MAX];
    char database[PG_NAME_MAX];
    char application_name[PG_NAME_MAX];
    char password[PG_PASSWORD_MAX];
    bool have_password;
    bool allow_cleartext;
    pg_random_fn random;
    void *random_ctx;
    pg_event_fn on_event;
    void *event_ctx;
    uint8_t *in; /* received bytes not yet parsed: in[0..in_len) */
    size_t in_cap, in_len;
    uint8_t *out; /* bytes to send: out[out_off..out_len) */
    size_t out_cap, out_off, out_len;
    struct scram scram;
    enum pg_auth auth;
    char txstatus;
    uint32_t backend_pid, backend_key;
    bool have_columns; /* a RowDescription for the current result came */
    uint16_t ncols;
    struct pg_column cols[PG_MAX_COLUMNS];
    uint32_t param_oids[PG_MAX_PARAMS];
    struct pg_error error; /* the last error */
    uint32_t errors;       /* how many errors were recorded: tells a fresh one apart */
};

/* Sets c up over the caller's buffers (each at least 256 bytes). Returns 0 or ERR_INVALID_ARG/TOO_LARGE. */
long pg_init(struct pg_conn *c, const struct pg_config *cfg, uint8_t *in, size_t in_cap, uint8_t *out,
             size_t out_cap);
/* Queues the StartupMessage; needs PG_STATE_NEW. Returns 0 or an ERR_* code. */
long pg_start(struct pg_conn *c);
/*
 * Takes len received bytes, all of them, and runs every complete message through the state machine,
 * reporting events. Returns 0, or an ERR_* code after which the connection is PG_STATE_FAILED
 * (pg_last_error says why: a fatal ErrorResponse, a failed authentication, a protocol violation, a
 * message larger than the input buffer).
 */
long pg_feed(struct pg_conn *c, const void *data, size_t len);
/* The bytes waiting to be sent: sets *data and returns their count (0: nothing to send). */
size_t pg_output(const struct pg_conn *c, const uint8_t **data);
/* Marks the first n bytes of pg_output as sent. */
void pg_consume(struct pg_conn *c, size_t n);
/* Forgets the connection (buffers emptied, state PG_STATE_NEW) keeping its configuration: for a reconnect. */
void pg_reset(struct pg_conn *c);
/* Queues Terminate (when a session is up) and enters PG_STATE_CLOSED. Returns 0 or ERR_TOO_LARGE. */
long pg_close(struct pg_conn *c);

/* The current state. */
enum pg_state pg_state(const struct pg_conn *c);
/* The server's transaction status at the last ReadyForQuery: 'I', 'T' or 'E' (0 before the first). */
char pg_txstatus(const struct pg_conn *c);
/* The authentication method the server asked for (final once connected). */
enum pg_auth pg_auth_method(const struct pg_conn *c);
/* The last error recorded (an ErrorResponse or the library's own), cls PG_ERR_NONE if none yet. */
const struct pg_error *pg_last_error(const struct pg_conn *c);

/* A statement parameter, sent in binary: make one with pg_param_*. */
struct pg_param {
    uint32_t oid;     /* its type, or 0 to let the server infer it */
    const void *data; /* NULL with len 8: the value is in inline_value */
    int32_t len;      /* -1: SQL NULL */
    uint8_t inline_value[8];
};

/* A bytea parameter of len bytes (data may be NULL when len is 0). */
struct pg_param pg_param_bytea(const void *data, size_t len);
/* A text parameter (UTF-8, no NUL inside). */
struct pg_param pg_param_text(const char *s);
/* An int8 parameter (its bytes live in the struct, so copies of it stay valid). */
struct pg_param pg_param_int8(int64_t v);
/* A NULL of type oid. */
struct pg_param pg_param_null(uint32_t oid);

/* Queues a simple Query (several statements separated by ';' allowed); needs PG_STATE_READY. */
long pg_query(struct pg_conn *c, const char *sql);
/*
 * Queues sql with n binary parameters ($1..$n) through the extended protocol (Parse, Bind, Describe,
 * Execute, Sync of the unnamed statement and portal), its columns in result_format. Needs
 * PG_STATE_READY; returns 0, ERR_INVALID_ARG, ERR_BAD_STATE or ERR_TOO_LARGE (nothing queued then).
 */
long pg_exec(struct pg_conn *c, const char *sql, const struct pg_param *params, unsigned n,
             int16_t result_format);
/* Queue BEGIN, COMMIT and ROLLBACK. */
long pg_begin(struct pg_conn *c);
long pg_commit(struct pg_conn *c);
long pg_rollback(struct pg_conn *c);

/* Value i of a row (checked when the row was parsed). Returns 0 or ERR_NOT_FOUND past the last. */
long pg_row_get(const struct pg_row *row, unsigned i, struct pg_value *v);
/* A binary int8 or int4 value. Returns 0 or ERR_BAD_FORMAT (null, wrong length). */
long pg_value_int8(const struct pg_value *v, int64_t *out);
long pg_value_int4(const struct pg_value *v, int32_t *out);

/* The class of a five-character SQLSTATE. */
enum pg_errclass pg_errclass_of(const char *sqlstate);
/* A Warp ERR_* code for an error (ERR_ALREADY_EXISTS for a unique violation, ERR_PERMISSION for auth, ...). */
long pg_err_to_warp(const struct pg_error *e);
/* The name of an error class, for logs. */
const char *pg_errclass_str(enum pg_errclass cls);

/* Reconnect pacing: delays double from base_ms up to cap_ms. */
struct pg_backoff {
    uint32_t base_ms;
    uint32_t cap_ms;
};

/*
 * The delay before reconnect attempt `attempt` (0 for the first retry): half of min(cap, base * 2^attempt)
 * plus a jitter in [0, that half] taken from random, so that many clients do not return in step.
 */
uint32_t pg_backoff_delay(const struct pg_backoff *b, unsigned attempt, uint32_t random);
