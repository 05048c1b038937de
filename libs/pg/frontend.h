/* frontend.h: the messages the client sends, encoded into a bounded buffer, and the output queue they go to. */
#pragma once

#include "wire.h"
#include <pg/pg.h>

/* A wbuf over the free end of c's output (unsent bytes moved to the front first). */
struct wbuf fe_begin(struct pg_conn *c);
/* Queues what w holds, all or nothing: returns 0, or ERR_TOO_LARGE if it overflowed (nothing queued). */
long fe_commit(struct pg_conn *c, const struct wbuf *w);

/* StartupMessage, protocol 3.0: user, database, application_name (when not empty), client_encoding UTF8. */
void fe_startup(struct wbuf *w, const char *user, const char *database, const char *application_name);
/* PasswordMessage holding a NUL-terminated password (cleartext or "md5..."). */
void fe_password(struct wbuf *w, const char *password);
/* SASLInitialResponse: the mechanism and the client-first-message. */
void fe_sasl_initial(struct wbuf *w, const char *mechanism, const char *data, size_t len);
/* SASLResponse: the client-final-message. */
void fe_sasl_response(struct wbuf *w, const char *data, size_t len);
/* Query: a simple query string. */
void fe_query(struct wbuf *w, const char *sql);
/* Parse of the unnamed statement with the parameters' type OIDs. */
void fe_parse(struct wbuf *w, const char *sql, const struct pg_param *params, unsigned n);
/* Bind of the unnamed portal: every parameter in binary, every column in result_format. */
void fe_bind(struct wbuf *w, const struct pg_param *params, unsigned n, int16_t result_format);
/* Describe of the unnamed portal. */
void fe_describe_portal(struct wbuf *w);
/* Execute of the unnamed portal, all rows. */
void fe_execute(struct wbuf *w);
/* Sync: ends the extended-protocol batch. */
void fe_sync(struct wbuf *w);
/* Terminate. */
void fe_terminate(struct wbuf *w);
